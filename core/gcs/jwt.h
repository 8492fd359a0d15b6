#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QString>

// The signed JWT that a Google service account trades for an access token (RFC 7523): header and
// claims as compact JSON, base64url without padding, signed RS256 with the key file's private key.
namespace tfhub::gcs {

/// base64url without '=' padding, as JWTs use it.
QByteArray base64Url(const QByteArray &data);

/// The claims of a service account's token request.
struct JwtClaims
{
    QString issuer; ///< iss: the service account's client_email
    QString scope; ///< scope: space-separated OAuth scopes
    QString audience; ///< aud: the token endpoint (the key file's token_uri)
    QDateTime issuedAt; ///< iat; exp is iat + lifetimeSecs
    int lifetimeSecs = 3600; ///< Google accepts at most an hour
    QString keyId; ///< kid in the header (the key file's private_key_id); omitted when empty
};

/// RSASSA-PKCS1-v1_5 with SHA-256 over `data`, with a PEM private key (PKCS#8 "PRIVATE KEY", as
/// Google's key files hold it, or PKCS#1 "RSA PRIVATE KEY"). Errors never quote the key.
Result<QByteArray> signRs256(const QByteArray &data, const QByteArray &privateKeyPem);

/// header.claims.signature, ready to post as the jwt-bearer grant's assertion.
Result<QByteArray> makeSignedJwt(const JwtClaims &claims, const QByteArray &privateKeyPem);

} // namespace tfhub::gcs
