#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

namespace tfhub {
class CacheLocation;
}

namespace tfhub {

/// One pinned entry: no cleanup rule ever selects it.
struct Pin final
{
    QString key; ///< the cache key (40 hex digits)
    QString handle; ///< for display; may be empty
    QDateTime pinned;
};

/// The pins of one cache root, kept in `.tfhub-cache-manager-pins.json` inside it, so they travel
/// with a shared or moved cache (tensorflow_hub ignores the file).
struct PinSet final
{
    QMap<QString, Pin> byKey;

    bool contains(const QString &key) const { return byKey.contains(key); }
    QList<Pin> list() const { return byKey.values(); }
};

namespace maintenance {

/// `<root>/.tfhub-cache-manager-pins.json`.
QString pinsPath(const QString &root);

/// Reads the pins of `root`; no file means no pins. A damaged file is an error naming it.
Result<PinSet> readPins(const QString &root);

/// Writes the pins atomically and durably; an empty set removes the file.
Status writePins(const QString &root, const PinSet &pins);

/// Adds the pins of the cache at `from` to those of the cache at `to` (a key means the same model in
/// every folder), so that no rule there removes what was pinned here. Nothing to do without pins.
Status mergePins(const QString &from, const QString &to);

/// The same on any location: a local folder's pins file as above; on Cloud Storage the pins file
/// is an object beside the entries (`<prefix>/.tfhub-cache-manager-pins.json`).
Result<PinSet> readPins(CacheLocation &location);
Status writePins(CacheLocation &location, const PinSet &pins);
Result<bool> pin(CacheLocation &location, const QString &key, const QString &handle);
Result<bool> unpin(CacheLocation &location, const QString &key);

/// Pins `key` (with `handle` for display). Returns false when it was pinned already.
Result<bool> pin(const QString &root, const QString &key, const QString &handle);

/// Unpins `key`. Returns false when it was not pinned.
Result<bool> unpin(const QString &root, const QString &key);

} // namespace maintenance

} // namespace tfhub
