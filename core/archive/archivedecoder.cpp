#include "core/archive/archivedecoder.h"

#include "core/archive/gzipinflater.h"

#include <QFile>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>

namespace tfhub::detail {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::ArchiveDecoder", text);
}

QString damagedMessage(const QString &archive, const QString &cause)
{
    return tr("%1 is damaged: %2.").arg(archive, cause);
}

QString libarchiveError(struct archive *reader)
{
    const char *text = archive_error_string(reader);
    return text ? QString::fromLocal8Bit(text) : tr("unknown libarchive error");
}

struct ArchiveFree
{
    void operator()(struct archive *reader) const { archive_read_free(reader); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;

// Lets the decoder look at the first bytes for the compression magic, then replays them; needed
// because a caller may feed one byte at a time.
class PeekingSource final : public ChunkSource
{
public:
    explicit PeekingSource(ChunkSource &input) : m_input(input) { }

    Result<QByteArray> peek(qsizetype count)
    {
        auto first = m_input.next();
        if (!first)
            return Error { first.error() };
        if (first->size >= count) {
            m_first = *first;
            m_replay = Replay::First;
            return QByteArray(first->data, count);
        }
        m_head.append(first->data, first->size);
        m_ended = first->size == 0;
        while (!m_ended && m_head.size() < count) {
            auto more = m_input.next();
            if (!more)
                return Error { more.error() };
            m_ended = more->size == 0;
            m_head.append(more->data, more->size);
        }
        m_replay = m_head.isEmpty() ? Replay::None : Replay::Head;
        return m_head.left(count);
    }

    Result<ByteView> next() override
    {
        const Replay replay = std::exchange(m_replay, Replay::None);
        if (replay == Replay::First)
            return m_first;
        if (replay == Replay::Head)
            return ByteView { m_head.constData(), m_head.size() };
        if (m_ended)
            return ByteView {};
        return m_input.next();
    }

private:
    enum class Replay { None, First, Head };
    ChunkSource &m_input;
    ByteView m_first;
    QByteArray m_head;
    Replay m_replay = Replay::None;
    bool m_ended = false;
};

// Inflates into its own buffer, or straight into the memory the current file's bytes are bound
// for when `room` offers it (the decoder's largest cost after inflating was copying its output).
class GzipSource final : public ChunkSource
{
public:
    using Room = std::function<qsizetype(char **)>;
    GzipSource(ChunkSource &input, const QString &archive, Room room)
        : m_input(input)
        , m_archive(archive)
        , m_room(std::move(room))
        , m_out(std::make_unique<char[]>(kOutputSize))
    {
    }

    Result<ByteView> next() override
    {
        for (;;) {
            if (m_pending.size == 0 && !m_inputEnded) {
                auto chunk = m_input.next();
                if (!chunk)
                    return Error { chunk.error() };
                m_inputEnded = chunk->size == 0;
                m_pending = *chunk;
            }
            const char *data = m_pending.data;
            qsizetype size = m_pending.size;
            char *target = m_out.get();
            qsizetype capacity = kOutputSize;
            if (char *at = nullptr; const qsizetype room = m_room(&at)) {
                target = at;
                capacity = room;
            }
            auto produced = m_inflater.inflate(data, size, target, capacity);
            if (!produced)
                return Error { damagedMessage(m_archive, produced.error()) };
            const bool progress = *produced > 0 || size != m_pending.size;
            m_pending = ByteView { data, size };
            if (*produced > 0)
                return ByteView { target, *produced };
            if (m_inputEnded) {
                const Status end = m_inflater.finish();
                if (!end)
                    return Error { tr("%1 is truncated: %2.").arg(m_archive, end.error()) };
                return ByteView {};
            }
            if (!progress && m_pending.size > 0)
                return Error { damagedMessage(m_archive, tr("the gzip data is invalid")) };
        }
    }

private:
    static constexpr qsizetype kOutputSize = 512 * 1024;
    ChunkSource &m_input;
    QString m_archive;
    Room m_room;
    GzipInflater m_inflater;
    std::unique_ptr<char[]> m_out;
    ByteView m_pending;
    bool m_inputEnded = false;
};

// bzip2, xz and zstd: libarchive's "raw" format turns its decompression filters into a plain
// byte stream, which we then parse as tar like any other (so the end-block check applies too).
class LibarchiveFilterSource final : public ChunkSource
{
public:
    LibarchiveFilterSource(ChunkSource &input, const QString &archive)
        : m_input(input), m_archive(archive) { }

    Status open()
    {
        m_reader.reset(archive_read_new());
        archive_read_support_filter_bzip2(m_reader.get());
        archive_read_support_filter_xz(m_reader.get());
        archive_read_support_filter_zstd(m_reader.get());
        archive_read_support_format_raw(m_reader.get());
        if (archive_read_open(m_reader.get(), this, nullptr, &LibarchiveFilterSource::read, nullptr)
            != ARCHIVE_OK)
            return failure();
        struct archive_entry *entry = nullptr;
        if (archive_read_next_header(m_reader.get(), &entry) != ARCHIVE_OK)
            return failure();
        return {};
    }

    Result<ByteView> next() override
    {
        for (;;) {
            const void *block = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            const int rc = archive_read_data_block(m_reader.get(), &block, &size, &offset);
            if (rc == ARCHIVE_EOF)
                return ByteView {};
            if (rc < ARCHIVE_WARN)
                return Error { failure().error() };
            if (size > 0)
                return ByteView { static_cast<const char *>(block), static_cast<qsizetype>(size) };
        }
    }

private:
    static la_ssize_t read(struct archive *, void *context, const void **buffer)
    {
        auto *self = static_cast<LibarchiveFilterSource *>(context);
        auto chunk = self->m_input.next();
        if (!chunk) {
            self->m_inputError = chunk.error();
            return -1;
        }
        *buffer = chunk->data;
        return static_cast<la_ssize_t>(chunk->size);
    }

    Status failure() const
    {
        if (!m_inputError.isEmpty())
            return Error { m_inputError };
        return Error { damagedMessage(m_archive, libarchiveError(m_reader.get())) };
    }

    ChunkSource &m_input;
    QString m_archive;
    ArchivePtr m_reader;
    QString m_inputError;
};

struct TarContext
{
    ChunkSource *plain = nullptr;
    TarSink *sink = nullptr;
    QString error;
    qint64 plainBytes = 0;
};

la_ssize_t readPlain(struct archive *, void *context, const void **buffer)
{
    auto *ctx = static_cast<TarContext *>(context);
    auto chunk = ctx->plain->next();
    if (!chunk) {
        ctx->error = chunk.error();
        return -1;
    }
    ctx->plainBytes += chunk->size;
    ctx->sink->plainBytesRead(chunk->size);
    *buffer = chunk->data;
    return static_cast<la_ssize_t>(chunk->size);
}

QString memberName(struct archive_entry *entry)
{
    if (const char *name = archive_entry_pathname(entry))
        return QFile::decodeName(name);
    if (const char *name = archive_entry_pathname_utf8(entry))
        return QString::fromUtf8(name);
    return {};
}

QByteArray memberNameBytes(struct archive_entry *entry)
{
    if (const char *name = archive_entry_pathname(entry))
        return QByteArray(name);
    if (const char *name = archive_entry_pathname_utf8(entry))
        return QByteArray(name);
    return {};
}

QString typeName(struct archive_entry *entry)
{
    if (archive_entry_hardlink(entry))
        return tr("hard link");
    switch (archive_entry_filetype(entry)) {
    case AE_IFLNK:
        return tr("symbolic link");
    case AE_IFCHR:
        return tr("character device");
    case AE_IFBLK:
        return tr("block device");
    case AE_IFIFO:
        return tr("FIFO");
    case AE_IFSOCK:
        return tr("socket");
    default:
        return tr("unknown (mode %1)").arg(archive_entry_filetype(entry), 0, 8);
    }
}

} // namespace

Result<QByteArray> normalizeMemberName(const QByteArray &name)
{
    QList<QByteArray> parts;
    for (const QByteArray &part : name.split('/')) {
        if (part.isEmpty() || part == ".")
            continue;
        if (part == "..") {
            if (parts.isEmpty()) {
                return Error { QCoreApplication::translate(
                    "tfhub::ArchiveDecoder", "Relative path '%1' is invalid.")
                                   .arg(QFile::decodeName(name)) };
            }
            parts.removeLast();
            continue;
        }
        parts.append(part);
    }
    return parts.join('/');
}

ArchiveDecoder::ArchiveDecoder(ChunkSource &input, TarSink &sink, const QString &displayName)
    : m_input(input), m_sink(sink), m_displayName(displayName)
{
}

QString ArchiveDecoder::damaged(const QString &cause) const
{
    return damagedMessage(m_displayName, cause);
}

QString ArchiveDecoder::invalidModule() const
{
    // tensorflow_hub's own wording, so users searching for it find the same explanations.
    return tr("%1 does not appear to be a valid module.").arg(m_displayName);
}

Status ArchiveDecoder::run()
{
    PeekingSource input(m_input);
    auto head = input.peek(6);
    if (!head)
        return Error { head.error() };
    const QByteArray &magic = *head;
    if (magic.startsWith("\x1f\x8b")) {
        m_compression = ArchiveCompression::Gzip;
        GzipSource gzip(input, m_displayName, [this](char **at) { return roomInPlace(at); });
        return readTar(gzip);
    }
    const bool bzip2 = magic.startsWith("BZh");
    const bool xz = magic.startsWith(QByteArray("\xfd"
                                                "7zXZ\x00",
        6));
    const bool zstd = magic.startsWith("\x28\xb5\x2f\xfd");
    if (bzip2 || xz || zstd) {
        m_compression = bzip2 ? ArchiveCompression::Bzip2
            : xz              ? ArchiveCompression::Xz
                              : ArchiveCompression::Zstd;
        LibarchiveFilterSource filtered(input, m_displayName);
        if (Status opened = filtered.open(); !opened)
            return opened;
        return readTar(filtered);
    }
    m_compression = ArchiveCompression::None;
    return readTar(input);
}

Status ArchiveDecoder::readTar(ChunkSource &plain)
{
    TarContext ctx;
    ctx.plain = &plain;
    ctx.sink = &m_sink;
    {
        ArchivePtr reader(archive_read_new());
        archive_read_support_format_tar(reader.get());
        if (archive_read_open(reader.get(), &ctx, nullptr, &readPlain, nullptr) != ARCHIVE_OK) {
            if (!ctx.error.isEmpty())
                return Error { ctx.error };
            return Error { invalidModule() };
        }
        int members = 0;
        for (;;) {
            // libarchive 3.6.2 takes a stream that simply stops after a member as a normal end,
            // so the two zero blocks must be seen: the tar reader consumes both, and only them.
            const la_int64_t endOfMembers = archive_filter_bytes(reader.get(), 0);
            struct archive_entry *entry = nullptr;
            const int rc = archive_read_next_header(reader.get(), &entry);
            if (!ctx.error.isEmpty())
                return Error { ctx.error };
            if (rc == ARCHIVE_EOF) {
                if (members == 0 && ctx.plainBytes == 0)
                    return Error { invalidModule() };
                if (archive_filter_bytes(reader.get(), 0) - endOfMembers != 1024) {
                    return Error {
                        tr("%1 is truncated: the tar end-of-archive blocks are missing.").arg(m_displayName)
                    };
                }
                break;
            }
            if (rc < ARCHIVE_WARN) {
                if (members == 0)
                    return Error { invalidModule() };
                return Error { damaged(libarchiveError(reader.get())) };
            }
            ++members;
            if (Status accepted = acceptEntry(reader.get(), entry); !accepted)
                return ctx.error.isEmpty() ? accepted : Status(Error { ctx.error });
            if (archive_read_data_skip(reader.get()) < ARCHIVE_WARN) {
                if (!ctx.error.isEmpty())
                    return Error { ctx.error };
                return Error { damaged(libarchiveError(reader.get())) };
            }
        }
    }
    // Whatever follows the tar end (record padding) must still pass the decompressor's checks:
    // a gzip CRC is only verified at the very end of the stream.
    for (;;) {
        auto chunk = plain.next();
        if (!chunk)
            return Error { chunk.error() };
        if (chunk->size == 0)
            break;
        m_sink.plainBytesRead(chunk->size);
    }
    return {};
}

Status ArchiveDecoder::acceptEntry(struct archive *reader, struct archive_entry *entry)
{
    const QString member = memberName(entry);
    m_sink.memberStarted(member);
    const auto type = archive_entry_filetype(entry);
    if (archive_entry_hardlink(entry) || (type != AE_IFREG && type != AE_IFDIR)) {
        return Error { tr("Unexpected object type in tar archive: %1 (member '%2' of %3).")
                           .arg(typeName(entry), member, m_displayName) };
    }
    auto path = normalizeMemberName(memberNameBytes(entry));
    if (!path)
        return Error { tr("%1 (in %2)").arg(path.error(), m_displayName) };
    if (type == AE_IFDIR) {
        // "/" or "./": the destination itself, which exists already.
        if (path->isEmpty())
            return {};
        return m_sink.directory(*path);
    }
    if (path->isEmpty()) {
        return Error { tr(
            "Relative path '%1' is invalid: a file cannot replace the destination folder (in %2).")
                           .arg(member, m_displayName) };
    }
    if (Status begun = m_sink.beginFile(*path, archive_entry_size(entry)); !begun)
        return begun;
    // A sparse member's stored bytes are fewer than its size: those go through a copy.
    m_inPlace = archive_entry_sparse_count(entry) == 0;
    const Status copied = copyData(reader, member);
    m_inPlace = false;
    if (!copied)
        return copied;
    return m_sink.endFile();
}

Status ArchiveDecoder::copyData(struct archive *reader, const QString &member)
{
    static const char zeros[64 * 1024] = {};
    const auto fillHole = [&](la_int64_t length) -> Status {
        while (length > 0) {
            const auto n = static_cast<qsizetype>(std::min<la_int64_t>(length, sizeof zeros));
            if (Status written = m_sink.fileData(zeros, n); !written)
                return written;
            length -= n;
        }
        return {};
    };
    la_int64_t position = 0;
    for (;;) {
        const void *block = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        const int rc = archive_read_data_block(reader, &block, &size, &offset);
        if (rc == ARCHIVE_EOF) {
            // A sparse member may end in a hole: libarchive reports its full size as the offset.
            return offset > position ? fillHole(offset - position) : Status();
        }
        if (rc < ARCHIVE_WARN) {
            return Error { tr("%1 is damaged or truncated in member '%2': %3.")
                               .arg(m_displayName, member, libarchiveError(reader)) };
        }
        // Sparse members come with holes, which read back as zeros.
        if (offset > position) {
            if (Status filled = fillHole(offset - position); !filled)
                return filled;
        }
        if (Status written = m_sink.fileData(static_cast<const char *>(block), static_cast<qsizetype>(size));
            !written) {
            return written;
        }
        position = offset + static_cast<la_int64_t>(size);
    }
    return {};
}

} // namespace tfhub::detail
