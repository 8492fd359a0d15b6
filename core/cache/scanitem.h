#pragma once

#include "core/cache/cacheentry.h"
#include "core/cache/cachescanner.h"
#include "core/cache/scanindex.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

/// The scanner's work on one item of a cache root (everything named after one key, or one foreign
/// name): a full walk, or the entry rebuilt from the scan index once its stamps are checked. Both
/// paths end in the same rules, so an entry is the same whichever path made it.
namespace tfhub::cache {

/// What every item of one scan shares.
struct ItemScan final
{
    QString root;
    int rootFd = -1; ///< the root, open: items are measured relative to it
    ScanOptions options;
    QString localHost; ///< never empty
    bool atimes = true; ///< the mount records access times
    /// Folders and files changed at or after this moment (ns since the epoch) are too fresh to
    /// index: a change in the same clock tick would leave their stamps as they are.
    qint64 settledBeforeNs = 0;
};

/// Classifies the suffix after a 40-hex key. Returns false when the name is not a cache artifact.
bool classifySuffix(const QString &suffix, Artifact::Kind *kind);

/// Walks every artifact of `key` (`names`, as listed). When the entry may be indexed (published
/// artifacts only, nothing unreadable, nothing too fresh), `record` is filled and `indexable` set.
CacheEntry walkGroup(const ItemScan &scan, const QString &key, const QStringList &names, IndexedEntry *record,
    bool *indexable);

/// The entry from its index record (its stamps checked by stillHolds()), artifacts in the order
/// `names` lists them, with its last use read again (a stat of each file it is read from):
/// `record`'s lastAccessed is updated. False when one of those files is gone.
bool indexedGroup(const ItemScan &scan, const QStringList &names, IndexedEntry *record, CacheEntry *entry);

/// The entry from its index record alone, touching nothing on disk: the view shown before the check.
CacheEntry entryFromIndex(const IndexedEntry &record, const ScanOptions &options);

/// Walks a foreign item (never indexed: its last use is the newest access time of all its files).
CacheEntry walkForeign(const ItemScan &scan, const QString &name);

} // namespace tfhub::cache
