#pragma once

#include "core/cache/cacheentry.h"
#include "core/util/fsutil.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QMap>
#include <QString>
#include <QStringList>

/// The persistent scan index: what the last full walk told of each published entry of one cache
/// root, with the stamps that tell whether it still holds. Published entries never change in
/// place (tensorflow_hub renames a finished download into K/ and never writes into it again), so an
/// entry whose names and folder stamps are unchanged has unchanged totals, and a rescan stats a few
/// names per entry instead of every file. A file edited in place changes no folder stamp: such edits
/// are for `verify` or a forced full walk to find.
namespace tfhub::cache {

/// A file the index relies on (the descriptor, the manifest): rewritten when any of these moved.
struct FileStamp final
{
    QString name; ///< in the cache root
    quint64 inode = 0;
    qint64 mtimeNs = 0;
    qint64 ctimeNs = 0;
    qint64 size = 0;
};

/// One published entry as a full walk saw it: its folder, descriptor and manifest (never a lock or
/// a temporary: those are walked every time). Times are in UTC.
struct IndexedEntry final
{
    QString key;
    QStringList names; ///< the entry's names in the root, sorted
    QList<util::Stamp> folders; ///< every folder of K/, K/ itself first (paths relative to K/)
    QList<FileStamp> stampedFiles;
    QList<Artifact> artifacts; ///< by name, as the walk measured them

    bool hasFolder = false;
    bool folderIsDir = false;
    bool folderEmpty = false;
    bool folderNonEmpty = false;
    qint64 files = 0;
    QDateTime newestMTime;
    QDateTime folderMTime;
    ModelFormat format = ModelFormat::Unknown;
    bool loadable = false;
    QStringList missingFiles;
    QStringList loadFiles; ///< the files "last used" is read from, relative to K/
    QDateTime lastAccessed; ///< as last seen: what the index view shows before the check

    bool hasDescriptor = false;
    QString handle;
    QDateTime downloaded; ///< the descriptor's Download Time (local time)
    QString downloaderHost;
    qint64 downloaderPid = 0;
    bool hasManifest = false;
};

/// The index of one cache root, as read from and written to its file.
class ScanIndex final
{
public:
    /// Bumped whenever the stored facts or the rules that derive an entry from them change: a file
    /// of another version is ignored.
    static constexpr quint32 Version = 2;

    /// The index file of `root`: `$XDG_CACHE_HOME/tfhub-cache-manager/scan-<hash of the root's
    /// path>.idx` (~/.cache when XDG_CACHE_HOME is unset or relative). Empty when that folder lies
    /// inside the cache root itself: the index must never become part of the cache.
    static QString pathFor(const QString &root);

    /// Reads `file`. A missing, truncated or damaged file, another version, or the index of
    /// another folder (path, device or inode) gives an empty index: it is rebuilt, never trusted.
    static ScanIndex read(const QString &file, const QString &root, quint64 rootDevice, quint64 rootInode);

    /// Writes the index to `file` atomically (a temporary, then a rename), creating its folder;
    /// nothing is written when the bytes equal those read. An index is a cache: it is not synced,
    /// and a file torn by a crash is told by its checksum and ignored.
    Status write(const QString &file) const;

    /// Only the bytes of `file`, unchecked: a rebuild trusts nothing in it, and needs them only to
    /// leave an unchanged index unwritten.
    static QByteArray readBytesOf(const QString &file);

    QByteArray serialize() const;
    /// The entries of serialized data; false (and nothing changed) for anything that is not a
    /// whole index of this version for this root.
    bool parse(const QByteArray &data);

    QString root;
    quint64 rootDevice = 0;
    quint64 rootInode = 0;
    /// The root folder's mtime and ctime when it was listed, or 0 when it had not settled (changed
    /// too recently to tell a later change in the same clock tick). A descriptor or manifest is
    /// only ever replaced by a rename into the root, which moves both: while they hold, the
    /// stamped files need no stat of their own.
    qint64 rootMtimeNs = 0;
    qint64 rootCtimeNs = 0;
    QMap<QString, IndexedEntry> entries; ///< by key
    QByteArray readBytes; ///< the file as read, when it was valid
};

/// Whether `entry` still describes the item called `names` in the root open as `rootFd`: the same
/// names, every folder with the same inode, mtime and ctime, and every stamped file unchanged
/// (checked only when `statFiles`: an unchanged, settled root stamp vouches for them).
bool stillHolds(int rootFd, const IndexedEntry &entry, const QStringList &sortedNames, bool statFiles = true);

} // namespace tfhub::cache
