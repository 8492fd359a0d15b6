#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QStorageInfo>
#include <QUuid>

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

void note(TreeStats &s, const struct stat &st)
{
    const QDateTime m = toDateTime(st.st_mtim);
    const QDateTime a = toDateTime(st.st_atim);
    if (!s.newestMTime.isValid() || m > s.newestMTime)
        s.newestMTime = m;
    if (!s.newestATime.isValid() || a > s.newestATime)
        s.newestATime = a;
}

using InodeSet = QSet<std::pair<quint64, quint64>>;

// Walks with openat/fstatat so that deep trees cost one syscall per name and no path strings.
void walk(int dirFd, const QString &path, TreeStats &s, InodeSet &seen, int depth)
{
    DIR *dir = ::fdopendir(dirFd);
    if (!dir) {
        s.problems
            << QCoreApplication::translate("tfhub::util", "Cannot read %1: %2").arg(path, errnoText(errno));
        ::close(dirFd);
        return;
    }
    while (dirent *de = ::readdir(dir)) {
        const char *name = de->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0)
            continue;
        struct stat st
        {
        };
        if (::fstatat(::dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; // vanished mid-scan
        s.diskBytes += static_cast<qint64>(st.st_blocks) * 512;
        note(s, st);
        if (S_ISDIR(st.st_mode)) {
            ++s.dirs;
            const QString child = path + QLatin1Char('/') + QFile::decodeName(name);
            if (depth > 256) {
                s.problems << QCoreApplication::translate("tfhub::util", "Cannot read %1: nested too deeply")
                                  .arg(child);
                continue;
            }
            const int fd = ::openat(::dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                if (errno != ENOENT)
                    s.problems << QCoreApplication::translate("tfhub::util", "Cannot read %1: %2")
                                      .arg(child, errnoText(errno));
                continue;
            }
            walk(fd, child, s, seen, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
            if (st.st_nlink > 1) {
                const auto id
                    = std::make_pair(static_cast<quint64>(st.st_dev), static_cast<quint64>(st.st_ino));
                if (seen.contains(id)) {
                    s.diskBytes -= static_cast<qint64>(st.st_blocks) * 512;
                    continue;
                }
                seen.insert(id);
            }
            ++s.files;
            s.bytes += st.st_size;
        } else {
            ++s.others;
            s.bytes += st.st_size;
        }
    }
    ::closedir(dir);
}

} // namespace

TreeStats measure(const QString &path)
{
    TreeStats s;
    const QByteArray native = QFile::encodeName(path);
    struct stat st
    {
    };
    if (::lstat(native.constData(), &st) != 0) {
        if (errno != ENOENT)
            s.problems << QCoreApplication::translate("tfhub::util", "Cannot read %1: %2")
                              .arg(path, errnoText(errno));
        return s;
    }
    s.diskBytes += static_cast<qint64>(st.st_blocks) * 512;
    note(s, st);
    if (S_ISREG(st.st_mode)) {
        s.files = 1;
        s.bytes = st.st_size;
        return s;
    }
    if (!S_ISDIR(st.st_mode)) {
        s.others = 1;
        s.bytes = st.st_size;
        return s;
    }
    const int fd = ::open(native.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            s.problems << QCoreApplication::translate("tfhub::util", "Cannot read %1: %2")
                              .arg(path, errnoText(errno));
        return s;
    }
    InodeSet seen;
    walk(fd, path, s, seen, 0);
    return s;
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
