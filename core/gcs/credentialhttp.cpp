#include "core/gcs/credentialhttp.h"
#include "core/util/tlsconfig.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

constexpr qint64 maxAnswerBytes = 1 << 20;
constexpr qint64 defaultLifetimeSecs = 3600;

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QByteArray metadataFlavor;
    QString problem; ///< no HTTP answer at all: why
};

QString seconds(int ms)
{
    return tr("%1 s").arg(double(ms) / 1000.0, 0, 'g', 3);
}

HttpAnswer exchange(QNetworkRequest request, const QByteArray *post, int timeoutMs, bool direct = false)
{
    timeoutMs = qMax(timeoutMs, 1);
    QNetworkAccessManager manager;
    // The metadata server and a token endpoint on this machine are never reached through a proxy
    // (as Google's libraries do); a remote token endpoint honours the usual proxy settings.
    const QString host = request.url().host();
    if (direct || host == QLatin1String("localhost") || QHostAddress(host).isLoopback())
        manager.setProxy(QNetworkProxy::NoProxy);
    // A token endpoint that redirects is misconfigured; following it would post secrets elsewhere.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setRawHeader("Accept-Encoding", "identity");
    request.setTransferTimeout(timeoutMs);
    const std::unique_ptr<QNetworkReply> reply(post ? manager.post(request, *post) : manager.get(request));
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&deadline, &QTimer::timeout, reply.get(), &QNetworkReply::abort);
    deadline.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    HttpAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (answer.status == 0) {
        const bool timedOut = reply->error() == QNetworkReply::OperationCanceledError
            || reply->error() == QNetworkReply::TimeoutError;
        answer.problem = timedOut ? tr("no answer within %1").arg(seconds(timeoutMs)) : reply->errorString();
        return answer;
    }
    answer.body = reply->read(maxAnswerBytes);
    answer.metadataFlavor = reply->rawHeader("Metadata-Flavor");
    return answer;
}

// The server's own words on a refusal: OAuth's {error, error_description}; bounded and from the
// answer only, so nothing we sent can leak into the message.
QString refusalDetail(const QByteArray &body)
{
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    QString detail = object.value(QStringLiteral("error")).toString();
    const QString description = object.value(QStringLiteral("error_description")).toString();
    if (!description.isEmpty())
        detail += (detail.isEmpty() ? QString() : QStringLiteral(": ")) + description;
    if (detail.size() > 300)
        detail = detail.left(300) + QStringLiteral("…");
    return detail;
}

Result<AccessToken> parseTokenAnswer(const HttpAnswer &answer, const QString &what, const QString &source)
{
    if (!answer.problem.isEmpty())
        return Error { tr("%1: %2").arg(what, answer.problem) };
    if (answer.status != 200) {
        const QString detail = refusalDetail(answer.body);
        return Error { detail.isEmpty()
                ? tr("%1 refused: HTTP %2").arg(what).arg(answer.status)
                : tr("%1 refused: HTTP %2, %3").arg(what).arg(answer.status).arg(detail) };
    }
    const QJsonObject object = QJsonDocument::fromJson(answer.body).object();
    const QString value = object.value(QStringLiteral("access_token")).toString();
    if (value.isEmpty())
        return Error { tr("%1 answered without an access_token").arg(what) };
    const QString type = object.value(QStringLiteral("token_type")).toString();
    if (!type.isEmpty() && type.compare(QLatin1String("Bearer"), Qt::CaseInsensitive) != 0)
        return Error { tr("%1 answered with a token of type \"%2\", not Bearer").arg(what, type.left(32)) };
    const qint64 lifetime = object.value(QStringLiteral("expires_in")).toInteger(defaultLifetimeSecs);
    return AccessToken { value, QDateTime::currentDateTimeUtc().addSecs(lifetime), source };
}

} // namespace

QByteArray formEncode(const QList<QPair<QString, QString>> &fields)
{
    QByteArray form;
    for (const auto &[name, value] : fields) {
        if (!form.isEmpty())
            form += '&';
        form += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return form;
}

Result<AccessToken> postTokenRequest(
    const QUrl &endpoint, const QByteArray &form, const QString &source, int timeoutMs)
{
    QNetworkRequest request(endpoint);
    if (endpoint.scheme() == QLatin1String("https"))
        request.setSslConfiguration(util::tlsConfiguration(false));
    request.setHeader(
        QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    const HttpAnswer answer = exchange(request, &form, timeoutMs);
    return parseTokenAnswer(answer, tr("the token endpoint %1").arg(endpoint.toString()), source);
}

Result<AccessToken> getMetadataToken(const QUrl &url, const QString &source, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setRawHeader("Metadata-Flavor", "Google");
    const HttpAnswer answer = exchange(request, nullptr, timeoutMs, true);
    const QString what = tr("the metadata server at %1").arg(url.authority());
    if (answer.problem.isEmpty() && answer.metadataFlavor != "Google")
        return Error {
            tr("%1 answered without \"Metadata-Flavor: Google\", so it is not a metadata server").arg(what)
        };
    return parseTokenAnswer(answer, what, source);
}

QString probeConnection(const QString &host, quint16 port, int timeoutMs)
{
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&socket, &QTcpSocket::connected, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &loop, &QEventLoop::quit);
    QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    deadline.start(qMax(timeoutMs, 1));
    socket.connectToHost(host, port);
    if (socket.state() != QAbstractSocket::ConnectedState
        && socket.error() == QAbstractSocket::UnknownSocketError)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    if (socket.state() == QAbstractSocket::ConnectedState) {
        socket.abort();
        return {};
    }
    if (socket.error() != QAbstractSocket::UnknownSocketError)
        return socket.errorString();
    socket.abort();
    return tr("no connection within %1").arg(seconds(timeoutMs));
}

} // namespace tfhub::gcs
