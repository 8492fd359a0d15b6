#include "core/prefetch/hubrequest.h"
#include "core/util/tlsconfig.h"
#include "tfhubversion.h"

#include <QCoreApplication>
#include <QNetworkReply>
#include <QSslCertificate>

namespace tfhub::hubrequest {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::hubrequest", text);
}

} // namespace

QString certificateProblem(const QUrl &url, const QList<QSslError> &errors, const QString &fallback)
{
    if (errors.isEmpty())
        return tr("%1: %2").arg(url.toString(), fallback);
    const QSslError &first = errors.first();
    QString issuer = first.certificate().issuerDisplayName();
    if (issuer.isEmpty())
        issuer = tr("an unknown issuer");
    return tr("Cannot download from %1: its TLS certificate, issued by \"%2\", is not trusted here (%3). "
              "If your network uses its own certificate authority (a company proxy, say), add that CA to "
              "the system's certificate store, or set SSL_CERT_FILE to a PEM file that contains it "
              "(SSL_CERT_DIR for a folder of them).")
        .arg(url.host(), issuer, first.errorString());
}

QNetworkRequest make(const QUrl &url, const TransportOptions &options)
{
    QNetworkRequest request(url);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setRawHeader("User-Agent", "tfhub-cache-manager/" TFHUB_VERSION);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(util::tlsConfiguration(options.disableTlsVerification));
    return request;
}

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

QUrl redirectTarget(const QNetworkReply *reply)
{
    const QByteArray location = reply->rawHeader("Location");
    if (location.isEmpty())
        return {};
    return reply->url().resolved(QUrl::fromEncoded(location));
}

bool isFollowable(const QUrl &target)
{
    return target.scheme() == QLatin1String("http") || target.scheme() == QLatin1String("https");
}

int status(const QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

} // namespace tfhub::hubrequest
