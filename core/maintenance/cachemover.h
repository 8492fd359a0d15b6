#pragma once

#include "core/util/result.h"

#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <functional>

namespace tfhub {

/// How far a cache move has come.
struct MoveProgress final
{
    qint64 doneBytes = 0;
    qint64 totalBytes = 0;
    int doneEntries = 0;
    int totalEntries = 0;
    QString current; ///< the handle (or key) being moved
};

/// What a cache move did. Every entry is either wholly in the source or wholly in the destination.
struct MoveReport final
{
    QString from;
    QString to;
    bool crossVolume = false; ///< entries were copied, verified and then deleted, not renamed
    QStringList moved; ///< keys now in the destination
    qint64 bytes = 0; ///< apparent size of what moved
    QStringList skipped; ///< translated: entries left in the source and why (live downloads, ...)
    QStringList leftBehind; ///< translated: leftovers and items that are not cache entries
    bool cancelled = false;
};

namespace maintenance {

/// Checks that `to` can take the cache of `from`: not the same folder, not inside it, creatable
/// and writable, with room for `neededBytes` when it is on another volume.
Status checkMoveDestination(const QString &from, const QString &to, qint64 neededBytes);

/// Moves every entry of `from` (model folder, descriptor, manifest) to `to`, holding each entry's
/// lock while it moves. Same volume: a rename. Across volumes: copy to a temporary name, verify
/// the copy byte for byte (SHA-256), rename it into place, then delete the source. Entries being
/// downloaded are skipped. `cancelled` is polled between files and chunks; a cancelled entry's
/// partial copy is deleted, so nothing is lost and nothing duplicated.
Result<MoveReport> moveCache(const QString &from, const QString &to,
    const std::function<void(const MoveProgress &)> &progress, const std::function<bool()> &cancelled);

} // namespace maintenance

/// Runs maintenance::moveCache() on a worker thread it owns; progress is throttled to about 10 a second.
class CacheMover final : public QObject
{
    Q_OBJECT
public:
    explicit CacheMover(QObject *parent = nullptr);
    ~CacheMover() override;

    void start(const QString &from, const QString &to);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void progressChanged(const tfhub::MoveProgress &progress);
    /// `error` is empty on success (also when cancelled: see report.cancelled).
    void finished(const tfhub::MoveReport &report, const QString &error);

private:
    QThread m_thread;
    std::atomic<bool> m_cancel { false };
    bool m_running = false;
};

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::MoveProgress)
Q_DECLARE_METATYPE(tfhub::MoveReport)
