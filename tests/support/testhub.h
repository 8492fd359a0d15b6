#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QString>
#include <QThread>
#include <QUrl>

#include <optional>

class QTcpServer;

namespace tfhub::test {

class HubServer;

/// A local HTTP/1.1 hub on 127.0.0.1 (ephemeral port) for network tests. It runs in its own
/// thread, so a client that blocks the test's thread for a while cannot deadlock it. Every
/// response closes the connection. All methods may be called from the test's thread at any time.
class TestHub final
{
public:
    /// Misbehaviour injected for one path. Byte offsets count the response body.
    struct Fault
    {
        qint64 truncateAt = -1; ///< close the connection cleanly after this many bytes
        qint64 resetAt = -1; ///< reset it (TCP RST) after this many bytes
        qint64 stallAt = -1; ///< send nothing after this many bytes ...
        int stallMs = -1; ///< ... for this long; negative: until releaseStalls()
        int status = 0; ///< answer this status (403, 404, 429, 500, 503, ...) instead
        int retryAfter = -1; ///< a Retry-After header (seconds) for `status` and failFirst
        qint64 announcedLength = -1; ///< announce this Content-Length instead of the real one
        std::optional<QByteArray> body; ///< serve this instead of the archive (a non-archive body)
        QByteArray contentType; ///< with `body`; text/html when empty
        int failFirst = 0; ///< the first N requests for the path get failStatus
        int failStatus = 503;
        qint64 bytesPerSecond = 0; ///< throttle the body (0: as fast as possible)
        bool ignoreRange = false; ///< answer 200 with the whole body whatever Range says
        bool chunked = false; ///< Transfer-Encoding: chunked instead of Content-Length
        /// A private object: answer `refusalStatus` unless the request's Authorization is this.
        QByteArray requireAuthorization;
        int refusalStatus = 401;
    };

    struct Request
    {
        QByteArray method;
        QByteArray target; ///< path and query as sent
        QByteArray path; ///< without the query
        QByteArray query;
        QList<QPair<QByteArray, QByteArray>> headers;
        /// The value of a header (case-insensitive name), empty when absent.
        QByteArray header(const QByteArray &name) const;
    };

    TestHub();
    ~TestHub();
    TestHub(const TestHub &) = delete;
    TestHub &operator=(const TestHub &) = delete;

    /// Listens on 127.0.0.1 with an ephemeral port. Returns false when that fails.
    bool start();
    /// The same over TLS (https://127.0.0.1:<port>), with a PEM certificate and key.
    bool startTls(const QString &certificatePem, const QString &keyPem);
    void stop();
    /// http://127.0.0.1:<port> (https:// after startTls())
    QUrl baseUrl() const;
    /// baseUrl() with a path (and query), e.g. url("/google/m/1?tf-hub-format=compressed").
    QUrl url(const QString &pathAndQuery) const;

    /// Serves `bytes` at `path` for any query but tf-hub-format=uncompressed (then: 303 with the
    /// location set by setUncompressedLocation(), or 404). Replacing an archive changes its
    /// ETag and Last-Modified, as a re-published model would.
    void addArchive(const QString &path, const QByteArray &bytes);
    void setUncompressedLocation(const QString &path, const QByteArray &gcsLocation);
    /// Serves a fixed answer (e.g. an HTML page with 200) at `path`, whatever the query, with
    /// extra header fields (e.g. a Location for a 303).
    void addPage(const QString &path, int status, const QByteArray &body,
        const QByteArray &contentType = QByteArrayLiteral("text/html"),
        const QList<QPair<QByteArray, QByteArray>> &headers = {});
    /// Redirects `from` (any query) to `to` with `code` (301, 302, 303, 307, 308). A `to` that
    /// starts with '/' is on this hub; a `to` without a query gets the request's query.
    void addRedirect(const QString &from, const QString &to, int code = 302);

    void setFault(const QString &path, const Fault &fault);
    void clearFaults();
    /// Resumes every connection stalled with a negative stallMs.
    void releaseStalls();
    /// Connections stalled now, and stalls begun since start().
    int stalledConnections() const;
    int stallCount() const;

    QByteArray etag(const QString &path) const;
    QByteArray lastModified(const QString &path) const;

    QList<Request> requests() const;
    /// Requests received for a path (query ignored).
    int requestCount(const QString &path) const;
    void clearRequests();

    /// Shared with the server thread; not for tests.
    struct Route
    {
        int status = 200;
        QByteArray body;
        QByteArray contentType;
        QByteArray etag;
        QByteArray lastModified;
        QByteArray gcsLocation;
        QList<QPair<QByteArray, QByteArray>> headers;
        bool archive = false;
    };
    struct State
    {
        mutable QMutex mutex;
        QHash<QByteArray, Route> routes;
        QHash<QByteArray, QPair<QByteArray, int>> redirects;
        QHash<QByteArray, Fault> faults;
        QList<Request> requests;
        QHash<QByteArray, int> counts;
        int stalled = 0;
        int stallsBegun = 0;
        int generation = 0;
        quint16 port = 0;
        QByteArray scheme = "http";
    };

private:
    bool listen(QTcpServer *listener);

    State m_state;
    QThread m_thread;
    HubServer *m_server = nullptr;
};

} // namespace tfhub::test
