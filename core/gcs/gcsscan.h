#pragma once

#include "core/cache/cachescanner.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsurl.h"
#include "core/util/fsutil.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <functional>
#include <optional>

/// A cache in Google Cloud Storage read as the local scanner reads a folder: one paginated
/// objects.list gives every entry's files and sizes; descriptors and locks are read with
/// alt=media. The entries are the same CacheEntry records, their states decided by the same rule
/// (cache::decideState) from the same facts, with two differences Cloud Storage imposes:
/// - a lock's holder cannot be probed (its host is another machine, or this one through a bucket
///   shared with containers): only the no-progress rule applies, progress being the newest
///   `updated` of the lock and of its `K.<uid>.tmp/` objects;
/// - there are no access times: lastAccessed stays null.
/// Zero-byte objects whose name ends in '/' are folder placeholders (TensorFlow's MakeDirs): they
/// make a folder exist but are never counted as files.
namespace tfhub::gcs {

/// The objects of one entry (or foreign item), by kind, as full object names.
struct EntryObjects final
{
    QString key;
    QList<ObjectInfo> objects; ///< every object of the item, placeholders included
};

/// Groups a listing of the cache root by item (cache::itemKey of the first path part).
QHash<QString, EntryObjects> groupListing(const GcsUrl &root, const QList<ObjectInfo> &objects);

/// Reads a small object's content by full name, at most `cap` bytes; nullopt when it cannot.
using ObjectReader = std::function<std::optional<QByteArray>(const QString &name, qint64 cap)>;

/// A reader through `client` that adds each failure to `problems` (when not null).
ObjectReader objectReader(GcsClient &client, const GcsUrl &root, QStringList *problems);

/// Turns one item's objects into its entry, reading the descriptor, the lock and the few model
/// files whose content tells the format (cache::inspect's rule) through `read`; `now` is the
/// scan's time.
CacheEntry entryFromObjects(const GcsUrl &root, const EntryObjects &item, const ObjectReader &read,
    const ScanOptions &options, const QDateTime &now);

/// Turns one item's objects into its entry. `read` fetches a small object's content (the
/// descriptor, the lock) by full name; `now` is the scan's time.
CacheEntry entryFromObjects(const GcsUrl &root, const EntryObjects &item,
    const std::function<QByteArray(const QString &)> &read, const ScanOptions &options, const QDateTime &now);

/// `K/`'s names as util::measure(folder, 1) lists a local folder (two path parts deep), for
/// cache::inspect and cache::requiredFiles.
QList<util::ListedName> folderListing(const GcsUrl &root, const EntryObjects &item);

/// Lists the root once and builds every entry, sorted by key (foreign items after the keys).
Result<QList<CacheEntry>> scanAll(GcsClient &client, const GcsUrl &root, const ScanOptions &options);

/// Every object of an entry, as a local removal deletes every artifact named after the key:
/// `K/…` (placeholders too, the model first), the descriptor, our manifest, a stale lock and
/// leftover tmp objects. Nothing else under the prefix.
QStringList entryObjectNames(const EntryObjects &item);

/// The objects behind some of an entry's artifacts (names as in CacheEntry::artifacts, e.g.
/// `K.lock`, `K.<uid>.tmp`, `K`): what a cleanup plan's item names mean on Cloud Storage.
QStringList objectsOfArtifacts(
    const GcsUrl &root, const EntryObjects &item, const QStringList &artifactNames);

} // namespace tfhub::gcs
