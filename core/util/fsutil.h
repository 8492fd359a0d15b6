#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace tfhub::util {

/// Totals of a file tree, measured with lstat (links are not followed, hard links counted once).
struct TreeStats final
{
    qint64 diskBytes = 0; ///< allocated blocks (st_blocks * 512)
    qint64 bytes = 0; ///< apparent size
    qint64 files = 0; ///< regular files
    qint64 dirs = 0;
    qint64 others = 0; ///< symlinks, devices, sockets, FIFOs
    QDateTime newestMTime;
    QDateTime newestATime;
    QStringList problems; ///< folders that could not be read, with the cause
};

/// Measures `path` (a file or a folder, recursively). A path that vanishes mid-way is tolerated.
TreeStats measure(const QString &path);

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
