#include "core/prefetch/hubrequest.h"

#include <QNetworkReply>
#include <QSslConfiguration>

namespace tfhub::hubrequest {

QNetworkRequest make(const QUrl &url, const TransportOptions &options)
{
    QNetworkRequest request(url);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setRawHeader("User-Agent", "tfhub-cache-manager/" TFHUB_VERSION);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (options.disableTlsVerification && url.scheme() == QLatin1String("https")) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        request.setSslConfiguration(ssl);
    }
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
