#include "core/gcs/gcsobjectsink.h"

#include <QIODevice>
#include <QStringDecoder>

#include <cstring>
#include <deque>

namespace tfhub::gcs {

namespace detail {

// Bytes held for uploads; the decoder waits here while too much is held. One grant may exceed the
// limit when nothing else is held, so a single large need never deadlocks.
class MemoryBudget final
{
public:
    explicit MemoryBudget(qint64 limit) : m_limit(limit) { }

    bool take(qint64 bytes)
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stopped || m_used == 0 || m_used + bytes <= m_limit; });
        if (m_stopped)
            return false;
        m_used += bytes;
        m_peak = qMax(m_peak, m_used);
        return true;
    }
    void give(qint64 bytes)
    {
        {
            std::lock_guard lock(m_mutex);
            m_used -= bytes;
        }
        m_changed.notify_all();
    }
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stopped = true;
        }
        m_changed.notify_all();
    }
    qint64 used() const
    {
        std::lock_guard lock(m_mutex);
        return m_used;
    }
    qint64 peak() const
    {
        std::lock_guard lock(m_mutex);
        return m_peak;
    }

private:
    const qint64 m_limit;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    qint64 m_used = 0;
    qint64 m_peak = 0;
    bool m_stopped = false;
};

// A read-only, sequential device fed by the decoder: read() blocks until it can fill the whole
// request (so every chunk of a resumable upload but the last is full size, as Cloud Storage
// requires), the writer's end, or abort().
class BytePipe final : public QIODevice
{
public:
    explicit BytePipe(qint64 capacity) : m_capacity(capacity)
    {
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
    }

    bool isSequential() const override { return true; }

    bool push(const char *data, qint64 size)
    {
        std::unique_lock lock(m_mutex);
        while (size > 0) {
            m_notFull.wait(lock, [&] { return m_aborted || m_held < m_capacity; });
            if (m_aborted)
                return false;
            const qint64 n = qMin(size, m_capacity - m_held);
            m_pieces.emplace_back(data, static_cast<qsizetype>(n));
            m_held += n;
            data += n;
            size -= n;
            m_notEmpty.notify_one();
        }
        return true;
    }
    void closeWrite()
    {
        {
            std::lock_guard lock(m_mutex);
            m_closed = true;
        }
        m_notEmpty.notify_all();
    }
    /// Waits until the writer closed its end (true) or the pipe was aborted (false).
    bool waitClosed()
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [&] { return m_aborted || m_closed; });
        return m_closed && !m_aborted;
    }
    void abort()
    {
        {
            std::lock_guard lock(m_mutex);
            m_aborted = true;
        }
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        std::unique_lock lock(m_mutex);
        qint64 got = 0;
        while (got < maxSize) {
            m_notEmpty.wait(lock, [&] { return m_aborted || m_held > 0 || m_closed; });
            if (m_aborted)
                return -1;
            if (m_held == 0)
                break; // the end of the member
            const QByteArray &front = m_pieces.front();
            const qint64 n = qMin<qint64>(maxSize - got, front.size() - m_offset);
            std::memcpy(data + got, front.constData() + m_offset, static_cast<size_t>(n));
            got += n;
            m_offset += n;
            m_held -= n;
            if (m_offset == front.size()) {
                m_pieces.pop_front();
                m_offset = 0;
            }
            m_notFull.notify_one();
        }
        return got;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    const qint64 m_capacity;
    std::mutex m_mutex;
    std::condition_variable m_notFull;
    std::condition_variable m_notEmpty;
    std::deque<QByteArray> m_pieces;
    qint64 m_offset = 0; // into the front piece
    qint64 m_held = 0;
    bool m_closed = false;
    bool m_aborted = false;
};

struct StreamedFile
{
    explicit StreamedFile(qint64 capacity) : pipe(capacity) { }
    BytePipe pipe;
    // Set by the decoder before it closes the pipe.
    QByteArray md5; ///< base64
    UploadedFile record;
};

} // namespace detail

GcsObjectSink::GcsObjectSink(GcsWorkers &workers, QString bucket, QString objectPrefix,
    ObjectSinkOptions options, std::function<void(const QString &)> onFailure)
    : m_workers(workers)
    , m_bucket(std::move(bucket))
    , m_prefix(std::move(objectPrefix))
    , m_options(options)
    , m_onFailure(std::move(onFailure))
    , m_budget(std::make_unique<detail::MemoryBudget>(options.memoryBudget))
{
}

GcsObjectSink::~GcsObjectSink() = default;

Result<QString> GcsObjectSink::objectName(const QByteArray &path) const
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = utf8(path);
    if (utf8.hasError())
        return Error { tr("Member '%1' cannot be stored in Cloud Storage: its name is not valid UTF-8.")
                           .arg(QString::fromLocal8Bit(path)) };
    if (path.contains('\r') || path.contains('\n'))
        return Error { tr(
            "Member '%1' cannot be stored in Cloud Storage: object names cannot hold line breaks.")
                           .arg(text.simplified()) };
    const QString name = m_prefix + text;
    if (name.toUtf8().size() > 1024)
        return Error { tr(
            "Member '%1' cannot be stored in Cloud Storage: the object name would be longer than 1024 bytes.")
                           .arg(text) };
    return name;
}

// Every folder above `path` becomes one, unless a file of the archive already has its name.
Status GcsObjectSink::checkParents(const QByteArray &path, const QString &member)
{
    for (qsizetype slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
        const QByteArray parent = path.left(slash);
        if (m_files.contains(parent))
            return Error { tr(
                "Cannot create the folder %1 of member '%2': the archive holds a file of that name.")
                               .arg(QString::fromUtf8(parent), member) };
        m_folders.insert(parent);
    }
    return {};
}

Status GcsObjectSink::directory(const QByteArray &path)
{
    if (Result<QString> name = objectName(path); !name)
        return Error { name.error() };
    const QString member = QString::fromUtf8(path);
    if (m_files.contains(path))
        return Error {
            tr("Cannot create the folder %1: the archive holds a file of that name.").arg(member)
        };
    if (Status parents = checkParents(path, member); !parents)
        return parents;
    m_folders.insert(path);
    return {};
}

Status GcsObjectSink::beginFile(const QByteArray &path, qint64 size)
{
    Result<QString> name = objectName(path);
    if (!name)
        return Error { name.error() };
    const QString member = QString::fromUtf8(path);
    if (m_folders.contains(path))
        return Error { tr("Cannot create %1: the archive holds a folder of that name.").arg(member) };
    if (Status parents = checkParents(path, member); !parents)
        return parents;
    m_files.insert(path);
    m_name = *name;
    m_record = UploadedFile { member, 0, {} };
    m_sha.reset();
    m_md5.reset();
    m_buffer.clear();
    const bool streamed = size > m_options.simpleUploadLimit;
    // Qt Network holds a copy of a request body while it sends it (handed to its HTTP thread):
    // an upload in flight costs its bytes twice.
    m_reserved = streamed ? 2 * m_options.chunkBytes + m_options.pipeBytes : 2 * qMax<qint64>(size, 0);
    if (!m_budget->take(m_reserved)) {
        std::lock_guard lock(m_mutex);
        return Error { m_stopError };
    }
    if (!streamed) {
        m_buffer.reserve(static_cast<qsizetype>(size));
        return {};
    }
    auto file = std::make_shared<detail::StreamedFile>(m_options.pipeBytes);
    {
        std::lock_guard lock(m_mutex);
        m_streaming = file;
    }
    uploadStreamed(m_name, size, m_reserved, file);
    return {};
}

Status GcsObjectSink::fileData(const char *data, qsizetype size)
{
    m_sha.addData(data, size);
    m_md5.addData(QByteArrayView(data, size));
    m_record.size += size;
    std::shared_ptr<detail::StreamedFile> file;
    {
        std::lock_guard lock(m_mutex);
        file = m_streaming;
    }
    if (!file) {
        m_buffer.append(data, size);
        return {};
    }
    if (file->pipe.push(data, size))
        return {};
    std::lock_guard lock(m_mutex);
    return Error { m_stopError };
}

Status GcsObjectSink::endFile()
{
    m_record.sha256 = m_sha.resultHex();
    const QByteArray md5 = m_md5.result().toBase64();
    std::shared_ptr<detail::StreamedFile> file;
    {
        std::lock_guard lock(m_mutex);
        file = std::exchange(m_streaming, nullptr);
    }
    if (!file) {
        uploadBuffered(m_name, m_record, std::exchange(m_buffer, QByteArray()), md5, m_reserved);
        return {};
    }
    file->md5 = md5;
    file->record = m_record;
    file->pipe.closeWrite();
    return {};
}

void GcsObjectSink::memberStarted(const QString &name)
{
    std::lock_guard lock(m_mutex);
    m_currentMember = name;
}

void GcsObjectSink::uploadBuffered(
    QString name, UploadedFile record, QByteArray data, QByteArray md5, qint64 reserved)
{
    m_workers.post([this, name = std::move(name), record = std::move(record), data = std::move(data),
                       md5 = std::move(md5), reserved](GcsClient &client) {
        const Result<ObjectInfo> info = client.upload(m_bucket, name, data);
        stored(name, record, info, md5, reserved);
    });
}

void GcsObjectSink::uploadStreamed(
    QString name, qint64 size, qint64 reserved, std::shared_ptr<detail::StreamedFile> file)
{
    m_workers.post([this, name = std::move(name), size, reserved, file = std::move(file)](GcsClient &client) {
        Result<ObjectInfo> info = client.upload(m_bucket, name, &file->pipe, size);
        // The last byte may be read before the decoder closes its end with the file's digests.
        if (info && !file->pipe.waitClosed())
            info = Error { tr("The upload of gs://%1/%2 was stopped.").arg(m_bucket, name) };
        file->pipe.abort(); // a failed upload must not leave the decoder waiting on a full pipe
        stored(name, file->record, info, file->md5, reserved);
    });
}

void GcsObjectSink::stored(const QString &name, const UploadedFile &record, const Result<ObjectInfo> &info,
    const QByteArray &md5, qint64 reserved)
{
    m_budget->give(reserved);
    if (!info) {
        m_onFailure(info.error());
        return;
    }
    // Cloud Storage computes every object's MD5 (not a composite's): a mismatch is a damaged upload.
    if (!info->md5Base64.isEmpty() && info->md5Base64 != md5) {
        m_onFailure(tr("gs://%1/%2 holds other bytes than were uploaded (MD5 %3, expected %4).")
                        .arg(m_bucket, name, QString::fromLatin1(info->md5Base64), QString::fromLatin1(md5)));
        return;
    }
    std::lock_guard lock(m_mutex);
    m_uploadedBytes += record.size;
    ++m_filesUploaded;
    m_stored[record.path] = record;
}

void GcsObjectSink::stop(const QString &error)
{
    std::shared_ptr<detail::StreamedFile> file;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopError.isEmpty())
            m_stopError = error;
        file = m_streaming;
    }
    m_budget->stop();
    if (file)
        file->pipe.abort();
}

qint64 GcsObjectSink::bufferedBytes() const
{
    return m_budget->used();
}

qint64 GcsObjectSink::peakBufferedBytes() const
{
    return m_budget->peak();
}

QString GcsObjectSink::currentMember() const
{
    std::lock_guard lock(m_mutex);
    return m_currentMember;
}

QList<UploadedFile> GcsObjectSink::files() const
{
    std::lock_guard lock(m_mutex);
    QList<UploadedFile> out;
    for (const auto &[path, record] : m_stored)
        out << record;
    return out;
}

} // namespace tfhub::gcs
