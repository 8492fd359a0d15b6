#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStorageInfo>
#include <QUuid>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace tfhub::util {

namespace {

QDateTime toDateTime(const timespec &ts)
{
    return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000);
}

// A walk's times are in UTC: each local time costs the C library a look at /etc/localtime (one
// stat per conversion, more than the walk's own stats).
QDateTime toUtcDateTime(const timespec &ts)
{
    return QDateTime::fromMSecsSinceEpoch(
        static_cast<qint64>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000, Qt::UTC);
}

bool newer(const timespec &a, const timespec &b)
{
    return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

QString cannotRead(const QString &path, const QString &cause)
{
    return QCoreApplication::translate("tfhub::util", "Cannot read %1: %2").arg(path, cause);
}

using InodeSet = QSet<std::pair<quint64, quint64>>;

// One measurement in progress: times are kept as timespecs and converted once at the end.
struct Walk final
{
    TreeStats &s;
    MeasureOptions options;
    InodeSet seen;
    timespec newestM { 0, 0 };
    timespec newestA { 0, 0 };
    bool anyM = false;
    bool anyA = false;

    // Counts one name; returns false for a hard link already counted.
    bool count(const struct stat &st)
    {
        if (!anyM || newer(st.st_mtim, newestM))
            newestM = st.st_mtim;
        anyM = true;
        if (!S_ISDIR(st.st_mode) && (!anyA || newer(st.st_atim, newestA))) {
            newestA = st.st_atim;
            anyA = true;
        }
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
            const auto id = std::make_pair(static_cast<quint64>(st.st_dev), static_cast<quint64>(st.st_ino));
            if (seen.contains(id))
                return false;
            seen.insert(id);
        }
        s.diskBytes += static_cast<qint64>(st.st_blocks) * 512;
        if (S_ISDIR(st.st_mode)) {
            ++s.dirs;
        } else {
            ++(S_ISREG(st.st_mode) ? s.files : s.others);
            s.bytes += st.st_size;
        }
        return true;
    }

    void list(const QString &rel, const struct stat &st)
    {
        ListedName n;
        n.path = rel;
        n.isDir = S_ISDIR(st.st_mode);
        n.isFile = S_ISREG(st.st_mode);
        n.size = st.st_size;
        n.atime = toUtcDateTime(st.st_atim);
        s.listed << n;
    }

    void stamp(const QString &rel, const struct stat &st)
    {
        if (options.stampFolders)
            s.folders.append({ rel, static_cast<quint64>(st.st_ino), toNs(st.st_mtim), toNs(st.st_ctim) });
    }

    // `listHere`: the folder's names go to `listed` (decided once per folder, not per name).
    void walk(int dirFd, const QString &path, const QString &rel, int depth, bool listHere);
    void visit(int dirFd, const char *name, unsigned char type, const QString &path, const QString &rel,
        int depth, bool listHere);
    bool listsInside(const QString &childRel, int childDepth) const
    {
        return childDepth <= options.listDepth
            && (options.listInside.isEmpty() || options.listInside.contains(childRel.section(u'/', 0, 0)));
    }
};

// Reads the folder through its descriptor: no opendir, no per-folder fstat, one fstatat per name.
void Walk::walk(int dirFd, const QString &path, const QString &rel, int depth, bool listHere)
{
    const int error = forEachName(dirFd,
        [&](const char *name, unsigned char type) { visit(dirFd, name, type, path, rel, depth, listHere); });
    if (error != 0)
        s.problems << cannotRead(path, errnoText(error));
    ::close(dirFd);
}

// A folder (d_type says so) is opened first and stat'ed through its descriptor: still one stat,
// but no second path lookup, and no window in which the name could change between the two.
void Walk::visit(int dirFd, const char *name, unsigned char type, const QString &path, const QString &rel,
    int depth, bool listHere)
{
    struct stat st
    {
    };
    int fd = -1;
    if (type == DT_DIR && depth <= 256) {
        fd = ::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && ::fstat(fd, &st) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    const int openError = fd < 0 ? errno : 0;
    if (fd < 0 && ::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return; // vanished mid-scan
    const auto closeFd = [&fd] {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    };
    if (!count(st))
        return closeFd();
    const bool listed = listHere;
    const bool isDir = S_ISDIR(st.st_mode);
    if (!listed && !isDir)
        return closeFd();
    const QString decoded = QFile::decodeName(name);
    const QString childRel = rel.isEmpty() ? decoded : rel + QLatin1Char('/') + decoded;
    if (listed)
        list(childRel, st);
    if (!isDir)
        return closeFd();
    const QString child = path + QLatin1Char('/') + decoded;
    if (depth > 256) {
        s.problems << cannotRead(child, QCoreApplication::translate("tfhub::util", "nested too deeply"));
        return closeFd();
    }
    if (fd < 0 && type != DT_DIR)
        fd = ::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        const int error = type == DT_DIR ? openError : errno;
        if (error != ENOENT)
            s.problems << cannotRead(child, errnoText(error));
        return;
    }
    stamp(childRel, st);
    walk(fd, child, childRel, depth + 1, listsInside(childRel, depth + 1));
}

} // namespace

int forEachName(int dirFd, const std::function<void(const char *name, unsigned char type)> &onName)
{
    alignas(8) char buf[32 * 1024];
    for (;;) {
        const ssize_t n = ::getdents64(dirFd, buf, sizeof buf);
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            const auto *de = reinterpret_cast<const struct dirent64 *>(buf + off);
            off += de->d_reclen;
            const char *name = de->d_name;
            if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                continue;
            onName(name, de->d_type);
        }
    }
}

NativePath::NativePath(QStringView first, QStringView second)
{
    const qsizetype length = first.size() + (second.isEmpty() ? 0 : 1 + second.size());
    const auto ascii = [](QStringView text) {
        return std::all_of(text.begin(), text.end(), [](QChar c) { return c.unicode() - 1u < 0x7fu; });
    };
    if (length < qsizetype(sizeof m_stack) && ascii(first) && ascii(second)) {
        char *d
            = std::transform(first.begin(), first.end(), m_stack, [](QChar c) { return char(c.unicode()); });
        if (!second.isEmpty()) {
            *d++ = '/';
            d = std::transform(second.begin(), second.end(), d, [](QChar c) { return char(c.unicode()); });
        }
        *d = '\0';
        return;
    }
    m_stack[0] = '\0';
    m_heap = QFile::encodeName(second.isEmpty() ? first.toString() : first + QLatin1Char('/') + second);
}

qint64 toNs(const struct timespec &ts)
{
    return static_cast<qint64>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

TreeStats measure(const QString &path, int listDepth)
{
    return measureAt(AT_FDCWD, path, path, MeasureOptions { listDepth, {}, false });
}

TreeStats measureAt(int dirFd, const QString &name, const QString &path, const MeasureOptions &options)
{
    TreeStats s;
    const QByteArray native = QFile::encodeName(name);
    struct stat st
    {
    };
    if (::fstatat(dirFd, native.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            s.problems << cannotRead(path, errnoText(errno));
        return s;
    }
    s.exists = true;
    s.isDir = S_ISDIR(st.st_mode);
    s.mtime = toUtcDateTime(st.st_mtim);
    s.stamp = { QString(), static_cast<quint64>(st.st_ino), toNs(st.st_mtim), toNs(st.st_ctim) };
    Walk w { s, options, {} };
    w.count(st);
    s.dirs = 0; // the measured folder itself is not one of its folders
    if (s.isDir) {
        const int fd = ::openat(dirFd, native.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            w.stamp(QString(), st);
            w.walk(fd, path, QString(), 0, options.listDepth >= 0);
        } else if (errno != ENOENT) {
            s.problems << cannotRead(path, errnoText(errno));
        }
    }
    if (w.anyM)
        s.newestMTime = toUtcDateTime(w.newestM);
    if (w.anyA)
        s.newestATime = toUtcDateTime(w.newestA);
    return s;
}

int openNoAtime(const QString &path)
{
    return ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NOATIME | O_CLOEXEC);
}

bool recordsAccessTimes(const QByteArray &mountinfo, const QString &canonicalPath)
{
    // Fields: id parent major:minor root mount-point options ...; the mount point escapes space,
    // tab, newline and backslash as octal (\040). The longest mount point that holds the path
    // wins; of equal ones the last, which is mounted on top.
    const auto unescape = [](const QByteArray &field) {
        QByteArray out;
        for (qsizetype i = 0; i < field.size(); ++i) {
            if (field.at(i) == '\\' && i + 3 < field.size()) {
                bool ok = false;
                const int c = field.mid(i + 1, 3).toInt(&ok, 8);
                if (ok) {
                    out += char(c);
                    i += 3;
                    continue;
                }
            }
            out += field.at(i);
        }
        return QFile::decodeName(out);
    };
    qsizetype bestLength = -1;
    bool records = true;
    for (const QByteArray &line : mountinfo.split('\n')) {
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() < 6)
            continue;
        const QString mountPoint = unescape(fields.at(4));
        const bool holds = mountPoint == QLatin1String("/") || canonicalPath == mountPoint
            || canonicalPath.startsWith(mountPoint + QLatin1Char('/'));
        if (!holds || mountPoint.size() < bestLength)
            continue;
        bestLength = mountPoint.size();
        records = !fields.at(5).split(',').contains("noatime");
    }
    return records;
}

bool recordsAccessTimes(const QString &path)
{
    QFile f(QStringLiteral("/proc/self/mountinfo"));
    if (!f.open(QIODevice::ReadOnly))
        return true;
    // The nearest existing folder: a cache root that does not exist yet lives on its parent's mount.
    QString p = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    while (!QFileInfo::exists(p) && p != QLatin1String("/"))
        p = QFileInfo(p).path();
    const QString canonical = QFileInfo(p).canonicalFilePath();
    return recordsAccessTimes(f.readAll(), canonical.isEmpty() ? p : canonical);
}

PathInfo stat(const QString &path)
{
    PathInfo info;
    struct stat st
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return info;
    info.exists = true;
    info.isDir = S_ISDIR(st.st_mode);
    info.isFile = S_ISREG(st.st_mode);
    info.isSymlink = S_ISLNK(st.st_mode);
    info.size = st.st_size;
    info.diskBytes = static_cast<qint64>(st.st_blocks) * 512;
    info.mtime = toDateTime(st.st_mtim);
    info.atime = toDateTime(st.st_atim);
    return info;
}

QString errnoText(int error)
{
    QString text = QString::fromLocal8Bit(std::strerror(error));
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    return text;
}

QString hostName()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0)
        return QStringLiteral("localhost");
    return QString::fromLocal8Bit(buf);
}

ProcessInfo processInfo(qint64 pid)
{
    ProcessInfo info;
    if (pid <= 0)
        return info;
    QFile statFile(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!statFile.open(QIODevice::ReadOnly))
        return info;
    const QByteArray line = statFile.readAll();
    // The command name is in parentheses and may itself contain spaces and ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return info;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    // After "(comm) ": field 3 (state) is index 0, so starttime (field 22) is index 19.
    if (fields.size() > 19 && fields.at(0) != "Z" && fields.at(0) != "X") {
        info.alive = true;
        QFile procStat(QStringLiteral("/proc/stat"));
        if (procStat.open(QIODevice::ReadOnly)) {
            const QList<QByteArray> lines = procStat.readAll().split('\n');
            for (const QByteArray &l : lines) {
                if (l.startsWith("btime ")) {
                    const qint64 boot = l.mid(6).trimmed().toLongLong();
                    const qint64 ticks = fields.at(19).toLongLong();
                    const long hz = ::sysconf(_SC_CLK_TCK);
                    if (hz > 0)
                        info.started = QDateTime::fromMSecsSinceEpoch(boot * 1000 + ticks * 1000 / hz);
                }
            }
        }
    }
    return info;
}

VolumeInfo volumeInfo(const QString &path)
{
    QString p = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    while (!QFileInfo::exists(p) && p != QLatin1String("/"))
        p = QFileInfo(p).path();
    const QStorageInfo storage(p);
    VolumeInfo v;
    if (storage.isValid()) {
        v.freeBytes = storage.bytesAvailable();
        v.totalBytes = storage.bytesTotal();
    }
    return v;
}

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::util", text);
}
} // namespace

QString randomHex32()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

Status writeNewFile(const QString &path, const QByteArray &data)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error { tr("Cannot create %1: %2").arg(path, errnoText(errno)) };
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, static_cast<size_t>(data.size() - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            ::unlink(native.constData());
            return Error { tr("Cannot write %1: %2").arg(path, errnoText(err)) };
        }
        done += n;
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(native.constData());
        return Error { tr("Cannot write %1: %2").arg(path, errnoText(err)) };
    }
    return {};
}

namespace {
// A rename is durable only once the folder holding the new name is synced.
Status syncParentFolder(const QString &path)
{
    const QString folder = QFileInfo(path).absolutePath();
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int err = errno;
        if (fd >= 0)
            ::close(fd);
        return Error { tr("Cannot sync %1: %2").arg(folder, errnoText(err)) };
    }
    ::close(fd);
    return {};
}
} // namespace

Status atomicWrite(const QString &path, const QByteArray &data)
{
    const QString temp = path + QStringLiteral(".tmp") + randomHex32();
    if (Status s = writeNewFile(temp, data); !s)
        return s;
    if (::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) != 0) {
        const int err = errno;
        ::unlink(QFile::encodeName(temp).constData());
        return Error { tr("Cannot write %1: %2").arg(path, errnoText(err)) };
    }
    return syncParentFolder(path);
}

Status removeTree(const QString &path)
{
    const util::PathInfo info = util::stat(path);
    if (!info.exists)
        return {};
    if (!info.isDir) {
        if (!QFile::remove(path))
            return Error { tr("Cannot remove %1: %2").arg(path, errnoText(errno)) };
        return {};
    }
    if (!QDir(path).removeRecursively())
        return Error { tr("Cannot remove all of %1 (some files could not be deleted).").arg(path) };
    return {};
}

namespace {

Status syncPath(const QString &path, int flags, bool dataOnly)
{
    const int fd = ::open(QFile::encodeName(path).constData(), flags | O_CLOEXEC);
    if (fd < 0)
        return Error { tr("Cannot open %1 to sync it: %2").arg(path, errnoText(errno)) };
    const int rc = dataOnly ? ::fdatasync(fd) : ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0)
        return Error { tr("Cannot sync %1 to disk: %2").arg(path, errnoText(err)) };
    return {};
}

} // namespace

Status syncFile(const QString &path)
{
    return syncPath(path, O_RDONLY, true);
}

Status syncDir(const QString &path)
{
    return syncPath(path, O_RDONLY | O_DIRECTORY, false);
}

Status syncTree(const QString &path)
{
    struct stat st
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return Error { tr("Cannot read %1: %2").arg(path, errnoText(errno)) };
    if (S_ISREG(st.st_mode))
        return syncFile(path);
    if (!S_ISDIR(st.st_mode))
        return {}; // a link's target is synced where it lives; a link itself is metadata of its folder
    const QStringList names
        = QDir(path).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    for (const QString &name : names) {
        if (Status s = syncTree(path + QLatin1Char('/') + name); !s)
            return s;
    }
    return syncDir(path);
}

Status durableWrite(const QString &path, const QByteArray &data)
{
    if (Status s = atomicWrite(path, data); !s)
        return s;
    return syncDir(QFileInfo(path).absolutePath());
}

} // namespace tfhub::util
