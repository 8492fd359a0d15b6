#include "core/cache/scanindex.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIODevice>
#include <QProcessEnvironment>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <zlib.h>

namespace tfhub::cache {

namespace {

constexpr char Magic[8] = { 'T', 'F', 'H', 'S', 'C', 'A', 'N', '\0' };
constexpr int HeaderSize = 8 + 4 + 8 + 4; // magic, version, payload size, CRC-32 of the payload

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cache", text);
}

// The XDG base folder for caches: $XDG_CACHE_HOME when absolute, else ~/.cache.
QString cacheHome()
{
    const QString xdg = QFile::decodeName(qgetenv("XDG_CACHE_HOME"));
    if (!xdg.isEmpty() && QDir::isAbsolutePath(xdg))
        return QDir::cleanPath(xdg);
    return QDir::cleanPath(QDir::homePath() + QStringLiteral("/.cache"));
}

bool inside(const QString &path, const QString &folder)
{
    return path == folder || path.startsWith(folder + QLatin1Char('/')) || folder == QLatin1String("/");
}

// The canonical form of a path that may not exist yet: its nearest existing parent resolved.
QString canonicalOrNearest(const QString &path)
{
    QString existing = path;
    QString rest;
    while (!QFileInfo::exists(existing) && existing != QLatin1String("/")) {
        rest.prepend(QLatin1Char('/') + QFileInfo(existing).fileName());
        existing = QFileInfo(existing).path();
    }
    const QString canonical = QFileInfo(existing).canonicalFilePath();
    return QDir::cleanPath((canonical.isEmpty() ? existing : canonical) + rest);
}

quint32 crc(const QByteArray &data, qsizetype from)
{
    return static_cast<quint32>(::crc32(::crc32(0, nullptr, 0),
        reinterpret_cast<const Bytef *>(data.constData() + from), static_cast<uInt>(data.size() - from)));
}

// Compact fields: text as UTF-8, times as milliseconds since the epoch (a QDateTime read back in
// local time would cost the C library a look at /etc/localtime each), an entry's names without the
// key they all start with.
constexpr qint64 NoTime = std::numeric_limits<qint64>::min();

// QDataStream's encoding, written by hand (its device writes cost more than the rest of a full
// walk's index): big-endian numbers, a byte array as its 32-bit length then its bytes.
class Writer final
{
public:
    explicit Writer(QByteArray &out) : m_out(out) { }

    template<typename T> void number(T value)
    {
        static_assert(std::is_integral_v<T>);
        using U = std::make_unsigned_t<T>;
        auto v = static_cast<U>(value);
        char bytes[sizeof(T)];
        for (size_t i = sizeof(T); i > 0; --i) {
            bytes[i - 1] = static_cast<char>(v & 0xff);
            v = static_cast<U>(v >> 8);
        }
        m_out.append(bytes, qsizetype(sizeof(T)));
    }
    void flag(bool value) { m_out.append(value ? '\1' : '\0'); }
    void text(QStringView t)
    {
        if (t.isNull()) {
            number(0xffffffffu); // as QDataStream writes a null byte array
            return;
        }
        const bool ascii = std::all_of(t.begin(), t.end(), [](QChar c) { return c.unicode() < 0x80; });
        const QByteArray utf8 = ascii ? QByteArray() : t.toUtf8();
        number(static_cast<quint32>(ascii ? t.size() : utf8.size()));
        if (!ascii) {
            m_out.append(utf8);
            return;
        }
        const qsizetype at = m_out.size();
        m_out.resize(at + t.size());
        std::transform(t.begin(), t.end(), m_out.data() + at, [](QChar c) { return char(c.unicode()); });
    }
    void texts(const QStringList &list)
    {
        number(static_cast<quint32>(list.size()));
        for (const QString &t : list)
            text(t);
    }
    void time(const QDateTime &t) { number(t.isValid() ? t.toMSecsSinceEpoch() : NoTime); }

    void entry(const IndexedEntry &e)
    {
        const auto suffix = [&e](const QString &name) { return QStringView(name).mid(e.key.size()); };
        text(e.key);
        number(static_cast<quint32>(e.names.size()));
        for (const QString &n : e.names)
            text(suffix(n));
        number(static_cast<quint32>(e.folders.size()));
        for (const util::Stamp &f : e.folders) {
            text(f.path);
            number(f.inode);
            number(f.mtimeNs);
            number(f.ctimeNs);
        }
        number(static_cast<quint32>(e.stampedFiles.size()));
        for (const FileStamp &f : e.stampedFiles) {
            text(suffix(f.name));
            number(f.inode);
            number(f.mtimeNs);
            number(f.ctimeNs);
            number(f.size);
        }
        number(static_cast<quint32>(e.artifacts.size()));
        for (const Artifact &a : e.artifacts) {
            number(static_cast<qint32>(a.kind));
            text(suffix(a.name));
            number(a.diskBytes);
            number(a.bytes);
            number(a.files);
            time(a.modified);
        }
        flag(e.hasFolder);
        flag(e.folderIsDir);
        flag(e.folderEmpty);
        flag(e.folderNonEmpty);
        number(e.files);
        time(e.newestMTime);
        time(e.folderMTime);
        number(static_cast<qint32>(e.format));
        flag(e.loadable);
        texts(e.missingFiles);
        texts(e.loadFiles);
        time(e.lastAccessed);
        flag(e.hasDescriptor);
        text(e.handle);
        time(e.downloaded);
        text(e.downloaderHost);
        number(e.downloaderPid);
        flag(e.hasManifest);
    }

private:
    QByteArray &m_out;
};

// Reads what Writer wrote (QDataStream's encoding: big-endian numbers, a byte array as its
// 32-bit length, 0xffffffff when null, then its bytes) straight from the bytes: QDataStream's
// device reads cost more than the rest of a warm scan's parse.
class Reader final
{
public:
    Reader(const char *begin, const char *end) : m_p(begin), m_end(end) { }

    bool ok() const { return m_ok; }
    bool atEnd() const { return m_p == m_end; }

    template<typename T> T number()
    {
        static_assert(std::is_integral_v<T>);
        if (!take(sizeof(T)))
            return T();
        using U = std::make_unsigned_t<T>;
        const char *at = m_p - sizeof(T);
        U v = 0;
        for (size_t i = 0; i < sizeof(T); ++i)
            v = static_cast<U>((v << 8) | static_cast<uchar>(at[i]));
        return static_cast<T>(v);
    }
    bool flag() { return number<qint8>() != 0; }
    QString text()
    {
        const quint32 n = number<quint32>();
        if (n == 0xffffffffu || !take(n))
            return QString();
        return QString::fromUtf8(m_p - n, static_cast<qsizetype>(n));
    }
    QStringList texts()
    {
        const quint32 n = count();
        QStringList list;
        for (quint32 i = 0; i < n && ok(); ++i)
            list << text();
        return list;
    }
    QDateTime time(Qt::TimeSpec spec)
    {
        const qint64 ms = number<qint64>();
        return ms == NoTime ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, spec);
    }
    quint32 count()
    {
        const quint32 n = number<quint32>();
        // Each counted item takes at least 4 bytes: a count past that is damage, not a size.
        if (!ok() || n > static_cast<quint64>(m_end - m_p) / 4) {
            m_ok = false;
            return 0;
        }
        return n;
    }

    bool entry(IndexedEntry &e);

private:
    // Moves past `n` bytes (m_p then points after them); false, and no move, past the end.
    bool take(quint64 n)
    {
        if (!m_ok || n > static_cast<quint64>(m_end - m_p)) {
            m_ok = false;
            return false;
        }
        m_p += n;
        return true;
    }

    const char *m_p;
    const char *m_end;
    bool m_ok = true;
};

bool Reader::entry(IndexedEntry &e)
{
    e.key = text();
    if (!isCacheKey(e.key))
        return false;
    for (const QString &suffix : texts())
        e.names << e.key + suffix;
    for (quint32 i = count(); i > 0 && ok(); --i) {
        util::Stamp f;
        f.path = text();
        f.inode = number<quint64>();
        f.mtimeNs = number<qint64>();
        f.ctimeNs = number<qint64>();
        e.folders << f;
    }
    for (quint32 i = count(); i > 0 && ok(); --i) {
        FileStamp f;
        f.name = e.key + text();
        f.inode = number<quint64>();
        f.mtimeNs = number<qint64>();
        f.ctimeNs = number<qint64>();
        f.size = number<qint64>();
        e.stampedFiles << f;
    }
    for (quint32 i = count(); i > 0 && ok(); --i) {
        Artifact a;
        const auto kind = number<qint32>();
        a.name = e.key + text();
        a.diskBytes = number<qint64>();
        a.bytes = number<qint64>();
        a.files = number<qint64>();
        a.modified = time(Qt::UTC);
        if (kind < 0 || kind > static_cast<qint32>(Artifact::Kind::Foreign))
            return false;
        a.kind = static_cast<Artifact::Kind>(kind);
        e.artifacts << a;
    }
    e.hasFolder = flag();
    e.folderIsDir = flag();
    e.folderEmpty = flag();
    e.folderNonEmpty = flag();
    e.files = number<qint64>();
    e.newestMTime = time(Qt::UTC);
    e.folderMTime = time(Qt::UTC);
    const auto format = number<qint32>();
    e.loadable = flag();
    if (format < 0 || format > static_cast<qint32>(ModelFormat::TfJs))
        return false;
    e.format = static_cast<ModelFormat>(format);
    e.missingFiles = texts();
    e.loadFiles = texts();
    e.lastAccessed = time(Qt::UTC);
    e.hasDescriptor = flag();
    e.handle = text();
    e.downloaded = time(Qt::LocalTime);
    e.downloaderHost = text();
    e.downloaderPid = number<qint64>();
    e.hasManifest = flag();
    return ok();
}

} // namespace

QString ScanIndex::pathFor(const QString &root)
{
    const QString folder = cacheHome() + QStringLiteral("/tfhub-cache-manager");
    const QString cleanRoot = QDir::cleanPath(QDir(root).absolutePath());
    if (inside(folder, cleanRoot) || inside(canonicalOrNearest(folder), canonicalOrNearest(cleanRoot)))
        return QString();
    const QByteArray hash = QCryptographicHash::hash(QFile::encodeName(cleanRoot), QCryptographicHash::Sha1);
    return folder + QStringLiteral("/scan-") + QString::fromLatin1(hash.toHex().left(16))
        + QStringLiteral(".idx");
}

QByteArray ScanIndex::serialize() const
{
    QByteArray out;
    out.reserve(HeaderSize + 512 * (entries.size() + 1));
    out.append(Magic, sizeof Magic);
    Writer w(out);
    w.number(Version);
    w.number(quint64(0)); // the payload's size and checksum, once it is written
    w.number(quint32(0));
    w.text(root);
    w.number(rootDevice);
    w.number(rootInode);
    w.number(rootMtimeNs);
    w.number(rootCtimeNs);
    w.number(static_cast<quint32>(entries.size()));
    for (const IndexedEntry &e : entries)
        w.entry(e);
    QByteArray header;
    Writer h(header);
    h.number(static_cast<quint64>(out.size() - HeaderSize));
    h.number(crc(out, HeaderSize));
    out.replace(sizeof Magic + 4, header.size(), header);
    return out;
}

bool ScanIndex::parse(const QByteArray &data)
{
    if (data.size() < HeaderSize || !data.startsWith(QByteArray::fromRawData(Magic, sizeof Magic)))
        return false;
    QDataStream h(data);
    h.skipRawData(sizeof Magic);
    quint32 version = 0;
    quint64 size = 0;
    quint32 sum = 0;
    h >> version >> size >> sum;
    if (version != Version || size != static_cast<quint64>(data.size() - HeaderSize)
        || sum != crc(data, HeaderSize))
        return false;
    Reader r(data.constData() + HeaderSize, data.constData() + data.size());
    const QString storedRoot = r.text();
    const auto device = r.number<quint64>();
    const auto inode = r.number<quint64>();
    const auto mtimeNs = r.number<qint64>();
    const auto ctimeNs = r.number<qint64>();
    const quint32 count = r.count();
    if (!r.ok() || storedRoot != root || device != rootDevice || inode != rootInode)
        return false;
    QMap<QString, IndexedEntry> read;
    for (quint32 i = 0; i < count; ++i) {
        IndexedEntry e;
        if (!r.entry(e))
            return false;
        read.insert(e.key, e);
    }
    if (!r.ok() || !r.atEnd() || read.size() != static_cast<qsizetype>(count))
        return false;
    entries = read;
    rootMtimeNs = mtimeNs;
    rootCtimeNs = ctimeNs;
    return true;
}

QByteArray ScanIndex::readBytesOf(const QString &file)
{
    QFile f(file);
    if (file.isEmpty() || !f.open(QIODevice::ReadOnly))
        return QByteArray();
    return f.readAll();
}

ScanIndex ScanIndex::read(const QString &file, const QString &root, quint64 rootDevice, quint64 rootInode)
{
    ScanIndex index;
    index.root = root;
    index.rootDevice = rootDevice;
    index.rootInode = rootInode;
    if (file.isEmpty())
        return index;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return index;
    const QByteArray data = f.readAll();
    if (index.parse(data))
        index.readBytes = data;
    return index;
}

Status ScanIndex::write(const QString &file) const
{
    const QByteArray data = serialize();
    if (file.isEmpty() || data == readBytes)
        return {};
    const QString folder = QFileInfo(file).path();
    if (!QDir().mkpath(folder))
        return Error { tr("Cannot create %1.").arg(folder) };
    const QString temp = file + QStringLiteral(".tmp") + util::randomHex32();
    const QByteArray nativeTemp = QFile::encodeName(temp);
    const int fd = ::open(nativeTemp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error { tr("Cannot create %1: %2").arg(temp, util::errnoText(errno)) };
    qsizetype done = 0;
    int error = 0;
    while (done < data.size() && error == 0) {
        const ssize_t n = ::write(fd, data.constData() + done, static_cast<size_t>(data.size() - done));
        if (n < 0 && errno != EINTR)
            error = errno;
        else if (n > 0)
            done += n;
    }
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error == 0 && ::rename(nativeTemp.constData(), QFile::encodeName(file).constData()) != 0)
        error = errno;
    if (error != 0) {
        ::unlink(nativeTemp.constData());
        return Error { tr("Cannot write %1: %2").arg(file, util::errnoText(error)) };
    }
    return {};
}

bool stillHolds(int rootFd, const IndexedEntry &entry, const QStringList &sortedNames, bool statFiles)
{
    if (entry.names != sortedNames)
        return false;
    struct stat st
    {
    };
    for (const util::Stamp &f : entry.folders) {
        if (::fstatat(rootFd, util::NativePath(entry.key, f.path).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISDIR(st.st_mode) || static_cast<quint64>(st.st_ino) != f.inode
            || util::toNs(st.st_mtim) != f.mtimeNs || util::toNs(st.st_ctim) != f.ctimeNs)
            return false;
    }
    for (const FileStamp &f : statFiles ? entry.stampedFiles : QList<FileStamp>()) {
        if (::fstatat(rootFd, util::NativePath(f.name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG(st.st_mode) || static_cast<quint64>(st.st_ino) != f.inode
            || util::toNs(st.st_mtim) != f.mtimeNs || util::toNs(st.st_ctim) != f.ctimeNs
            || static_cast<qint64>(st.st_size) != f.size)
            return false;
    }
    return true;
}

} // namespace tfhub::cache
