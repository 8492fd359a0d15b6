#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

class QIODevice;

namespace tfhub::gcs {

/// One object as objects.list reports it (fields trimmed to what a cache scan needs).
struct ObjectInfo final
{
    QString name;
    qint64 size = 0;
    qint64 generation = 0;
    QDateTime updated; ///< UTC
    QByteArray md5Base64; ///< empty for composite objects
};

struct ClientOptions final
{
    int maxAttempts = 5; ///< per request, the first included
    int initialBackoffMs = 250; ///< doubled per retry, unless the server sends Retry-After
    int maxBackoffMs = 8000;
    int timeoutMs = 60000; ///< per attempt, with no byte moving
    int deletesInFlight = 4;
    int pageSize = 1000;
    qint64 simpleUploadLimit = 8 * 1024 * 1024; ///< larger bodies go as resumable uploads
    qint64 chunkBytes = 8 * 1024 * 1024; ///< resumable chunk; a multiple of 256 KiB
};

/// Blocking access to the Google Cloud Storage JSON API with Qt Network, for the CLI and worker
/// threads: each call runs a local event loop until its requests are done. Every request is
/// retried with exponential backoff on 408, 429, 5xx and dropped connections, honouring
/// Retry-After. Object names are percent-encoded whole (a '/' becomes %2F in paths).
/// Lives in the thread that calls it.
class GcsClient final
{
public:
    /// A bearer token for each request; an empty token sends no Authorization header (emulator).
    using Bearer = std::function<Result<QString>()>;

    /// `endpoint`: https://storage.googleapis.com, or an emulator's http://host:port.
    GcsClient(QUrl endpoint, Bearer bearer, ClientOptions options = {});
    ~GcsClient();
    GcsClient(const GcsClient &) = delete;
    GcsClient &operator=(const GcsClient &) = delete;

    QUrl endpoint() const;

    /// Every object whose name starts with `prefix`, following nextPageToken.
    Result<QList<ObjectInfo>> list(const QString &bucket, const QString &prefix);
    /// An object's content (alt=media); fails when it is larger than `cap` bytes (negative: any).
    Result<QByteArray> read(const QString &bucket, const QString &name, qint64 cap = -1);
    /// read(), with nullopt for an object that does not exist.
    Result<std::optional<QByteArray>> readIfExists(
        const QString &bucket, const QString &name, qint64 cap = -1);
    /// Streams an object's content (alt=media) into `sink` as it arrives, so memory stays at one
    /// network buffer whatever the size. Retried like any request until the first byte is
    /// delivered; a connection lost after that fails (the sink cannot take bytes back). Returns
    /// the byte count; `sink` returning false stops it with an error.
    Result<qint64> readTo(
        const QString &bucket, const QString &name, const std::function<bool(const char *, qint64)> &sink);
    /// Uploads `size` bytes from `source`: one simple upload up to simpleUploadLimit, else a
    /// resumable upload in chunkBytes pieces (memory stays at one chunk). With `ifGenerationMatch`
    /// the upload only happens if the object's generation is that (0: it does not exist).
    Result<ObjectInfo> upload(const QString &bucket, const QString &name, QIODevice *source, qint64 size,
        std::optional<qint64> ifGenerationMatch = std::nullopt);
    Result<ObjectInfo> upload(const QString &bucket, const QString &name, const QByteArray &data,
        std::optional<qint64> ifGenerationMatch = std::nullopt);
    /// Atomic create-if-absent (ifGenerationMatch=0): the new object, or nullopt when the name is
    /// taken.
    Result<std::optional<ObjectInfo>> createIfAbsent(
        const QString &bucket, const QString &name, const QByteArray &data);
    /// A server-side copy (objects.rewrite), looping on rewriteToken until done.
    Result<ObjectInfo> rewrite(
        const QString &bucket, const QString &source, const QString &toBucket, const QString &destination);
    /// Deletes an object; one already gone counts as deleted.
    Status remove(const QString &bucket, const QString &name);
    /// Deletes it only while its generation is `generation`: false when it has changed since.
    Result<bool> removeIfGeneration(const QString &bucket, const QString &name, qint64 generation);
    /// Deletes many objects, a few in flight at once. One error per object that failed.
    QStringList removeMany(const QString &bucket, const QStringList &names);

    class Impl;

private:
    std::unique_ptr<Impl> d;
};

/// The endpoint for STORAGE_EMULATOR_HOST's value ("host:port" or "http://host:port"), or
/// https://storage.googleapis.com when it is empty.
QUrl endpointFor(const QString &emulatorHost);

class TokenSource;

/// The Bearer of a client that asks `tokens` (cached and refreshed there) before each request.
GcsClient::Bearer bearerFrom(std::shared_ptr<TokenSource> tokens);

/// A client for the environment's Cloud Storage: STORAGE_EMULATOR_HOST's emulator with no
/// Authorization header, else storage.googleapis.com with a token from gcs::TokenSource
/// (GOOGLE_OAUTH_ACCESS_TOKEN, Application Default Credentials, gcloud, the metadata server).
Result<std::unique_ptr<GcsClient>> makeClientFromEnvironment(
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(), ClientOptions options = {});

} // namespace tfhub::gcs
