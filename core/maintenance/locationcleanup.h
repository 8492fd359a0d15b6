#pragma once

#include "core/cache/cachelocation.h"
#include "core/cache/manifest.h"
#include "core/maintenance/cleanupplan.h"

#include <QList>

#include <functional>

/// What the cleanup rules and `verify` read of an entry wherever its location is: our manifest,
/// its files against that manifest, and which entries hold the same files.
namespace tfhub::maintenance {

/// Scans the location once, reads its pins and plans (planCleanup(root, rules) for a local folder).
Result<CleanupPlan> planCleanup(
    CacheLocation &location, const CleanupRules &rules, const ScanOptions &options = ScanOptions());

/// `K.manifest.json` of the location; an error when it is missing or damaged.
Result<Manifest> loadManifest(CacheLocation &location, const QString &key);

/// Checks `key`'s model files against `manifest`. A local folder is always hashed (verifyFolder).
/// Elsewhere the listing gives paths and sizes, which are always compared; with `readContent`
/// every file is also streamed and its SHA-256 compared (Cloud Storage's MD5 cannot be compared
/// with our SHA-256).
Result<VerifyReport> verifyEntry(CacheLocation &location, const QString &key, const Manifest &manifest,
    bool readContent, const std::function<bool()> &cancelled = {});

/// Hashes every file of `key`'s model folder (SHA-256) into a manifest's file list, sorted by path.
Result<QList<Manifest::File>> hashEntry(CacheLocation &location, const QString &key);

/// duplicateGroups() for a location that is not a local folder: files compared by path, size and
/// the store's MD5 from the listing (no content is read); entries with a file lacking an MD5
/// (composite objects) are left out.
QList<QList<const CacheEntry *>> duplicateGroups(
    CacheLocation &location, const QList<const CacheEntry *> &entries);

} // namespace tfhub::maintenance
