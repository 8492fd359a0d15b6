#pragma once

#include "core/archive/archiveextractor.h"
#include "core/archive/inputqueue.h"
#include "core/archive/syncpool.h"
#include "core/util/result.h"
#include "core/util/sha256.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QString>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace tfhub::detail {

/// The bytes of one write block, filled by the decode thread and written by a writer thread.
/// Blocks of kMappedSize bytes or more are mapped pages, so they are aligned for direct I/O and
/// go back to the system when freed (aligned heap blocks fragment the heap). Move-only.
class WriteBlock final
{
public:
    static constexpr qsizetype kMappedSize = 64 * 1024;

    WriteBlock() = default;
    /// An empty block with room for `capacity` bytes; throws std::bad_alloc as `new` does.
    explicit WriteBlock(qsizetype capacity);
    ~WriteBlock();
    WriteBlock(WriteBlock &&other) noexcept;
    WriteBlock &operator=(WriteBlock &&other) noexcept;

    const char *constData() const { return m_data; }
    qsizetype size() const { return m_size; }
    qsizetype capacity() const { return m_capacity; }
    /// Where appended bytes go: written there in place, they are kept with grow().
    char *end() { return m_data + m_size; }
    /// Appends bytes that fit in the remaining capacity (or, at end(), keeps them).
    void append(const char *data, qsizetype size);
    void clear() { m_size = 0; }

private:
    void release();

    char *m_data = nullptr;
    qsizetype m_size = 0;
    qsizetype m_capacity = 0;
};

/// One step for a writer thread, in archive order within its lane.
struct WriteOp
{
    enum class Kind { Directory, BeginFile, Data, EndFile, Finish };
    Kind kind = Kind::Finish;
    QByteArray path;
    qint64 fileSize = 0; // BeginFile: the size the archive announces
    WriteBlock block; // Data: file bytes
    qsizetype reserved = 0; // write budget held by `block`
};

/// The writer threads of an extraction and the bounded queues that feed them. Each file goes to
/// one lane, whose thread creates it and writes its blocks in order; the decode thread reserves
/// write budget for every block (reserveBlock()), which the writer gives back once the block is
/// written, so the bytes queued here stay below the budget whatever the archive's size.
///
/// Durability: every file's data is on the disk (fdatasync, by a SyncPool while the lane goes on
/// with the next file) before it counts as written; join() waits for that. Large files are written
/// with O_DIRECT, so their data is on the disk as it is written and their fdatasync only has the
/// file's size and block map left to write.
///
/// Threads: push(), flushStaged(), laneFor(), reserveBlock() and releaseUnused() belong to the
/// decode thread; stop() to any; the rest to the thread that owns the extraction. A failing writer
/// reports through `onFailure` (which is expected to call stop()) and ends.
class WriterLanes final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::ArchiveExtractor)

public:
    using FileRecord = ArchiveExtractor::FileRecord;

    /// Files are written below `root`, an existing folder.
    WriterLanes(const QByteArray &root, qsizetype budget, BufferMeter &meter,
        std::function<void(const QString &)> onFailure);
    ~WriterLanes();
    WriterLanes(const WriterLanes &) = delete;
    WriterLanes &operator=(const WriterLanes &) = delete;

    void start();
    /// Waits for the writer threads (after a Finish op in every lane, or stop()).
    void join();
    bool running() const;
    void stop(const QString &error);

    /// The lane that writes `path`: the one with less pending data, so two large shards are
    /// written side by side; a name seen before keeps its lane, so a member repeated in the
    /// archive is written in order.
    int laneFor(const QByteArray &path);
    /// Queues an op; fails once stopped. A Directory op may go to any lane. Small files' ops are
    /// held back and handed over in batches (a large block, the Finish op, a full batch, a blocking
    /// reserveBlock() or flushStaged() hands a lane's batch over), so a writer wakes once per batch
    /// rather than three times per file.
    Status push(int lane, WriteOp op);
    /// Hands over every op held back; for the decode thread before it waits for input.
    Status flushStaged();
    /// Queues the Finish op in every lane.
    Status finishAll();
    /// Reserves `capacity` bytes of write budget, blocking while the writers are behind, and
    /// returns an empty block to fill (a recycled one when it is a whole block).
    Result<WriteBlock> reserveBlock(qsizetype capacity);
    /// Gives back budget reserved but not filled.
    void releaseUnused(qsizetype bytes);

    /// Makes the entries of the destination and of every folder made on the way durable; for
    /// after join(), once every lane finished without failure (each file's data is synced as
    /// the file ends).
    Status syncFolders() const;

    qint64 writtenBytes() const { return m_writtenBytes.load(); }
    qint64 filesWritten() const { return m_filesWritten.load(); }
    /// The files written so far, sorted by path.
    QList<FileRecord> manifest() const;

private:
    // One writer thread and the operations queued for it (guarded by m_mutex, except the file
    // state that only its thread touches).
    struct Lane
    {
        std::deque<WriteOp> ops;
        std::condition_variable wake; // ops were queued into an empty queue, or stop()
        std::atomic<qint64> pending { 0 }; // reserved bytes queued or being written
        std::thread thread;
        int fd = -1;
        bool direct = false; // fd bypasses the page cache (O_DIRECT)
        QByteArray filePath;
        qint64 fileWritten = 0;
        Sha256 fileHash;
        QSet<QByteArray> madeFolders;
    };
    // The kernel's page-cache write path, not inflating, is the slowest stage of an extraction,
    // and it runs in parallel for different files.
    static constexpr int kLanes = 2;

    void writeMain(Lane &lane);
    Status publish(int lane);
    Status apply(Lane &lane, WriteOp &op);
    Status beginFile(Lane &lane, const QByteArray &relative, qint64 size);
    Status endFile(Lane &lane);
    Status writeBlock(Lane &lane, WriteOp &op);
    int writeAll(Lane &lane, const char *data, qsizetype size);
    static bool leaveDirect(Lane &lane);
    void fileSynced(SyncPool::Job &&job);
    Status makeFolders(Lane &lane, const QByteArray &relative);
    static Status syncFolder(const QByteArray &path);
    QByteArray absolute(const QByteArray &relative) const { return m_root + '/' + relative; }

    const QByteArray m_root;
    const qsizetype m_budget;
    BufferMeter &m_meter;
    const std::function<void(const QString &)> m_onFailure;

    mutable std::mutex m_mutex;
    std::condition_variable m_notFull; // write budget came back
    bool m_stopped = false;
    std::atomic<bool> m_halted { false }; // m_stopped, for a writer between its batch's ops
    QString m_error;
    qint64 m_reserved = 0; // write budget held by queued and filling blocks
    std::vector<WriteBlock> m_spareBlocks;
    std::array<Lane, kLanes> m_lanes;

    mutable std::mutex m_manifestMutex; // apart, so the sync threads do not contend with the writers
    std::map<QByteArray, FileRecord> m_manifest;

    // The decode thread's.
    QHash<QByteArray, int> m_laneOf;
    std::array<std::vector<WriteOp>, kLanes> m_staged; // ops held back for a batch

    std::atomic<qint64> m_writtenBytes { 0 };
    std::atomic<qint64> m_filesWritten { 0 };

    SyncPool m_sync; // last: its threads use the members above
};

} // namespace tfhub::detail
