#include "core/prefetch/uncompressedquery.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace tfhub {

UncompressedQuery::UncompressedQuery(QNetworkAccessManager *nam, TransportOptions options, QObject *parent)
    : QObject(parent), m_nam(nam), m_options(options)
{
}

UncompressedQuery::~UncompressedQuery()
{
    abort();
}

void UncompressedQuery::start(const QUrl &url)
{
    m_redirects = 0;
    send(url);
}

void UncompressedQuery::abort()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
}

void UncompressedQuery::send(const QUrl &url)
{
    QNetworkRequest request = hubrequest::make(url, m_options);
    request.setTransferTimeout(m_options.stallSecs * 1000);
    m_reply = m_nam->get(request);
    connect(m_reply, &QNetworkReply::finished, this, &UncompressedQuery::onFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &e) { m_sslErrors = e; });
    m_sslErrors.clear();
}

void UncompressedQuery::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    reply->deleteLater();
    m_reply = nullptr;
    const int status = hubrequest::status(reply);
    if (status == 0 && reply->error() == QNetworkReply::SslHandshakeFailedError) {
        Q_EMIT failed(hubrequest::certificateProblem(reply->url(), m_sslErrors, reply->errorString()));
        return;
    }
    if (status == 0) {
        Q_EMIT failed(tr("%1: %2").arg(reply->url().toString(), reply->errorString()));
        return;
    }
    // urlopen follows 301, 302, 303, 307 and 308 like any download (same cap, same schemes);
    // only a redirect it cannot follow reaches the library, as an HTTPError with its status.
    if (hubrequest::isRedirect(status)) {
        const QUrl target = hubrequest::redirectTarget(reply);
        if (target.isValid() && hubrequest::isFollowable(target) && ++m_redirects <= m_options.maxRedirects) {
            send(target);
            return;
        }
    }
    const QByteArray body = reply->readAll();
    // The library's exact messages.
    if (status != 303) {
        Q_EMIT failed(
            QStringLiteral("Expected 303 See other HTTP response but received code %1").arg(status));
        return;
    }
    const QString location = QString::fromUtf8(body);
    if (!location.startsWith(QLatin1String("gs://"))) {
        Q_EMIT failed(
            QStringLiteral("Expected server to return a GCS location but received %1").arg(location));
        return;
    }
    Q_EMIT resolved(location);
}

Result<QString> UncompressedQuery::ask(const Handle &handle, const TransportOptions &options)
{
    QNetworkAccessManager nam;
    UncompressedQuery query(&nam, options);
    QEventLoop loop;
    Result<QString> outcome = Error { QString() };
    connect(&query, &UncompressedQuery::resolved, &loop, [&](const QString &location) {
        outcome = location;
        loop.quit();
    });
    connect(&query, &UncompressedQuery::failed, &loop, [&](const QString &message) {
        outcome = Error { message };
        loop.quit();
    });
    query.start(QUrl(handle.uncompressedUrl(), QUrl::StrictMode));
    loop.exec();
    return outcome;
}

} // namespace tfhub
