#include "core/bundle/zipio.h"

#include <QCoreApplication>
#include <QSet>

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
