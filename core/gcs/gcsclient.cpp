#include "core/gcs/gcsclient.h"

#include "core/gcs/credentials.h"
#include "core/util/tlsconfig.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

using Header = QPair<QByteArray, QByteArray>;

// One HTTP exchange with its retries; the answer of the last attempt.
struct Call
{
    QByteArray method;
    QByteArray url; ///< fully encoded
    QByteArray body;
    QList<Header> headers;

    int status = 0; ///< 0: no HTTP answer (see netError)
    QByteArray reply;
    QList<Header> replyHeaders;
    QString netError;
    bool authFailed = false;
    int attempts = 0;

    QByteArray header(const QByteArray &name) const
    {
        for (const Header &h : replyHeaders) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool ok() const { return status >= 200 && status < 300; }
};

Call makeCall(const QByteArray &method, const QByteArray &url, const QByteArray &body = {},
    const QList<Header> &headers = {})
{
    Call c;
    c.method = method;
    c.url = url;
    c.body = body;
    c.headers = headers;
    return c;
}

QByteArray enc(const QString &text)
{
    return QUrl::toPercentEncoding(text);
}

bool retryable(const Call &c)
{
    if (c.authFailed)
        return false;
    return c.status == 0 || c.status == 408 || c.status == 429 || c.status >= 500;
}

// Why a call failed, in words: the server's own message when it sent one.
QString failure(const Call &c)
{
    if (c.authFailed)
        return c.netError;
    if (c.status == 0) {
        const QUrl url = QUrl::fromEncoded(c.url);
        return tr("no answer from %1://%2:%3 (%4) after %5 attempts")
            .arg(url.scheme(), url.host())
            .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80))
            .arg(c.netError)
            .arg(c.attempts);
    }
    QString message = QJsonDocument::fromJson(c.reply)
                          .object()
                          .value(QStringLiteral("error"))
                          .toObject()
                          .value(QStringLiteral("message"))
                          .toString();
    if (message.isEmpty())
        message = QString::fromUtf8(c.reply.left(200)).simplified();
    QString text = tr("HTTP %1").arg(c.status);
    if (!message.isEmpty())
        text += QStringLiteral(": ") + message;
    if (c.attempts > 1)
        text += QLatin1Char(' ') + tr("(after %1 attempts)").arg(c.attempts);
    return text;
}

ObjectInfo objectFromJson(const QJsonObject &o)
{
    ObjectInfo info;
    info.name = o.value(QStringLiteral("name")).toString();
    info.size = o.value(QStringLiteral("size")).toString().toLongLong();
    info.generation = o.value(QStringLiteral("generation")).toString().toLongLong();
    info.updated
        = QDateTime::fromString(o.value(QStringLiteral("updated")).toString(), Qt::ISODateWithMs).toUTC();
    info.md5Base64 = o.value(QStringLiteral("md5Hash")).toString().toLatin1();
    return info;
}

QString gsName(const QString &bucket, const QString &name)
{
    return QStringLiteral("gs://%1/%2").arg(bucket, name);
}

} // namespace

class GcsClient::Impl
{
public:
    Impl(QUrl endpoint, Bearer bearer, ClientOptions options)
        : m_endpoint(std::move(endpoint)), m_bearer(std::move(bearer)), m_options(options)
    {
    }

    QByteArray base() const { return m_endpoint.toEncoded(QUrl::StripTrailingSlash); }
    QByteArray objectUrl(const QString &bucket, const QString &name) const
    {
        return base() + "/storage/v1/b/" + enc(bucket) + "/o/" + enc(name);
    }

    Call call(const QByteArray &method, const QByteArray &url, const QByteArray &body = {},
        const QList<Header> &headers = {})
    {
        QList<Call> calls { makeCall(method, url, body, headers) };
        runAll(calls, 1);
        return calls.constFirst();
    }

    // Runs every call, `inFlight` at a time, each retried with backoff, until all are answered.
    void runAll(QList<Call> &calls, int inFlight)
    {
        if (calls.isEmpty())
            return;
        QEventLoop loop;
        qsizetype next = 0;
        qsizetype finished = 0;
        std::function<void(qsizetype)> launch;
        const auto done = [&](qsizetype) {
            ++finished;
            if (next < calls.size())
                launch(next++);
            if (finished == calls.size())
                loop.quit();
        };
        launch = [&](qsizetype i) {
            Call &c = calls[i];
            ++c.attempts;
            QNetworkRequest request { QUrl::fromEncoded(c.url, QUrl::StrictMode) };
            request.setAttribute(
                QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
            request.setTransferTimeout(m_options.timeoutMs);
            if (request.url().scheme() == QLatin1String("https"))
                request.setSslConfiguration(util::tlsConfiguration(false));
            for (const Header &h : std::as_const(c.headers))
                request.setRawHeader(h.first, h.second);
            if (m_bearer) {
                const Result<QString> token = m_bearer();
                if (!token) {
                    c.authFailed = true;
                    c.netError = token.error();
                    QTimer::singleShot(0, &loop, [&done, i] { done(i); });
                    return;
                }
                if (!token->isEmpty())
                    request.setRawHeader("Authorization", "Bearer " + token->toUtf8());
            }
            QNetworkReply *reply = m_nam.sendCustomRequest(request, c.method, c.body);
            QObject::connect(reply, &QNetworkReply::finished, &loop, [&, i, reply] {
                reply->deleteLater();
                Call &answered = calls[i];
                answered.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                answered.reply = reply->readAll();
                answered.replyHeaders = reply->rawHeaderPairs();
                answered.netError = reply->errorString();
                if (!retryable(answered) || answered.attempts >= m_options.maxAttempts) {
                    done(i);
                    return;
                }
                QTimer::singleShot(delayMs(answered), &loop, [&launch, i] { launch(i); });
            });
        };
        while (next < calls.size() && next < qMax(1, inFlight))
            launch(next++);
        loop.exec();
    }

    // Retry-After when the server sent one (in seconds), else exponential backoff.
    int delayMs(const Call &c) const
    {
        bool ok = false;
        const int retryAfter = c.header("Retry-After").trimmed().toInt(&ok);
        if (ok && retryAfter >= 0)
            return qMin(retryAfter, 60) * 1000;
        const int exp = qMin(c.attempts - 1, 16);
        return qMin(m_options.maxBackoffMs, m_options.initialBackoffMs << exp);
    }

    // A request with the headers every call carries (TLS, timeout, the bearer).
    Result<QNetworkRequest> request(const QByteArray &url) const
    {
        QNetworkRequest r { QUrl::fromEncoded(url, QUrl::StrictMode) };
        r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        r.setTransferTimeout(m_options.timeoutMs);
        if (r.url().scheme() == QLatin1String("https"))
            r.setSslConfiguration(util::tlsConfiguration(false));
        if (m_bearer) {
            const Result<QString> token = m_bearer();
            if (!token)
                return Error { token.error() };
            if (!token->isEmpty())
                r.setRawHeader("Authorization", "Bearer " + token->toUtf8());
        }
        return r;
    }

    Result<ObjectInfo> resumable(const QString &bucket, const QString &name, QIODevice *source, qint64 size,
        std::optional<qint64> ifGenerationMatch, int *status);

    QUrl m_endpoint;
    Bearer m_bearer;
    ClientOptions m_options;
    QNetworkAccessManager m_nam;
};

GcsClient::GcsClient(QUrl endpoint, Bearer bearer, ClientOptions options)
    : d(std::make_unique<Impl>(std::move(endpoint), std::move(bearer), options))
{
}

GcsClient::~GcsClient() = default;

QUrl GcsClient::endpoint() const
{
    return d->m_endpoint;
}

Result<QList<ObjectInfo>> GcsClient::list(const QString &bucket, const QString &prefix)
{
    QList<ObjectInfo> out;
    QString token;
    do {
        QByteArray url = d->base() + "/storage/v1/b/" + enc(bucket) + "/o?prefix=" + enc(prefix)
            + "&maxResults=" + QByteArray::number(d->m_options.pageSize)
            + "&fields=" + enc(QStringLiteral("items(name,size,updated,generation,md5Hash),nextPageToken"));
        if (!token.isEmpty())
            url += "&pageToken=" + enc(token);
        const Call c = d->call("GET", url);
        if (!c.ok())
            return Error { tr("Cannot list %1: %2").arg(gsName(bucket, prefix), failure(c)) };
        const QJsonObject page = QJsonDocument::fromJson(c.reply).object();
        for (const QJsonValue &item : page.value(QStringLiteral("items")).toArray())
            out << objectFromJson(item.toObject());
        token = page.value(QStringLiteral("nextPageToken")).toString();
    } while (!token.isEmpty());
    return out;
}

Result<QByteArray> GcsClient::read(const QString &bucket, const QString &name, qint64 cap)
{
    const Call c = d->call("GET", d->objectUrl(bucket, name) + "?alt=media");
    if (c.status == 404)
        return Error { tr("%1 does not exist.").arg(gsName(bucket, name)) };
    if (!c.ok())
        return Error { tr("Cannot read %1: %2").arg(gsName(bucket, name), failure(c)) };
    if (cap >= 0 && c.reply.size() > cap)
        return Error { tr("%1 is larger than %2 bytes.").arg(gsName(bucket, name)).arg(cap) };
    return c.reply;
}

Result<std::optional<QByteArray>> GcsClient::readIfExists(
    const QString &bucket, const QString &name, qint64 cap)
{
    const Call c = d->call("GET", d->objectUrl(bucket, name) + "?alt=media");
    if (c.status == 404)
        return std::optional<QByteArray>();
    if (!c.ok())
        return Error { tr("Cannot read %1: %2").arg(gsName(bucket, name), failure(c)) };
    if (cap >= 0 && c.reply.size() > cap)
        return Error { tr("%1 is larger than %2 bytes.").arg(gsName(bucket, name)).arg(cap) };
    return std::optional<QByteArray>(c.reply);
}

Result<qint64> GcsClient::readTo(
    const QString &bucket, const QString &name, const std::function<bool(const char *, qint64)> &sink)
{
    const QByteArray url = d->objectUrl(bucket, name) + "?alt=media";
    Call c = makeCall("GET", url);
    qint64 delivered = 0;
    bool stopped = false;
    for (;;) {
        ++c.attempts;
        const Result<QNetworkRequest> request = d->request(url);
        if (!request)
            return Error { tr("Cannot read %1: %2").arg(gsName(bucket, name), request.error()) };
        QEventLoop loop;
        QNetworkReply *reply = d->m_nam.get(*request);
        reply->setReadBufferSize(1 << 20);
        const auto pull = [&] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status < 200 || status >= 300 || stopped)
                return;
            while (reply->bytesAvailable() > 0) {
                const QByteArray chunk = reply->read(1 << 20);
                if (!sink(chunk.constData(), chunk.size())) {
                    stopped = true;
                    reply->abort();
                    return;
                }
                delivered += chunk.size();
            }
        };
        QObject::connect(reply, &QNetworkReply::readyRead, &loop, pull);
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        pull();
        c.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        c.netError = reply->error() == QNetworkReply::NoError ? QString() : reply->errorString();
        c.replyHeaders = reply->rawHeaderPairs();
        if (!c.ok())
            c.reply = reply->readAll();
        const bool failed = !c.ok() || reply->error() != QNetworkReply::NoError;
        reply->deleteLater();
        if (stopped)
            return Error { tr("Stopped reading %1.").arg(gsName(bucket, name)) };
        if (!failed)
            return delivered;
        if (c.status == 404)
            return Error { tr("%1 does not exist.").arg(gsName(bucket, name)) };
        if (c.ok())
            c.status = 0; // the connection broke in the middle of the body
        if (delivered > 0 || !retryable(c) || c.attempts >= d->m_options.maxAttempts)
            return Error { tr("Cannot read %1: %2").arg(gsName(bucket, name), failure(c)) };
        QEventLoop wait;
        QTimer::singleShot(d->delayMs(c), &wait, &QEventLoop::quit);
        wait.exec();
    }
}

namespace {

QByteArray uploadUrl(const QByteArray &base, const QString &bucket, const QString &name, const char *type,
    std::optional<qint64> ifGenerationMatch)
{
    QByteArray url
        = base + "/upload/storage/v1/b/" + enc(bucket) + "/o?uploadType=" + type + "&name=" + enc(name);
    if (ifGenerationMatch)
        url += "&ifGenerationMatch=" + QByteArray::number(*ifGenerationMatch);
    return url;
}

} // namespace

Result<ObjectInfo> GcsClient::Impl::resumable(const QString &bucket, const QString &name, QIODevice *source,
    qint64 size, std::optional<qint64> ifGenerationMatch, int *status)
{
    const Call start = call("POST", uploadUrl(base(), bucket, name, "resumable", ifGenerationMatch), "{}",
        { { "Content-Type", "application/json; charset=UTF-8" },
            { "X-Upload-Content-Length", QByteArray::number(size) } });
    *status = start.status;
    const QByteArray session = start.header("Location");
    if (!start.ok() || session.isEmpty())
        return Error { tr("Cannot start an upload to %1: %2").arg(gsName(bucket, name), failure(start)) };
    qint64 chunkStart = 0;
    QByteArray chunk;
    while (true) {
        if (chunk.isEmpty() && chunkStart < size) {
            chunk = source->read(qMin(m_options.chunkBytes, size - chunkStart));
            if (chunk.isEmpty())
                return Error { tr("Cannot upload %1: the source ended at byte %2 of %3.")
                                   .arg(gsName(bucket, name))
                                   .arg(chunkStart)
                                   .arg(size) };
        }
        const QByteArray range = "bytes " + QByteArray::number(chunkStart) + '-'
            + QByteArray::number(chunkStart + chunk.size() - 1) + '/' + QByteArray::number(size);
        const Call put = call("PUT", session, chunk, { { "Content-Range", range } });
        *status = put.status;
        if (put.ok())
            return objectFromJson(QJsonDocument::fromJson(put.reply).object());
        if (put.status != 308)
            return Error { tr("Cannot upload %1: %2").arg(gsName(bucket, name), failure(put)) };
        // The server says how much it holds; go on from there (it may have kept less than sent).
        const QByteArray held = put.header("Range");
        const qint64 accepted = held.isEmpty() ? 0 : held.mid(held.indexOf('-') + 1).toLongLong() + 1;
        if (accepted < chunkStart || accepted > chunkStart + chunk.size())
            return Error { tr("Cannot upload %1: the server holds %2 bytes, expected %3 to %4.")
                               .arg(gsName(bucket, name))
                               .arg(accepted)
                               .arg(chunkStart)
                               .arg(chunkStart + chunk.size()) };
        chunk.remove(0, accepted - chunkStart);
        chunkStart = accepted;
    }
}

Result<ObjectInfo> GcsClient::upload(const QString &bucket, const QString &name, QIODevice *source,
    qint64 size, std::optional<qint64> ifGenerationMatch)
{
    if (size > d->m_options.simpleUploadLimit) {
        int status = 0;
        return d->resumable(bucket, name, source, size, ifGenerationMatch, &status);
    }
    const QByteArray data = source->read(size);
    if (data.size() != size)
        return Error { tr("Cannot upload %1: the source ended at byte %2 of %3.")
                           .arg(gsName(bucket, name))
                           .arg(data.size())
                           .arg(size) };
    return upload(bucket, name, data, ifGenerationMatch);
}

Result<ObjectInfo> GcsClient::upload(const QString &bucket, const QString &name, const QByteArray &data,
    std::optional<qint64> ifGenerationMatch)
{
    const Call c = d->call("POST", uploadUrl(d->base(), bucket, name, "media", ifGenerationMatch), data,
        { { "Content-Type", "application/octet-stream" } });
    if (c.status == 412)
        return Error { tr(
            "Cannot upload %1: it was changed by somebody else (generation precondition failed).")
                           .arg(gsName(bucket, name)) };
    if (!c.ok())
        return Error { tr("Cannot upload %1: %2").arg(gsName(bucket, name), failure(c)) };
    return objectFromJson(QJsonDocument::fromJson(c.reply).object());
}

Result<std::optional<ObjectInfo>> GcsClient::createIfAbsent(
    const QString &bucket, const QString &name, const QByteArray &data)
{
    const Call c = d->call("POST", uploadUrl(d->base(), bucket, name, "media", 0), data,
        { { "Content-Type", "application/octet-stream" } });
    if (c.status == 412)
        return std::optional<ObjectInfo>();
    if (!c.ok())
        return Error { tr("Cannot create %1: %2").arg(gsName(bucket, name), failure(c)) };
    return std::optional<ObjectInfo>(objectFromJson(QJsonDocument::fromJson(c.reply).object()));
}

Result<ObjectInfo> GcsClient::rewrite(
    const QString &bucket, const QString &source, const QString &toBucket, const QString &destination)
{
    const QByteArray url
        = d->objectUrl(bucket, source) + "/rewriteTo/b/" + enc(toBucket) + "/o/" + enc(destination);
    QString token;
    // Large copies across locations or classes take several calls; each one makes progress.
    for (int round = 0; round < 10000; ++round) {
        const Call c = d->call("POST", token.isEmpty() ? url : url + "?rewriteToken=" + enc(token), {},
            { { "Content-Type", "application/json; charset=UTF-8" } });
        if (!c.ok())
            return Error { tr("Cannot copy %1 to %2: %3")
                               .arg(gsName(bucket, source), gsName(toBucket, destination), failure(c)) };
        const QJsonObject o = QJsonDocument::fromJson(c.reply).object();
        if (o.value(QStringLiteral("done")).toBool())
            return objectFromJson(o.value(QStringLiteral("resource")).toObject());
        token = o.value(QStringLiteral("rewriteToken")).toString();
        if (token.isEmpty())
            return Error { tr("Cannot copy %1 to %2: the server answered neither done nor a rewrite token.")
                               .arg(gsName(bucket, source), gsName(toBucket, destination)) };
    }
    return Error { tr("Cannot copy %1: the copy did not finish.").arg(gsName(bucket, source)) };
}

Status GcsClient::remove(const QString &bucket, const QString &name)
{
    const Call c = d->call("DELETE", d->objectUrl(bucket, name));
    if (c.ok() || c.status == 404)
        return {};
    return Error { tr("Cannot delete %1: %2").arg(gsName(bucket, name), failure(c)) };
}

Result<bool> GcsClient::removeIfGeneration(const QString &bucket, const QString &name, qint64 generation)
{
    const Call c = d->call(
        "DELETE", d->objectUrl(bucket, name) + "?ifGenerationMatch=" + QByteArray::number(generation));
    if (c.status == 412 || c.status == 404)
        return false;
    if (!c.ok())
        return Error { tr("Cannot delete %1: %2").arg(gsName(bucket, name), failure(c)) };
    return true;
}

QStringList GcsClient::removeMany(const QString &bucket, const QStringList &names)
{
    QList<Call> calls;
    for (const QString &name : names)
        calls.append(makeCall("DELETE", d->objectUrl(bucket, name)));
    d->runAll(calls, d->m_options.deletesInFlight);
    QStringList errors;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        if (!calls[i].ok() && calls[i].status != 404)
            errors << tr("Cannot delete %1: %2").arg(gsName(bucket, names[i]), failure(calls[i]));
    }
    return errors;
}

QUrl endpointFor(const QString &emulatorHost)
{
    const QString host = emulatorHost.trimmed();
    if (host.isEmpty())
        return QUrl(QStringLiteral("https://storage.googleapis.com"));
    return QUrl(host.contains(QStringLiteral("://")) ? host : QStringLiteral("http://") + host);
}

GcsClient::Bearer bearerFrom(std::shared_ptr<TokenSource> tokens)
{
    return [tokens = std::move(tokens)]() -> Result<QString> {
        Result<AccessToken> t = tokens->token();
        if (!t)
            return Error { t.error() };
        return t->value;
    };
}

Result<std::unique_ptr<GcsClient>> makeClientFromEnvironment(
    const QProcessEnvironment &env, ClientOptions options)
{
    const QString emulator = env.value(QStringLiteral("STORAGE_EMULATOR_HOST")).trimmed();
    if (emulator.isEmpty()) {
        // One token source per client: tokens stay in memory and are refreshed before they expire.
        return std::make_unique<GcsClient>(QUrl(QStringLiteral("https://storage.googleapis.com")),
            bearerFrom(std::make_shared<TokenSource>(env)), options);
    }
    const QUrl endpoint = endpointFor(emulator);
    if (!endpoint.isValid() || endpoint.host().isEmpty()
        || (endpoint.scheme() != QLatin1String("http") && endpoint.scheme() != QLatin1String("https")))
        return Error { tr("STORAGE_EMULATOR_HOST=%1 is not an http://host:port address.").arg(emulator) };
    // An emulator takes no credentials: an empty token sends no Authorization header.
    return std::make_unique<GcsClient>(
        endpoint, [] { return Result<QString>(QString()); }, options);
}

} // namespace tfhub::gcs
