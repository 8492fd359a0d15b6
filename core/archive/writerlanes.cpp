#include "core/archive/writerlanes.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub::detail {

namespace {

// Full blocks kept for reuse, so a long extraction does not allocate a megabyte per block.
constexpr int kSpareBlocks = 4;
// Direct I/O wants memory, file offsets and lengths aligned to the device's logical block size;
// a page is a multiple of every usual one.
constexpr qsizetype kDirectAlignment = 4096;
// Files from this size on are written with O_DIRECT: the disk reads the blocks straight from our
// memory, so the kernel neither copies them into its page cache (the costliest part of writing
// on a machine with few cores) nor holds them dirty until the file's fdatasync. Small files go
// through the page cache, where many of them cost one write each.
constexpr qint64 kDirectMinSize = 4 * 1024 * 1024;
// Ops held back per lane before a batch is handed over: about ten small files.
constexpr std::size_t kBatchOps = 32;

QString systemError(const QString &text, const QByteArray &path, int error)
{
    return text.arg(QFile::decodeName(path), qt_error_string(error));
}

} // namespace

WriteBlock::WriteBlock(qsizetype capacity) : m_capacity(capacity)
{
    if (capacity >= kMappedSize) {
        void *pages = ::mmap(nullptr, static_cast<std::size_t>(capacity), PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        m_data = pages == MAP_FAILED ? nullptr : static_cast<char *>(pages);
    } else {
        m_data = static_cast<char *>(std::malloc(static_cast<std::size_t>(std::max<qsizetype>(capacity, 1))));
    }
    if (!m_data)
        throw std::bad_alloc();
}

WriteBlock::~WriteBlock()
{
    release();
}

WriteBlock::WriteBlock(WriteBlock &&other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
    , m_capacity(std::exchange(other.m_capacity, 0))
{
}

WriteBlock &WriteBlock::operator=(WriteBlock &&other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
        m_capacity = std::exchange(other.m_capacity, 0);
    }
    return *this;
}

void WriteBlock::append(const char *data, qsizetype size)
{
    Q_ASSERT(m_size + size <= m_capacity);
    if (data != m_data + m_size)
        std::memcpy(m_data + m_size, data, static_cast<std::size_t>(size));
    m_size += size;
}

void WriteBlock::release()
{
    if (m_capacity >= kMappedSize)
        ::munmap(m_data, static_cast<std::size_t>(m_capacity));
    else
        std::free(m_data);
    m_data = nullptr;
}

WriterLanes::WriterLanes(const QByteArray &root, qsizetype budget, BufferMeter &meter,
    std::function<void(const QString &)> onFailure)
    : m_root(root)
    , m_budget(budget)
    , m_meter(meter)
    , m_onFailure(std::move(onFailure))
    , m_sync([this](SyncPool::Job &&job) { fileSynced(std::move(job)); }, m_onFailure)
{
}

WriterLanes::~WriterLanes()
{
    if (running()) {
        stop(QString());
        join();
    }
}

void WriterLanes::start()
{
    m_sync.start();
    for (Lane &lane : m_lanes)
        lane.thread = std::thread([this, &lane] { writeMain(lane); });
}

void WriterLanes::join()
{
    for (Lane &lane : m_lanes) {
        if (lane.thread.joinable())
            lane.thread.join();
    }
    m_sync.close();
    m_sync.join();
}

bool WriterLanes::running() const
{
    return m_lanes[0].thread.joinable();
}

void WriterLanes::stop(const QString &error)
{
    std::lock_guard lock(m_mutex);
    if (m_stopped)
        return;
    m_stopped = true;
    m_halted = true;
    m_error = error;
    m_notFull.notify_all();
    for (Lane &lane : m_lanes)
        lane.wake.notify_all();
    m_sync.stop(error);
}

int WriterLanes::laneFor(const QByteArray &path)
{
    const auto known = m_laneOf.constFind(path);
    if (known != m_laneOf.cend())
        return *known;
    int best = 0;
    for (int i = 1; i < kLanes; ++i) {
        if (m_lanes[i].pending.load() < m_lanes[best].pending.load())
            best = i;
    }
    m_laneOf.insert(path, best);
    return best;
}

Status WriterLanes::push(int lane, WriteOp op)
{
    std::vector<WriteOp> &staged = m_staged[lane];
    const bool urgent = op.kind == WriteOp::Kind::Finish || op.reserved >= WriteBlock::kMappedSize;
    staged.push_back(std::move(op));
    if (urgent || staged.size() >= kBatchOps)
        return publish(lane);
    return {};
}

Status WriterLanes::flushStaged()
{
    for (int lane = 0; lane < kLanes; ++lane) {
        if (Status published = publish(lane); !published)
            return published;
    }
    return {};
}

// The writer sleeps only on an empty queue, so only a batch into an empty queue needs to wake it.
Status WriterLanes::publish(int lane)
{
    std::vector<WriteOp> &staged = m_staged[lane];
    if (staged.empty())
        return {};
    Lane &target = m_lanes[lane];
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopped) {
            staged.clear();
            return Error { m_error };
        }
        wake = target.ops.empty();
        for (WriteOp &op : staged) {
            target.pending += op.reserved;
            target.ops.push_back(std::move(op));
        }
    }
    staged.clear();
    if (wake)
        target.wake.notify_one();
    return {};
}

Status WriterLanes::finishAll()
{
    for (int lane = 0; lane < kLanes; ++lane) {
        if (Status pushed = push(lane, WriteOp {}); !pushed)
            return pushed;
    }
    return {};
}

Result<WriteBlock> WriterLanes::reserveBlock(qsizetype capacity)
{
    WriteBlock block;
    std::unique_lock lock(m_mutex);
    if (!m_stopped && m_reserved + capacity > m_budget) {
        // The budget held back in batches comes back only once they are written.
        lock.unlock();
        if (Status flushed = flushStaged(); !flushed)
            return Error { flushed.error() };
        lock.lock();
    }
    m_notFull.wait(lock, [&] { return m_stopped || m_reserved + capacity <= m_budget; });
    if (m_stopped)
        return Error { m_error };
    m_reserved += capacity;
    m_meter.add(capacity);
    // A spare whole block also serves a shorter one that would be mapped: mapping and unmapping
    // one per medium-sized file would cost more than the unused room does.
    if (capacity >= WriteBlock::kMappedSize && !m_spareBlocks.empty()) {
        block = std::move(m_spareBlocks.back());
        m_spareBlocks.pop_back();
    }
    lock.unlock();
    if (block.capacity() >= capacity)
        block.clear();
    else
        block = WriteBlock(capacity);
    return block;
}

void WriterLanes::releaseUnused(qsizetype bytes)
{
    if (bytes == 0)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_reserved -= bytes;
        m_meter.add(-bytes);
    }
    m_notFull.notify_one();
}

// The folders' entries reach the disk too (POSIX asks for an fsync of the folder to make a new
// name durable); after the files, so one journal commit usually covers them all. Each fsync waits
// for the disk, and on a filesystem without a journal each writes its own blocks: several threads
// keep several folders in flight, as the sync pool does for files.
Status WriterLanes::syncFolders() const
{
    QSet<QByteArray> unique { QByteArray() };
    for (const Lane &lane : m_lanes)
        unique.unite(lane.madeFolders);
    const QList<QByteArray> folders = unique.values();
    std::atomic<qsizetype> next { 0 };
    std::mutex failureMutex;
    QString failure;
    const auto syncSome = [&] {
        for (qsizetype i = next++; i < folders.size(); i = next++) {
            const QByteArray path = folders.at(i).isEmpty() ? m_root : absolute(folders.at(i));
            if (Status synced = syncFolder(path); !synced) {
                std::lock_guard lock(failureMutex);
                failure = synced.error();
                next = folders.size();
            }
        }
    };
    std::vector<std::thread> helpers;
    const qsizetype threads = std::min<qsizetype>(SyncPool::kThreads, folders.size()) - 1;
    for (qsizetype t = 0; t < threads; ++t)
        helpers.emplace_back(syncSome);
    syncSome();
    for (std::thread &helper : helpers)
        helper.join();
    if (!failure.isEmpty())
        return Error { failure };
    return {};
}

Status WriterLanes::syncFolder(const QByteArray &path)
{
    const int fd = ::open(path.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return Error { systemError(tr("Cannot open the folder %1: %2."), path, errno) };
    const int synced = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (synced != 0)
        return Error { systemError(tr("Cannot write the folder %1: %2."), path, error) };
    return {};
}

QList<WriterLanes::FileRecord> WriterLanes::manifest() const
{
    std::lock_guard lock(m_manifestMutex);
    QList<FileRecord> files;
    files.reserve(static_cast<qsizetype>(m_manifest.size()));
    for (const auto &entry : m_manifest)
        files.append(entry.second);
    return files;
}

// --- the writer threads ----------------------------------------------------------------------

void WriterLanes::writeMain(Lane &lane)
{
    nameThread("tfhub-write");
    std::deque<WriteOp> batch;
    for (bool finished = false; !finished;) {
        {
            std::unique_lock lock(m_mutex);
            lane.wake.wait(lock, [&] { return m_stopped || !lane.ops.empty(); });
            if (m_stopped)
                break;
            batch.swap(lane.ops);
        }
        for (; !batch.empty() && !finished && !m_halted; batch.pop_front()) {
            WriteOp &op = batch.front();
            const qsizetype reserved = op.reserved; // writeBlock() gives the block away
            finished = op.kind == WriteOp::Kind::Finish;
            if (Status done = finished ? Status() : apply(lane, op); !done) {
                m_onFailure(done.error());
                finished = true;
            }
            lane.pending -= reserved;
        }
    }
    if (lane.fd >= 0)
        ::close(lane.fd);
    lane.fd = -1;
    lane.direct = false;
}

Status WriterLanes::apply(Lane &lane, WriteOp &op)
{
    switch (op.kind) {
    case WriteOp::Kind::Directory:
        return makeFolders(lane, op.path);
    case WriteOp::Kind::BeginFile:
        return beginFile(lane, op.path, op.fileSize);
    case WriteOp::Kind::Data:
        return writeBlock(lane, op);
    case WriteOp::Kind::EndFile:
        return endFile(lane);
    case WriteOp::Kind::Finish:
        break;
    }
    return {};
}

Status WriterLanes::beginFile(Lane &lane, const QByteArray &relative, qint64 size)
{
    const qsizetype slash = relative.lastIndexOf('/');
    if (slash > 0) {
        if (Status parent = makeFolders(lane, relative.left(slash)); !parent)
            return parent;
    }
    lane.filePath = relative;
    lane.fileWritten = 0;
    lane.fileHash.reset();
    const QByteArray path = absolute(relative);
    constexpr int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    lane.direct = size >= kDirectMinSize;
    lane.fd = lane.direct ? ::open(path.constData(), flags | O_DIRECT, 0666) : -1;
    // Some filesystems (tmpfs before Linux 6.6, some FUSE ones) refuse O_DIRECT.
    if (lane.fd < 0 && (!lane.direct || errno == EINVAL)) {
        lane.direct = false;
        lane.fd = ::open(path.constData(), flags, 0666);
    }
    if (lane.fd < 0)
        return Error { systemError(tr("Cannot create %1: %2."), path, errno) };
    return {};
}

// The file counts as written once the sync pool has its data on the disk.
Status WriterLanes::endFile(Lane &lane)
{
    SyncPool::Job job;
    job.fd = std::exchange(lane.fd, -1);
    job.path = absolute(lane.filePath);
    job.relative = lane.filePath;
    job.record = FileRecord { QFile::decodeName(lane.filePath), lane.fileWritten, lane.fileHash.resultHex() };
    return m_sync.submit(std::move(job));
}

void WriterLanes::fileSynced(SyncPool::Job &&job)
{
    std::lock_guard lock(m_manifestMutex);
    m_manifest[job.relative] = std::move(job.record);
    ++m_filesWritten;
}

Status WriterLanes::writeBlock(Lane &lane, WriteOp &op)
{
    const char *data = op.block.constData();
    const qsizetype size = op.block.size();
    // Hashing here rather than on the decode thread balances the stages: with direct I/O a
    // writer mostly waits for the disk, while the decoder has the inflating to do.
    lane.fileHash.addData(data, size);
    // Whole blocks go straight to the disk; a file's unaligned tail through the page cache (and a
    // short last block, which lives on the heap, unaligned).
    const bool aligned = reinterpret_cast<quintptr>(data) % kDirectAlignment == 0;
    const qsizetype direct = lane.direct && aligned ? size / kDirectAlignment * kDirectAlignment : 0;
    int error = writeAll(lane, data, direct);
    if (error == 0 && direct < size) {
        if (lane.direct)
            leaveDirect(lane);
        error = writeAll(lane, data + direct, size - direct);
    }
    if (error != 0)
        return Error { systemError(tr("Cannot write %1: %2."), absolute(lane.filePath), error) };
    lane.fileWritten += size;
    {
        std::lock_guard lock(m_mutex);
        m_reserved -= op.reserved;
        m_meter.add(-op.reserved);
        if (op.block.capacity() >= ArchiveExtractor::kWriteBlockSize && m_spareBlocks.size() < kSpareBlocks)
            m_spareBlocks.push_back(std::move(op.block));
    }
    // After the unlock, so the decode thread does not wake into a held mutex.
    m_notFull.notify_one();
    return {};
}

// Returns 0 or the errno of the failed write. A filesystem that takes O_DIRECT at open() may
// still refuse a direct write (EINVAL): the rest of the file then goes through the page cache.
int WriterLanes::writeAll(Lane &lane, const char *data, qsizetype size)
{
    while (size > 0) {
        const ssize_t n = ::write(lane.fd, data, static_cast<size_t>(size));
        if (n < 0) {
            const int error = errno;
            if (error == EINTR || (error == EINVAL && lane.direct && leaveDirect(lane)))
                continue;
            return error;
        }
        data += n;
        size -= n;
        m_writtenBytes += n;
    }
    return 0;
}

bool WriterLanes::leaveDirect(Lane &lane)
{
    const int flags = ::fcntl(lane.fd, F_GETFL);
    if (flags < 0 || ::fcntl(lane.fd, F_SETFL, flags & ~O_DIRECT) != 0)
        return false;
    lane.direct = false;
    return true;
}

Status WriterLanes::makeFolders(Lane &lane, const QByteArray &relative)
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

} // namespace tfhub::detail
