#pragma once

#include "core/cache/cacheentry.h"

#include <QDateTime>

namespace tfhub::lock {

/// Parses `<host>.<pid>.<uid>` from the right (host names contain dots).
LockOwner parse(const QByteArray &content);

/// The content we write into a lock: `<host>.<pid>.<uid>`.
QByteArray content(const QString &host, qint64 pid, const QString &uid);

enum class Liveness {
    Alive, ///< owner runs on this host (and started before the lock was written)
    Dead, ///< owner is gone on this host, or its PID now belongs to a younger process
    RemoteActive, ///< another host's lock that made progress within the no-progress window
    RemoteStale, ///< another host's lock with no progress for the whole window
    Unreadable, ///< content cannot be parsed: judged by progress like a remote one
};

/// Judges a lock's owner. `lastProgress` is the newest of the lock's mtime and its tmp folder's
/// newest mtime; `lockWritten` the lock's mtime.
Liveness judge(const LockOwner &owner, const QDateTime &lockWritten, const QDateTime &lastProgress,
    const QString &localHost, int noProgressSecs, const QDateTime &now = QDateTime::currentDateTime());

} // namespace tfhub::lock
