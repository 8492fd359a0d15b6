#pragma once

#include "core/bundle/bundlemanifest.h"
#include "core/prefetch/prefetchtypes.h"
#include "core/util/result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace tfhub {

struct BundleImportRequest final
{
    QString zipPath;
    /// The cache folder (cacheRoot) and the lock protocol's tunables (as a prefetch's).
    PrefetchOptions options;
    /// An entry that exists with other content is replaced instead of reported and left alone.
    bool replace = false;
};

struct BundleEntryOutcome final
{
    enum class Kind { Imported, Replaced, Skipped, Differs };
    Kind kind = Kind::Imported;
    QString key;
    QString handle; ///< empty when the bundle carries the entry by its key only
    qint64 files = 0;
    qint64 bytes = 0;
    QString detail; ///< for Differs: what differs
};
QString outcomeName(BundleEntryOutcome::Kind kind); ///< stable machine name, e.g. "imported"

struct BundleImportSummary final
{
    QList<BundleEntryOutcome> entries;
    qint64 files = 0; ///< written
    qint64 bytes = 0; ///< written
    QStringList warnings;
};

namespace bundle {

/// Imports a bundle made by exportBundle() into a cache folder. First the whole zip is checked
/// without writing anything (zipio::survey's rules, every member inside its entry's folder and
/// listed in the bundle manifest with its size, keys and handles, declared sizes against the free
/// space); then each entry is extracted under its lock into `K.<uid>.tmp/`, every file checked
/// (CRC-32, declared size, SHA-256 of the manifest) as it is written; only when every entry
/// passed is anything published (files synced, rename, folder synced). On failure or cancel the
/// tmp folders and locks are removed and nothing is published. `waiting` hears why an entry waits
/// for another process's lock.
Result<BundleImportSummary> importBundle(const BundleImportRequest &request,
    const BundleProgressFn &progress = {}, const BundleCancelFn &cancelled = {},
    const std::function<void(const QString &)> &waiting = {});

} // namespace bundle

} // namespace tfhub
