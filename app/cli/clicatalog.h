#pragma once

#include "core/catalog/catalog.h"

#include <QJsonObject>
#include <QSet>

namespace tfhub::cli {

/// One catalog entry as the JSON of `tfhub-cache search --json` (schema 1).
QJsonObject catalogEntryToJson(const Catalog &catalog, qsizetype index, const QSet<QString> &cachedKeys);
/// "cached", "other-version-cached", "not-cached", "not-loadable".
QString cacheStateName(CacheState state);

} // namespace tfhub::cli
