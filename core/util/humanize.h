#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QString>

namespace tfhub::util {

/// Human size in the C locale's units (e.g. "1.5 MiB"), for CLI output and logs.
QString humanSize(qint64 bytes);

/// Parses a size as people write it: `500M`, `20G`, `1.5T` (powers of 1000, as `df -H`; a
/// trailing `B` is allowed), `500MiB`, `1.5TiB` (powers of 1024), or a bare number of bytes.
/// Unit letters are case-insensitive. Errors quote the text and say what is accepted.
Result<qint64> parseSize(const QString &text);

/// "3 days ago", "just now", "in 2 hours"; relative to `now`.
QString relativeTime(const QDateTime &when, const QDateTime &now = QDateTime::currentDateTime());

} // namespace tfhub::util
