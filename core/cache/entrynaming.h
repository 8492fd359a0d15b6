#pragma once

#include "core/cache/cacheentry.h"

#include <QHash>
#include <QList>
#include <QString>

namespace tfhub::cache {

/// Handles known outside the cache folder, each as cache key -> handle.
struct KnownHandles final
{
    QHash<QString, QString> queue; ///< downloads queued or running in this process
    QHash<QString, QString> catalog; ///< every catalog handle, in the spellings hub.load() hashes
    QHash<QString, QString> history; ///< hub::readHandleHistory()
};

/// Names an entry from the best source that knows its key, in this order: its descriptor (what
/// tensorflow_hub wrote), our manifest, the download queue, the catalog, the handle history.
/// Sets handle and handleSource ("descriptor", "manifest", "queue", "catalog", "history");
/// leaves both empty for a key no source knows, and foreign items alone.
void nameEntry(CacheEntry *entry, const QString &cacheRoot, const KnownHandles &known);
void nameEntries(QList<CacheEntry> *entries, const QString &cacheRoot, const KnownHandles &known);
/// Cache key -> handle for these handles.
QHash<QString, QString> keysOf(const QStringList &handles);

} // namespace tfhub::cache
