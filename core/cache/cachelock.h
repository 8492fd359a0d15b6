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

/// The lock protocol, compatible with tensorflow_hub both ways.
namespace cachelock {

/// Writes `content` to `paths.lock()` without ever overwriting another's lock and without ever
/// leaving it empty: a complete temp file is link(2)ed into place, which fails if the name exists.
/// Returns true when the lock is ours, false when somebody else holds it.
Result<bool> tryAcquire(const EntryPaths &paths, const QByteArray &content);

/// Removes the lock only if it still holds `content` (the library's rule).
void release(const EntryPaths &paths, const QByteArray &content);

/// Reads the lock's content; empty when there is none.
QByteArray read(const EntryPaths &paths, bool *exists = nullptr);

/// Writes `data` to `path` atomically (a `<name>.tmp<32 hex>` sibling, then rename), as the
/// library names its own temporaries so scanners recognise a leftover.
Status atomicWrite(const QString &path, const QByteArray &data);

/// Removes a folder tree; errors name the path and cause.
Status removeTree(const QString &path);

} // namespace cachelock

/// Watches a lock held by somebody else and decides when it may be taken over:
/// - holder on this host and alive: wait;
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

    /// Who holds it, in words: "host pid 1234".
    QString holderText() const;
    const LockOwner &owner() const { return m_owner; }
    QByteArray content() const { return m_content; }
    QString reason() const { return m_reason; }

private:
    EntryPaths m_paths;
    QString m_localHost;
    int m_graceSecs;
    int m_noProgressSecs;
    QByteArray m_content;
    LockOwner m_owner;
    qint64 m_tmpBytes = -1;
    QDateTime m_lastChange;
    QString m_reason;
};

} // namespace tfhub
