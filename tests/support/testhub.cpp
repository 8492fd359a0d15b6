#include "tests/support/testhub.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QLocale>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

#include <sys/socket.h>

namespace tfhub::test {

namespace {

using Header = QPair<QByteArray, QByteArray>;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray httpDate(const QDateTime &time)
{
    return QLocale::c().toString(time.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
}

} // namespace

QByteArray TestHub::Request::header(const QByteArray &name) const
{
    for (const auto &field : headers) {
        if (field.first.compare(name, Qt::CaseInsensitive) == 0)
            return field.second;
    }
    return {};
}

// One HTTP exchange on one socket, in the server thread: read the request, answer, close.
class HubConnection final : public QObject
{
public:
    HubConnection(QTcpSocket *socket, TestHub::State *state, QObject *parent)
        : QObject(parent), m_socket(socket), m_state(state)
    {
        m_socket->setParent(this);
        connect(m_socket, &QTcpSocket::readyRead, this, &HubConnection::onReadyRead);
        connect(m_socket, &QTcpSocket::bytesWritten, this, &HubConnection::pump);
        connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
        // Over TLS the request may have arrived with the handshake, before we were connected.
        if (m_socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(this, &HubConnection::onReadyRead, Qt::QueuedConnection);
        m_throttle.setInterval(20);
        connect(&m_throttle, &QTimer::timeout, this, [this] {
            m_allowance += std::max<qint64>(1, m_fault.bytesPerSecond / 50);
            pump();
        });
    }

    ~HubConnection() override { setStalled(false); }

    void resume()
    {
        if (!m_stalled)
            return;
        setStalled(false);
        pump();
    }

    bool isStalled() const { return m_stalled; }

private:
    void setStalled(bool stalled)
    {
        if (stalled == m_stalled)
            return;
        m_stalled = stalled;
        QMutexLocker lock(&m_state->mutex);
        m_state->stalled += stalled ? 1 : -1;
        if (stalled)
            ++m_state->stallsBegun;
    }

    void onReadyRead()
    {
        if (m_answered)
            return;
        m_in += m_socket->readAll();
        const qsizetype end = m_in.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        m_answered = true;
        TestHub::Request request;
        const QList<QByteArray> lines = m_in.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        request.method = first.value(0);
        request.target = first.value(1);
        const qsizetype question = request.target.indexOf('?');
        request.path = question < 0 ? request.target : request.target.left(question);
        request.query = question < 0 ? QByteArray() : request.target.mid(question + 1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                request.headers.append(
                    Header { lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed() });
        }
        answer(request);
    }

    void answer(const TestHub::Request &request)
    {
        TestHub::Route route;
        bool found = false;
        QPair<QByteArray, int> redirect;
        bool redirected = false;
        int count = 0;
        {
            QMutexLocker lock(&m_state->mutex);
            m_state->requests.append(request);
            count = ++m_state->counts[request.path];
            m_fault = m_state->faults.value(request.path);
            if (m_state->redirects.contains(request.path)) {
                redirect = m_state->redirects.value(request.path);
                redirected = true;
            }
            if (m_state->routes.contains(request.path)) {
                route = m_state->routes.value(request.path);
                found = true;
            }
        }
        m_head = request.method == "HEAD";
        if (m_fault.failFirst > 0 && count <= m_fault.failFirst)
            return sendStatus(m_fault.failStatus);
        if (m_fault.status != 0)
            return sendStatus(m_fault.status);
        if (!m_fault.requireAuthorization.isEmpty()
            && request.header("Authorization") != m_fault.requireAuthorization)
            return sendStatus(m_fault.refusalStatus);
        if (redirected) {
            QByteArray location = redirect.first;
            if (location.startsWith('/'))
                location.prepend(m_state->scheme + "://127.0.0.1:" + QByteArray::number(m_state->port));
            if (!location.contains('?') && !request.query.isEmpty())
                location += '?' + request.query;
            return send(redirect.second, { { "Location", location } }, {}, "text/plain");
        }
        if (!found)
            return sendStatus(404);
        if (!route.archive)
            return send(route.status, route.headers, route.body, route.contentType);

        if (request.query.split('&').contains("tf-hub-format=uncompressed")) {
            if (route.gcsLocation.isEmpty())
                return sendStatus(404);
            return send(303, {}, route.gcsLocation, "text/plain");
        }
        QList<QPair<QByteArray, QByteArray>> headers { { "ETag", route.etag },
            { "Last-Modified", route.lastModified } };
        if (m_fault.body)
            return send(200, headers, *m_fault.body,
                m_fault.contentType.isEmpty() ? QByteArray("text/html") : m_fault.contentType);
        if (m_fault.ignoreRange)
            return send(200, headers, route.body, "application/octet-stream");
        headers.append(Header { "Accept-Ranges", "bytes" });

        const QByteArray range = request.header("Range");
        const QByteArray ifRange = request.header("If-Range");
        const bool validatorMatches
            = ifRange.isEmpty() || ifRange == route.etag || ifRange == route.lastModified;
        if (range.startsWith("bytes=") && validatorMatches) {
            const QList<QByteArray> bounds = range.mid(6).split('-');
            bool ok = bounds.size() == 2;
            const qint64 size = route.body.size();
            const qint64 from = ok ? bounds[0].toLongLong(&ok) : 0;
            qint64 to = size - 1;
            if (ok && !bounds[1].isEmpty())
                to = std::min(bounds[1].toLongLong(&ok), size - 1);
            if (ok && from >= size) {
                headers.append(Header { "Content-Range", "bytes */" + QByteArray::number(size) });
                return send(416, headers, {}, "text/plain");
            }
            if (ok && from <= to) {
                headers.append(Header { "Content-Range",
                    "bytes " + QByteArray::number(from) + '-' + QByteArray::number(to) + '/'
                        + QByteArray::number(size) });
                return send(206, headers, route.body.mid(from, to - from + 1), "application/octet-stream");
            }
        }
        send(200, headers, route.body, "application/octet-stream");
    }

    void sendStatus(int status)
    {
        QList<QPair<QByteArray, QByteArray>> headers;
        if (m_fault.retryAfter >= 0)
            headers.append(Header { "Retry-After", QByteArray::number(m_fault.retryAfter) });
        send(status, headers, reasonPhrase(status) + '\n', "text/plain");
    }

    void send(int status, const QList<QPair<QByteArray, QByteArray>> &headers, const QByteArray &body,
        const QByteArray &contentType)
    {
        QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
        for (const auto &field : headers)
            head += field.first + ": " + field.second + "\r\n";
        head += "Content-Type: " + contentType + "\r\nConnection: close\r\n";
        if (m_fault.chunked) {
            head += "Transfer-Encoding: chunked\r\n";
        } else {
            const qint64 length = m_fault.announcedLength >= 0 ? m_fault.announcedLength : body.size();
            head += "Content-Length: " + QByteArray::number(length) + "\r\n";
        }
        head += "\r\n";
        m_socket->write(head);
        m_body = m_head ? QByteArray() : body;
        if (m_fault.bytesPerSecond > 0) {
            m_allowance = std::max<qint64>(1, m_fault.bytesPerSecond / 50);
            m_throttle.start();
        }
        pump();
    }

    void pump()
    {
        if (m_done || m_stalled || !m_socket->isOpen())
            return;
        while (m_socket->bytesToWrite() < 64 * 1024) {
            qint64 stop = m_body.size();
            for (qint64 mark :
                { m_fault.truncateAt, m_fault.resetAt, m_stallDone ? qint64(-1) : m_fault.stallAt }) {
                if (mark >= 0)
                    stop = std::min(stop, mark);
            }
            if (m_sent >= stop)
                return onMark();
            qint64 size = std::min<qint64>(stop - m_sent, 16 * 1024);
            if (m_fault.bytesPerSecond > 0) {
                size = std::min(size, m_allowance);
                if (size <= 0)
                    return;
                m_allowance -= size;
            }
            if (m_fault.chunked)
                m_socket->write(QByteArray::number(size, 16) + "\r\n");
            m_socket->write(m_body.constData() + m_sent, size);
            if (m_fault.chunked)
                m_socket->write("\r\n");
            m_sent += size;
        }
    }

    void onMark()
    {
        if (m_fault.stallAt >= 0 && m_sent == m_fault.stallAt && !m_stallDone) {
            m_stallDone = true;
            setStalled(true);
            if (m_fault.stallMs >= 0)
                QTimer::singleShot(m_fault.stallMs, this, &HubConnection::resume);
            return;
        }
        if (m_fault.resetAt >= 0 && m_sent == m_fault.resetAt) {
            // Let the bytes before the mark leave, then close with SO_LINGER 0: the peer sees RST.
            if (m_socket->bytesToWrite() > 0)
                return;
            m_done = true;
            const struct linger hard
            {
                1, 0
            };
            ::setsockopt(
                static_cast<int>(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
            m_socket->abort();
            deleteLater();
            return;
        }
        m_done = true;
        const bool complete
            = m_sent == m_body.size() && !(m_fault.truncateAt >= 0 && m_sent == m_fault.truncateAt);
        if (complete && m_fault.chunked)
            m_socket->write("0\r\n\r\n");
        m_throttle.stop();
        m_socket->disconnectFromHost();
    }

    QTcpSocket *m_socket;
    TestHub::State *m_state;
    TestHub::Fault m_fault;
    QByteArray m_in;
    QByteArray m_body;
    QTimer m_throttle;
    qint64 m_sent = 0;
    qint64 m_allowance = 0;
    bool m_answered = false;
    bool m_head = false;
    bool m_stalled = false;
    bool m_stallDone = false;
    bool m_done = false;
};

// Accepts connections on a plain or a TLS listener (a QSslServer queues them after the handshake).
class HubServer final : public QObject
{
public:
    HubServer(TestHub::State *state, QTcpServer *listener) : m_state(state), m_listener(listener)
    {
        m_listener->setParent(this);
        const auto accept = [this] {
            while (QTcpSocket *socket = m_listener->nextPendingConnection())
                m_connections.append(new HubConnection(socket, m_state, this));
        };
        connect(m_listener, &QTcpServer::newConnection, this, accept);
        connect(m_listener, &QTcpServer::pendingConnectionAvailable, this, accept);
    }

    QTcpServer *listener() const { return m_listener; }

    void releaseStalls()
    {
        for (const QPointer<HubConnection> &connection : std::as_const(m_connections)) {
            if (connection)
                connection->resume();
        }
        m_connections.removeAll(nullptr);
    }

private:
    TestHub::State *m_state;
    QTcpServer *m_listener;
    QList<QPointer<HubConnection>> m_connections;
};

TestHub::TestHub()
{
    m_thread.setObjectName(QStringLiteral("TestHub"));
}

TestHub::~TestHub()
{
    stop();
}

bool TestHub::start()
{
    if (m_server)
        return true;
    return listen(new QTcpServer);
}

bool TestHub::startTls(const QString &certificatePem, const QString &keyPem)
{
    if (m_server)
        return false;
    QFile cert(certificatePem), key(keyPem);
    if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly))
        return false;
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificate(QSslCertificate(cert.readAll(), QSsl::Pem));
    tls.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa, QSsl::Pem));
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    auto *server = new QSslServer;
    server->setSslConfiguration(tls);
    {
        QMutexLocker lock(&m_state.mutex);
        m_state.scheme = "https";
    }
    return listen(server);
}

bool TestHub::listen(QTcpServer *listener)
{
    m_server = new HubServer(&m_state, listener);
    m_server->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_server, &QObject::deleteLater);
    m_thread.start();
    bool listening = false;
    QMetaObject::invokeMethod(
        m_server,
        [this, &listening] {
            listening = m_server->listener()->listen(QHostAddress::LocalHost, 0);
            QMutexLocker lock(&m_state.mutex);
            m_state.port = m_server->listener()->serverPort();
        },
        Qt::BlockingQueuedConnection);
    return listening;
}

void TestHub::stop()
{
    if (!m_server)
        return;
    m_thread.quit();
    m_thread.wait();
    m_server = nullptr; // deleted by the thread's last deferred deletions
}

QUrl TestHub::baseUrl() const
{
    QMutexLocker lock(&m_state.mutex);
    return QUrl(
        QStringLiteral("%1://127.0.0.1:%2").arg(QString::fromLatin1(m_state.scheme)).arg(m_state.port));
}

QUrl TestHub::url(const QString &pathAndQuery) const
{
    return QUrl(baseUrl().toString() + pathAndQuery);
}

void TestHub::addArchive(const QString &path, const QByteArray &bytes)
{
    QMutexLocker lock(&m_state.mutex);
    Route &route = m_state.routes[path.toUtf8()];
    route.archive = true;
    route.body = bytes;
    route.contentType = "application/octet-stream";
    // Distinct validators per version of the content, as a CDN would send.
    route.etag = '"' + QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex().left(16) + '"';
    route.lastModified = httpDate(QDateTime::currentDateTimeUtc().addSecs(-3600 + ++m_state.generation));
}

void TestHub::setUncompressedLocation(const QString &path, const QByteArray &gcsLocation)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.routes[path.toUtf8()].gcsLocation = gcsLocation;
}

void TestHub::addPage(const QString &path, int status, const QByteArray &body, const QByteArray &contentType,
    const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QMutexLocker lock(&m_state.mutex);
    Route route;
    route.status = status;
    route.body = body;
    route.contentType = contentType;
    route.headers = headers;
    m_state.routes.insert(path.toUtf8(), route);
}

void TestHub::addRedirect(const QString &from, const QString &to, int code)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.redirects.insert(from.toUtf8(), { to.toUtf8(), code });
}

void TestHub::setFault(const QString &path, const Fault &fault)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.faults.insert(path.toUtf8(), fault);
}

void TestHub::clearFaults()
{
    QMutexLocker lock(&m_state.mutex);
    m_state.faults.clear();
}

void TestHub::releaseStalls()
{
    if (!m_server)
        return;
    HubServer *server = m_server;
    QMetaObject::invokeMethod(
        server, [server] { server->releaseStalls(); }, Qt::BlockingQueuedConnection);
}

int TestHub::stalledConnections() const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.stalled;
}

int TestHub::stallCount() const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.stallsBegun;
}

QByteArray TestHub::etag(const QString &path) const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.routes.value(path.toUtf8()).etag;
}

QByteArray TestHub::lastModified(const QString &path) const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.routes.value(path.toUtf8()).lastModified;
}

QList<TestHub::Request> TestHub::requests() const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.requests;
}

int TestHub::requestCount(const QString &path) const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.counts.value(path.toUtf8());
}

void TestHub::clearRequests()
{
    QMutexLocker lock(&m_state.mutex);
    m_state.requests.clear();
    m_state.counts.clear();
}

} // namespace tfhub::test
