#include "core/prefetch/prefetchjob.h"

#include "core/archive/archiveextractor.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcessEnvironment>
#include <QSslConfiguration>
#include <QUuid>

#include <cerrno>
#include <cstdio>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::PrefetchJob", text);
}

constexpr qint64 kReadChunk = 256 * 1024;
constexpr qint64 kReplyBuffer = 1024 * 1024;
constexpr int kMaxBackoffMs = 30000;

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

} // namespace

PrefetchOptions PrefetchOptions::fromEnvironment(const HubSettings &settings)
{
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    PrefetchOptions o;
    o.cacheRoot = settings.cacheDir;
    o.loadFormat = settings.loadFormat;
    o.storageHost = env.value(QStringLiteral("STORAGE_EMULATOR_HOST"));
    o.disableTlsVerification
        = env.value(QStringLiteral("TFHUB_DISABLE_CERT_VALIDATION")) == QLatin1String("true");
    return o;
}

QString phaseName(PrefetchPhase phase)
{
    switch (phase) {
    case PrefetchPhase::Queued:
        return tr("queued");
    case PrefetchPhase::WaitingForLock:
        return tr("waiting for lock");
    case PrefetchPhase::Connecting:
        return tr("connecting");
    case PrefetchPhase::Downloading:
        return tr("downloading");
    case PrefetchPhase::Finalising:
        return tr("finalising");
    case PrefetchPhase::Done:
        return tr("done");
    case PrefetchPhase::Failed:
        return tr("failed");
    case PrefetchPhase::Cancelled:
        return tr("cancelled");
    }
    return QString();
}

PrefetchJob::PrefetchJob(Handle handle, PrefetchOptions options, QObject *parent)
    : QObject(parent)
    , m_handle(std::move(handle))
    , m_options(std::move(options))
    , m_lockTimer(this)
    , m_stallTimer(this)
    , m_retryTimer(this)
{
    // The timers are children so that moveToThread() takes them along to the download thread.
    qRegisterMetaType<PrefetchProgress>();
    qRegisterMetaType<PrefetchResult>();
    if (m_options.localHost.isEmpty())
        m_options.localHost = util::hostName();
    m_paths = EntryPaths { m_options.cacheRoot, m_handle.cacheKey() };
    m_uid = QUuid::createUuid().toString(QUuid::Id128);
    m_lockContent = cache::lockContent(m_options.localHost, QCoreApplication::applicationPid(), m_uid);
    m_lockTimer.setInterval(m_options.lockPollMs);
    connect(&m_lockTimer, &QTimer::timeout, this, &PrefetchJob::pollLock);
    m_stallTimer.setSingleShot(true);
    m_stallTimer.setInterval(m_options.stallSecs * 1000);
    connect(&m_stallTimer, &QTimer::timeout, this, &PrefetchJob::onStall);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, [this] {
        m_redirects = 0;
        sendRequest(m_offset > 0 ? m_currentUrl : m_startUrl, m_offset == 0);
    });
}

PrefetchJob::~PrefetchJob()
{
    if (!isFinished()) {
        m_aborting = true;
        if (m_reply)
            m_reply->abort();
        cleanupDownload();
    }
}

bool PrefetchJob::isFinished() const
{
    return m_progress.phase == PrefetchPhase::Done || m_progress.phase == PrefetchPhase::Failed
        || m_progress.phase == PrefetchPhase::Cancelled;
}

void PrefetchJob::start()
{
    if (m_progress.phase != PrefetchPhase::Queued)
        return;
    m_nam = new QNetworkAccessManager(this);
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);

    if (m_options.loadFormat == LoadFormat::Invalid && m_handle.isHttp()) {
        finish(PrefetchPhase::Failed,
            tr("TFHUB_MODEL_LOAD_FORMAT is not COMPRESSED, UNCOMPRESSED or AUTO; "
               "tensorflow_hub would not download %1.")
                .arg(m_handle.text()));
        return;
    }
    if (m_handle.isHttp() && m_options.loadFormat == LoadFormat::Uncompressed) {
        queryUncompressed();
        return;
    }
    if (!m_handle.isCached(m_options.loadFormat)) {
        finish(PrefetchPhase::Failed,
            tr("%1 is used in place by tensorflow_hub; there is nothing to download.").arg(m_handle.text()));
        return;
    }
    m_startUrl = QUrl(m_handle.compressedUrl(m_options.storageHost), QUrl::StrictMode);
    if (!m_startUrl.isValid()) {
        finish(PrefetchPhase::Failed,
            tr("%1 does not make a valid download URL: %2").arg(m_handle.text(), m_startUrl.errorString()));
        return;
    }
    // The library's fast path: a non-empty folder is complete, no lock and no network.
    const util::PathInfo folder = util::stat(m_paths.folder());
    if (folder.isDir
        && !QDir(m_paths.folder())
                .isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        m_result.alreadyCached = true;
        m_result.path = m_paths.folder();
        finish(PrefetchPhase::Done, tr("Already cached."));
        return;
    }
    tryLock();
}

void PrefetchJob::tryLock()
{
    const Result<bool> got = cache::tryAcquireLock(m_paths, m_lockContent);
    if (!got) {
        finish(PrefetchPhase::Failed, got.error());
        return;
    }
    if (*got) {
        m_haveLock = true;
        m_lockTimer.stop();
        beginDownload();
        return;
    }
    if (!m_watcher)
        m_watcher = std::make_unique<LockWatcher>(
            m_paths, m_options.localHost, m_options.graceSecs, m_options.noProgressSecs);
    pollLock();
    if (!isFinished() && !m_haveLock && !m_lockTimer.isActive())
        m_lockTimer.start();
}

void PrefetchJob::pollLock()
{
    const LockWatcher::Verdict v = m_watcher->check();
    switch (v) {
    case LockWatcher::Verdict::Gone:
        m_lockTimer.stop();
        tryLock();
        return;
    case LockWatcher::Verdict::Wait:
        setPhase(
            PrefetchPhase::WaitingForLock, tr("waiting for another download: %1").arg(m_watcher->reason()));
        return;
    case LockWatcher::Verdict::TakeOver: {
        // Remove the dead holder's tmp folder, then its lock if it is still the one we judged.
        Q_EMIT warning(tr("Taking over the lock of %1: %2.").arg(m_handle.text(), m_watcher->reason()));
        if (m_watcher->owner().valid) {
            if (Status s = util::removeTree(m_paths.tmpFolder(m_watcher->owner().uid)); !s) {
                finish(PrefetchPhase::Failed, s.error());
                return;
            }
        }
        if (cache::readLock(m_paths) == m_watcher->content())
            QFile::remove(m_paths.lock());
        m_watcher.reset();
        m_lockTimer.stop();
        tryLock();
        return;
    }
    }
}

void PrefetchJob::beginDownload()
{
    // Someone may have finished it while we waited.
    const util::PathInfo folder = util::stat(m_paths.folder());
    if (folder.isDir) {
        if (!QDir(m_paths.folder())
                 .isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
            m_result.alreadyCached = true;
            m_result.path = m_paths.folder();
            finish(PrefetchPhase::Done, tr("Already cached (downloaded by another process meanwhile)."));
            return;
        }
        if (Status s = util::removeTree(m_paths.folder()); !s) { // the library deletes an empty folder too
            finish(PrefetchPhase::Failed, s.error());
            return;
        }
    }
    if (!restartExtraction())
        return;
    m_rateClock.start();
    sendRequest(m_startUrl, true);
}

void PrefetchJob::sendRequest(const QUrl &url, bool fromHandle)
{
    if (isFinished())
        return;
    if (fromHandle) {
        m_redirects = 0;
        m_currentUrl = url;
    }
    QNetworkRequest request(url);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setRawHeader("User-Agent", "tfhub-cache-manager/" TFHUB_VERSION);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (m_options.disableTlsVerification && url.scheme() == QLatin1String("https")) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(ssl);
    }
    m_resumeRequested = m_offset > 0;
    if (m_resumeRequested) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_offset) + '-');
        if (!m_validator.isEmpty())
            request.setRawHeader("If-Range", m_validator);
    }
    setPhase(PrefetchPhase::Connecting, m_attempt > 1 ? tr("attempt %1").arg(m_attempt) : QString());
    m_reply = m_nam->get(request);
    m_reply->setReadBufferSize(kReplyBuffer);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &PrefetchJob::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &PrefetchJob::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &PrefetchJob::onReplyFinished);
    m_stallTimer.start();
}

void PrefetchJob::onMetaData()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status < 200 || status >= 300)
        return; // redirects and errors are handled when the reply finishes
    const qint64 length = reply->header(QNetworkRequest::ContentLengthHeader).isValid()
        ? reply->header(QNetworkRequest::ContentLengthHeader).toLongLong()
        : -1;
    if (status == 206) {
        // Content-Range: bytes START-END/TOTAL must start where we stopped.
        const QByteArray range = reply->rawHeader("Content-Range");
        qint64 start = -1, total = -1;
        if (range.startsWith("bytes ")) {
            const QByteArray spec = range.mid(6);
            start = spec.left(spec.indexOf('-')).toLongLong();
            const QByteArray t = spec.mid(spec.indexOf('/') + 1);
            total = t == "*" ? -1 : t.toLongLong();
        }
        if (start != m_offset) {
            // Data from the wrong offset cannot be fed: start over from the beginning. The fresh
            // extractor comes first, since the abort below may end the job (last attempt).
            const QString why = tr("the server resumed at byte %1 instead of %2").arg(start).arg(m_offset);
            if (!restartExtraction())
                return;
            m_aborting = true;
            m_abortReason = why;
            reply->abort();
            return;
        }
        m_replyStart = m_offset;
        m_expectedEnd = total;
    } else {
        if (m_offset > 0) {
            // The server ignored the range or the file changed: start over with a fresh extractor.
            if (!restartExtraction())
                return;
        }
        m_replyStart = 0;
        m_expectedEnd = length;
        QByteArray validator = reply->rawHeader("ETag");
        if (validator.isEmpty() || validator.startsWith("W/"))
            validator = reply->rawHeader("Last-Modified");
        m_validator = validator;
        if (length > 0) {
            const util::VolumeInfo vol = util::volumeInfo(m_options.cacheRoot);
            if (vol.freeBytes >= 0 && vol.freeBytes < length) {
                const QString w
                    = tr("%1 has %2 free, but the archive alone is %3; the download will likely fail.")
                          .arg(m_options.cacheRoot, QLocale::c().formattedDataSize(vol.freeBytes),
                              QLocale::c().formattedDataSize(length));
                m_result.warnings << w;
                Q_EMIT warning(w);
            }
        }
    }
    m_progress.total = m_expectedEnd;
    setPhase(PrefetchPhase::Downloading);
}

bool PrefetchJob::restartExtraction()
{
    if (isFinished())
        return false; // our tmp folder is gone for good
    if (m_extractor) {
        m_extractor->cancel();
        m_extractor.reset();
    }
    if (Status s = util::removeTree(m_paths.tmpFolder(m_uid)); !s) {
        finish(PrefetchPhase::Failed, s.error());
        return false;
    }
    if (!QDir().mkdir(m_paths.tmpFolder(m_uid))) {
        finish(PrefetchPhase::Failed,
            tr("Cannot create %1: %2").arg(m_paths.tmpFolder(m_uid), util::errnoText(errno)));
        return false;
    }
    m_extractor = std::make_unique<ArchiveExtractor>(m_paths.tmpFolder(m_uid), m_handle.text());
    m_offset = 0;
    m_progress.received = 0;
    return true;
}

void PrefetchJob::onReadyRead()
{
    QNetworkReply *reply = m_reply;
    if (!reply || m_aborting || isFinished())
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200 && status != 206)
        return; // an error or redirect body: not archive data
    m_stallTimer.start();
    while (reply->bytesAvailable() > 0) {
        const QByteArray chunk = reply->read(kReadChunk);
        if (chunk.isEmpty())
            break;
        // Blocks while the extractor's queue is full; the bounded reply buffer then stops reading
        // the socket, which slows the server down through TCP.
        if (!m_extractor->feed(chunk)) {
            m_aborting = true;
            m_abortReason.clear();
            reply->abort();
            return;
        }
        m_offset += chunk.size();
        m_progress.received = m_offset;
        m_rateBytes += chunk.size();
    }
    emitProgress(false);
}

void PrefetchJob::onStall()
{
    if (!m_reply)
        return;
    m_aborting = true;
    m_abortReason = tr("no data received for %1 s").arg(m_options.stallSecs);
    m_reply->abort();
}

void PrefetchJob::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    m_stallTimer.stop();
    if (isFinished())
        return;
    const bool aborted = m_aborting;
    m_aborting = false;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();

    const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (!aborted && redirect) {
        const QByteArray location = reply->rawHeader("Location");
        const QUrl target = reply->url().resolved(QUrl::fromEncoded(location));
        if (location.isEmpty())
            return finish(PrefetchPhase::Failed,
                tr("%1 answered %2 without a Location.").arg(reply->url().toString()).arg(status));
        if (target.scheme() != QLatin1String("http") && target.scheme() != QLatin1String("https"))
            return finish(PrefetchPhase::Failed,
                tr("%1 redirected to %2, which is not an http(s) URL.")
                    .arg(reply->url().toString(), QString::fromUtf8(location)));
        if (++m_redirects > m_options.maxRedirects)
            return finish(PrefetchPhase::Failed,
                tr("Too many redirects (more than %1) while downloading %2.")
                    .arg(m_options.maxRedirects)
                    .arg(m_handle.text()));
        m_currentUrl = target;
        sendRequest(target, false);
        return;
    }
    if (!aborted && status == 416 && m_resumeRequested) {
        return finish(PrefetchPhase::Failed,
            tr("%1 announced %2 bytes but has only %3 (it answered HTTP 416 to a request for the rest).")
                .arg(reply->url().toString())
                .arg(m_expectedEnd)
                .arg(m_offset));
    }
    if (!aborted && status >= 400) {
        const QString statusText = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        const QString what
            = tr("%1 answered HTTP %2 %3").arg(reply->url().toString()).arg(status).arg(statusText);
        if (isTransientHttp(status)) {
            bool ok = false;
            const int retryAfter = reply->rawHeader("Retry-After").toInt(&ok);
            m_retryAfterMs = ok && retryAfter > 0 ? qMin(retryAfter * 1000, kMaxBackoffMs) : 0;
            return retryOrFail(what);
        }
        // A resumed request to a redirect target (a signed URL, say) may have expired: go back to the handle.
        if (m_resumeRequested && m_currentUrl != m_startUrl
            && (status == 403 || status == 404 || status == 410)) {
            m_currentUrl = m_startUrl;
            m_resumeRequested = false;
            if (restartExtraction())
                retryOrFail(what);
            return;
        }
        return finish(PrefetchPhase::Failed, what);
    }
    if (aborted && !m_abortReason.isEmpty()) {
        const QString why = m_abortReason;
        m_abortReason.clear();
        return retryOrFail(why);
    }
    if (aborted) // feed() refused: the extractor stopped, and finish() tells why
        return finish(PrefetchPhase::Failed, m_extractor ? m_extractor->finish().error() : tr("Cancelled."));

    const bool truncated = m_expectedEnd >= 0 && m_offset < m_expectedEnd;
    if (error != QNetworkReply::NoError || truncated) {
        const QString why = error != QNetworkReply::NoError
            ? tr("%1: %2").arg(reply->url().toString(), reply->errorString())
            : tr("the connection ended after %1 of %2 bytes").arg(m_offset).arg(m_expectedEnd);
        if (error == QNetworkReply::NoError || isTransientNetwork(error))
            return retryOrFail(why);
        return finish(PrefetchPhase::Failed, why);
    }
    finalise();
}

void PrefetchJob::retryOrFail(const QString &why)
{
    if (m_attempt > m_options.retries) {
        finish(PrefetchPhase::Failed,
            tr("Download of %1 failed after %2 attempts: %3.").arg(m_handle.text()).arg(m_attempt).arg(why));
        return;
    }
    const int delay = m_retryAfterMs > 0
        ? m_retryAfterMs
        : qMin(m_options.backoffMs << qMin(m_attempt - 1, 15), kMaxBackoffMs);
    m_retryAfterMs = 0;
    ++m_attempt;
    m_progress.attempt = m_attempt;
    setPhase(PrefetchPhase::Connecting, tr("retrying in %1 s: %2").arg(qMax(1, delay / 1000)).arg(why));
    m_retryTimer.setInterval(delay);
    m_retryTimer.start();
}

void PrefetchJob::finalise()
{
    setPhase(PrefetchPhase::Finalising);
    const Status extracted = m_extractor->finish();
    if (!extracted) {
        finish(PrefetchPhase::Failed, extracted.error());
        return;
    }
    const QString tmp = m_paths.tmpFolder(m_uid);
    if (QDir(tmp).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        finish(PrefetchPhase::Failed,
            tr("%1 does not appear to be a valid module: the archive is empty.").arg(m_handle.text()));
        return;
    }
    Manifest manifest;
    manifest.handle = m_handle.text();
    manifest.key = m_paths.key;
    manifest.url = m_currentUrl.toString(QUrl::FullyEncoded);
    manifest.archiveBytes = m_offset;
    manifest.archiveSha256 = m_extractor->archiveSha256();
    manifest.downloaded = QDateTime::currentDateTime();
    for (const ArchiveExtractor::FileRecord &f : m_extractor->manifest())
        manifest.files.append({ f.path, f.size, f.sha256 });
    const ArchiveExtractor::Stats stats = m_extractor->stats();
    m_progress.written = stats.writtenBytes;
    m_progress.files = stats.filesWritten;

    // The library writes the descriptor before the rename; so do we, plus our manifest.
    const QByteArray descriptor = Descriptor::serialize(
        m_handle.text(), manifest.downloaded, m_options.localHost, QCoreApplication::applicationPid());
    if (Status s = util::atomicWrite(m_paths.descriptor(), descriptor); !s) {
        finish(PrefetchPhase::Failed, s.error());
        return;
    }
    const util::PathInfo existing = util::stat(m_paths.folder());
    if (existing.exists) {
        // Someone else published meanwhile: keep their copy, as the library does.
        m_result.alreadyCached = true;
        m_result.path = m_paths.folder();
        finish(PrefetchPhase::Done, tr("Module already exists in %1.").arg(m_paths.folder()));
        return;
    }
    // The manifest describes our files: it is written only for the copy we publish (a folder
    // another process published meanwhile keeps whatever manifest it has, if any).
    const QString manifestTemp = m_paths.manifest() + QStringLiteral(".tmp") + m_uid;
    {
        QFile file(manifestTemp);
        const QByteArray json = manifest.toJson();
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly) || file.write(json) != json.size()
            || !file.flush()) {
            const QString why = file.errorString();
            file.remove();
            finish(PrefetchPhase::Failed, tr("Cannot write %1: %2").arg(manifestTemp, why));
            return;
        }
    }
    if (::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(m_paths.folder()).constData()) != 0) {
        const int err = errno;
        QFile::remove(manifestTemp);
        finish(PrefetchPhase::Failed,
            tr("Cannot rename %1 to %2: %3").arg(tmp, m_paths.folder(), util::errnoText(err)));
        return;
    }
    if (::rename(
            QFile::encodeName(manifestTemp).constData(), QFile::encodeName(m_paths.manifest()).constData())
        != 0) {
        const int err = errno;
        QFile::remove(manifestTemp);
        m_result.warnings << tr("The model is in place, but its manifest could not be written: %1")
                                 .arg(util::errnoText(err));
    }
    m_result.path = m_paths.folder();
    finish(PrefetchPhase::Done, tr("Downloaded %1 (%2 files).").arg(m_handle.text()).arg(stats.filesWritten));
}

void PrefetchJob::queryUncompressed()
{
    setPhase(PrefetchPhase::Connecting);
    QNetworkRequest request(QUrl(m_handle.uncompressedUrl(), QUrl::StrictMode));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(m_options.stallSecs * 1000);
    QNetworkReply *reply = m_nam->get(request);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_reply = nullptr;
        if (isFinished())
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0) {
            finish(PrefetchPhase::Failed, tr("%1: %2").arg(reply->url().toString(), reply->errorString()));
            return;
        }
        const QByteArray body = reply->readAll();
        // The library's exact messages.
        if (status != 303) {
            finish(PrefetchPhase::Failed,
                QStringLiteral("Expected 303 See other HTTP response but received code %1").arg(status));
            return;
        }
        const QString location = QString::fromUtf8(body);
        if (!location.startsWith(QLatin1String("gs://"))) {
            finish(PrefetchPhase::Failed,
                QStringLiteral("Expected server to return a GCS location but received %1").arg(location));
            return;
        }
        m_result.remoteLocation = location;
        m_result.path = location;
        finish(PrefetchPhase::Done,
            tr("With UNCOMPRESSED, tensorflow_hub reads this model from %1; nothing is cached.")
                .arg(location));
    });
}

void PrefetchJob::cancel()
{
    // finish() detaches the reply before aborting it, so its error cannot turn into a failure.
    finish(PrefetchPhase::Cancelled, tr("Cancelled."));
}

void PrefetchJob::cleanupDownload()
{
    m_lockTimer.stop();
    m_stallTimer.stop();
    m_retryTimer.stop();
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
    if (m_extractor) {
        m_extractor->cancel();
        m_extractor.reset();
    }
    // Always: our own tmp folder goes, and our lock only if it is still ours.
    if (Status s = util::removeTree(m_paths.tmpFolder(m_uid)); !s)
        m_result.warnings << s.error();
    if (m_haveLock) {
        cache::releaseLock(m_paths, m_lockContent);
        m_haveLock = false;
    }
}

void PrefetchJob::finish(PrefetchPhase phase, const QString &message)
{
    if (isFinished())
        return;
    cleanupDownload();
    m_result.phase = phase;
    m_result.message = message;
    m_progress.detail = phase == PrefetchPhase::Failed ? message : QString();
    m_progress.phase = phase;
    m_progress.etaSecs = phase == PrefetchPhase::Done ? 0 : -1;
    Q_EMIT progressChanged(m_progress);
    Q_EMIT finished(m_result);
}

void PrefetchJob::setPhase(PrefetchPhase phase, const QString &detail)
{
    const bool changed = phase != m_progress.phase || detail != m_progress.detail;
    m_progress.phase = phase;
    m_progress.detail = detail;
    emitProgress(changed);
}

void PrefetchJob::emitProgress(bool force)
{
    // At most about ten updates a second per job reach the receivers.
    if (!force && m_sinceEmit.isValid() && m_sinceEmit.elapsed() < 100)
        return;
    if (m_extractor) {
        const ArchiveExtractor::Stats s = m_extractor->stats();
        m_progress.written = s.writtenBytes;
        m_progress.files = s.filesWritten;
    }
    if (m_rateClock.isValid() && m_rateClock.elapsed() >= 500) {
        const double instant = m_rateBytes * 1000.0 / static_cast<double>(m_rateClock.elapsed());
        m_progress.bytesPerSec
            = m_progress.bytesPerSec > 0 ? 0.7 * m_progress.bytesPerSec + 0.3 * instant : instant;
        m_rateBytes = 0;
        m_rateClock.restart();
    }
    if (m_progress.total > 0 && m_progress.bytesPerSec > 1)
        m_progress.etaSecs
            = static_cast<qint64>((m_progress.total - m_progress.received) / m_progress.bytesPerSec);
    m_sinceEmit.restart();
    Q_EMIT progressChanged(m_progress);
}

} // namespace tfhub
