#pragma once

#include "core/cache/cachescanner.h"

#include <QDateTime>
#include <QList>
#include <QSet>
#include <QString>

#include <functional>

/// The facts the cleanup rules judge by, each from a finished scan (nothing walks the tree again,
/// except hashing the few entries whose sizes already match).
namespace tfhub::maintenance {

/// When the entry was last used: the newest access time of the files hub.load() reads, or its
/// download when that is newer (a model fetched yesterday was not "unused for a year" because its
/// archive kept old times).
QDateTime lastUsed(const CacheEntry &e);

/// "download abandoned by PID 4242 on this host 3 days ago" and the like, for a stale entry.
QString staleReason(const CacheEntry &e, const ScanOptions &options, const QDateTime &now);

/// "leftovers of an earlier download: a stale lock, 2 abandoned tmp folders", for a complete entry.
QString leftoverReason(const CacheEntry &e, const QDateTime &now);

/// Groups of entries holding the same files (relative paths, sizes and SHA-256). Entries whose
/// size and file count differ from every other are never read; files are read without moving
/// their access times (an entry that cannot be read so is left out).
QList<QList<const CacheEntry *>> duplicateGroups(
    const QString &root, const QList<const CacheEntry *> &entries);

/// The grouping duplicateGroups() does, whatever tells an entry's files: entries whose model
/// folders have the same size and file count are compared by `fingerprint` (called only for
/// those); an empty fingerprint leaves the entry out.
QList<QList<const CacheEntry *>> groupByFingerprint(const QList<const CacheEntry *> &entries,
    const std::function<QStringList(const CacheEntry &)> &fingerprint);

/// The keys of `root` that a process on this host has a file open in (`/proc/*/fd`).
QSet<QString> keysOpenByProcesses(const QString &root);

} // namespace tfhub::maintenance
