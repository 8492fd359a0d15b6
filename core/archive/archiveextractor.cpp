#include "core/archive/archiveextractor.h"

#include "core/archive/inputqueue.h"
#include "core/archive/writerlanes.h"
#include "core/util/sha256.h"

#include <QFile>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

namespace tfhub {

using detail::WriteOp;

// The glue: the caller's thread feeds the input queue (and hashes what it feeds), the decode
// thread turns the tar stream into write blocks (and hashes each file), the writer lanes write.
// The first failure of any stage stops them all.
class ArchiveExtractor::Pipeline final : public detail::TarSink
{
public:
    Pipeline(const QString &destinationDir, const QString &displayName);
    ~Pipeline() override;

    bool feed(const char *data, qsizetype size);
    bool feed(const QByteArray &data);
    bool canAcceptMore() const { return m_input.canAcceptMore(); }
    Status finish();
    void cancel();
    bool isCancelled() const { return m_cancelled; }
    Stats stats() const;
    QList<FileRecord> manifest() const { return m_lanes.manifest(); }
    QByteArray archiveSha256() const { return m_archiveDigest; }

private:
    bool stopped() const;
    void join();
    void fail(const QString &message);
    void decodeMain();

    // The decode thread: TarSink.
    Status directory(const QByteArray &path) override;
    Status beginFile(const QByteArray &path, qint64 size) override;
    Status fileData(const char *data, qsizetype size) override;
    Status endFile() override;
    void memberStarted(const QString &name) override;
    void plainBytesRead(qsizetype size) override { m_plainBytes += size; }
    qsizetype roomInPlace(char **at) override;
    Status startBlock();
    Status flushBlock();

    const QString m_displayName;
    detail::BufferMeter m_meter;
    detail::InputQueue m_input;
    detail::WriterLanes m_lanes;
    detail::ArchiveDecoder m_decoder;

    mutable std::mutex m_mutex;
    bool m_stopped = false;
    QString m_error;
    bool m_done = false;
    QString m_currentMember;
    std::atomic<bool> m_cancelled { false };

    std::atomic<qint64> m_compressedBytes { 0 };
    std::atomic<qint64> m_plainBytes { 0 };

    bool m_finishing = false; // the caller's thread
    Sha256 m_archiveHash;
    QByteArray m_archiveDigest;

    WriteOp m_fill; // the decode thread
    int m_fillLane = 0;
    qint64 m_fileSize = 0;
    qint64 m_fileFed = 0;

    std::thread m_decodeThread;
};

namespace {

QByteArray rootPath(const QString &destinationDir)
{
    QByteArray root = QFile::encodeName(destinationDir);
    while (root.size() > 1 && root.endsWith('/'))
        root.chop(1);
    return root;
}

} // namespace

ArchiveExtractor::Pipeline::Pipeline(const QString &destinationDir, const QString &displayName)
    : m_displayName(displayName)
    , m_input(kMaxQueuedInput, m_meter)
    , m_lanes(
          rootPath(destinationDir), kMaxQueuedWrites, m_meter, [this](const QString &error) { fail(error); })
    , m_decoder(m_input, *this, displayName)
{
    m_input.setBeforeWait([this] { static_cast<void>(m_lanes.flushStaged()); });
    m_decodeThread = std::thread([this] { decodeMain(); });
    m_lanes.start();
}

ArchiveExtractor::Pipeline::~Pipeline()
{
    if (m_decodeThread.joinable() || m_lanes.running()) {
        cancel();
        join();
    }
}

// --- the caller's side -------------------------------------------------------------------------

bool ArchiveExtractor::Pipeline::feed(const char *data, qsizetype size)
{
    Q_ASSERT(!m_finishing);
    if (size <= 0)
        return !stopped();
    m_archiveHash.addData(data, size);
    m_compressedBytes += size;
    return m_input.push(data, size);
}

bool ArchiveExtractor::Pipeline::feed(const QByteArray &data)
{
    Q_ASSERT(!m_finishing);
    if (data.isEmpty())
        return !stopped();
    m_archiveHash.addData(data);
    m_compressedBytes += data.size();
    return m_input.push(data);
}

Status ArchiveExtractor::Pipeline::finish()
{
    if (!m_finishing) {
        m_finishing = true;
        m_input.close();
        join();
        if (!stopped()) {
            if (Status synced = m_lanes.syncFolders(); !synced)
                fail(synced.error());
        }
        m_archiveDigest = m_archiveHash.resultHex();
    }
    std::lock_guard lock(m_mutex);
    m_done = true;
    if (!m_error.isEmpty())
        return Error { m_error };
    return {};
}

void ArchiveExtractor::Pipeline::cancel()
{
    m_cancelled = true;
    fail(tr("The extraction of %1 was cancelled.").arg(m_displayName));
}

ArchiveExtractor::Stats ArchiveExtractor::Pipeline::stats() const
{
    Stats s;
    s.compressedBytes = m_compressedBytes;
    s.plainBytes = m_plainBytes;
    s.writtenBytes = m_lanes.writtenBytes();
    s.filesWritten = m_lanes.filesWritten();
    s.bufferedBytes = m_meter.now();
    s.peakBufferedBytes = m_meter.peak();
    s.compression = m_decoder.compression();
    std::lock_guard lock(m_mutex);
    s.currentMember = m_currentMember;
    return s;
}

bool ArchiveExtractor::Pipeline::stopped() const
{
    std::lock_guard lock(m_mutex);
    return m_stopped;
}

void ArchiveExtractor::Pipeline::join()
{
    if (m_decodeThread.joinable())
        m_decodeThread.join();
    m_lanes.join();
}

// The first failure wins; everything waiting wakes up and gives up.
void ArchiveExtractor::Pipeline::fail(const QString &message)
{
    std::lock_guard lock(m_mutex);
    if (m_stopped || m_done)
        return;
    m_stopped = true;
    m_error = message;
    m_input.stop(message);
    m_lanes.stop(message);
}

// --- the decode thread -------------------------------------------------------------------------

void ArchiveExtractor::Pipeline::decodeMain()
{
    detail::nameThread("tfhub-decode");
    Status status = m_decoder.run();
    if (status)
        status = m_lanes.finishAll();
    if (!status)
        fail(status.error());
}

Status ArchiveExtractor::Pipeline::directory(const QByteArray &path)
{
    WriteOp op;
    op.kind = WriteOp::Kind::Directory;
    op.path = path;
    return m_lanes.push(0, std::move(op));
}

Status ArchiveExtractor::Pipeline::beginFile(const QByteArray &path, qint64 size)
{
    m_fileSize = size;
    m_fileFed = 0;
    m_fillLane = m_lanes.laneFor(path);
    WriteOp op;
    op.kind = WriteOp::Kind::BeginFile;
    op.path = path;
    op.fileSize = size;
    return m_lanes.push(m_fillLane, std::move(op));
}

Status ArchiveExtractor::Pipeline::fileData(const char *data, qsizetype size)
{
    while (size > 0) {
        if (m_fill.reserved == 0) {
            if (Status started = startBlock(); !started)
                return started;
        }
        const qsizetype n = std::min(size, m_fill.reserved - m_fill.block.size());
        m_fill.block.append(data, n);
        data += n;
        size -= n;
        m_fileFed += n;
        if (m_fill.block.size() == m_fill.reserved) {
            if (Status flushed = flushBlock(); !flushed)
                return flushed;
        }
    }
    return {};
}

Status ArchiveExtractor::Pipeline::endFile()
{
    if (Status flushed = flushBlock(); !flushed)
        return flushed;
    WriteOp op;
    op.kind = WriteOp::Kind::EndFile;
    return m_lanes.push(m_fillLane, std::move(op));
}

// The rest of the block being filled, up to the file's end: the decompressor writes there, and
// fileData() finds the bytes already in place. Not for less than kMinRoomInPlace: an inflate call
// has a fixed cost in ISA-L (copies of its own, seen in profiles), and one call per small file
// would spend what the copy saved; small files and the ends of large ones take the usual path.
qsizetype ArchiveExtractor::Pipeline::roomInPlace(char **at)
{
    static constexpr qsizetype kMinRoomInPlace = 256 * 1024;
    const qint64 due = m_fileSize - m_fileFed;
    if (due < kMinRoomInPlace)
        return 0;
    if (m_fill.reserved == 0 && !startBlock())
        return 0; // stopped: fileData() reports why
    const auto room = static_cast<qsizetype>(std::min<qint64>(m_fill.reserved - m_fill.block.size(), due));
    if (room < kMinRoomInPlace)
        return 0;
    *at = m_fill.block.end();
    return room;
}

void ArchiveExtractor::Pipeline::memberStarted(const QString &name)
{
    std::lock_guard lock(m_mutex);
    m_currentMember = name;
}

// Reserves write budget for a new block; blocks while the writers are behind.
Status ArchiveExtractor::Pipeline::startBlock()
{
    const qint64 remaining = m_fileSize - m_fileFed;
    const qsizetype capacity = remaining > 0
        ? static_cast<qsizetype>(std::min<qint64>(remaining, kWriteBlockSize))
        : kWriteBlockSize;
    Result<detail::WriteBlock> block = m_lanes.reserveBlock(capacity);
    if (!block)
        return Error { block.error() };
    m_fill.block = std::move(block).value();
    m_fill.reserved = capacity;
    return {};
}

Status ArchiveExtractor::Pipeline::flushBlock()
{
    if (m_fill.reserved == 0)
        return {};
    WriteOp op = std::exchange(m_fill, WriteOp {});
    op.kind = WriteOp::Kind::Data;
    const qsizetype unused = op.reserved - op.block.size();
    op.reserved = op.block.size();
    m_lanes.releaseUnused(unused);
    return m_lanes.push(m_fillLane, std::move(op));
}

ArchiveExtractor::ArchiveExtractor(const QString &destinationDir, const QString &displayName)
    : m_pipeline(std::make_unique<Pipeline>(destinationDir, displayName))
{
}

ArchiveExtractor::~ArchiveExtractor() = default;

bool ArchiveExtractor::feed(const char *data, qsizetype size)
{
    return m_pipeline->feed(data, size);
}

bool ArchiveExtractor::feed(const QByteArray &data)
{
    return m_pipeline->feed(data);
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
