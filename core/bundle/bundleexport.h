#pragma once

#include "core/bundle/bundlemanifest.h"
#include "core/util/result.h"

#include <QString>
#include <QStringList>

namespace tfhub {

class CacheLocation;

struct BundleExportRequest final
{
    QString cacheRoot;
    QStringList keys; ///< entries to carry: each must be a published model folder
    QString zipPath;
    QString appVersion;
    /// Where the entries are read when the cache is not the local folder `cacheRoot` (a gs://
    /// prefix): files are streamed from it; null for the local folder.
    CacheLocation *location = nullptr;
};

struct BundleExportSummary final
{
    int entries = 0;
    qint64 files = 0;
    qint64 bytes = 0; ///< of the models' files
    qint64 zipBytes = 0;
    qint64 deflatedFiles = 0; ///< the rest are stored
    qint64 reusedHashes = 0; ///< digests taken from a prefetch manifest instead of hashing
    BundleManifest manifest;
};

namespace bundle {

/// Writes the entries into a Zip64 zip whose layout is itself a cache (`<key>/…`,
/// `<key>.descriptor.txt`, plus the bundle manifest), streaming in blocks of 1 MiB so memory does
/// not grow with the models. A file is deflated only when deflating its first MiB saves at least
/// 10 %. The zip appears under `zipPath` only when complete (a temp file is renamed); on failure
/// or cancel nothing is left behind.
Result<BundleExportSummary> exportBundle(const BundleExportRequest &request,
    const BundleProgressFn &progress = {}, const BundleCancelFn &cancelled = {});

/// Whether deflating `sample` (a file's first MiB) saves at least 10 %.
bool worthDeflating(const QByteArray &sample);

} // namespace bundle

} // namespace tfhub
