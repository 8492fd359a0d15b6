#pragma once

#include <QString>
#include <QStringList>

namespace tfhub::cli {

struct VerifyArgs
{
    QString cacheDir; ///< --cache-dir, empty when not given
    QStringList keys; ///< named entries: whole keys or handles
    bool all = false;
    bool json = false;
    bool strict = false; ///< entries without a manifest fail the run
    bool rehash = false; ///< record a manifest for entries that have none
};

/// `tfhub-cache verify HANDLE|KEY...|--all`: checks model folders against their manifests. Entries
/// that tensorflow_hub downloaded have none: they are counted on one line, and fail only with
/// --strict; --rehash records one of the files as they are now.
int runVerify(const VerifyArgs &args);

} // namespace tfhub::cli
