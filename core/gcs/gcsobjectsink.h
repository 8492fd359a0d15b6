#pragma once

#include "core/archive/archivedecoder.h"
#include "core/gcs/gcsworkers.h"
#include "core/util/sha256.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QList>
#include <QSet>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace tfhub::gcs {

/// How an archive goes into objects. The two upload sizes must be the workers' clients' own.
struct ObjectSinkOptions final
{
    int uploadsInFlight = 4;
    qint64 simpleUploadLimit = 8 * 1024 * 1024; ///< ClientOptions::simpleUploadLimit: larger files stream
    qint64 chunkBytes = 8 * 1024 * 1024; ///< ClientOptions::chunkBytes, held by a streaming upload
    qint64 pipeBytes = 2 * 1024 * 1024; ///< queued between the decoder and a streaming upload
    /// Bytes of file data held at once: buffered small files, and per streaming upload its chunk
    /// and its pipe, each upload's body counted twice (Qt Network's copy while sending). With the
    /// decoder's own buffers and the process's own ~24 MB, a prefetch peaks under 64 MB.
    qint64 memoryBudget = 40 * 1024 * 1024;
};

/// One archive member stored as an object.
struct UploadedFile final
{
    QString path; ///< relative to the model folder, '/'-separated
    qint64 size = 0;
    QByteArray sha256; ///< 64 lower-case hex digits
};

namespace detail {
class MemoryBudget;
struct StreamedFile;
} // namespace detail

/// The TarSink of a prefetch into Cloud Storage: each regular member becomes the object
/// `objectPrefix + path`. Small files are buffered whole and sent as simple uploads, larger ones
/// stream through a bounded pipe into a resumable upload; the workers run several at once, and a
/// memory budget blocks the decoder while too much is held. Folders are only checked: on Cloud
/// Storage a folder exists by its objects' prefix. Paths come normalised from the decoder (no
/// '..', no absolute path, no links); here a member must also be a valid object name and must not
/// turn a file into a folder or back, as the local extractor's mkdir and open would refuse.
/// Every upload's MD5 is compared with the one Cloud Storage computed.
/// Threads: the TarSink calls come from the decode thread; stop() and the getters from any.
class GcsObjectSink final : public tfhub::detail::TarSink
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::gcs::GcsObjectSink)

public:
    /// `onFailure` is called (from a worker) with the first upload's error.
    GcsObjectSink(GcsWorkers &workers, QString bucket, QString objectPrefix, ObjectSinkOptions options,
        std::function<void(const QString &)> onFailure);
    ~GcsObjectSink() override;

    Status directory(const QByteArray &path) override;
    Status beginFile(const QByteArray &path, qint64 size) override;
    Status fileData(const char *data, qsizetype size) override;
    Status endFile() override;
    void memberStarted(const QString &name) override;
    void plainBytesRead(qsizetype size) override { m_plainBytes += size; }

    /// Wakes the decoder and every upload waiting for data or memory; they give up.
    void stop(const QString &error);

    qint64 plainBytes() const { return m_plainBytes; }
    qint64 uploadedBytes() const { return m_uploadedBytes; }
    qint64 filesUploaded() const { return m_filesUploaded; }
    qint64 bufferedBytes() const;
    qint64 peakBufferedBytes() const;
    QString currentMember() const;
    /// The files stored so far, sorted by path.
    QList<UploadedFile> files() const;

private:
    Result<QString> objectName(const QByteArray &path) const;
    Status checkParents(const QByteArray &path, const QString &member);
    void uploadBuffered(QString name, UploadedFile record, QByteArray data, QByteArray md5, qint64 reserved);
    void uploadStreamed(
        QString name, qint64 size, qint64 reserved, std::shared_ptr<detail::StreamedFile> file);
    void stored(const QString &name, const UploadedFile &record, const Result<ObjectInfo> &info,
        const QByteArray &md5, qint64 reserved);

    GcsWorkers &m_workers;
    const QString m_bucket;
    const QString m_prefix;
    const ObjectSinkOptions m_options;
    const std::function<void(const QString &)> m_onFailure;
    std::unique_ptr<detail::MemoryBudget> m_budget;

    std::atomic<qint64> m_plainBytes { 0 };
    std::atomic<qint64> m_uploadedBytes { 0 };
    std::atomic<qint64> m_filesUploaded { 0 };

    mutable std::mutex m_mutex;
    std::map<QString, UploadedFile> m_stored;
    QString m_currentMember;
    QString m_stopError;
    std::shared_ptr<detail::StreamedFile> m_streaming; ///< the member being streamed, for stop()

    // The decode thread's: the member being received.
    QSet<QByteArray> m_files, m_folders;
    QString m_name;
    UploadedFile m_record;
    QByteArray m_buffer;
    qint64 m_reserved = 0;
    Sha256 m_sha;
    QCryptographicHash m_md5 { QCryptographicHash::Md5 };
};

} // namespace tfhub::gcs
