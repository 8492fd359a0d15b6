#pragma once

#include "core/cache/cacheentry.h"
#include "core/util/result.h"

#include <QDateTime>
#include <QString>

namespace tfhub {

/// The names tensorflow_hub uses for one key inside a cache root.
struct EntryPaths final
{
    QString root;
    QString key;
    QString folder() const { return root + QLatin1Char('/') + key; }
    QString lock() const { return folder() + QStringLiteral(".lock"); }
    QString descriptor() const { return folder() + QStringLiteral(".descriptor.txt"); }
    QString manifest() const { return folder() + QStringLiteral(".manifest.json"); }
    QString tmpFolder(const QString &uid) const
    {
        return folder() + QLatin1Char('.') + uid + QStringLiteral(".tmp");
    }
};

/// tensorflow_hub's lock protocol, compatible both ways: parsing and writing `<host>.<pid>.<uid>`,
/// judging an owner, taking and releasing the lock.
namespace cache {

/// Parses `<host>.<pid>.<uid>` from the right (host names contain dots).
LockOwner parseLock(const QByteArray &content);

/// The content we write into a lock: `<host>.<pid>.<uid>`.
QByteArray lockContent(const QString &host, qint64 pid, const QString &uid);

enum class Liveness {
    Alive, ///< owner runs on this host (and started before the lock was written)
    Dead, ///< owner is gone on this host, or its PID now belongs to a younger process
    RemoteActive, ///< another host's lock that made progress within the no-progress window
    RemoteStale, ///< another host's lock with no progress for the whole window
    Unreadable, ///< content cannot be parsed: judged by progress like a remote one
};

/// Judges a lock's owner. `lastProgress` is the newest of the lock's mtime and its tmp folder's
/// newest mtime; `lockWritten` the lock's mtime.
Liveness judgeLock(const LockOwner &owner, const QDateTime &lockWritten, const QDateTime &lastProgress,
    const QString &localHost, int noProgressSecs, const QDateTime &now = QDateTime::currentDateTime());

/// Writes `content` to `paths.lock()` without ever overwriting another's lock and without ever
/// leaving it empty: a complete temp file is link(2)ed into place, which fails if the name exists.
/// Returns true when the lock is ours, false when somebody else holds it.
Result<bool> tryAcquireLock(const EntryPaths &paths, const QByteArray &content);

/// Removes the lock only if it still holds `content` (the library's rule).
void releaseLock(const EntryPaths &paths, const QByteArray &content);

/// Reads the lock's content; empty when there is none.
QByteArray readLock(const EntryPaths &paths, bool *exists = nullptr);

} // namespace cache

/// Watches a lock held by somebody else and decides when it may be taken over:
/// - holder on this host and alive: wait, but take over after `noProgressSecs` without progress
///   (the library's rule, which applies to every holder);
/// - holder on this host and gone: take over once its tmp folder has not changed for `graceSecs`
///   (a container sharing our host name has PIDs we cannot see);
/// - holder on another host (or unreadable): the library's rule, take over once neither the lock's
///   content nor its tmp folder's size changed for `noProgressSecs`.
class LockWatcher final
{
public:
    enum class Verdict { Gone, Wait, TakeOver };

    LockWatcher(EntryPaths paths, QString localHost, int graceSecs, int noProgressSecs);

    /// Looks at the lock and the holder's tmp folder now.
    Verdict check(const QDateTime &now = QDateTime::currentDateTime());

    /// Removes the lock judged by the last check() only if it is still that very lock (same
    /// content and same inode), so that a waiter never deletes a lock another has just taken.
    /// True when it was removed.
    bool removeIfUnchanged();

    /// Who holds it, in words: "host pid 1234".
    QString holderText() const;
    const LockOwner &owner() const { return m_owner; }
    QByteArray content() const { return m_content; }
    QString reason() const { return m_reason; }
    /// The last check() found the holder running on this host.
    bool holderAlive() const { return m_holderAlive; }

private:
    EntryPaths m_paths;
    QString m_localHost;
    int m_graceSecs;
    int m_noProgressSecs;
    QByteArray m_content;
    quint64 m_inode = 0; ///< of the lock file judged
    LockOwner m_owner;
    qint64 m_tmpBytes = -1;
    QDateTime m_lastChange;
    QString m_reason;
    bool m_holderAlive = false;
};

} // namespace tfhub
