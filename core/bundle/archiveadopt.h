#pragma once

#include "core/bundle/bundlemanifest.h"
#include "core/prefetch/prefetchtypes.h"
#include "core/util/result.h"

#include <QString>
#include <QStringList>

#include <functional>

namespace tfhub {

struct AdoptRequest final
{
    QString archivePath; ///< a local .tar.gz, .tgz or .tar (any compression the extractor reads)
    QString handle; ///< the model URL or gs:// tarball it was downloaded from
    PrefetchOptions options; ///< the cache folder and the lock protocol's tunables
};

struct AdoptSummary final
{
    QString key;
    QString path; ///< the model folder
    bool alreadyCached = false; ///< the entry existed (or appeared meanwhile) and was kept
    qint64 files = 0;
    qint64 bytes = 0;
    QStringList warnings;
};

namespace bundle {

/// Adopts an archive downloaded by hand as if it had been prefetched: under the key's lock, the
/// file runs through the download's streaming extractor (its member policy and integrity checks)
/// into `K.<uid>.tmp/` and is published with the same manifest and descriptor a prefetch writes.
/// A handle tensorflow_hub would not cache (a path, a gs:// folder) is refused.
Result<AdoptSummary> adoptArchive(const AdoptRequest &request, const BundleProgressFn &progress = {},
    const BundleCancelFn &cancelled = {}, const std::function<void(const QString &)> &waiting = {});

} // namespace bundle

} // namespace tfhub
