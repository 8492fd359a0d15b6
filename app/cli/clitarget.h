#pragma once

#include <QString>

namespace tfhub::cli {

/// The cache key an `info`, `rm` or `verify` argument names.
struct Target final
{
    QString key; ///< empty when `code` is not 0
    int code = 0; ///< 0, or the exit code: 1 nothing matches, 2 an ambiguous key prefix
    QString message; ///< why there is no key, with the candidates of an ambiguous prefix
};

/// The least number of hex digits taken as a key prefix: 'list' prints 12.
inline constexpr int MinKeyPrefix = 6;

/// True when `arg` looks like a key prefix (6 to 39 hex digits) rather than a handle.
bool isKeyPrefix(const QString &arg);

/// `arg` as a whole key, as a unique prefix of the key of an item in `cacheDir`, or as a handle.
Target resolveTarget(const QString &cacheDir, const QString &arg);

} // namespace tfhub::cli
