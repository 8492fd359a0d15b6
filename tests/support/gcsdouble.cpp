#include "tests/support/gcsdouble.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

namespace tfhub::test {

namespace {

struct Reply
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json; charset=UTF-8";
    QList<QPair<QByteArray, QByteArray>> headers;
    bool drop = false;
};

struct Parsed
{
    QByteArray method;
    QByteArray target;
    QList<QByteArray> segments; ///< the path split on '/', still percent-encoded
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QByteArray body;

    QString param(const QString &name) const { return query.queryItemValue(name, QUrl::FullyDecoded); }
    qint64 ifGenerationMatch() const
    {
        return query.hasQueryItem(QStringLiteral("ifGenerationMatch"))
            ? param(QStringLiteral("ifGenerationMatch")).toLongLong()
            : -1;
    }
};

QString decoded(const QByteArray &segment)
{
    return QString::fromUtf8(QByteArray::fromPercentEncoding(segment));
}

Reply json(int status, const QJsonObject &o)
{
    Reply r;
    r.status = status;
    r.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return r;
}

Reply error(int status, const QString &message)
{
    return json(status,
        { { QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), status }, { QStringLiteral("message"), message } } } });
}

QJsonObject resource(const QString &bucket, const QString &name, const GcsDouble::Object &o)
{
    return { { QStringLiteral("kind"), QStringLiteral("storage#object") },
        { QStringLiteral("bucket"), bucket }, { QStringLiteral("name"), name },
        { QStringLiteral("size"), QString::number(o.data.size()) },
        { QStringLiteral("generation"), QString::number(o.generation) },
        { QStringLiteral("updated"), o.updated.toUTC().toString(Qt::ISODateWithMs) },
        { QStringLiteral("md5Hash"),
            QString::fromLatin1(QCryptographicHash::hash(o.data, QCryptographicHash::Md5).toBase64()) } };
}

// Stores an object under its precondition; 412 when ifGenerationMatch does not hold.
Reply store(GcsDouble::State &s, const QString &bucket, const QString &name, const QByteArray &data,
    qint64 ifGenerationMatch)
{
    auto &objects = s.buckets[bucket];
    const qint64 current = objects.contains(name) ? objects.value(name).generation : 0;
    if (ifGenerationMatch >= 0 && ifGenerationMatch != current)
        return error(412, QStringLiteral("At least one of the pre-conditions you specified did not hold."));
    GcsDouble::Object &o = objects[name];
    o.data = data;
    o.generation = ++s.nextGeneration;
    o.updated = QDateTime::currentDateTimeUtc();
    return json(200, resource(bucket, name, o));
}

Reply list(GcsDouble::State &s, const QString &bucket, const Parsed &p)
{
    const QString prefix = p.param(QStringLiteral("prefix"));
    const QString after
        = QString::fromUtf8(QByteArray::fromBase64(p.param(QStringLiteral("pageToken")).toLatin1()));
    int limit = s.pageLimit;
    if (p.query.hasQueryItem(QStringLiteral("maxResults")))
        limit = qMin(limit, p.param(QStringLiteral("maxResults")).toInt());
    const auto &objects = s.buckets[bucket];
    QJsonArray items;
    QString last;
    bool more = false;
    for (auto it = after.isEmpty() ? objects.cbegin() : objects.upperBound(after); it != objects.cend();
         ++it) {
        if (!it.key().startsWith(prefix))
            continue;
        if (items.size() >= limit) {
            more = true;
            break;
        }
        items.append(resource(bucket, it.key(), it.value()));
        last = it.key();
    }
    QJsonObject o { { QStringLiteral("kind"), QStringLiteral("storage#objects") } };
    if (!items.isEmpty())
        o.insert(QStringLiteral("items"), items);
    if (more)
        o.insert(QStringLiteral("nextPageToken"), QString::fromLatin1(last.toUtf8().toBase64()));
    return json(200, o);
}

Reply getOrDelete(GcsDouble::State &s, const QString &bucket, const QString &name, const Parsed &p)
{
    auto &objects = s.buckets[bucket];
    if (!objects.contains(name))
        return error(404, QStringLiteral("No such object: %1/%2").arg(bucket, name));
    const GcsDouble::Object o = objects.value(name);
    if (p.ifGenerationMatch() >= 0 && p.ifGenerationMatch() != o.generation)
        return error(412, QStringLiteral("At least one of the pre-conditions you specified did not hold."));
    if (p.method == "DELETE") {
        objects.remove(name);
        Reply r;
        r.status = 204;
        return r;
    }
    if (p.param(QStringLiteral("alt")) == QLatin1String("media")) {
        Reply r;
        r.body = o.data;
        r.contentType = "application/octet-stream";
        return r;
    }
    return json(200, resource(bucket, name, o));
}

// objects.rewrite: the first call answers with a rewriteToken, the call that brings it back copies.
Reply rewrite(GcsDouble::State &s, const QString &bucket, const QString &name, const QString &toBucket,
    const QString &toName, const Parsed &p)
{
    ++s.rewriteCalls;
    const auto &objects = s.buckets[bucket];
    if (!objects.contains(name))
        return error(404, QStringLiteral("No such object: %1/%2").arg(bucket, name));
    const qint64 size = objects.value(name).data.size();
    if (p.param(QStringLiteral("rewriteToken")).isEmpty())
        return json(200,
            { { QStringLiteral("kind"), QStringLiteral("storage#rewriteResponse") },
                { QStringLiteral("done"), false },
                { QStringLiteral("rewriteToken"), QString(QStringLiteral("tok") + name) },
                { QStringLiteral("totalBytesRewritten"), QStringLiteral("0") },
                { QStringLiteral("objectSize"), QString::number(size) } });
    Reply stored = store(s, toBucket, toName, objects.value(name).data, p.ifGenerationMatch());
    if (stored.status != 200)
        return stored;
    return json(200,
        { { QStringLiteral("kind"), QStringLiteral("storage#rewriteResponse") },
            { QStringLiteral("done"), true },
            { QStringLiteral("totalBytesRewritten"), QString::number(size) },
            { QStringLiteral("objectSize"), QString::number(size) },
            { QStringLiteral("resource"), QJsonDocument::fromJson(stored.body).object() } });
}

Reply startUpload(GcsDouble::State &s, const QString &bucket, const Parsed &p)
{
    QString name = p.param(QStringLiteral("name"));
    const QString type = p.param(QStringLiteral("uploadType"));
    if (type == QLatin1String("media"))
        return name.isEmpty() ? error(400, QStringLiteral("Required parameter: name"))
                              : store(s, bucket, name, p.body, p.ifGenerationMatch());
    if (type != QLatin1String("resumable"))
        return error(400, QStringLiteral("Unsupported uploadType %1").arg(type));
    if (name.isEmpty())
        name = QJsonDocument::fromJson(p.body).object().value(QStringLiteral("name")).toString();
    if (name.isEmpty())
        return error(400, QStringLiteral("Required parameter: name"));
    const QByteArray id
        = QByteArray::number(s.uploads.size() + 1) + "x" + QByteArray::number(s.nextGeneration);
    s.uploads.insert(id, { bucket, name, {}, p.ifGenerationMatch() });
    Reply r;
    r.headers.append({ "Location",
        "http://127.0.0.1:" + QByteArray::number(s.port) + "/upload/storage/v1/b/" + bucket.toUtf8()
            + "/o?uploadType=resumable&upload_id=" + id });
    return r;
}

// One chunk of a resumable upload: `Content-Range: bytes A-B/TOTAL` (or `/*`, or `*/TOTAL`).
Reply putChunk(GcsDouble::State &s, const Parsed &p)
{
    const QByteArray id = p.param(QStringLiteral("upload_id")).toLatin1();
    if (s.finishedUploads.contains(id)) {
        // As Cloud Storage does: a finished session answers with its object again.
        Reply r;
        r.body = s.finishedUploads.value(id);
        return r;
    }
    if (!s.uploads.contains(id))
        return error(404, QStringLiteral("No such upload session"));
    GcsDouble::State::Upload &u = s.uploads[id];
    const QByteArray range = p.headers.value("content-range").trimmed();
    const QByteArray spec = range.startsWith("bytes ") ? range.mid(6) : QByteArray();
    const QByteArray totalText = spec.mid(spec.indexOf('/') + 1);
    const qint64 total = totalText == "*" ? -1 : totalText.toLongLong();
    if (!spec.startsWith('*')) {
        const qint64 start = spec.left(spec.indexOf('-')).toLongLong();
        if (start == u.data.size())
            u.data.append(p.body);
        // A chunk that does not start where we are is ignored: the 308 says where to go on.
    }
    if (total >= 0 && u.data.size() >= total) {
        const GcsDouble::State::Upload done = s.uploads.take(id);
        Reply stored = store(s, done.bucket, done.name, done.data.left(total), done.ifGenerationMatch);
        if (stored.status == 200)
            s.finishedUploads.insert(id, stored.body);
        return stored;
    }
    Reply r;
    r.status = 308;
    if (!u.data.isEmpty())
        r.headers.append({ "Range", "bytes=0-" + QByteArray::number(u.data.size() - 1) });
    return r;
}

Reply route(GcsDouble::State &s, const Parsed &p)
{
    const QList<QByteArray> &seg = p.segments; // "", "storage"|"upload", ...
    const bool upload = seg.value(1) == "upload";
    const int base = upload ? 2 : 1;
    if (seg.value(base) != "storage" || seg.value(base + 1) != "v1" || seg.value(base + 2) != "b"
        || seg.value(base + 4) != "o")
        return error(404, QStringLiteral("Not Found"));
    const QString bucket = decoded(seg.value(base + 3));
    const qsizetype rest = seg.size() - (base + 5);
    if (upload && rest == 0 && p.method == "POST")
        return startUpload(s, bucket, p);
    if (upload && rest == 0 && p.method == "PUT")
        return putChunk(s, p);
    if (!upload && rest == 0 && p.method == "GET")
        return list(s, bucket, p);
    const QString name = decoded(seg.value(base + 5));
    if (!upload && rest == 1 && (p.method == "GET" || p.method == "DELETE"))
        return getOrDelete(s, bucket, name, p);
    if (!upload && rest == 6 && p.method == "POST" && seg.value(base + 6) == "rewriteTo")
        return rewrite(s, bucket, name, decoded(seg.value(base + 8)), decoded(seg.value(base + 10)), p);
    return error(404,
        QStringLiteral("Not Found: %1 %2").arg(QString::fromLatin1(p.method), QString::fromLatin1(p.target)));
}

QByteArray reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 308:
        return "Resume Incomplete";
    case 404:
        return "Not Found";
    case 412:
        return "Precondition Failed";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

} // namespace

// One exchange on one socket, in the server thread: read the request, answer, close.
class GcsConnection final : public QObject
{
public:
    GcsConnection(QTcpSocket *socket, GcsDouble::State *state, QObject *parent)
        : QObject(parent), m_socket(socket), m_state(state)
    {
        m_socket->setParent(this);
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { readMore(); });
        connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    }

private:
    void readMore()
    {
        m_buffer += m_socket->readAll();
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || m_done)
            return;
        Parsed p;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        p.method = first.value(0);
        p.target = first.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                p.headers.insert(lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        const qint64 length = p.headers.value("content-length").toLongLong();
        if (m_buffer.size() - end - 4 < length)
            return; // the body is still coming
        m_done = true;
        p.body = m_buffer.mid(end + 4, length);
        const qsizetype question = p.target.indexOf('?');
        const QByteArray path = question < 0 ? p.target : p.target.left(question);
        p.segments = path.split('/');
        p.query = QUrlQuery(question < 0 ? QString() : QString::fromLatin1(p.target.mid(question + 1)));
        answer(p);
    }

    void answer(const Parsed &p)
    {
        Reply r;
        {
            QMutexLocker lock(&m_state->mutex);
            m_state->requests.append(
                GcsDouble::Request { p.method, p.target, p.headers.value("authorization") });
            const QByteArray line = p.method + ' ' + p.target;
            if (m_state->dropCount > 0 && line.contains(m_state->dropFilter)) {
                --m_state->dropCount;
                if (m_state->dropAfterServing)
                    (void)route(*m_state, p);
                r.drop = true;
            } else if (m_state->failCount > 0 && line.contains(m_state->failFilter)) {
                --m_state->failCount;
                r = error(m_state->failStatus, QStringLiteral("Injected failure"));
                r.headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("0")));
            } else {
                r = route(*m_state, p);
            }
        }
        if (r.drop) {
            m_socket->abort();
            deleteLater();
            return;
        }
        QByteArray head = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reason(r.status) + "\r\n";
        head += "Content-Type: " + r.contentType + "\r\nContent-Length: " + QByteArray::number(r.body.size())
            + "\r\nConnection: close\r\n";
        for (const auto &[name, value] : std::as_const(r.headers))
            head += name + ": " + value + "\r\n";
        m_socket->write(head + "\r\n" + r.body);
        m_socket->disconnectFromHost();
    }

    QTcpSocket *m_socket;
    GcsDouble::State *m_state;
    QByteArray m_buffer;
    bool m_done = false;
};

class GcsServer final : public QObject
{
public:
    explicit GcsServer(GcsDouble::State *state) : m_state(state)
    {
        m_listener = new QTcpServer(this);
        connect(m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener->nextPendingConnection())
                new GcsConnection(socket, m_state, this);
        });
    }
    QTcpServer *listener() const { return m_listener; }

private:
    GcsDouble::State *m_state;
    QTcpServer *m_listener;
};

GcsDouble::GcsDouble()
{
    m_thread.setObjectName(QStringLiteral("GcsDouble"));
}

GcsDouble::~GcsDouble()
{
    stop();
}

bool GcsDouble::start()
{
    if (m_server)
        return true;
    m_server = new GcsServer(&m_state);
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

void GcsDouble::stop()
{
    if (!m_server)
        return;
    m_thread.quit();
    m_thread.wait();
    m_server = nullptr; // deleted by the thread's last deferred deletions
}

QString GcsDouble::endpoint() const
{
    QMutexLocker lock(&m_state.mutex);
    return QStringLiteral("http://127.0.0.1:%1").arg(m_state.port);
}

qint64 GcsDouble::put(
    const QString &bucket, const QString &name, const QByteArray &data, const QDateTime &updated)
{
    QMutexLocker lock(&m_state.mutex);
    Object &o = m_state.buckets[bucket][name];
    o.data = data;
    o.generation = ++m_state.nextGeneration;
    o.updated = updated.isValid() ? updated.toUTC() : QDateTime::currentDateTimeUtc();
    return o.generation;
}

std::optional<GcsDouble::Object> GcsDouble::object(const QString &bucket, const QString &name) const
{
    QMutexLocker lock(&m_state.mutex);
    const auto objects = m_state.buckets.value(bucket);
    if (!objects.contains(name))
        return std::nullopt;
    return objects.value(name);
}

QStringList GcsDouble::names(const QString &bucket) const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.buckets.value(bucket).keys();
}

void GcsDouble::failNext(int count, int status, const QByteArray &targetContains)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.failCount = count;
    m_state.failStatus = status;
    m_state.failFilter = targetContains;
}

void GcsDouble::dropNext(int count, const QByteArray &targetContains, bool afterServing)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.dropCount = count;
    m_state.dropFilter = targetContains;
    m_state.dropAfterServing = afterServing;
}

void GcsDouble::age(const QString &bucket, const QString &prefix, qint64 secs)
{
    QMutexLocker lock(&m_state.mutex);
    auto &objects = m_state.buckets[bucket];
    for (auto it = objects.begin(); it != objects.end(); ++it) {
        if (it.key().startsWith(prefix))
            it->updated = it->updated.addSecs(-secs);
    }
}

void GcsDouble::setPageLimit(int items)
{
    QMutexLocker lock(&m_state.mutex);
    m_state.pageLimit = items;
}

QList<GcsDouble::Request> GcsDouble::requests() const
{
    QMutexLocker lock(&m_state.mutex);
    return m_state.requests;
}

void GcsDouble::clearRequests()
{
    QMutexLocker lock(&m_state.mutex);
    m_state.requests.clear();
}

} // namespace tfhub::test
