#pragma once

#include "core/archive/archivedecoder.h"
#include "core/gcs/gcsobjectsink.h"
#include "core/gcs/gcsworkers.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <memory>

namespace tfhub::gcs {

/// Streams a compressed tar archive into Cloud Storage objects while it downloads, as
/// ArchiveExtractor streams one into a folder: the caller's thread feeds bytes (and hashes them),
/// a decode thread runs the same ArchiveDecoder (same member policy and integrity checks) into a
/// GcsObjectSink, whose workers upload. Every stage is bounded, so memory stays flat whatever the
/// archive's size. On failure or cancel() the objects stored so far stay: removing them is the
/// caller's job (it owns their prefix).
class GcsArchiveUpload final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::gcs::GcsArchiveUpload)

public:
    static constexpr qsizetype kMaxQueuedInput = 2 * 1024 * 1024;

    struct Stats
    {
        qint64 compressedBytes = 0;
        qint64 plainBytes = 0;
        qint64 uploadedBytes = 0; ///< of files whose object is complete
        qint64 filesUploaded = 0;
        qint64 bufferedBytes = 0; ///< held for uploads now (the sink's budget)
        qint64 peakBufferedBytes = 0;
        QString currentMember;
    };

    /// Starts the decode thread and the upload workers (each with a client from `clients`).
    /// Members go to `bucket` as `objectPrefix + path`.
    GcsArchiveUpload(const ClientFactory &clients, const QString &bucket, const QString &objectPrefix,
        const QString &displayName, ObjectSinkOptions options = {});
    ~GcsArchiveUpload();
    GcsArchiveUpload(const GcsArchiveUpload &) = delete;
    GcsArchiveUpload &operator=(const GcsArchiveUpload &) = delete;

    /// Queues the bytes, blocking while the input queue is full; false once stopped.
    bool feed(const QByteArray &data);
    /// The end of the input: waits until every member is decoded and stored. Calling it again
    /// returns the same outcome.
    Status finish();
    /// Stops every stage promptly, from any thread.
    void cancel();

    Stats stats() const;
    /// The files stored, sorted by path (complete once finish() succeeded).
    QList<UploadedFile> files() const;
    /// SHA-256 of all bytes fed, 64 hex digits; after finish().
    QByteArray archiveSha256() const;

private:
    class Pipeline;
    std::unique_ptr<Pipeline> m_pipeline;
};

} // namespace tfhub::gcs
