#include "core/gcs/credentials.h"
#include "core/gcs/credentialhttp.h"
#include "core/gcs/jwt.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

constexpr qint64 refreshMarginSecs = 300;
constexpr int metadataConnectMs = 1000;
constexpr qint64 maxAdcFileBytes = 1 << 20;
// gcloud prints no expiry. It hands out a cached token only while that has at least five minutes
// left, so ten minutes from now, less our five-minute margin, stays inside the token's life.
constexpr qint64 gcloudAssumedLifetimeSecs = 600;

// What one source gave: a token, or why not; `stop` ends the search (a credentials file that is
// set up but fails, as Google's client libraries do, rather than silently acting as someone else).
struct Attempt
{
    std::optional<AccessToken> token;
    QString reason;
    bool stop = false;
};

Attempt failed(const QString &reason, bool stop = false)
{
    return Attempt { std::nullopt, reason, stop };
}

bool isLoopback(const QUrl &url)
{
    const QString host = url.host();
    return host == QLatin1String("localhost") || QHostAddress(host).isLoopback();
}

Result<QString> requiredString(const QJsonObject &object, const QString &field, const QString &path)
{
    const QString value = object.value(field).toString();
    if (value.isEmpty())
        return Error { tr("The credentials file %1 has no \"%2\" field (or it is empty)").arg(path, field) };
    return value;
}

Status fillAuthorizedUser(const QJsonObject &object, AdcFile &adc)
{
    for (auto [field, member] :
        { std::pair { "client_id", &adc.clientId }, std::pair { "client_secret", &adc.clientSecret },
            std::pair { "refresh_token", &adc.refreshToken } }) {
        Result<QString> value = requiredString(object, QString::fromLatin1(field), adc.path);
        if (!value)
            return Error { value.error() };
        *member = *value;
    }
    return {};
}

Status fillServiceAccount(const QJsonObject &object, AdcFile &adc)
{
    Result<QString> email = requiredString(object, QStringLiteral("client_email"), adc.path);
    if (!email)
        return Error { email.error() };
    Result<QString> key = requiredString(object, QStringLiteral("private_key"), adc.path);
    if (!key)
        return Error { key.error() };
    if (!key->contains(QLatin1String("-----BEGIN")))
        return Error {
            tr("The credentials file %1 has a \"private_key\" that is not a PEM key").arg(adc.path)
        };
    adc.clientEmail = *email;
    adc.privateKey = key->toUtf8();
    adc.privateKeyId = object.value(QStringLiteral("private_key_id")).toString();
    return {};
}

Status fillTokenUri(const QJsonObject &object, AdcFile &adc)
{
    const QString text = object.value(QStringLiteral("token_uri")).toString();
    adc.tokenUri = QUrl(text.isEmpty() ? QStringLiteral("https://oauth2.googleapis.com/token") : text);
    const QString scheme = adc.tokenUri.scheme();
    if (!adc.tokenUri.isValid() || adc.tokenUri.host().isEmpty()
        || (scheme != QLatin1String("https") && scheme != QLatin1String("http")))
        return Error {
            tr("The credentials file %1 has a \"token_uri\" that is not an http(s) URL").arg(adc.path)
        };
    if (scheme == QLatin1String("http") && !isLoopback(adc.tokenUri))
        return Error { tr(
            "The credentials file %1 has a plain http \"token_uri\" on %2; credentials are only sent "
            "unencrypted to this machine (127.0.0.1)")
                           .arg(adc.path, adc.tokenUri.host()) };
    return {};
}

QStringList pathDirs(const QProcessEnvironment &env)
{
#ifdef Q_OS_WIN
    const QChar separator = QLatin1Char(';');
#else
    const QChar separator = QLatin1Char(':');
#endif
    return env.value(QStringLiteral("PATH")).split(separator, Qt::SkipEmptyParts);
}

// The last line of a program's error output, where gcloud says what went wrong; bounded, because
// it ends up in a message.
QString lastLine(const QByteArray &output)
{
    const QList<QByteArray> lines = output.trimmed().split('\n');
    QString line = QString::fromLocal8Bit(lines.isEmpty() ? QByteArray() : lines.last().trimmed());
    if (line.size() > 300)
        line = line.left(300) + QStringLiteral("…");
    return line;
}

AccessToken expiringToken(const QString &value, qint64 lifetimeSecs, const QString &source)
{
    return AccessToken { value, QDateTime::currentDateTimeUtc().addSecs(lifetimeSecs), source };
}

Result<AccessToken> grantAuthorizedUser(const AdcFile &adc, const QString &source, int timeoutMs)
{
    const QByteArray form = formEncode({ { QStringLiteral("grant_type"), QStringLiteral("refresh_token") },
        { QStringLiteral("client_id"), adc.clientId }, { QStringLiteral("client_secret"), adc.clientSecret },
        { QStringLiteral("refresh_token"), adc.refreshToken } });
    return postTokenRequest(adc.tokenUri, form, source, timeoutMs);
}

Result<AccessToken> grantServiceAccount(const AdcFile &adc, const QString &source, int timeoutMs)
{
    JwtClaims claims;
    claims.issuer = adc.clientEmail;
    claims.scope = QString::fromLatin1(storageScope);
    claims.audience = adc.tokenUri.toString();
    claims.issuedAt = QDateTime::currentDateTimeUtc();
    claims.keyId = adc.privateKeyId;
    const Result<QByteArray> jwt = makeSignedJwt(claims, adc.privateKey);
    if (!jwt)
        return Error { jwt.error() };
    const QByteArray form = formEncode(
        { { QStringLiteral("grant_type"), QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer") },
            { QStringLiteral("assertion"), QString::fromLatin1(*jwt) } });
    return postTokenRequest(adc.tokenUri, form, source, timeoutMs);
}

Attempt fromAdc(const QProcessEnvironment &env, const QDeadlineTimer &deadline)
{
    QString path = env.value(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"));
    if (path.isEmpty()) {
        path = wellKnownAdcPath(env);
        if (path.isEmpty() || !QFile::exists(path))
            return failed(tr("GOOGLE_APPLICATION_CREDENTIALS is not set and there is no %1")
                              .arg(path.isEmpty() ? tr("well-known file (HOME is not set)") : path));
    }
    const Result<AdcFile> adc = parseAdcFile(path);
    if (!adc)
        return failed(adc.error(), true);
    const bool user = adc->type == AdcFile::Type::AuthorizedUser;
    const QString source = user
        ? tr("application default credentials (authorized_user, %1)").arg(path)
        : tr("application default credentials (service_account %1, %2)").arg(adc->clientEmail, path);
    const int remaining = int(deadline.remainingTime());
    Result<AccessToken> token
        = user ? grantAuthorizedUser(*adc, source, remaining) : grantServiceAccount(*adc, source, remaining);
    if (!token)
        return failed(tr("%1: %2").arg(path, token.error()), true);
    return Attempt { std::move(token).value(), {}, false };
}

Attempt fromGcloud(const QProcessEnvironment &env, const QDeadlineTimer &deadline)
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("gcloud"), pathDirs(env));
    if (program.isEmpty())
        return failed(tr("gcloud is not installed (not found on PATH)"));
    QProcess gcloud;
    gcloud.setProcessEnvironment(env);
    // No prompts: gcloud may ask to reauthenticate, and nobody would see the question.
    gcloud.setStandardInputFile(QProcess::nullDevice());
    gcloud.start(program, { QStringLiteral("auth"), QStringLiteral("print-access-token") });
    if (!gcloud.waitForStarted(int(deadline.remainingTime())))
        return failed(tr("cannot run %1: %2").arg(program, gcloud.errorString()));
    if (!gcloud.waitForFinished(int(deadline.remainingTime()))) {
        gcloud.kill();
        gcloud.waitForFinished(1000);
        return failed(tr("%1 did not finish in time").arg(program));
    }
    const QString why = lastLine(gcloud.readAllStandardError());
    if (gcloud.exitStatus() != QProcess::NormalExit)
        return failed(tr("%1 crashed").arg(program));
    if (gcloud.exitCode() != 0)
        return failed(why.isEmpty() ? tr("gcloud failed (exit code %1)").arg(gcloud.exitCode())
                                    : tr("gcloud failed (exit code %1): %2").arg(gcloud.exitCode()).arg(why));
    const QString value
        = QString::fromLatin1(gcloud.readAllStandardOutput().trimmed().split('\n').value(0).trimmed());
    if (value.isEmpty() || value.contains(QLatin1Char(' ')))
        return failed(tr("gcloud printed no access token"));
    return Attempt { expiringToken(value, gcloudAssumedLifetimeSecs, tr("gcloud auth print-access-token")),
        {}, false };
}

Attempt fromMetadata(const QProcessEnvironment &env, const QDeadlineTimer &deadline)
{
    QString host = env.value(QStringLiteral("GCE_METADATA_HOST"));
    if (host.isEmpty())
        host = QStringLiteral("metadata.google.internal");
    const QUrl url(
        QStringLiteral("http://%1/computeMetadata/v1/instance/service-accounts/default/token").arg(host));
    if (!url.isValid() || url.host().isEmpty())
        return failed(tr("GCE_METADATA_HOST \"%1\" is not a host name or host:port").arg(host));
    const int connectMs = int(qMin<qint64>(metadataConnectMs, deadline.remainingTime()));
    if (const QString problem = probeConnection(url.host(), quint16(url.port(80)), connectMs);
        !problem.isEmpty())
        return failed(tr("no metadata server at %1 (%2), so not running on Google Cloud").arg(host, problem));
    Result<AccessToken> token
        = getMetadataToken(url, tr("GCE metadata server (%1)").arg(host), int(deadline.remainingTime()));
    if (!token)
        return failed(token.error());
    return Attempt { std::move(token).value(), {}, false };
}

QString listOfTried(const QStringList &tried)
{
    QString text;
    for (const QString &line : tried)
        text += QStringLiteral("\n  - ") + line;
    return text;
}

} // namespace

Result<AdcFile> parseAdcFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error { tr("Cannot read the credentials file %1: %2").arg(path, file.errorString()) };
    if (file.size() > maxAdcFileBytes)
        return Error {
            tr("The credentials file %1 is too large to be one (%2 bytes)").arg(path).arg(file.size())
        };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error { tr("The credentials file %1 is not valid JSON (%2 at byte %3)")
                           .arg(path, parseError.errorString())
                           .arg(parseError.offset) };
    if (!document.isObject())
        return Error { tr("The credentials file %1 is not a JSON object").arg(path) };
    const QJsonObject object = document.object();
    AdcFile adc;
    adc.path = path;
    const QString type = object.value(QStringLiteral("type")).toString();
    Status filled;
    if (type == QLatin1String("authorized_user")) {
        adc.type = AdcFile::Type::AuthorizedUser;
        filled = fillAuthorizedUser(object, adc);
    } else if (type == QLatin1String("service_account")) {
        adc.type = AdcFile::Type::ServiceAccount;
        filled = fillServiceAccount(object, adc);
    } else if (type.isEmpty()) {
        return Error { tr("The credentials file %1 has no \"type\" field").arg(path) };
    } else {
        return Error { tr(
            "The credentials file %1 is of type \"%2\", which is not supported here (supported: "
            "authorized_user, service_account)")
                           .arg(path, type.left(64)) };
    }
    if (!filled)
        return Error { filled.error() };
    if (Status uri = fillTokenUri(object, adc); !uri)
        return Error { uri.error() };
    return adc;
}

QString wellKnownAdcPath(const QProcessEnvironment &env)
{
    QString folder = env.value(QStringLiteral("CLOUDSDK_CONFIG"));
#ifdef Q_OS_WIN
    if (folder.isEmpty() && !env.value(QStringLiteral("APPDATA")).isEmpty())
        folder = env.value(QStringLiteral("APPDATA")) + QStringLiteral("/gcloud");
#else
    if (folder.isEmpty() && !env.value(QStringLiteral("HOME")).isEmpty())
        folder = env.value(QStringLiteral("HOME")) + QStringLiteral("/.config/gcloud");
#endif
    return folder.isEmpty()
        ? QString()
        : QDir::cleanPath(folder + QStringLiteral("/application_default_credentials.json"));
}

TokenSource::TokenSource(QProcessEnvironment env) : m_env(std::move(env)) { }

bool TokenSource::usesEmulator() const
{
    return !m_env.value(QStringLiteral("STORAGE_EMULATOR_HOST")).trimmed().isEmpty();
}

QString TokenSource::emulatorHost() const
{
    QString host = m_env.value(QStringLiteral("STORAGE_EMULATOR_HOST")).trimmed();
    if (host.isEmpty())
        return {};
    if (!host.contains(QLatin1String("://")))
        host.prepend(QStringLiteral("http://"));
    while (host.endsWith(QLatin1Char('/')))
        host.chop(1);
    return host;
}

Result<AccessToken> TokenSource::token(int timeoutMs)
{
    if (usesEmulator())
        return AccessToken { {}, {}, QStringLiteral("STORAGE_EMULATOR_HOST") };
    const QString fromEnvironment = m_env.value(QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN")).trimmed();
    if (!fromEnvironment.isEmpty())
        return AccessToken { fromEnvironment, {}, QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN") };
    const QMutexLocker lock(&m_mutex);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (m_cached && (!m_cached->expiresAt.isValid() || now.secsTo(m_cached->expiresAt) > refreshMarginSecs))
        return *m_cached;
    m_cached.reset();
    Result<AccessToken> fetched = fetch(timeoutMs);
    if (fetched)
        m_cached = *fetched;
    return fetched;
}

void TokenSource::invalidate()
{
    const QMutexLocker lock(&m_mutex);
    m_cached.reset();
}

Result<AccessToken> TokenSource::fetch(int timeoutMs)
{
    const QDeadlineTimer deadline(qMax(timeoutMs, 1));
    QStringList tried { tr("STORAGE_EMULATOR_HOST: not set"), tr("GOOGLE_OAUTH_ACCESS_TOKEN: not set") };
    using Step = Attempt (*)(const QProcessEnvironment &, const QDeadlineTimer &);
    const std::pair<QString, Step> steps[] = { { tr("application default credentials"), fromAdc },
        { tr("gcloud auth print-access-token"), fromGcloud }, { tr("GCE metadata server"), fromMetadata } };
    for (const auto &[name, step] : steps) {
        if (deadline.hasExpired()) {
            tried += tr("%1: not tried, out of time").arg(name);
            continue;
        }
        Attempt attempt = step(m_env, deadline);
        if (attempt.token)
            return *attempt.token;
        tried += tr("%1: %2").arg(name, attempt.reason);
        if (attempt.stop)
            return Error { tr(
                "Cannot get a Google Cloud access token. Sources tried, in order:%1\nThe application "
                "default credentials are set up but do not work: fix or remove them (later "
                "sources are not tried while they are set up).")
                               .arg(listOfTried(tried)) };
    }
    return Error { tr(
        "No Google Cloud credentials found. Sources tried, in order:%1\nSign in with `gcloud auth "
        "application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key "
        "file.")
                       .arg(listOfTried(tried)) };
}

} // namespace tfhub::gcs
