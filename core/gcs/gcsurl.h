#pragma once

#include "core/util/result.h"

#include <QString>

namespace tfhub::gcs {

/// A cache location in Google Cloud Storage: gs://bucket/prefix.
struct GcsUrl final
{
    QString bucket;
    QString prefix; ///< object name prefix without a trailing '/'; empty for the bucket's root

    /// gs://bucket/prefix, as the user would write it.
    QString url() const;
    /// What every object of the cache starts with: "prefix/", or "" at the bucket's root.
    QString objectPrefix() const;
    /// The full object name of a name relative to the cache root.
    QString objectName(const QString &relative) const;
};

/// True when `text` starts with gs:// (any case of the scheme is not accepted: TensorFlow's file
/// layer matches the scheme exactly).
bool isGcsUrl(const QString &text);

/// Parses and checks gs://bucket[/prefix[/]]: the bucket name follows Cloud Storage's rules
/// (3 to 63 characters of a-z, 0-9, '-', '_' and '.', starting and ending with a letter or digit; up
/// to 222 with dots), the prefix has no empty or "." / ".." parts.
Result<GcsUrl> parseGcsUrl(const QString &text);

} // namespace tfhub::gcs
