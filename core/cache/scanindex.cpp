#include "core/cache/scanindex.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIODevice>
#include <QProcessEnvironment>

#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace tfhub::cache {

namespace {

constexpr char Magic[8] = { 'T', 'F', 'H', 'S', 'C', 'A', 'N', '\0' };
constexpr int HeaderSize = 8 + 4 + 8 + 4; // magic, version, payload size, CRC-32 of the payload
constexpr QDataStream::Version StreamVersion = QDataStream::Qt_6_4;

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

class Writer final
{
public:
    explicit Writer(QDataStream &s) : m_s(s) { }

    void text(const QString &t) { m_s << t.toUtf8(); }
    void texts(const QStringList &list)
    {
        m_s << static_cast<quint32>(list.size());
        for (const QString &t : list)
            text(t);
    }
    void time(const QDateTime &t) { m_s << (t.isValid() ? t.toMSecsSinceEpoch() : NoTime); }

    void entry(const IndexedEntry &e)
    {
        const auto suffix = [&e](const QString &name) { return name.mid(e.key.size()); };
        text(e.key);
        QStringList names;
        for (const QString &n : e.names)
            names << suffix(n);
        texts(names);
        m_s << static_cast<quint32>(e.folders.size());
        for (const util::Stamp &f : e.folders) {
            text(f.path);
            m_s << f.inode << f.mtimeNs << f.ctimeNs;
        }
        m_s << static_cast<quint32>(e.stampedFiles.size());
        for (const FileStamp &f : e.stampedFiles) {
            text(suffix(f.name));
            m_s << f.inode << f.mtimeNs << f.ctimeNs << f.size;
        }
        m_s << static_cast<quint32>(e.artifacts.size());
        for (const Artifact &a : e.artifacts) {
            m_s << static_cast<qint32>(a.kind);
            text(suffix(a.name));
            m_s << a.diskBytes << a.bytes << a.files;
            time(a.modified);
        }
        m_s << e.hasFolder << e.folderIsDir << e.folderEmpty << e.folderNonEmpty << e.files;
        time(e.newestMTime);
        time(e.folderMTime);
        m_s << static_cast<qint32>(e.format) << e.loadable;
        texts(e.missingFiles);
        texts(e.loadFiles);
        time(e.lastAccessed);
        m_s << e.hasDescriptor;
        text(e.handle);
        time(e.downloaded);
        text(e.downloaderHost);
        m_s << e.downloaderPid << e.hasManifest;
    }

private:
    QDataStream &m_s;
};

class Reader final
{
public:
    explicit Reader(QDataStream &s) : m_s(s) { }

    bool ok() const { return m_s.status() == QDataStream::Ok; }
    QString text()
    {
        QByteArray b;
        m_s >> b;
        return QString::fromUtf8(b);
    }
    QStringList texts()
    {
        quint32 n = 0;
        m_s >> n;
        QStringList list;
        for (quint32 i = 0; i < n && ok(); ++i)
            list << text();
        return list;
    }
    QDateTime time(Qt::TimeSpec spec)
    {
        qint64 ms = NoTime;
        m_s >> ms;
        return ms == NoTime ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, spec);
    }
    quint32 count()
    {
        quint32 n = 0;
        m_s >> n;
        return ok() ? n : 0;
    }

    bool entry(IndexedEntry &e)
    {
        e.key = text();
        if (!isCacheKey(e.key))
            return false;
        for (const QString &suffix : texts())
            e.names << e.key + suffix;
        for (quint32 i = count(); i > 0 && ok(); --i) {
            util::Stamp f;
            f.path = text();
            m_s >> f.inode >> f.mtimeNs >> f.ctimeNs;
            e.folders << f;
        }
        for (quint32 i = count(); i > 0 && ok(); --i) {
            FileStamp f;
            f.name = e.key + text();
            m_s >> f.inode >> f.mtimeNs >> f.ctimeNs >> f.size;
            e.stampedFiles << f;
        }
        for (quint32 i = count(); i > 0 && ok(); --i) {
            Artifact a;
            qint32 kind = -1;
            m_s >> kind;
            a.name = e.key + text();
            m_s >> a.diskBytes >> a.bytes >> a.files;
            a.modified = time(Qt::UTC);
            if (kind < 0 || kind > static_cast<qint32>(Artifact::Kind::Foreign))
                return false;
            a.kind = static_cast<Artifact::Kind>(kind);
            e.artifacts << a;
        }
        m_s >> e.hasFolder >> e.folderIsDir >> e.folderEmpty >> e.folderNonEmpty >> e.files;
        e.newestMTime = time(Qt::UTC);
        e.folderMTime = time(Qt::UTC);
        qint32 format = -1;
        m_s >> format >> e.loadable;
        if (format < 0 || format > static_cast<qint32>(ModelFormat::TfJs))
            return false;
        e.format = static_cast<ModelFormat>(format);
        e.missingFiles = texts();
        e.loadFiles = texts();
        e.lastAccessed = time(Qt::UTC);
        m_s >> e.hasDescriptor;
        e.handle = text();
        e.downloaded = time(Qt::LocalTime);
        e.downloaderHost = text();
        m_s >> e.downloaderPid >> e.hasManifest;
        return ok();
    }

private:
    QDataStream &m_s;
};

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
    QByteArray payload;
    {
        QDataStream s(&payload, QIODevice::WriteOnly);
        s.setVersion(StreamVersion);
        Writer w(s);
        w.text(root);
        s << rootDevice << rootInode << static_cast<quint32>(entries.size());
        for (const IndexedEntry &e : entries)
            w.entry(e);
    }
    QByteArray out;
    out.reserve(HeaderSize + payload.size());
    QDataStream h(&out, QIODevice::WriteOnly);
    h.writeRawData(Magic, sizeof Magic);
    h << Version << static_cast<quint64>(payload.size()) << crc(payload, 0);
    out.append(payload);
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
    QDataStream s(data.mid(HeaderSize));
    s.setVersion(StreamVersion);
    Reader r(s);
    const QString storedRoot = r.text();
    quint64 device = 0;
    quint64 inode = 0;
    s >> device >> inode;
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
    if (s.status() != QDataStream::Ok || !s.atEnd() || read.size() != static_cast<qsizetype>(count))
        return false;
    entries = read;
    return true;
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

bool stillHolds(int rootFd, const IndexedEntry &entry, const QStringList &sortedNames)
{
    if (entry.names != sortedNames)
        return false;
    struct stat st
    {
    };
    for (const util::Stamp &f : entry.folders) {
        const QString rel = f.path.isEmpty() ? entry.key : entry.key + QLatin1Char('/') + f.path;
        if (::fstatat(rootFd, QFile::encodeName(rel).constData(), &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISDIR(st.st_mode) || static_cast<quint64>(st.st_ino) != f.inode
            || util::toNs(st.st_mtim) != f.mtimeNs || util::toNs(st.st_ctim) != f.ctimeNs)
            return false;
    }
    for (const FileStamp &f : entry.stampedFiles) {
        if (::fstatat(rootFd, QFile::encodeName(f.name).constData(), &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG(st.st_mode) || static_cast<quint64>(st.st_ino) != f.inode
            || util::toNs(st.st_mtim) != f.mtimeNs || util::toNs(st.st_ctim) != f.ctimeNs
            || static_cast<qint64>(st.st_size) != f.size)
            return false;
    }
    return true;
}

} // namespace tfhub::cache
