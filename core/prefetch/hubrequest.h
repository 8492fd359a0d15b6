#pragma once

#include "core/settings/appsettings.h"
#include "core/util/result.h"

#include <QList>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <QUrl>

#include <functional>

class QNetworkReply;

namespace tfhub {

/// How downloads talk to hubs and storage; shared by ResumableDownload and UncompressedQuery.
struct TransportOptions final
{
    int stallSecs = settings::StallTimeoutSecs.defaultValue; ///< no bytes for this long counts as a failure
    int retries = settings::Retries.defaultValue; ///< transient failures retried this many times
    int backoffMs = 1000; ///< first retry delay, doubled each time, capped at 30 s
    int maxRedirects = 10; ///< as Python's urllib
    bool disableTlsVerification = false; ///< only with TFHUB_DISABLE_CERT_VALIDATION=true
    /// For a private Cloud Storage object: asked once when `authorizeHost` answers 401 or 403 to a
    /// request sent without credentials; its value (e.g. "Bearer ...") is then sent to that host
    /// only, never to a redirect target elsewhere. Its error says which credentials were tried.
    std::function<Result<QByteArray>()> authorize;
    QString authorizeHost;
};

namespace hubrequest {

/// A GET as tensorflow_hub sends it: identity encoding, our User-Agent, HTTP/1.1, redirects
/// left to the caller (they are counted and checked against the library's rules), and for
/// https the TLS configuration below.
QNetworkRequest make(const QUrl &url, const TransportOptions &options);

/// A certificate failure in words a user can act on: the host, the issuer it was not trusted
/// for, and the remedies (the system's store, or SSL_CERT_FILE).
QString certificateProblem(const QUrl &url, const QList<QSslError> &errors, const QString &fallback);

bool isRedirect(int status);

/// Where a redirect answer points: the Location resolved against the reply's URL. Invalid when
/// there is none.
QUrl redirectTarget(const QNetworkReply *reply);

/// Whether we follow a redirect to `target`: http(s) only, as the compressed path always did.
bool isFollowable(const QUrl &target);

/// The HTTP status of a reply, 0 when no response arrived.
int status(const QNetworkReply *reply);

} // namespace hubrequest

} // namespace tfhub
