#pragma once

#include "app/cli/clitarget.h"
#include "app/cli/verbs.h"
#include "core/cache/cacheentry.h"
#include "core/cache/modelformat.h"

#include <QList>
#include <QString>

#include <optional>

/// The verbs on a cache in Google Cloud Storage (`--cache-dir gs://bucket/prefix`): list, du and
/// info read it through the same handlers as a local folder; rm and clean --stale delete objects.
namespace tfhub::cli {

/// Whether the cache folder is a gs:// location.
bool isGcsCacheDir(const QString &cacheDir);

/// Runs a verb on a gs:// cache: refuses (with what works so far) every verb but list, du, info,
/// rm and clean --stale; runs rm and clean here; nullopt for list, du and info, whose own
/// handlers go on with gcsScan().
std::optional<int> runOnGcs(const Invocation &in, const QString &cacheDir);

/// Every entry of a gs:// cache, named like local ones; prints the failure and returns nullopt
/// when the location cannot be read.
std::optional<QList<CacheEntry>> gcsScan(const QString &cacheDir);

/// One entry of a gs:// cache for `info`, by handle, key or key prefix, with the files hub.load()
/// needs from its listing.
struct GcsInfo final
{
    Target target;
    CacheEntry entry;
    QList<cache::RequiredFile> required;
};
std::optional<GcsInfo> gcsInfo(const QString &cacheDir, const QString &arg);

} // namespace tfhub::cli
