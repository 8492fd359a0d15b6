#include "core/gcs/credentials.h"
#include "core/gcs/jwt.h"
#include "tests/support/testdata.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

using namespace tfhub;
using namespace tfhub::gcs;

namespace {

struct PkeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

QByteArray privatePem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); // PKCS#8, as Google's files
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, qsizetype(size));
    BIO_free(bio);
    return pem;
}

bool verifyRs256(EVP_PKEY *key, const QByteArray &data, const QByteArray &signature)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1
        && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(data.constData()),
               size_t(data.size()))
            == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

// QVERIFY2 evaluates its message even when the check passes.
template<class T> QString why(const Result<T> &result)
{
    return result ? QString() : result.error();
}

QJsonObject decodePart(const QByteArray &part)
{
    return QJsonDocument::fromJson(QByteArray::fromBase64(part, QByteArray::Base64UrlEncoding)).object();
}

// A token endpoint or metadata server on 127.0.0.1, served by the test's own thread: token() runs
// a local event loop, which serves these connections too. Each answer closes its connection.
class TokenServer final
{
public:
    struct Request
    {
        QByteArray method;
        QByteArray path;
        QHash<QByteArray, QByteArray> headers; ///< lower-case names
        QByteArray body;
        QUrlQuery form() const { return QUrlQuery(QString::fromLatin1(body)); }
    };

    int status = 200;
    QByteArray body = R"({"access_token":"ya29.test","expires_in":3600,"token_type":"Bearer"})";
    QList<QPair<QByteArray, QByteArray>> headers;
    bool silent = false; ///< accept, read, never answer
    QList<Request> requests;

    bool start() { return m_server.listen(QHostAddress::LocalHost) && (hookUp(), true); }
    QString hostPort() const { return QStringLiteral("127.0.0.1:%1").arg(m_server.serverPort()); }
    QString url(const QString &path) const { return QStringLiteral("http://%1%2").arg(hostPort(), path); }

private:
    void hookUp()
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, &m_server, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { read(socket); });
        });
    }

    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        Request request;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.path = first.value(1);
        for (const QByteArray &line : lines.mid(1)) {
            const qsizetype colon = line.indexOf(':');
            request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return;
        request.body = buffer.mid(end + 4, length);
        m_buffers.remove(socket);
        requests += request;
        if (silent)
            return;
        QByteArray answer
            = "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\n";
        for (const auto &[name, value] : headers)
            answer += name + ": " + value + "\r\n";
        answer
            += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
        socket->write(answer);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

} // namespace

class TestGcsCredentials final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    Pkey m_key;
    QByteArray m_keyPem;
    QString m_closedHostPort;

    QString home() const { return m_tmp.filePath(QStringLiteral("home")); }
    QString bin() const { return m_tmp.filePath(QStringLiteral("bin")); }

    // Nothing of the real machine: an empty PATH folder, the test's HOME, and a metadata host that
    // refuses connections, so no test reaches metadata.google.internal.
    QProcessEnvironment baseEnv() const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("HOME"), home());
        env.insert(QStringLiteral("PATH"), bin());
        env.insert(QStringLiteral("GCE_METADATA_HOST"), m_closedHostPort);
        return env;
    }

    QString writeJson(const QString &name, const QJsonObject &object)
    {
        const QString path = m_tmp.filePath(name);
        if (!test::writeFile(path, QJsonDocument(object).toJson()))
            return {};
        return path;
    }

    QJsonObject userFile(const QString &tokenUri = {}) const
    {
        QJsonObject o { { QStringLiteral("type"), QStringLiteral("authorized_user") },
            { QStringLiteral("client_id"), QStringLiteral("123.apps.googleusercontent.com") },
            { QStringLiteral("client_secret"), QStringLiteral("s3cr+t/value") },
            { QStringLiteral("refresh_token"), QStringLiteral("1//refresh+token&x=y") } };
        if (!tokenUri.isEmpty())
            o.insert(QStringLiteral("token_uri"), tokenUri);
        return o;
    }

    QJsonObject serviceFile(const QString &tokenUri) const
    {
        return { { QStringLiteral("type"), QStringLiteral("service_account") },
            { QStringLiteral("project_id"), QStringLiteral("p") },
            { QStringLiteral("private_key_id"), QStringLiteral("kid123") },
            { QStringLiteral("private_key"), QString::fromLatin1(m_keyPem) },
            { QStringLiteral("client_email"), QStringLiteral("sa@p.iam.gserviceaccount.com") },
            { QStringLiteral("token_uri"), tokenUri } };
    }

    void writeScript(const QString &name, const QByteArray &body)
    {
        const QString path = bin() + QLatin1Char('/') + name;
        QVERIFY(test::writeFile(path, "#!/bin/sh\n" + body));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        test::isolateHome(home());
        QVERIFY(QDir().mkpath(bin()));
        m_key.reset(EVP_RSA_gen(2048));
        QVERIFY(m_key);
        m_keyPem = privatePem(m_key.get());
        QVERIFY(m_keyPem.startsWith("-----BEGIN PRIVATE KEY-----"));
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost));
        m_closedHostPort = QStringLiteral("127.0.0.1:%1").arg(closed.serverPort());
    }

    void cleanup()
    {
        QDir(bin()).removeRecursively();
        QDir().mkpath(bin());
        QDir(home()).removeRecursively();
    }

    void parseAuthorizedUser()
    {
        const QString path = writeJson(QStringLiteral("user.json"), userFile());
        const Result<AdcFile> adc = parseAdcFile(path);
        QVERIFY2(adc, qPrintable(why(adc)));
        QCOMPARE(adc->type, AdcFile::Type::AuthorizedUser);
        QCOMPARE(adc->clientId, QStringLiteral("123.apps.googleusercontent.com"));
        QCOMPARE(adc->clientSecret, QStringLiteral("s3cr+t/value"));
        QCOMPARE(adc->refreshToken, QStringLiteral("1//refresh+token&x=y"));
        QCOMPARE(adc->tokenUri, QUrl(QStringLiteral("https://oauth2.googleapis.com/token")));
    }

    void parseServiceAccount()
    {
        const QString path
            = writeJson(QStringLiteral("sa.json"), serviceFile(QStringLiteral("https://t.example/token")));
        const Result<AdcFile> adc = parseAdcFile(path);
        QVERIFY2(adc, qPrintable(why(adc)));
        QCOMPARE(adc->type, AdcFile::Type::ServiceAccount);
        QCOMPARE(adc->clientEmail, QStringLiteral("sa@p.iam.gserviceaccount.com"));
        QCOMPARE(adc->privateKeyId, QStringLiteral("kid123"));
        QCOMPARE(adc->privateKey, m_keyPem);
        QCOMPARE(adc->tokenUri, QUrl(QStringLiteral("https://t.example/token")));
    }

    void parseErrors_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QJsonObject noRefresh = userFile();
        noRefresh.remove(QStringLiteral("refresh_token"));
        QJsonObject external = userFile();
        external.insert(QStringLiteral("type"), QStringLiteral("external_account"));
        QJsonObject noType = userFile();
        noType.remove(QStringLiteral("type"));
        QJsonObject plainHttp = userFile(QStringLiteral("http://oauth.example/token"));
        QJsonObject notPem = serviceFile(QStringLiteral("https://t.example/token"));
        notPem.insert(QStringLiteral("private_key"), QStringLiteral("abc"));
        QTest::newRow("malformed") << QByteArray("{\"type\": \"authorized_user\",")
                                   << QStringLiteral("not valid JSON");
        QTest::newRow("array") << QByteArray("[]") << QStringLiteral("not a JSON object");
        QTest::newRow("missing field")
            << QJsonDocument(noRefresh).toJson() << QStringLiteral("no \"refresh_token\" field");
        QTest::newRow("unknown type") << QJsonDocument(external).toJson()
                                      << QStringLiteral("type \"external_account\", which is not supported");
        QTest::newRow("no type") << QJsonDocument(noType).toJson() << QStringLiteral("no \"type\" field");
        QTest::newRow("plain http") << QJsonDocument(plainHttp).toJson()
                                    << QStringLiteral("plain http \"token_uri\"");
        QTest::newRow("not pem") << QJsonDocument(notPem).toJson() << QStringLiteral("not a PEM key");
    }

    void parseErrors()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        const QString path = m_tmp.filePath(QStringLiteral("bad.json"));
        QVERIFY(test::writeFile(path, content));
        const Result<AdcFile> adc = parseAdcFile(path);
        QVERIFY(!adc);
        QVERIFY2(adc.error().contains(path), qPrintable(why(adc)));
        QVERIFY2(adc.error().contains(expected), qPrintable(why(adc)));
        QVERIFY(!adc.error().contains(QLatin1String("s3cr+t")));
    }

    void parseMissingFile()
    {
        const QString path = m_tmp.filePath(QStringLiteral("absent.json"));
        const Result<AdcFile> adc = parseAdcFile(path);
        QVERIFY(!adc);
        QVERIFY2(adc.error().contains(path), qPrintable(why(adc)));
    }

    void jwtSignedAndDecodable()
    {
        JwtClaims claims;
        claims.issuer = QStringLiteral("sa@p.iam.gserviceaccount.com");
        claims.scope = QString::fromLatin1(storageScope);
        claims.audience = QStringLiteral("https://oauth2.googleapis.com/token");
        claims.issuedAt = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
        claims.keyId = QStringLiteral("kid123");
        const Result<QByteArray> jwt = makeSignedJwt(claims, m_keyPem);
        QVERIFY2(jwt, qPrintable(why(jwt)));
        const QList<QByteArray> parts = jwt->split('.');
        QCOMPARE(parts.size(), 3);
        for (const QByteArray &part : parts)
            QVERIFY(!part.contains('=') && !part.contains('+') && !part.contains('/'));
        const QJsonObject header = decodePart(parts[0]);
        QCOMPARE(header.value(QStringLiteral("alg")).toString(), QStringLiteral("RS256"));
        QCOMPARE(header.value(QStringLiteral("typ")).toString(), QStringLiteral("JWT"));
        QCOMPARE(header.value(QStringLiteral("kid")).toString(), QStringLiteral("kid123"));
        const QJsonObject body = decodePart(parts[1]);
        QCOMPARE(body.value(QStringLiteral("iss")).toString(), claims.issuer);
        QCOMPARE(body.value(QStringLiteral("scope")).toString(),
            QStringLiteral("https://www.googleapis.com/auth/devstorage.read_write"));
        QCOMPARE(body.value(QStringLiteral("aud")).toString(), claims.audience);
        QCOMPARE(body.value(QStringLiteral("iat")).toInteger(), 1700000000);
        QCOMPARE(body.value(QStringLiteral("exp")).toInteger(), 1700003600);
        // Integers, as Google requires: no exponent, no fraction.
        QVERIFY(
            QByteArray::fromBase64(parts[1], QByteArray::Base64UrlEncoding).contains("\"exp\":1700003600"));
        const QByteArray signature = QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding);
        QCOMPARE(signature.size(), 256);
        QVERIFY(verifyRs256(m_key.get(), parts[0] + '.' + parts[1], signature));
        QVERIFY(!verifyRs256(m_key.get(), parts[0] + '.' + parts[1] + 'x', signature));
    }

    void jwtBadKeys()
    {
        const Result<QByteArray> garbage = signRs256("data", "-----BEGIN PRIVATE KEY-----\nnotakey\n");
        QVERIFY(!garbage);
        QVERIFY2(garbage.error().contains(QLatin1String("not a PEM private key")), qPrintable(why(garbage)));
        QVERIFY(!garbage.error().contains(QLatin1String("notakey")));
        const Pkey ec(EVP_EC_gen("P-256"));
        QVERIFY(ec);
        const Result<QByteArray> notRsa = signRs256("data", privatePem(ec.get()));
        QVERIFY(!notRsa);
        QVERIFY2(notRsa.error().contains(QLatin1String("not an RSA key")), qPrintable(why(notRsa)));
    }

    void refreshTokenGrant()
    {
        TokenServer server;
        QVERIFY(server.start());
        server.body = R"({"access_token":"ya29.user","expires_in":3599,"token_type":"Bearer","scope":"x"})";
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("user.json"), userFile(server.url(QStringLiteral("/oauth/token")))));
        TokenSource source(env);
        QVERIFY(!source.usesEmulator());
        const Result<AccessToken> token = source.token();
        QVERIFY2(token, qPrintable(why(token)));
        QCOMPARE(token->value, QStringLiteral("ya29.user"));
        QVERIFY(token->source.contains(QLatin1String("authorized_user")));
        QVERIFY(token->expiresAt > QDateTime::currentDateTimeUtc().addSecs(3000));
        QCOMPARE(server.requests.size(), 1);
        const TokenServer::Request &request = server.requests.first();
        QCOMPARE(request.method, QByteArray("POST"));
        QCOMPARE(request.path, QByteArray("/oauth/token"));
        QCOMPARE(request.headers.value("content-type"), QByteArray("application/x-www-form-urlencoded"));
        const QUrlQuery form = request.form();
        QCOMPARE(form.queryItemValue(QStringLiteral("grant_type")), QStringLiteral("refresh_token"));
        QCOMPARE(form.queryItemValue(QStringLiteral("client_id")),
            QStringLiteral("123.apps.googleusercontent.com"));
        QCOMPARE(form.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded),
            QStringLiteral("s3cr+t/value"));
        QCOMPARE(form.queryItemValue(QStringLiteral("refresh_token"), QUrl::FullyDecoded),
            QStringLiteral("1//refresh+token&x=y"));
    }

    void jwtGrant()
    {
        TokenServer server;
        QVERIFY(server.start());
        server.body = R"({"access_token":"ya29.sa","expires_in":3600,"token_type":"Bearer"})";
        const QString tokenUri = server.url(QStringLiteral("/token"));
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("sa.json"), serviceFile(tokenUri)));
        TokenSource source(env);
        const Result<AccessToken> token = source.token();
        QVERIFY2(token, qPrintable(why(token)));
        QCOMPARE(token->value, QStringLiteral("ya29.sa"));
        QVERIFY(token->source.contains(QLatin1String("sa@p.iam.gserviceaccount.com")));
        QCOMPARE(server.requests.size(), 1);
        const QUrlQuery form = server.requests.first().form();
        QCOMPARE(form.queryItemValue(QStringLiteral("grant_type"), QUrl::FullyDecoded),
            QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer"));
        const QByteArray jwt
            = form.queryItemValue(QStringLiteral("assertion"), QUrl::FullyDecoded).toLatin1();
        const QList<QByteArray> parts = jwt.split('.');
        QCOMPARE(parts.size(), 3);
        QVERIFY(verifyRs256(m_key.get(), parts[0] + '.' + parts[1],
            QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding)));
        const QJsonObject claims = decodePart(parts[1]);
        QCOMPARE(claims.value(QStringLiteral("aud")).toString(), tokenUri);
        QCOMPARE(
            claims.value(QStringLiteral("iss")).toString(), QStringLiteral("sa@p.iam.gserviceaccount.com"));
        QCOMPARE(claims.value(QStringLiteral("scope")).toString(), QString::fromLatin1(storageScope));
        const qint64 iat = claims.value(QStringLiteral("iat")).toInteger();
        QCOMPARE(claims.value(QStringLiteral("exp")).toInteger(), iat + 3600);
        QVERIFY(qAbs(iat - QDateTime::currentSecsSinceEpoch()) < 600);
    }

    void wellKnownFile()
    {
        TokenServer server;
        QVERIFY(server.start());
        QProcessEnvironment env = baseEnv();
        const QString defaultPath
            = home() + QStringLiteral("/.config/gcloud/application_default_credentials.json");
        QCOMPARE(wellKnownAdcPath(env), defaultPath);
        QVERIFY(
            test::writeFile(defaultPath, QJsonDocument(userFile(server.url(QStringLiteral("/t")))).toJson()));
        const Result<AccessToken> token = TokenSource(env).token();
        QVERIFY2(token, qPrintable(why(token)));
        QVERIFY(token->source.contains(defaultPath));

        const QString other = m_tmp.filePath(QStringLiteral("sdkconfig"));
        env.insert(QStringLiteral("CLOUDSDK_CONFIG"), other);
        QCOMPARE(wellKnownAdcPath(env), other + QStringLiteral("/application_default_credentials.json"));
        const Result<AccessToken> none = TokenSource(env).token();
        QVERIFY(!none);
        QVERIFY2(none.error().contains(wellKnownAdcPath(env)), qPrintable(why(none)));
    }

    void environmentTokenFirst()
    {
        TokenServer server;
        QVERIFY(server.start());
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("user.json"), userFile(server.url(QStringLiteral("/t")))));
        env.insert(QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN"), QStringLiteral("ya29.env"));
        const Result<AccessToken> token = TokenSource(env).token();
        QVERIFY2(token, qPrintable(why(token)));
        QCOMPARE(token->value, QStringLiteral("ya29.env"));
        QCOMPARE(token->source, QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN"));
        QVERIFY(server.requests.isEmpty());
    }

    void emulatorNeedsNoToken()
    {
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_OAUTH_ACCESS_TOKEN"), QStringLiteral("ya29.env"));
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), QStringLiteral("127.0.0.1:4443"));
        TokenSource source(env);
        QVERIFY(source.usesEmulator());
        QCOMPARE(source.emulatorHost(), QStringLiteral("http://127.0.0.1:4443"));
        const Result<AccessToken> token = source.token();
        QVERIFY2(token, qPrintable(why(token)));
        QVERIFY(token->value.isEmpty());
        QCOMPARE(token->source, QStringLiteral("STORAGE_EMULATOR_HOST"));
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), QStringLiteral("http://localhost:9000/"));
        QCOMPARE(TokenSource(env).emulatorHost(), QStringLiteral("http://localhost:9000"));
        QVERIFY(!TokenSource(baseEnv()).usesEmulator());
        QVERIFY(TokenSource(baseEnv()).emulatorHost().isEmpty());
    }

    void gcloudStandIn()
    {
        const QString argsFile = m_tmp.filePath(QStringLiteral("gcloud-args"));
        writeScript(
            QStringLiteral("gcloud"), "echo \"$@\" > '" + argsFile.toLocal8Bit() + "'\necho ya29.gcloud\n");
        const Result<AccessToken> token = TokenSource(baseEnv()).token();
        QVERIFY2(token, qPrintable(why(token)));
        QCOMPARE(token->value, QStringLiteral("ya29.gcloud"));
        QCOMPARE(token->source, QStringLiteral("gcloud auth print-access-token"));
        QFile args(argsFile);
        QVERIFY(args.open(QIODevice::ReadOnly));
        QCOMPARE(args.readAll().trimmed(), QByteArray("auth print-access-token"));
    }

    void gcloudFails()
    {
        writeScript(QStringLiteral("gcloud"),
            "echo 'WARNING: noise' >&2\n"
            "echo 'ERROR: (gcloud.auth.print-access-token) You do not currently have an active account "
            "selected.' >&2\n"
            "exit 1\n");
        const Result<AccessToken> token = TokenSource(baseEnv()).token();
        QVERIFY(!token);
        QVERIFY2(
            token.error().contains(QLatin1String("gcloud failed (exit code 1)")), qPrintable(why(token)));
        QVERIFY2(token.error().contains(QLatin1String("You do not currently have an active account")),
            qPrintable(why(token)));
    }

    void metadataServer()
    {
        TokenServer server;
        QVERIFY(server.start());
        server.headers = { { "Metadata-Flavor", "Google" } };
        server.body = R"({"access_token":"ya29.gce","expires_in":3000,"token_type":"Bearer"})";
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GCE_METADATA_HOST"), server.hostPort());
        const Result<AccessToken> token = TokenSource(env).token();
        QVERIFY2(token, qPrintable(why(token)));
        QCOMPARE(token->value, QStringLiteral("ya29.gce"));
        QVERIFY(token->source.contains(QLatin1String("metadata")));
        QCOMPARE(server.requests.size(), 1);
        QCOMPARE(server.requests.first().method, QByteArray("GET"));
        QCOMPARE(server.requests.first().path,
            QByteArray("/computeMetadata/v1/instance/service-accounts/default/token"));
        QCOMPARE(server.requests.first().headers.value("metadata-flavor"), QByteArray("Google"));

        // Something answering there without the header (a captive portal) is not a metadata server.
        server.headers.clear();
        const Result<AccessToken> portal = TokenSource(env).token();
        QVERIFY(!portal);
        QVERIFY2(portal.error().contains(QLatin1String("Metadata-Flavor")), qPrintable(why(portal)));
    }

    void cachedUntilNearExpiry()
    {
        TokenServer server;
        QVERIFY(server.start());
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("user.json"), userFile(server.url(QStringLiteral("/t")))));
        TokenSource source(env);
        QVERIFY(source.token());
        const Result<AccessToken> again = source.token();
        QVERIFY(again);
        QCOMPARE(again->value, QStringLiteral("ya29.test"));
        QCOMPARE(server.requests.size(), 1);
        source.invalidate();
        QVERIFY(source.token());
        QCOMPARE(server.requests.size(), 2);

        // A token with less than five minutes left is fetched again.
        server.body = R"({"access_token":"ya29.short","expires_in":60})";
        TokenSource shortLived(env);
        QCOMPARE(shortLived.token()->value, QStringLiteral("ya29.short"));
        QCOMPARE(shortLived.token()->value, QStringLiteral("ya29.short"));
        QCOMPARE(server.requests.size(), 4);
    }

    void everySourceFails()
    {
        const Result<AccessToken> token = TokenSource(baseEnv()).token();
        QVERIFY(!token);
        const QString &e = token.error();
        QVERIFY2(e.contains(QLatin1String("STORAGE_EMULATOR_HOST: not set")), qPrintable(e));
        QVERIFY2(e.contains(QLatin1String("GOOGLE_OAUTH_ACCESS_TOKEN: not set")), qPrintable(e));
        QVERIFY2(e.contains(QLatin1String(
                     "application default credentials: GOOGLE_APPLICATION_CREDENTIALS is not set")),
            qPrintable(e));
        QVERIFY2(e.contains(wellKnownAdcPath(baseEnv())), qPrintable(e));
        QVERIFY2(e.contains(QLatin1String("gcloud is not installed")), qPrintable(e));
        QVERIFY2(e.contains(QLatin1String("GCE metadata server: no metadata server at ") + m_closedHostPort),
            qPrintable(e));
    }

    void brokenCredentialsStopTheSearch()
    {
        TokenServer server;
        QVERIFY(server.start());
        server.status = 400;
        server.body = R"({"error":"invalid_grant","error_description":"Token has been expired or revoked."})";
        writeScript(QStringLiteral("gcloud"), "echo ya29.gcloud\n");
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("user.json"), userFile(server.url(QStringLiteral("/t")))));
        const Result<AccessToken> token = TokenSource(env).token();
        QVERIFY(!token);
        QVERIFY2(token.error().contains(
                     QLatin1String("HTTP 400, invalid_grant: Token has been expired or revoked.")),
            qPrintable(why(token)));
        QVERIFY2(token.error().contains(m_tmp.filePath(QStringLiteral("user.json"))), qPrintable(why(token)));
        QVERIFY(!token.error().contains(QLatin1String("gcloud auth print-access-token:")));
        QVERIFY(!token.error().contains(QLatin1String("s3cr+t")));
        QVERIFY(!token.error().contains(QLatin1String("refresh+token")));

        env.insert(
            QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), m_tmp.filePath(QStringLiteral("absent.json")));
        const Result<AccessToken> missing = TokenSource(env).token();
        QVERIFY(!missing);
        QVERIFY2(missing.error().contains(m_tmp.filePath(QStringLiteral("absent.json"))),
            qPrintable(why(missing)));
    }

    void silentEndpointTimesOut()
    {
        TokenServer server;
        QVERIFY(server.start());
        server.silent = true;
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
            writeJson(QStringLiteral("user.json"), userFile(server.url(QStringLiteral("/t")))));
        const Result<AccessToken> token = TokenSource(env).token(300);
        QVERIFY(!token);
        QVERIFY2(token.error().contains(QLatin1String("no answer within")), qPrintable(why(token)));
    }
};

QTEST_GUILESS_MAIN(TestGcsCredentials)
#include "tst_gcscredentials.moc"
