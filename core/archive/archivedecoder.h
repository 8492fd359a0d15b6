#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QString>

#include <atomic>

struct archive;
struct archive_entry;

namespace tfhub {

/// The compression of an archive, as detected from its first bytes.
enum class ArchiveCompression { Unknown, None, Gzip, Bzip2, Xz, Zstd };

namespace detail {

/// A borrowed run of bytes; valid until the next call to the source that returned it.
struct ByteView
{
    const char *data = nullptr;
    qsizetype size = 0; // 0: the end of the stream
};

/// A pull source of bytes for the decode thread; next() blocks until data, the end, or a failure.
class ChunkSource
{
public:
    virtual ~ChunkSource() = default;
    virtual Result<ByteView> next() = 0;
};

/// Receives what the tar stream holds, in archive order. Paths are normalised, relative to the
/// destination and never empty. A failed call stops the decoding with that status.
class TarSink
{
public:
    virtual ~TarSink() = default;
    virtual Status directory(const QByteArray &path) = 0;
    virtual Status beginFile(const QByteArray &path, qint64 size) = 0;
    virtual Status fileData(const char *data, qsizetype size) = 0;
    virtual Status endFile() = 0;
    virtual void memberStarted(const QString &name) = 0;
    virtual void plainBytesRead(qsizetype size) = 0;
    /// Room where the current file's next bytes may be decompressed in place (sets `at`; 0: none),
    /// at most the bytes the file still has to come: fileData() then gets that very memory and
    /// needs to copy nothing. Asked only while a plain (not sparse) file's data is read.
    virtual qsizetype roomInPlace(char **at)
    {
        Q_UNUSED(at);
        return 0;
    }
};

/// Strips leading '/', folds "." and empty components and resolves "..". An empty result is the
/// destination itself. A name that would leave the destination is an error naming the member,
/// with tensorflow_hub's wording.
Result<QByteArray> normalizeMemberName(const QByteArray &name);

/// Detects the compression, decompresses (ISA-L for gzip, libarchive's filters for bzip2, xz and
/// zstd), parses the plain tar with libarchive and checks what libarchive lets pass: the
/// compressed stream's integrity and the tar's end-of-archive blocks. `displayName` names the
/// archive in messages.
class ArchiveDecoder final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::ArchiveDecoder)

public:
    ArchiveDecoder(ChunkSource &input, TarSink &sink, const QString &displayName);

    Status run();

    ArchiveCompression compression() const { return m_compression.load(); }

private:
    Status readTar(ChunkSource &plain);
    Status acceptEntry(::archive *reader, ::archive_entry *entry);
    Status copyData(::archive *reader, const QString &member);
    qsizetype roomInPlace(char **at) { return m_inPlace ? m_sink.roomInPlace(at) : 0; }
    QString damaged(const QString &cause) const;
    QString invalidModule() const;

    ChunkSource &m_input;
    TarSink &m_sink;
    QString m_displayName;
    std::atomic<ArchiveCompression> m_compression { ArchiveCompression::Unknown };
    bool m_inPlace = false; // a plain file's data is being read: the sink may offer room in place
};

} // namespace detail
} // namespace tfhub
