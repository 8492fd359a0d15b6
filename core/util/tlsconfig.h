#pragma once

#include <QSslConfiguration>

namespace tfhub::util {

/// The TLS configuration for every https request (downloads, Cloud Storage, token endpoints):
/// the system's CA certificates plus those named by SSL_CERT_FILE (a PEM file) and SSL_CERT_DIR
/// (folders, ':'-separated), as OpenSSL and so Python read them; without verification when
/// asked (TFHUB_DISABLE_CERT_VALIDATION=true for downloads).
QSslConfiguration tlsConfiguration(bool disableVerification);

} // namespace tfhub::util
