#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QThread>

#include <optional>

class QTcpServer;

namespace tfhub::test {

class GcsServer;

/// A Google Cloud Storage JSON API double on 127.0.0.1 (ephemeral port), reached the way a real
/// emulator is: STORAGE_EMULATOR_HOST=endpoint(). Objects live in memory. It serves objects.list
/// (paginated), objects.get (metadata and alt=media), simple and resumable uploads, rewrite (one
/// rewriteToken before done), delete, ifGenerationMatch preconditions, and injected faults. It runs
/// in its own thread (a test blocked on a child process cannot deadlock it); every response closes
/// its connection. All methods may be called from the test's thread at any time.
class GcsDouble final
{
public:
    struct Object
    {
        QByteArray data;
        qint64 generation = 0;
        QDateTime updated;
    };

    struct Request
    {
        QByteArray method;
        QByteArray target; ///< path and query exactly as sent (still percent-encoded)
        QByteArray authorization;
    };

    GcsDouble();
    ~GcsDouble();
    GcsDouble(const GcsDouble &) = delete;
    GcsDouble &operator=(const GcsDouble &) = delete;

    bool start();
    void stop();
    /// http://127.0.0.1:<port>, for STORAGE_EMULATOR_HOST.
    QString endpoint() const;

    /// Stores an object as an upload would (a new generation); `updated` defaults to now.
    qint64 put(const QString &bucket, const QString &name, const QByteArray &data,
        const QDateTime &updated = QDateTime());
    std::optional<Object> object(const QString &bucket, const QString &name) const;
    /// Every object name in the bucket, sorted.
    QStringList names(const QString &bucket) const;

    /// The next `count` requests are answered with `status` (429, 503, ...) and `Retry-After: 0`.
    /// With `targetContains`, only requests whose method and target ("PUT /upload/...") hold it
    /// count; the others are served.
    void failNext(int count, int status, const QByteArray &targetContains = {});
    /// The next `count` requests get their connection closed with no answer. With `afterServing`
    /// the request is carried out first and only its answer is lost (the hard case for a client).
    void dropNext(int count, const QByteArray &targetContains = {}, bool afterServing = false);
    /// Moves the `updated` time of every object whose name starts with `prefix` `secs` back,
    /// as if that long had passed since they were written (the no-progress rule, shrunk).
    void age(const QString &bucket, const QString &prefix, qint64 secs);
    /// The most items one list page holds, whatever maxResults asks (pagination with few objects).
    void setPageLimit(int items);

    QList<Request> requests() const;
    void clearRequests();

    /// Shared with the server thread; not for tests.
    struct State
    {
        mutable QMutex mutex;
        QHash<QString, QMap<QString, Object>> buckets;
        struct Upload
        {
            QString bucket;
            QString name;
            QByteArray data;
            qint64 ifGenerationMatch = -1;
        };
        QHash<QByteArray, Upload> uploads; ///< by upload_id
        QHash<QByteArray, QByteArray> finishedUploads; ///< upload_id: the object's resource, as answered
        QList<Request> requests;
        qint64 nextGeneration = 1000;
        int failCount = 0;
        int failStatus = 503;
        QByteArray failFilter;
        int dropCount = 0;
        QByteArray dropFilter;
        bool dropAfterServing = false;
        int pageLimit = 1000;
        int rewriteCalls = 0;
        quint16 port = 0;
    };

private:
    State m_state;
    QThread m_thread;
    GcsServer *m_server = nullptr;
};

} // namespace tfhub::test
