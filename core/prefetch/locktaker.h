#pragma once

#include "core/cache/lock.h"
#include "core/prefetch/prefetchtypes.h"

#include <QObject>
#include <QTimer>

#include <memory>

namespace tfhub {

/// Takes a key's lock under tensorflow_hub's protocol: at once when it is free, else by watching
/// the holder (LockWatcher) until the lock goes or may be taken over. Releases it (only if it is
/// still ours) on release() or destruction.
class LockTaker final : public QObject
{
    Q_OBJECT
public:
    LockTaker(
        EntryPaths paths, QByteArray content, const PrefetchOptions &options, QObject *parent = nullptr);
    ~LockTaker() override;

    void start();
    /// Stops waiting, and removes our lock if we hold it.
    void release();

Q_SIGNALS:
    void acquired();
    void waiting(const QString &reason);
    /// About to take over another's lock, for this reason.
    void takingOver(const QString &reason);
    void failed(const QString &message);

private:
    void tryLock();
    void poll();
    void takeOver();

    EntryPaths m_paths;
    QByteArray m_content;
    QString m_localHost;
    int m_graceSecs;
    int m_noProgressSecs;
    QTimer m_timer;
    std::unique_ptr<LockWatcher> m_watcher;
    bool m_held = false;
    bool m_stopped = false;
};

} // namespace tfhub
