#pragma once

#include "core/cache/cacheentry.h"
#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsurl.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace tfhub::gcs {

/// tensorflow_hub's lock `K.lock` in a gs:// cache, made safe where Cloud Storage allows it: ours
/// is created only if no lock exists (ifGenerationMatch=0, atomic, which the library's write is
/// not) and deleted only while it is still our generation, so we never delete another's. Another's
/// lock is judged as the gs:// scan judges it (gcs::entryFromObjects: only the no-progress rule, a
/// holder's process being unknowable). Blocking calls on the caller's client.
class GcsLock final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::gcs::GcsLock)

public:
    /// `content`: ours, `host.pid.uid` (cache::lockContent).
    GcsLock(GcsUrl root, QString key, QByteArray content);

    QString objectName() const;
    bool held() const { return m_generation > 0; }
    qint64 generation() const { return m_generation; }

    /// Creates our lock unless a lock exists. True when it is ours now.
    Result<bool> tryAcquire(GcsClient &client);

    /// Another's lock as it stands.
    struct Holder
    {
        bool exists = false;
        qint64 generation = 0;
        LockOwner owner;
        bool stale = false; ///< no progress for noProgressSecs: it may be taken over
        QString detail; ///< the scan's words, e.g. "Being downloaded by host pid 12 (...)"
    };
    /// Lists `K.*` once (the lock and its holder's tmp objects) and judges the holder.
    Result<Holder> look(
        GcsClient &client, int noProgressSecs, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    /// Deletes the holder's lock if it is still that generation; true when deleted.
    Result<bool> removeStale(GcsClient &client, const Holder &holder) const;

    /// Writes our lock again (a new generation, `updated` now), so that watchers see progress
    /// while a large object is still uploading. False when the lock is no longer ours.
    Result<bool> refresh(GcsClient &client);
    /// Deletes our lock, only while it is still our generation.
    Status release(GcsClient &client);

private:
    GcsUrl m_root;
    QString m_key;
    QByteArray m_content;
    qint64 m_generation = 0;
};

} // namespace tfhub::gcs
