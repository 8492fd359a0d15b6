#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <ctime>
#include <functional>

namespace tfhub::util {

/// One name met while measuring a folder, with what its lstat told (times in UTC).
struct ListedName final
{
    QString path; ///< relative to the measured folder, '/'-separated
    bool isDir = false;
    bool isFile = false;
    qint64 size = 0;
    QDateTime atime;
};

/// A name's identity and times. A name created, removed or renamed in a folder moves both the
/// folder's mtime and its ctime, so an unchanged stamp for every folder of a tree means the same
/// names in it.
struct Stamp final
{
    QString path; ///< relative to the measured folder, '/'-separated; empty for the measured path
    quint64 inode = 0;
    qint64 mtimeNs = 0; ///< nanoseconds since the epoch
    qint64 ctimeNs = 0;
};

/// Totals of a file tree, measured with lstat; its times are in UTC (QDateTime::toLocalTime() for
/// display) (links are not followed, hard links counted once).
struct TreeStats final
{
    bool exists = false; ///< the measured path itself was there
    bool isDir = false; ///< ... and is a folder
    QDateTime mtime; ///< the measured path's own modification time
    qint64 diskBytes = 0; ///< allocated blocks (st_blocks * 512)
    qint64 bytes = 0; ///< apparent size
    qint64 files = 0; ///< regular files
    qint64 dirs = 0;
    qint64 others = 0; ///< symlinks, devices, sockets, FIFOs
    QDateTime newestMTime;
    /// Newest access time of the files, never of folders: listing a folder (as this walk does)
    /// moves the folder's access time.
    QDateTime newestATime;
    QList<ListedName> listed; ///< the names down to the depth asked for (measure's listDepth)
    Stamp stamp; ///< the measured path's own
    QList<Stamp> folders; ///< every folder of the tree, itself first (MeasureOptions::stampFolders)
    QStringList problems; ///< folders that could not be read, with the cause
};

/// What measure() keeps besides the totals.
struct MeasureOptions final
{
    /// Names down to this depth (0: the folder's own names, 1: theirs too; -1: none) go to `listed`.
    int listDepth = -1;
    /// Names below the top level are listed only inside these top-level folders (empty: in all):
    /// a model folder's format needs variables/, not its 200 assets.
    QStringList listInside;
    bool stampFolders = false; ///< fill `folders`
};

/// Measures `path` (a file or a folder, recursively) with one lstat per name, relative to open
/// folder descriptors (getdents64 on the descriptor, fstatat, no opendir). A path that vanishes
/// mid-way is tolerated. Names down to `listDepth` (0: the folder's own names, 1: theirs too; -1:
/// none) are kept in `listed`.
TreeStats measure(const QString &path, int listDepth = -1);

/// measure() of `name` inside the open folder `dirFd` (AT_FDCWD: `name` is a path); `path` names
/// it in messages.
TreeStats measureAt(int dirFd, const QString &name, const QString &path, const MeasureOptions &options);

/// Calls `onName` with every name of the open folder `dirFd` (never "." or "..") and its d_type
/// (DT_UNKNOWN where the file system does not tell), read with getdents64 on the descriptor from
/// its current offset. Returns 0, or the errno of a read that failed (names before it were given).
int forEachName(int dirFd, const std::function<void(const char *name, unsigned char type)> &onName);

/// A relative path as the kernel takes it: `first`, then "/" and `second` when that is not empty,
/// encoded as QFile::encodeName() would (UTF-8). Plain ASCII paths, nearly all of them, are
/// written into room on the stack: a warm scan builds thousands and stats each once.
class NativePath final
{
public:
    NativePath(QStringView first, QStringView second = {});
    const char *c_str() const { return m_heap.isNull() ? m_stack : m_heap.constData(); }

private:
    char m_stack[256];
    QByteArray m_heap;
};

/// Nanoseconds since the epoch of a stat time.
qint64 toNs(const struct timespec &ts);

/// Opens `path` read-only without moving its access time (O_NOATIME). The kernel allows that only
/// to the file's owner and to root: anyone else gets EPERM, and then nothing is opened, so that the
/// caller decides whether to read at all. Returns the descriptor, or -1 with errno set.
int openNoAtime(const QString &path);

/// Whether the file system holding `path` records access times: false when it is mounted
/// `noatime` (read from /proc/self/mountinfo); true when that cannot be told.
bool recordsAccessTimes(const QString &path);

/// The same from the text of a mountinfo file and an absolute, canonical path.
bool recordsAccessTimes(const QByteArray &mountinfo, const QString &canonicalPath);

/// Basic lstat facts; `exists` false when the path is not there.
struct PathInfo final
{
    bool exists = false;
    bool isDir = false;
    bool isFile = false;
    bool isSymlink = false;
    qint64 size = 0;
    qint64 diskBytes = 0;
    QDateTime mtime;
    QDateTime atime;
};
PathInfo stat(const QString &path);

/// The message of errno, e.g. "permission denied".
QString errnoText(int error);

/// This machine's host name, as Python's socket.gethostname() returns it.
QString hostName();

/// Whether a process with this PID runs on this machine, and when it started (invalid if unknown).
struct ProcessInfo final
{
    bool alive = false;
    QDateTime started;
};
ProcessInfo processInfo(qint64 pid);

/// Free and total bytes of the volume holding `path` (or its nearest existing parent).
struct VolumeInfo final
{
    qint64 freeBytes = -1;
    qint64 totalBytes = -1;
};
VolumeInfo volumeInfo(const QString &path);

/// 32 random lower-case hex digits, as the library names its temporaries (`uuid.uuid4().hex`).
QString randomHex32();

/// Creates `path` (failing if it exists) with `data`, synced to disk before it is closed.
Status writeNewFile(const QString &path, const QByteArray &data);

/// Writes `data` to `path` atomically and durably (a `<name>.tmp<32 hex>` sibling synced, the
/// rename, then the folder synced), as the library names its own temporaries so scanners
/// recognise a leftover.
Status atomicWrite(const QString &path, const QByteArray &data);

/// Removes a file or a folder tree; errors name the path and cause.
Status removeTree(const QString &path);

/// fdatasync()s a file, so its data survives a crash; errors name the file and the cause.
Status syncFile(const QString &path);

/// fsync()s a folder, so the names created, renamed or removed in it survive a crash.
Status syncDir(const QString &path);

/// fdatasync()s every file and fsync()s every folder of a tree (links are not followed).
Status syncTree(const QString &path);

/// atomicWrite() that also syncs the folder, so after a crash `path` holds either the old or the
/// new data, and the rename is on disk once this returns.
Status durableWrite(const QString &path, const QByteArray &data);

} // namespace tfhub::util
