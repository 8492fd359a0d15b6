#pragma once

#include "app/cli/clitarget.h"
#include "app/cli/verbs.h"
#include "core/cache/cacheentry.h"
#include "core/cache/cachelocation.h"

#include <QList>
#include <QString>

#include <memory>
#include <optional>

/// Where the cache is, for every verb: a local folder or a Cloud Storage prefix
/// (`--cache-dir gs://bucket/prefix`), both as a CacheLocation, so that the verbs do not fork.
namespace tfhub::cli {

/// Whether the cache folder is a gs:// location.
bool isGcsCacheDir(const QString &cacheDir);

/// Before a verb runs on a gs:// cache: refuses (with what works there) the verbs and options
/// that do not apply there, and a malformed URL; nullopt lets the verb's own handler run.
std::optional<int> runOnGcs(const Invocation &in, const QString &cacheDir);

/// The location of the cache folder; prints the failure and returns null when it cannot be
/// opened (a malformed gs:// URL, no credentials).
std::unique_ptr<CacheLocation> openLocation(const QString &cacheDir);

/// Names the entries tensorflow_hub wrote no descriptor for from our manifest, the bundled
/// catalog and the handle history, wherever the cache is; the catalog is read only then.
void nameEntriesAt(CacheLocation &location, QList<CacheEntry> *entries);

/// `arg` as a whole key, a unique key prefix of an entry of `location`, or a handle.
Target targetAt(CacheLocation &location, const QString &arg);

/// Why a Cloud Storage cache cannot tell when a model was last used, for `info`.
QString noAccessTimesText();

} // namespace tfhub::cli
