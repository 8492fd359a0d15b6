#pragma once

#include <QDateTime>
#include <QString>

namespace tfhub::util {

/// Human size in the C locale's units (e.g. "1.5 MiB"), for CLI output and logs.
QString humanSize(qint64 bytes);

/// "3 days ago", "just now", "in 2 hours"; relative to `now`.
QString relativeTime(const QDateTime &when, const QDateTime &now = QDateTime::currentDateTime());

} // namespace tfhub::util
