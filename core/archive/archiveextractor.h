#pragma once

#include "core/archive/archivedecoder.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QList>
#include <QString>

#include <memory>

namespace tfhub {

/// Streams a compressed tar archive (gzip, bzip2, xz, zstd or none, detected from the first
/// bytes) into an existing, empty folder while it downloads; no archive file is ever stored.
///
/// Threads: the caller's thread feeds bytes (and hashes them); a decode thread inflates and
/// parses the tar; writer threads (detail::WriterLanes) hash each file and create it with large
/// writes (direct I/O for large files). The stages are joined by bounded queues (detail::InputQueue,
/// WriterLanes), so a prefetch runs at the speed of its slowest stage and memory stays below
/// kMaxBufferedBytes whatever the archive's size.
///
/// Back-pressure: feed() blocks while the input queue is full. It is meant to be called from a
/// download thread (one QNetworkAccessManager per download thread); with a bounded
/// QNetworkReply::setReadBufferSize() a blocked feed() stops the socket from being read, which
/// throttles the server through TCP. Callers that must not block can check canAcceptMore()
/// first and retry later (e.g. on the reply's next readyRead or a short timer).
///
/// Member policy (tensorflow_hub's): regular files and folders only; names are stripped of a
/// leading '/', normalised, and must stay inside the destination. Modes, owners and times are
/// not preserved. Integrity checks libarchive lacks are ours: gzip CRC-32/ISIZE of every member,
/// nothing but gzip members after the gzip data, and the tar end-of-archive blocks.
///
/// On failure or cancel() the extractor stops and leaves the destination as it is: removing the
/// partial folder is the caller's job (it owns the folder and its name).
class ArchiveExtractor final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::ArchiveExtractor)

public:
    /// Data blocks handed to the writer; files are written with writes of this size.
    static constexpr qsizetype kWriteBlockSize = 1024 * 1024;
    /// Bytes waiting between feed() and the decoder.
    static constexpr qsizetype kMaxQueuedInput = 2 * 1024 * 1024;
    /// Bytes waiting between the decoder and the writer (including the block being filled).
    static constexpr qsizetype kMaxQueuedWrites = 4 * 1024 * 1024;
    /// The bound of Stats::bufferedBytes (the scratch buffers of the stages are fixed on top).
    static constexpr qsizetype kMaxBufferedBytes = kMaxQueuedInput + kMaxQueuedWrites + kWriteBlockSize;

    struct Stats
    {
        qint64 compressedBytes = 0; ///< accepted by feed()
        qint64 plainBytes = 0; ///< of the uncompressed tar stream, read by the tar parser
        qint64 writtenBytes = 0; ///< written to files
        qint64 filesWritten = 0; ///< files completely written and closed
        qint64 bufferedBytes = 0; ///< data queued between the stages now
        qint64 peakBufferedBytes = 0;
        QString currentMember; ///< the tar member being extracted, as named in the archive
        ArchiveCompression compression = ArchiveCompression::Unknown;
    };

    struct FileRecord
    {
        QString path; ///< relative to the destination, '/'-separated
        qint64 size = 0;
        QByteArray sha256; ///< 64 lower-case hex digits
    };

    /// Starts the decode and writer threads. `displayName` (the handle or URL) names the archive
    /// in messages. The destination folder must exist and be empty.
    ArchiveExtractor(const QString &destinationDir, const QString &displayName);
    /// Cancels what is still running and joins the threads.
    ~ArchiveExtractor();
    ArchiveExtractor(const ArchiveExtractor &) = delete;
    ArchiveExtractor &operator=(const ArchiveExtractor &) = delete;

    /// Queues a copy of the bytes, blocking while the input queue is full. Returns false once the
    /// extraction has stopped (failure or cancel); finish() then tells why. Not to be called from
    /// two threads at once, nor after finish().
    bool feed(const char *data, qsizetype size);
    /// The same, sharing `data` (implicitly) rather than copying it when that saves memory.
    bool feed(const QByteArray &data);
    /// True when feed() would not block now (or would return false at once).
    bool canAcceptMore() const;

    /// Marks the end of the input and waits until everything is decoded, checked, written and on
    /// the disk (every file's data and every folder's entries synced), so the caller may publish
    /// the folder with a rename.
    /// Returns the outcome; calling it again returns the same.
    Status finish();

    /// Stops all stages promptly, from any thread; a blocked feed() returns false.
    void cancel();
    bool isCancelled() const;

    /// Thread-safe, at any time.
    Stats stats() const;

    /// The files written so far, sorted by path (complete once finish() succeeded).
    QList<FileRecord> manifest() const;
    /// SHA-256 of all bytes fed, 64 hex digits; available after finish().
    QByteArray archiveSha256() const;

private:
    class Pipeline;
    std::unique_ptr<Pipeline> m_pipeline;
};

} // namespace tfhub
