#include "core/gcs/jwt.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

struct BioFree
{
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct PkeyFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree
{
    void operator()(EVP_MD_CTX *ctx) const { EVP_MD_CTX_free(ctx); }
};

// OpenSSL's reason for the last failure ("unsupported", "bad decrypt"), never data; the queue is
// emptied so a later call does not report a stale reason.
QString opensslReason()
{
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    if (code == 0)
        return tr("unknown error");
    const char *reason = ERR_reason_error_string(code);
    return reason ? QString::fromUtf8(reason) : tr("error %1").arg(code);
}

// PEM_read_bio_PrivateKey asks a callback for a passphrase when the key is encrypted; Google's key
// files never are, so refuse instead of letting OpenSSL prompt on the terminal.
int noPassphrase(char *, int, int, void *)
{
    return -1;
}

} // namespace

QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Result<QByteArray> signRs256(const QByteArray &data, const QByteArray &privateKeyPem)
{
    ERR_clear_error();
    const std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(privateKeyPem.constData(), int(privateKeyPem.size())));
    if (!bio)
        return Error { tr("Cannot read the private key: out of memory") };
    const std::unique_ptr<EVP_PKEY, PkeyFree> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
    if (!key)
        return Error {
            tr("The private key is not a PEM private key OpenSSL can read (%1)").arg(opensslReason())
        };
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
        return Error { tr("The private key is not an RSA key; RS256 needs one") };
    const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1)
        return Error { tr("Cannot sign with the private key (%1)").arg(opensslReason()) };
    const auto *bytes = reinterpret_cast<const unsigned char *>(data.constData());
    size_t length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &length, bytes, size_t(data.size())) != 1)
        return Error { tr("Cannot sign with the private key (%1)").arg(opensslReason()) };
    QByteArray signature(qsizetype(length), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(signature.data()), &length, bytes,
            size_t(data.size()))
        != 1)
        return Error { tr("Cannot sign with the private key (%1)").arg(opensslReason()) };
    signature.truncate(qsizetype(length));
    return signature;
}

Result<QByteArray> makeSignedJwt(const JwtClaims &claims, const QByteArray &privateKeyPem)
{
    QJsonObject header { { QStringLiteral("alg"), QStringLiteral("RS256") },
        { QStringLiteral("typ"), QStringLiteral("JWT") } };
    if (!claims.keyId.isEmpty())
        header.insert(QStringLiteral("kid"), claims.keyId);
    const qint64 iat = claims.issuedAt.toSecsSinceEpoch();
    const QJsonObject body { { QStringLiteral("iss"), claims.issuer },
        { QStringLiteral("scope"), claims.scope }, { QStringLiteral("aud"), claims.audience },
        { QStringLiteral("iat"), iat }, { QStringLiteral("exp"), iat + claims.lifetimeSecs } };
    const QByteArray input = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + base64Url(QJsonDocument(body).toJson(QJsonDocument::Compact));
    const Result<QByteArray> signature = signRs256(input, privateKeyPem);
    if (!signature)
        return Error { signature.error() };
    return QByteArray(input + '.' + base64Url(*signature));
}

} // namespace tfhub::gcs
