#include "core/archive/writerlanes.h"

#include <QFile>

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub::detail {

namespace {

// Full blocks kept for reuse, so a long extraction does not allocate a megabyte per block.
constexpr int kSpareBlocks = 4;

QString systemError(const QString &text, const QByteArray &path, int error)
{
    return text.arg(QFile::decodeName(path), qt_error_string(error));
}

} // namespace

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
    m_error = error;
    m_notFull.notify_all();
    m_notEmpty.notify_all();
    m_sync.stop(error);
}

int WriterLanes::laneFor(const QByteArray &path)
{
    const auto known = m_laneOf.constFind(path);
    if (known != m_laneOf.cend())
        return *known;
    int best = 0;
    {
        std::lock_guard lock(m_mutex);
        for (int i = 1; i < kLanes; ++i) {
            if (m_lanes[i].pending < m_lanes[best].pending)
                best = i;
        }
    }
    m_laneOf.insert(path, best);
    return best;
}

Status WriterLanes::push(int lane, WriteOp op)
{
    std::lock_guard lock(m_mutex);
    if (m_stopped)
        return Error { m_error };
    m_lanes[lane].pending += op.reserved;
    m_lanes[lane].ops.push_back(std::move(op));
    m_notEmpty.notify_all();
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

Result<QByteArray> WriterLanes::reserveBlock(qsizetype capacity)
{
    QByteArray block;
    std::unique_lock lock(m_mutex);
    m_notFull.wait(lock, [&] { return m_stopped || m_reserved + capacity <= m_budget; });
    if (m_stopped)
        return Error { m_error };
    m_reserved += capacity;
    m_meter.add(capacity);
    if (capacity == ArchiveExtractor::kWriteBlockSize && !m_spareBlocks.empty()) {
        block = std::move(m_spareBlocks.back());
        m_spareBlocks.pop_back();
    }
    lock.unlock();
    block.resize(0);
    block.reserve(capacity);
    return block;
}

void WriterLanes::releaseUnused(qsizetype bytes)
{
    std::lock_guard lock(m_mutex);
    m_reserved -= bytes;
    m_meter.add(-bytes);
    m_notFull.notify_all();
}

// The folders' entries reach the disk too (POSIX asks for an fsync of the folder to make a new
// name durable); after the files, so one journal commit usually covers them all.
Status WriterLanes::syncFolders() const
{
    QSet<QByteArray> folders { QByteArray() };
    for (const Lane &lane : m_lanes)
        folders.unite(lane.madeFolders);
    for (const QByteArray &relative : std::as_const(folders)) {
        const QByteArray path = relative.isEmpty() ? m_root : absolute(relative);
        const int fd = ::open(path.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return Error { systemError(tr("Cannot open the folder %1: %2."), path, errno) };
        const int synced = ::fsync(fd);
        const int error = errno;
        ::close(fd);
        if (synced != 0)
            return Error { systemError(tr("Cannot write the folder %1: %2."), path, error) };
    }
    return {};
}

QList<WriterLanes::FileRecord> WriterLanes::manifest() const
{
    std::lock_guard lock(m_mutex);
    QList<FileRecord> files;
    files.reserve(static_cast<qsizetype>(m_manifest.size()));
    for (const auto &entry : m_manifest)
        files.append(entry.second);
    return files;
}

// --- the writer threads ----------------------------------------------------------------------

void WriterLanes::writeMain(Lane &lane)
{
    for (;;) {
        WriteOp op;
        {
            std::unique_lock lock(m_mutex);
            m_notEmpty.wait(lock, [&] { return m_stopped || !lane.ops.empty(); });
            if (m_stopped)
                break;
            op = std::move(lane.ops.front());
            lane.ops.pop_front();
            lane.pending -= op.reserved;
        }
        if (op.kind == WriteOp::Kind::Finish)
            break;
        if (Status done = apply(lane, op); !done) {
            m_onFailure(done.error());
            break;
        }
    }
    if (lane.fd >= 0)
        ::close(lane.fd);
    lane.fd = -1;
}

Status WriterLanes::apply(Lane &lane, WriteOp &op)
{
    switch (op.kind) {
    case WriteOp::Kind::Directory:
        return makeFolders(lane, op.path);
    case WriteOp::Kind::BeginFile:
        return beginFile(lane, op.path);
    case WriteOp::Kind::Data:
        return writeBlock(lane, op);
    case WriteOp::Kind::EndFile:
        return endFile(lane, std::move(op.data));
    case WriteOp::Kind::Finish:
        break;
    }
    return {};
}

Status WriterLanes::beginFile(Lane &lane, const QByteArray &relative)
{
    const qsizetype slash = relative.lastIndexOf('/');
    if (slash > 0) {
        if (Status parent = makeFolders(lane, relative.left(slash)); !parent)
            return parent;
    }
    lane.filePath = relative;
    lane.fileWritten = 0;
    const QByteArray path = absolute(relative);
    lane.fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (lane.fd < 0)
        return Error { systemError(tr("Cannot create %1: %2."), path, errno) };
    return {};
}

// The file counts as written once the sync pool has its data on the disk.
Status WriterLanes::endFile(Lane &lane, QByteArray sha256)
{
    SyncPool::Job job;
    job.fd = std::exchange(lane.fd, -1);
    job.path = absolute(lane.filePath);
    job.relative = lane.filePath;
    job.record = FileRecord { QFile::decodeName(lane.filePath), lane.fileWritten, std::move(sha256) };
    return m_sync.submit(std::move(job));
}

void WriterLanes::fileSynced(SyncPool::Job &&job)
{
    std::lock_guard lock(m_mutex);
    m_manifest[job.relative] = std::move(job.record);
    ++m_filesWritten;
}

Status WriterLanes::writeBlock(Lane &lane, WriteOp &op)
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
    m_reserved -= op.reserved;
    m_meter.add(-op.reserved);
    if (op.data.capacity() >= ArchiveExtractor::kWriteBlockSize && m_spareBlocks.size() < kSpareBlocks)
        m_spareBlocks.push_back(std::move(op.data));
    m_notFull.notify_all();
    return {};
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
