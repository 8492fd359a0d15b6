#include "core/bundle/zipio.h"

#include <QCoreApplication>
#include <QFile>
#include <QSet>
#include <QtEndian>

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipfileinfo.h>

#include <zlib.h>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub::zipio {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::BundleZip", text);
}

constexpr quint16 kMadeByUnix = 3;
constexpr quint16 kFlagEncrypted = 0x1;

Status checkMember(const QuaZipFileInfo64 &info, Member *m)
{
    m->name = info.name;
    m->folder = info.name.endsWith(QLatin1Char('/'));
    m->method = info.method;
    m->compressedSize = static_cast<qint64>(info.compressedSize);
    m->size = static_cast<qint64>(info.uncompressedSize);
    m->crc = info.crc;
    const QString path = m->folder ? info.name.chopped(1) : info.name;
    if (Status s = bundle::checkRelativePath(path); !s)
        return s;
    const quint32 mode = info.externalAttr >> 16;
    if (info.isSymbolicLink())
        return Error {
            tr("'%1' is a symbolic link; a bundle holds regular files and folders only.").arg(info.name)
        };
    if ((info.versionCreated >> 8) == kMadeByUnix && (mode & S_IFMT) != 0 && (mode & S_IFMT) != S_IFREG
        && (mode & S_IFMT) != S_IFDIR)
        return Error { tr("'%1' is a special file (mode %2); a bundle holds regular files and folders only.")
                           .arg(info.name)
                           .arg(mode, 0, 8) };
    if (info.flags & kFlagEncrypted)
        return Error { tr("'%1' is encrypted.").arg(info.name) };
    if (m->method != 0 && m->method != Z_DEFLATED)
        return Error { tr("'%1' uses compression method %2; only stored and deflated are read.")
                           .arg(info.name)
                           .arg(m->method) };
    if (m->folder && m->size != 0)
        return Error { tr("The folder '%1' declares content.").arg(info.name) };
    if (m->method == 0 && m->compressedSize != m->size)
        return Error { tr("'%1' is stored but declares %2 bytes stored for %3 bytes of content.")
                           .arg(info.name)
                           .arg(m->compressedSize)
                           .arg(m->size) };
    if (m->size > 0 && (m->compressedSize == 0 || m->size / kMaxRatio > m->compressedSize))
        return Error { tr("'%1' declares %2 bytes from %3 compressed bytes, a ratio over %4:1: refused as a "
                          "zip bomb.")
                           .arg(info.name)
                           .arg(m->size)
                           .arg(m->compressedSize)
                           .arg(kMaxRatio) };
    return {};
}

constexpr quint16 kVersionZip64 = 45;
constexpr quint16 kVersionDeflate = 20;
constexpr qint64 kEocdSize = 22;
constexpr qint64 kZip64LocatorSize = 20;

quint16 u16(const QByteArray &b, qint64 at)
{
    return qFromLittleEndian<quint16>(b.constData() + at);
}
quint32 u32(const QByteArray &b, qint64 at)
{
    return qFromLittleEndian<quint32>(b.constData() + at);
}
quint64 u64(const QByteArray &b, qint64 at)
{
    return qFromLittleEndian<quint64>(b.constData() + at);
}

// Where the central directory starts and how long it is, from the (Zip64) end records.
bool findCentralDirectory(QFile &f, qint64 *offset, qint64 *size)
{
    const qint64 tailSize = std::min<qint64>(f.size(), kEocdSize + 0xffff + kZip64LocatorSize);
    f.seek(f.size() - tailSize);
    const QByteArray tail = f.read(tailSize);
    const qint64 eocd = tail.lastIndexOf(QByteArrayLiteral("PK\x05\x06"));
    if (eocd < 0 || eocd + kEocdSize > tail.size())
        return false;
    *offset = u32(tail, eocd + 16);
    *size = u32(tail, eocd + 12);
    const qint64 locator = eocd - kZip64LocatorSize;
    if (locator >= 0 && tail.mid(locator, 4) == QByteArrayLiteral("PK\x06\x07")) {
        f.seek(static_cast<qint64>(u64(tail, locator + 8)));
        const QByteArray record = f.read(56);
        if (record.size() < 56 || !record.startsWith(QByteArrayLiteral("PK\x06\x06")))
            return false;
        *offset = static_cast<qint64>(u64(record, 48));
        *size = static_cast<qint64>(u64(record, 40));
    }
    return *offset >= 0 && *size >= 0 && *offset + *size <= f.size();
}

// The local header's offset of a central directory entry at `at`, from its Zip64 extra if needed.
qint64 localHeaderOffset(const QByteArray &cd, qint64 at)
{
    const quint32 offset = u32(cd, at + 42);
    if (offset != 0xffffffffu)
        return offset;
    const qint64 extra = at + 46 + u16(cd, at + 28);
    const qint64 end = extra + u16(cd, at + 30);
    for (qint64 p = extra; p + 4 <= end; p += 4 + u16(cd, p + 2)) {
        if (u16(cd, p) != 0x0001)
            continue;
        qint64 field = p + 4;
        field += u32(cd, at + 24) == 0xffffffffu ? 8 : 0; // uncompressed size first
        field += u32(cd, at + 20) == 0xffffffffu ? 8 : 0; // then compressed size
        return field + 8 <= end ? static_cast<qint64>(u64(cd, field)) : -1;
    }
    return -1;
}

// Inflates raw deflate data block by block; the output limit is the member's declared size.
class Inflater
{
public:
    explicit Inflater(QString name) : m_name(std::move(name))
    {
        m_ok = inflateInit2(&m_z, -MAX_WBITS) == Z_OK;
    }
    ~Inflater() { inflateEnd(&m_z); }
    Inflater(const Inflater &) = delete;
    Inflater &operator=(const Inflater &) = delete;

    bool ok() const { return m_ok; }
    bool ended() const { return m_ended; }

    // Feeds `size` bytes; every produced block goes to `out`. Err on corrupt data.
    Status feed(const char *data, qint64 size, const std::function<Status(const char *, qint64)> &out)
    {
        m_z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data));
        m_z.avail_in = static_cast<uInt>(size);
        while (m_z.avail_in > 0 && !m_ended) {
            m_z.next_out = reinterpret_cast<Bytef *>(m_out.data());
            m_z.avail_out = static_cast<uInt>(m_out.size());
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                return Error { tr("'%1' is corrupt: %2")
                                   .arg(m_name, QString::fromLatin1(m_z.msg ? m_z.msg : "inflate error")) };
            m_ended = rc == Z_STREAM_END;
            const qint64 produced = m_out.size() - m_z.avail_out;
            if (produced > 0) {
                if (Status s = out(m_out.constData(), produced); !s)
                    return s;
            } else if (rc == Z_BUF_ERROR) {
                break;
            }
        }
        return {};
    }

private:
    QString m_name;
    z_stream m_z {};
    QByteArray m_out = QByteArray(kBlockSize, Qt::Uninitialized);
    bool m_ok = false;
    bool m_ended = false;
};

} // namespace

qint64 readFull(int fd, char *data, qint64 size)
{
    qint64 done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, data + done, static_cast<size_t>(size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += n;
    }
    return done;
}

bool writeFull(int fd, const char *data, qint64 size)
{
    qint64 done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, static_cast<size_t>(size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += n;
    }
    return true;
}

Status lowerVersionNeeded(const QString &path)
{
    QFile f(path);
    qint64 offset = 0;
    qint64 size = 0;
    if (!f.open(QIODevice::ReadWrite) || !findCentralDirectory(f, &offset, &size))
        return Error { tr("Cannot read back the central directory of %1.").arg(path) };
    f.seek(offset);
    QByteArray cd = f.read(size);
    for (qint64 at = 0; at + 46 <= cd.size() && cd.mid(at, 4) == QByteArrayLiteral("PK\x01\x02");
         at += 46 + u16(cd, at + 28) + u16(cd, at + 30) + u16(cd, at + 32)) {
        const quint16 needed = u16(cd, at + 6);
        const quint16 lowered = needed > kVersionZip64
            ? (needed == 63 && (u16(cd, at + 4) & 0xff) >= kVersionZip64 ? kVersionZip64 : kVersionDeflate)
            : needed;
        qToLittleEndian<quint16>(lowered, cd.data() + at + 6);
        const qint64 local = localHeaderOffset(cd, at);
        if (local < 0 || !f.seek(local + 4))
            return Error { tr("Cannot find a local header in %1.").arg(path) };
        char bytes[2];
        qToLittleEndian<quint16>(std::max(lowered, kVersionDeflate), bytes);
        if (f.write(bytes, 2) != 2)
            return Error { tr("Cannot write %1: %2").arg(path, f.errorString()) };
    }
    if (!f.seek(offset) || f.write(cd) != cd.size())
        return Error { tr("Cannot write %1: %2").arg(path, f.errorString()) };
    return {};
}

Result<QList<Member>> survey(QuaZip *zip, const QString &zipName)
{
    QList<Member> members;
    QSet<QString> names;
    for (bool more = zip->goToFirstFile(); more; more = zip->goToNextFile()) {
        QuaZipFileInfo64 info;
        if (!zip->getCurrentFileInfo(&info))
            return Error { tr("The central directory of %1 is damaged (zip error %2).")
                               .arg(zipName)
                               .arg(zip->getZipError()) };
        Member m;
        if (Status s = checkMember(info, &m); !s)
            return Error { s.error() };
        if (names.contains(m.name))
            return Error { tr("'%1' appears twice in %2.").arg(m.name, zipName) };
        names.insert(m.name);
        members << m;
    }
    if (zip->getZipError() != UNZ_OK)
        return Error {
            tr("The central directory of %1 is damaged (zip error %2).").arg(zipName).arg(zip->getZipError())
        };
    return members;
}

Status readMember(QuaZip *zip, const Member &member, const std::function<Status(const char *, qint64)> &sink,
    const BundleCancelFn &cancelled)
{
    QuaZipFile in(zip);
    int method = 0;
    int level = 0;
    if (!in.open(QIODevice::ReadOnly, &method, &level, true))
        return Error { tr("Cannot read '%1' (zip error %2).").arg(member.name).arg(in.getZipError()) };
    Inflater inflater(member.name);
    if (!inflater.ok())
        return Error { tr("Cannot start inflating '%1'.").arg(member.name) };
    qint64 produced = 0;
    uLong crc = crc32(0, nullptr, 0);
    const auto out = [&](const char *data, qint64 size) -> Status {
        produced += size;
        if (produced > member.size) // the bomb rule: stop before the bytes go anywhere
            return Error { tr("'%1' inflates beyond its declared %2 bytes: refused as a zip bomb.")
                               .arg(member.name)
                               .arg(member.size) };
        crc = crc32(crc, reinterpret_cast<const Bytef *>(data), static_cast<uInt>(size));
        return sink(data, size);
    };
    QByteArray buffer(kBlockSize, Qt::Uninitialized);
    qint64 consumed = 0;
    while (consumed < member.compressedSize) {
        if (cancelled && cancelled())
            return Error { tr("Cancelled.") };
        const qint64 n = in.read(buffer.data(), std::min(kBlockSize, member.compressedSize - consumed));
        if (n <= 0)
            return Error { tr("'%1' is truncated: %2 of %3 bytes could be read.")
                               .arg(member.name)
                               .arg(consumed)
                               .arg(member.compressedSize) };
        consumed += n;
        if (Status s
            = member.method == 0 ? out(buffer.constData(), n) : inflater.feed(buffer.constData(), n, out);
            !s)
            return s;
    }
    in.close();
    if (member.method != 0 && member.size > 0 && !inflater.ended())
        return Error { tr("'%1' is truncated: its compressed data ends early.").arg(member.name) };
    if (produced != member.size)
        return Error {
            tr("'%1' holds %2 bytes but declares %3.").arg(member.name).arg(produced).arg(member.size)
        };
    if (static_cast<quint32>(crc) != member.crc)
        return Error { tr("'%1' fails its CRC-32 check: the bundle is corrupt.").arg(member.name) };
    return {};
}

} // namespace tfhub::zipio
