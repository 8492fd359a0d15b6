#include "core/prefetch/resumabledownload.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <algorithm>

namespace tfhub {

namespace {

constexpr qint64 kReadChunk = 256 * 1024;
// Bounds the bytes Qt holds for us: a sink that blocks then stops the socket from being read,
// which slows the server down through TCP.
constexpr qint64 kReplyBuffer = 1024 * 1024;
constexpr int kMaxBackoffMs = 30000;
constexpr int kNameRetries = 2; // a failed name lookup is tried again this many times

bool isTransientHttp(int status)
{
    return status == 429 || status >= 500;
}

bool isTransientNetwork(QNetworkReply::NetworkError e)
{
    switch (e) {
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyTimeoutError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::OperationCanceledError:
    case QNetworkReply::InternalServerError:
    case QNetworkReply::ServiceUnavailableError:
    case QNetworkReply::UnknownServerError:
        return true;
    default:
        return false;
    }
}

// Content-Range: bytes START-END/TOTAL (or bytes */TOTAL); -1 for what is missing.
void parseContentRange(const QByteArray &range, qint64 *start, qint64 *total)
{
    *start = -1;
    *total = -1;
    if (!range.startsWith("bytes "))
        return;
    const QByteArray spec = range.mid(6);
    const qsizetype dash = spec.indexOf('-');
    if (dash > 0)
        *start = spec.left(dash).toLongLong();
    const QByteArray t = spec.mid(spec.indexOf('/') + 1);
    *total = t == "*" ? -1 : t.toLongLong();
}

} // namespace

ResumableDownload::ResumableDownload(
    QNetworkAccessManager *nam, DownloadSink *sink, TransportOptions options, QObject *parent)
    : QObject(parent), m_nam(nam), m_sink(sink), m_options(options), m_stallTimer(this), m_retryTimer(this)
{
    m_stallTimer.setSingleShot(true);
    m_stallTimer.setInterval(m_options.stallSecs * 1000);
    connect(&m_stallTimer, &QTimer::timeout, this, &ResumableDownload::onStall);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        m_redirects = 0;
        if (m_offset == 0)
            m_currentUrl = m_startUrl;
        send(m_currentUrl);
    });
}

ResumableDownload::~ResumableDownload()
{
    abort();
}

void ResumableDownload::start(const QUrl &url, const QString &name)
{
    m_name = name;
    m_startUrl = url;
    m_currentUrl = url;
    m_redirects = 0;
    send(url);
}

void ResumableDownload::abort()
{
    m_done = true;
    m_stallTimer.stop();
    m_retryTimer.stop();
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
}

void ResumableDownload::send(const QUrl &url)
{
    if (m_done)
        return;
    QNetworkRequest request = hubrequest::make(url, m_options);
    if (!m_authorization.isEmpty() && url.host() == m_options.authorizeHost)
        request.setRawHeader("Authorization", m_authorization);
    m_resumeRequested = m_offset > 0;
    if (m_resumeRequested) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_offset) + '-');
        if (!m_validator.isEmpty())
            request.setRawHeader("If-Range", m_validator);
    }
    Q_EMIT connecting(m_attempt, m_attempt > 1 ? tr("attempt %1").arg(m_attempt) : QString());
    m_reply = m_nam->get(request);
    m_reply->setReadBufferSize(kReplyBuffer);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &ResumableDownload::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &ResumableDownload::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ResumableDownload::onFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &e) { m_sslErrors = e; });
    m_sslErrors.clear();
    m_stallTimer.start();
}

bool ResumableDownload::restartSink()
{
    if (m_done)
        return false;
    if (Status s = m_sink->restart(); !s) {
        fail(s.error());
        return false;
    }
    m_offset = 0;
    Q_EMIT progressed(0);
    return true;
}

void ResumableDownload::onMetaData()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    const int status = hubrequest::status(reply);
    if (status < 200 || status >= 300)
        return; // redirects and errors are handled when the reply finishes
    if (status == 206) {
        qint64 start = -1, total = -1;
        parseContentRange(reply->rawHeader("Content-Range"), &start, &total);
        if (start != m_offset) {
            // Data from the wrong offset cannot be written: start over from the beginning. The
            // sink restarts first, since the abort below may end the download (last attempt).
            const QString why = tr("the server resumed at byte %1 instead of %2").arg(start).arg(m_offset);
            if (!restartSink())
                return;
            m_aborting = true;
            m_abortReason = why;
            reply->abort();
            return;
        }
        m_expectedEnd = total;
        Q_EMIT bodyStarted(m_expectedEnd, false);
        return;
    }
    // The server ignored the range or the file changed: start over.
    if (m_offset > 0 && !restartSink())
        return;
    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    m_expectedEnd = length.isValid() ? length.toLongLong() : -1;
    QByteArray validator = reply->rawHeader("ETag");
    if (validator.isEmpty() || validator.startsWith("W/"))
        validator = reply->rawHeader("Last-Modified");
    m_validator = validator;
    Q_EMIT bodyStarted(m_expectedEnd, true);
}

void ResumableDownload::onReadyRead()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_aborting || m_done)
        return;
    const int status = hubrequest::status(reply);
    m_stallTimer.start();
    if (status != 200 && status != 206) {
        // An error or redirect body is not the file: drain it, since with the bounded reply buffer
        // an unread body would never finish; past the bound, stop (the status is all we need).
        m_discarded += reply->skip(reply->bytesAvailable());
        if (m_discarded > kReplyBuffer) {
            m_aborting = true;
            m_abortReason.clear();
            reply->abort();
        }
        return;
    }
    while (reply->bytesAvailable() > 0) {
        // Exactly what is there, so the array has no spare room and the sink may keep it as it
        // is instead of copying it (ArchiveExtractor::feed()).
        const QByteArray chunk = reply->read(std::min(kReadChunk, reply->bytesAvailable()));
        if (chunk.isEmpty())
            break;
        if (Status s = m_sink->write(chunk); !s) {
            m_aborting = true;
            m_abortReason.clear();
            m_sinkError = s.error();
            reply->abort();
            return;
        }
        m_offset += chunk.size();
    }
    Q_EMIT progressed(m_offset);
}

void ResumableDownload::onStall()
{
    if (!m_reply)
        return;
    m_aborting = true;
    m_abortReason = tr("no data received for %1 s").arg(m_options.stallSecs);
    m_reply->abort();
}

bool ResumableDownload::handleRedirect(QNetworkReply *reply, int status)
{
    if (!hubrequest::isRedirect(status))
        return false;
    const QUrl target = hubrequest::redirectTarget(reply);
    if (!target.isValid()) {
        fail(tr("%1 answered %2 without a Location.").arg(reply->url().toString()).arg(status));
    } else if (!hubrequest::isFollowable(target)) {
        fail(tr("%1 redirected to %2, which is not an http(s) URL.")
                 .arg(reply->url().toString(), QString::fromUtf8(reply->rawHeader("Location"))));
    } else if (++m_redirects > m_options.maxRedirects) {
        fail(tr("Too many redirects (more than %1) while downloading %2.")
                 .arg(m_options.maxRedirects)
                 .arg(m_name));
    } else {
        m_currentUrl = target;
        send(target);
    }
    return true;
}

bool ResumableDownload::handleHttpError(QNetworkReply *reply, int status)
{
    if (status == 416 && m_resumeRequested) {
        qint64 start = -1, total = -1;
        parseContentRange(reply->rawHeader("Content-Range"), &start, &total);
        if (total == m_offset && (m_expectedEnd < 0 || m_expectedEnd == m_offset)) {
            // Every byte had arrived; only the end of the previous response was lost.
            succeed();
            return true;
        }
        fail(tr("%1 announced %2 bytes but has only %3 (it answered HTTP 416 to a request for the rest).")
                 .arg(reply->url().toString())
                 .arg(m_expectedEnd)
                 .arg(m_offset));
        return true;
    }
    if (status < 400)
        return false;
    const QString statusText = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    const QString what
        = tr("%1 answered HTTP %2 %3").arg(reply->url().toString()).arg(status).arg(statusText);
    if (isTransientHttp(status)) {
        bool ok = false;
        const int retryAfter = reply->rawHeader("Retry-After").toInt(&ok);
        m_retryAfterMs = ok && retryAfter > 0 ? qMin(retryAfter * 1000, kMaxBackoffMs) : 0;
        retryOrFail(what);
        return true;
    }
    if (authorizeAfterRefusal(reply, status, what))
        return true;
    // A resumed request to a redirect target (a signed URL, say) may have expired: go back to the start.
    if (m_resumeRequested && m_currentUrl != m_startUrl
        && (status == 403 || status == 404 || status == 410)) {
        m_currentUrl = m_startUrl;
        m_resumeRequested = false;
        if (restartSink())
            retryOrFail(what);
        return true;
    }
    fail(what);
    return true;
}

// A private Cloud Storage object is refused to an anonymous request (401, or 403 for a bucket that
// is not public): ask once for credentials and send the same request again with them.
bool ResumableDownload::authorizeAfterRefusal(QNetworkReply *reply, int status, const QString &what)
{
    if ((status != 401 && status != 403) || !m_options.authorize
        || reply->url().host() != m_options.authorizeHost)
        return false;
    if (m_authorizeAsked) {
        fail(tr("%1, also with Google credentials: they give no access to this object.").arg(what));
        return true;
    }
    m_authorizeAsked = true;
    const Result<QByteArray> header = m_options.authorize();
    if (!header) {
        fail(tr("%1: %2").arg(what, header.error()));
        return true;
    }
    m_authorization = *header;
    send(reply->url());
    return true;
}

void ResumableDownload::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    m_stallTimer.stop();
    if (m_done)
        return;
    const bool aborted = m_aborting;
    m_aborting = false;
    m_discarded = 0;
    // The status first: a redirect or an error stays one even when its body was cut short.
    const int status = hubrequest::status(reply);
    if (handleRedirect(reply, status) || handleHttpError(reply, status))
        return;
    if (aborted && !m_abortReason.isEmpty()) {
        const QString why = m_abortReason;
        m_abortReason.clear();
        return retryOrFail(why);
    }
    if (aborted) // the sink refused the bytes
        return fail(m_sinkError);

    const QNetworkReply::NetworkError error = reply->error();
    if (error == QNetworkReply::SslHandshakeFailedError)
        return fail(hubrequest::certificateProblem(reply->url(), m_sslErrors, reply->errorString()));
    // A name lookup can fail for a moment (a network coming back, a resolver restarting), but a
    // mistyped host never resolves: a couple of short retries, not the whole backoff ladder.
    if (error == QNetworkReply::HostNotFoundError) {
        const QString why = tr("cannot resolve %1 (%2)").arg(reply->url().host(), reply->url().toString());
        if (m_nameRetries >= qMin(kNameRetries, m_options.retries))
            return fail(m_attempt > 1 ? tr("%1, tried %2 times").arg(why).arg(m_attempt) : why);
        ++m_nameRetries;
        return retryOrFail(why);
    }
    const bool truncated = m_expectedEnd >= 0 && m_offset < m_expectedEnd;
    if (error != QNetworkReply::NoError || truncated) {
        const QString why = error != QNetworkReply::NoError
            ? tr("%1: %2").arg(reply->url().toString(), reply->errorString())
            : tr("the connection ended after %1 of %2 bytes").arg(m_offset).arg(m_expectedEnd);
        if (error == QNetworkReply::NoError || isTransientNetwork(error))
            return retryOrFail(why);
        return fail(why);
    }
    succeed();
}

void ResumableDownload::succeed()
{
    m_done = true;
    Q_EMIT succeeded();
}

void ResumableDownload::retryOrFail(const QString &why)
{
    if (m_attempt > m_options.retries) {
        fail(tr("Download of %1 failed after %2 attempts: %3.").arg(m_name).arg(m_attempt).arg(why));
        return;
    }
    const int delay = m_retryAfterMs > 0
        ? m_retryAfterMs
        : qMin(m_options.backoffMs << qMin(m_attempt - 1, 15), kMaxBackoffMs);
    m_retryAfterMs = 0;
    ++m_attempt;
    Q_EMIT connecting(m_attempt, tr("retrying in %1 s: %2").arg(qMax(1, delay / 1000)).arg(why));
    m_retryTimer.setInterval(delay);
    m_retryTimer.start();
}

void ResumableDownload::fail(const QString &message)
{
    if (m_done)
        return;
    abort();
    Q_EMIT failed(message);
}

} // namespace tfhub
