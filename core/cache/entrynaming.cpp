#include "core/cache/entrynaming.h"

#include "core/cache/manifest.h"
#include "core/hub/handle.h"

namespace tfhub::cache {

void nameEntry(CacheEntry *entry, const QString &cacheRoot, const KnownHandles &known)
{
    if (entry->state == EntryState::Foreign)
        return;
    // The scanner reads the descriptor; a handle it found came from there. Any other name is
    // worked out again, as the sources change (a download ends, the catalog loads).
    if (entry->hasDescriptor && !entry->handle.isEmpty()
        && (entry->handleSource.isEmpty() || entry->handleSource == QLatin1String("descriptor"))) {
        entry->handleSource = QStringLiteral("descriptor");
        return;
    }
    entry->handle.clear();
    entry->handleSource.clear();
    if (entry->hasManifest) {
        const Result<Manifest> m
            = Manifest::load(cacheRoot + QLatin1Char('/') + entry->key + QStringLiteral(".manifest.json"));
        if (m && !m.value().handle.isEmpty() && Handle::cacheKeyOf(m.value().handle) == entry->key) {
            entry->handle = m.value().handle;
            entry->handleSource = QStringLiteral("manifest");
            return;
        }
    }
    const std::pair<const QHash<QString, QString> *, const char *> sources[] = {
        { &known.queue, "queue" },
        { &known.catalog, "catalog" },
        { &known.history, "history" },
    };
    for (const auto &[map, name] : sources) {
        const auto it = map->constFind(entry->key);
        if (it != map->cend()) {
            entry->handle = *it;
            entry->handleSource = QString::fromLatin1(name);
            return;
        }
    }
}

void nameEntries(QList<CacheEntry> *entries, const QString &cacheRoot, const KnownHandles &known)
{
    for (CacheEntry &e : *entries)
        nameEntry(&e, cacheRoot, known);
}

QHash<QString, QString> keysOf(const QStringList &handles)
{
    QHash<QString, QString> byKey;
    byKey.reserve(handles.size());
    for (const QString &h : handles)
        byKey.insert(Handle::cacheKeyOf(h), h);
    return byKey;
}

} // namespace tfhub::cache
