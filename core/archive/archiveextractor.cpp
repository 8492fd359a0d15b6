#include "core/archive/archiveextractor.h"

#include "core/util/sha256.h"

#include <QFile>
#include <QHash>
#include <QSet>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

// Small enough that a blocked feed() holds little, large enough to keep locking rare.
constexpr qsizetype kInputPieceSize = 256 * 1024;
constexpr int kSpareBlocks = 4;

struct WriteOp
{
    enum class Kind { Directory, BeginFile, Data, EndFile, Finish };
    Kind kind = Kind::Finish;
    QByteArray path;
    QByteArray data; // file bytes (Data) or the file's SHA-256 in hex (EndFile)
    qsizetype reserved = 0; // write budget held by `data`
};

// Writes are spread over this many threads: the kernel's page-cache write path, not inflating,
// is the slowest stage of an extraction, and it runs in parallel for different files.
constexpr int kLanes = 2;

// One writer thread and the operations queued for it (guarded by the pipeline's mutex, except
// the file state that only its thread touches).
struct Lane
{
    std::deque<WriteOp> ops;
    qint64 pending = 0;
    std::thread thread;
    int fd = -1;
    QByteArray filePath;
    qint64 fileWritten = 0;
    QSet<QByteArray> madeFolders;
};

} // namespace

class ArchiveExtractor::Pipeline final : public detail::ChunkSource, public detail::TarSink
{
public:
    Pipeline(const QString &destinationDir, const QString &displayName)
        : m_root(QFile::encodeName(destinationDir))
        , m_displayName(displayName)
        , m_decoder(*this, *this, displayName)
    {
        while (m_root.size() > 1 && m_root.endsWith('/'))
            m_root.chop(1);
        m_decodeThread = std::thread([this] { decodeMain(); });
        for (int lane = 0; lane < kLanes; ++lane)
            m_lanes[lane].thread = std::thread([this, lane] { writeMain(m_lanes[lane]); });
    }

    ~Pipeline() override
    {
        if (m_decodeThread.joinable() || m_lanes[0].thread.joinable()) {
            cancel();
            join();
        }
    }

    // --- the caller's side ---------------------------------------------------------------

    bool feed(const char *data, qsizetype size)
    {
        Q_ASSERT(!m_finishing);
        if (size <= 0)
            return !stopped();
        m_archiveHash.addData(data, size);
        m_compressedBytes += size;
        while (size > 0) {
            const qsizetype piece = std::min(size, kInputPieceSize);
            std::unique_lock lock(m_mutex);
            m_inputNotFull.wait(lock, [&] { return m_stopped || m_inputBytes + piece <= kMaxQueuedInput; });
            if (m_stopped)
                return false;
            m_input.emplace_back(data, piece);
            m_inputBytes += piece;
            addBuffered(piece);
            m_inputNotEmpty.notify_one();
            data += piece;
            size -= piece;
        }
        return true;
    }

    bool canAcceptMore() const
    {
        std::lock_guard lock(m_mutex);
        return m_stopped || m_inputBytes < kMaxQueuedInput;
    }

    Status finish()
    {
        if (!m_finishing) {
            m_finishing = true;
            {
                std::lock_guard lock(m_mutex);
                m_inputClosed = true;
                m_inputNotEmpty.notify_all();
            }
            join();
            m_archiveDigest = m_archiveHash.resultHex();
        }
        std::lock_guard lock(m_mutex);
        m_done = true;
        if (!m_error.isEmpty())
            return Error { m_error };
        return {};
    }

    void cancel()
    {
        m_cancelled = true;
        fail(tr("The extraction of %1 was cancelled.").arg(m_displayName));
    }

    bool isCancelled() const { return m_cancelled; }

    Stats stats() const
    {
        Stats s;
        s.compressedBytes = m_compressedBytes;
        s.plainBytes = m_plainBytes;
        s.writtenBytes = m_writtenBytes;
        s.filesWritten = m_filesWritten;
        s.bufferedBytes = m_buffered;
        s.peakBufferedBytes = m_peakBuffered;
        s.compression = m_decoder.compression();
        std::lock_guard lock(m_mutex);
        s.currentMember = m_currentMember;
        return s;
    }

    QList<FileRecord> manifest() const
    {
        std::lock_guard lock(m_mutex);
        QList<FileRecord> files;
        files.reserve(static_cast<qsizetype>(m_manifest.size()));
        for (const auto &entry : m_manifest)
            files.append(entry.second);
        return files;
    }

    QByteArray archiveSha256() const { return m_archiveDigest; }

private:
    bool stopped() const
    {
        std::lock_guard lock(m_mutex);
        return m_stopped;
    }

    void join()
    {
        if (m_decodeThread.joinable())
            m_decodeThread.join();
        for (Lane &lane : m_lanes) {
            if (lane.thread.joinable())
                lane.thread.join();
        }
    }

    // The first failure wins; everything waiting wakes up and gives up.
    void fail(const QString &message)
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped || m_done)
            return;
        m_stopped = true;
        m_error = message;
        m_inputNotFull.notify_all();
        m_inputNotEmpty.notify_all();
        m_writesNotFull.notify_all();
        m_writesNotEmpty.notify_all();
    }

    void addBuffered(qint64 delta)
    {
        const qint64 now = m_buffered.fetch_add(delta) + delta;
        qint64 peak = m_peakBuffered.load();
        while (now > peak && !m_peakBuffered.compare_exchange_weak(peak, now)) { }
    }

    // --- the decode thread -----------------------------------------------------------------

    void decodeMain()
    {
        const Status status = m_decoder.run();
        if (!status) {
            fail(status.error());
            return;
        }
        for (Lane &lane : m_lanes) {
            WriteOp finish;
            finish.kind = WriteOp::Kind::Finish;
            if (Status pushed = push(lane, std::move(finish)); !pushed) {
                fail(pushed.error());
                return;
            }
        }
    }

    Result<detail::ByteView> next() override
    {
        std::unique_lock lock(m_mutex);
        if (!m_current.isEmpty()) {
            m_inputBytes -= m_current.size();
            addBuffered(-m_current.size());
            m_current.clear();
            m_inputNotFull.notify_all();
        }
        m_inputNotEmpty.wait(lock, [&] { return m_stopped || m_inputClosed || !m_input.empty(); });
        if (m_stopped)
            return Error { m_error };
        if (m_input.empty())
            return detail::ByteView {};
        m_current = std::move(m_input.front());
        m_input.pop_front();
        return detail::ByteView { m_current.constData(), m_current.size() };
    }

    Status push(Lane &lane, WriteOp op)
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped)
            return Error { m_error };
        lane.pending += op.reserved;
        lane.ops.push_back(std::move(op));
        m_writesNotEmpty.notify_all();
        return {};
    }

    Status flushBlock()
    {
        if (m_fill.reserved == 0)
            return {};
        WriteOp op = std::exchange(m_fill, WriteOp {});
        op.kind = WriteOp::Kind::Data;
        const qsizetype unused = op.reserved - op.data.size();
        op.reserved = op.data.size();
        {
            std::lock_guard lock(m_mutex);
            m_writeBytes -= unused;
            addBuffered(-unused);
            m_writesNotFull.notify_all();
        }
        return push(*m_fillLane, std::move(op));
    }

    // Reserves write budget for a new block; blocks while the writer is behind.
    Status startBlock()
    {
        const qint64 remaining = m_fileSize - m_fileFed;
        const qsizetype capacity = remaining > 0
            ? static_cast<qsizetype>(std::min<qint64>(remaining, kWriteBlockSize))
            : kWriteBlockSize;
        std::unique_lock lock(m_mutex);
        m_writesNotFull.wait(lock, [&] { return m_stopped || m_writeBytes + capacity <= kMaxQueuedWrites; });
        if (m_stopped)
            return Error { m_error };
        m_writeBytes += capacity;
        addBuffered(capacity);
        if (capacity == kWriteBlockSize && !m_spareBlocks.empty()) {
            m_fill.data = std::move(m_spareBlocks.back());
            m_spareBlocks.pop_back();
        }
        lock.unlock();
        m_fill.data.resize(0);
        m_fill.data.reserve(capacity);
        m_fill.reserved = capacity;
        return {};
    }

    Status directory(const QByteArray &path) override
    {
        WriteOp op;
        op.kind = WriteOp::Kind::Directory;
        op.path = path;
        return push(m_lanes[0], std::move(op));
    }

    Status beginFile(const QByteArray &path, qint64 size) override
    {
        m_fileSize = size;
        m_fileFed = 0;
        m_fileHash.reset();
        m_fillLane = &laneFor(path);
        WriteOp op;
        op.kind = WriteOp::Kind::BeginFile;
        op.path = path;
        return push(*m_fillLane, std::move(op));
    }

    Status fileData(const char *data, qsizetype size) override
    {
        while (size > 0) {
            if (m_fill.reserved == 0) {
                if (Status started = startBlock(); !started)
                    return started;
            }
            const qsizetype n = std::min(size, m_fill.reserved - m_fill.data.size());
            // Hashing here rather than in the writer balances the stages: the writer's time
            // goes to the kernel's write path, the decoder's to inflating and copying.
            m_fileHash.addData(data, n);
            m_fill.data.append(data, n);
            data += n;
            size -= n;
            m_fileFed += n;
            if (m_fill.data.size() == m_fill.reserved) {
                if (Status flushed = flushBlock(); !flushed)
                    return flushed;
            }
        }
        return {};
    }

    Status endFile() override
    {
        if (Status flushed = flushBlock(); !flushed)
            return flushed;
        WriteOp op;
        op.kind = WriteOp::Kind::EndFile;
        op.data = m_fileHash.resultHex();
        return push(*m_fillLane, std::move(op));
    }

    void memberStarted(const QString &name) override
    {
        std::lock_guard lock(m_mutex);
        m_currentMember = name;
    }

    void plainBytesRead(qsizetype size) override { m_plainBytes += size; }

    // --- the writer thread -----------------------------------------------------------------

    // Files go to the lane with less pending data, so two large shards are written side by side;
    // a name seen before keeps its lane, so a member repeated in the archive is written in order.
    Lane &laneFor(const QByteArray &path)
    {
        const auto known = m_laneOf.constFind(path);
        if (known != m_laneOf.cend())
            return m_lanes[*known];
        int best = 0;
        {
            std::lock_guard lock(m_mutex);
            for (int i = 1; i < kLanes; ++i) {
                if (m_lanes[i].pending < m_lanes[best].pending)
                    best = i;
            }
        }
        m_laneOf.insert(path, best);
        return m_lanes[best];
    }

    void writeMain(Lane &lane)
    {
        for (;;) {
            WriteOp op;
            {
                std::unique_lock lock(m_mutex);
                m_writesNotEmpty.wait(lock, [&] { return m_stopped || !lane.ops.empty(); });
                if (m_stopped)
                    break;
                op = std::move(lane.ops.front());
                lane.ops.pop_front();
                lane.pending -= op.reserved;
            }
            if (op.kind == WriteOp::Kind::Finish)
                break;
            if (Status done = apply(lane, op); !done) {
                fail(done.error());
                break;
            }
        }
        if (lane.fd >= 0)
            ::close(lane.fd);
        lane.fd = -1;
    }

    QByteArray absolute(const QByteArray &relative) const { return m_root + '/' + relative; }

    static QString systemError(const QString &text, const QByteArray &path, int error)
    {
        return text.arg(QFile::decodeName(path), qt_error_string(error));
    }

    Status makeFolders(Lane &lane, const QByteArray &relative)
    {
        if (relative.isEmpty() || lane.madeFolders.contains(relative))
            return {};
        const qsizetype slash = relative.lastIndexOf('/');
        if (slash > 0) {
            if (Status parent = makeFolders(lane, relative.left(slash)); !parent)
                return parent;
        }
        const QByteArray path = absolute(relative);
        if (::mkdir(path.constData(), 0777) != 0) {
            const int error = errno;
            struct stat info
            {
            };
            if (error != EEXIST || ::stat(path.constData(), &info) != 0 || !S_ISDIR(info.st_mode))
                return Error { systemError(
                    tr("Cannot create the folder %1: %2."), path, error == EEXIST ? ENOTDIR : error) };
        }
        lane.madeFolders.insert(relative);
        return {};
    }

    Status apply(Lane &lane, WriteOp &op)
    {
        switch (op.kind) {
        case WriteOp::Kind::Directory:
            return makeFolders(lane, op.path);
        case WriteOp::Kind::BeginFile: {
            const qsizetype slash = op.path.lastIndexOf('/');
            if (slash > 0) {
                if (Status parent = makeFolders(lane, op.path.left(slash)); !parent)
                    return parent;
            }
            lane.filePath = op.path;
            lane.fileWritten = 0;
            const QByteArray path = absolute(op.path);
            lane.fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
            if (lane.fd < 0)
                return Error { systemError(tr("Cannot create %1: %2."), path, errno) };
            return {};
        }
        case WriteOp::Kind::Data:
            return writeBlock(lane, op);
        case WriteOp::Kind::EndFile: {
            const int fd = std::exchange(lane.fd, -1);
            if (::close(fd) != 0)
                return Error { systemError(tr("Cannot write %1: %2."), absolute(lane.filePath), errno) };
            FileRecord record { QFile::decodeName(lane.filePath), lane.fileWritten, op.data };
            std::lock_guard lock(m_mutex);
            m_manifest[lane.filePath] = std::move(record);
            ++m_filesWritten;
            return {};
        }
        case WriteOp::Kind::Finish:
            break;
        }
        return {};
    }

    Status writeBlock(Lane &lane, WriteOp &op)
    {
        const char *data = op.data.constData();
        qsizetype left = op.data.size();
        while (left > 0) {
            const ssize_t n = ::write(lane.fd, data, static_cast<size_t>(left));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return Error { systemError(tr("Cannot write %1: %2."), absolute(lane.filePath), errno) };
            }
            data += n;
            left -= n;
            m_writtenBytes += n;
        }
        lane.fileWritten += op.data.size();
        std::lock_guard lock(m_mutex);
        m_writeBytes -= op.reserved;
        addBuffered(-op.reserved);
        if (op.data.capacity() >= kWriteBlockSize && m_spareBlocks.size() < kSpareBlocks)
            m_spareBlocks.push_back(std::move(op.data));
        m_writesNotFull.notify_all();
        return {};
    }

    QByteArray m_root;
    const QString m_displayName;
    detail::ArchiveDecoder m_decoder;

    mutable std::mutex m_mutex;
    std::condition_variable m_inputNotFull;
    std::condition_variable m_inputNotEmpty;
    std::condition_variable m_writesNotFull;
    std::condition_variable m_writesNotEmpty;
    bool m_stopped = false;
    QString m_error;
    std::atomic<bool> m_cancelled { false };
    bool m_finishing = false;
    bool m_done = false;

    std::deque<QByteArray> m_input;
    QByteArray m_current;
    qint64 m_inputBytes = 0;
    bool m_inputClosed = false;
    qint64 m_writeBytes = 0;
    std::vector<QByteArray> m_spareBlocks;
    QString m_currentMember;
    std::map<QByteArray, FileRecord> m_manifest;

    std::atomic<qint64> m_compressedBytes { 0 };
    std::atomic<qint64> m_plainBytes { 0 };
    std::atomic<qint64> m_writtenBytes { 0 };
    std::atomic<qint64> m_filesWritten { 0 };
    std::atomic<qint64> m_buffered { 0 };
    std::atomic<qint64> m_peakBuffered { 0 };

    Sha256 m_archiveHash; // the caller's thread
    QByteArray m_archiveDigest;

    WriteOp m_fill; // the decode thread
    qint64 m_fileSize = 0;
    qint64 m_fileFed = 0;
    Sha256 m_fileHash;

    QHash<QByteArray, int> m_laneOf;
    Lane *m_fillLane = nullptr;

    std::array<Lane, kLanes> m_lanes;

    std::thread m_decodeThread;
};

ArchiveExtractor::ArchiveExtractor(const QString &destinationDir, const QString &displayName)
    : m_pipeline(std::make_unique<Pipeline>(destinationDir, displayName))
{
}

ArchiveExtractor::~ArchiveExtractor() = default;

bool ArchiveExtractor::feed(const char *data, qsizetype size)
{
    return m_pipeline->feed(data, size);
}

bool ArchiveExtractor::canAcceptMore() const
{
    return m_pipeline->canAcceptMore();
}

Status ArchiveExtractor::finish()
{
    return m_pipeline->finish();
}

void ArchiveExtractor::cancel()
{
    m_pipeline->cancel();
}

bool ArchiveExtractor::isCancelled() const
{
    return m_pipeline->isCancelled();
}

ArchiveExtractor::Stats ArchiveExtractor::stats() const
{
    return m_pipeline->stats();
}

QList<ArchiveExtractor::FileRecord> ArchiveExtractor::manifest() const
{
    return m_pipeline->manifest();
}

QByteArray ArchiveExtractor::archiveSha256() const
{
    return m_pipeline->archiveSha256();
}

} // namespace tfhub
