#pragma once

#include "core/cache/cachescanner.h"
#include "core/maintenance/movejournal.h"
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

/// What a cache move did. Every entry is either wholly in the source or wholly in the destination;
/// across volumes, after moveCache() and before finishMove(), wholly in both.
struct MoveReport final
{
    QString from;
    QString to;
    bool crossVolume = false; ///< entries are copied, verified and synced, not renamed
    QStringList moved; ///< keys now in the destination
    qint64 bytes = 0; ///< apparent size of what moved
    /// Translated: models that stay in the source although the new folder lacks them (live
    /// downloads, ...), and why. The setting must not switch while this is not empty, unless the
    /// user agreed to leave them behind (MoveOptions::leaveBehind).
    QStringList skipped;
    QStringList skippedKeys; ///< the keys of `skipped`
    /// Translated: items that are not models, leftovers of failed downloads, models the new folder
    /// already has, and originals that could not be deleted after their copy.
    QStringList leftBehind;
    bool cancelled = false; ///< stopped by the user: everything was undone, nothing moved
    QString error; ///< why the move stopped (everything undone, nothing moved); empty otherwise
    bool sourcesRemoved = false; ///< finishMove() ran: the move is over
    bool undone = false; ///< undoMove() ran: everything is back in the source

    /// True when the caller may now save the setting that names `to`, then call finishMove().
    bool switchable() const { return error.isEmpty() && !cancelled && !undone; }
};

struct MoveOptions final
{
    /// Move what can be moved even if some models must stay (a live download): the caller then
    /// switches the setting knowing that they stay behind. Without it such a move is refused.
    bool leaveBehind = false;
    ScanOptions scan; ///< the lock rules, as `list` judges them
};

/// A cache move is three steps, so that the setting never names a folder that lacks the models and
/// no model is ever only half in one place:
///  1. moveCache(): renames (same volume) or copies, verifies and syncs (across volumes) every
///     model into `to`, recorded in a journal (MoveJournal) in `to`; on any failure or cancel
///     everything is undone and report.error names the item and the cause.
///  2. The caller saves the setting naming `to` (only if report.switchable()).
///  3. finishMove(): deletes the sources (across volumes) and the journal. If saving failed,
///     undoMove() instead puts everything back.
/// A move cut short (crash, kill) is found by pendingMove() and offered to finish or undo.
namespace maintenance {

/// Checks that `to` can take the cache of `from`: not the same folder, not inside it, creatable
/// and writable, with room for `neededBytes` when it is on another volume.
Status checkMoveDestination(const QString &from, const QString &to, qint64 neededBytes);

/// Step 1 (see above). Entries being downloaded (the scanner's lock judgement) stay; a stale lock
/// is taken over. Refuses, moving nothing, when a model would stay and !options.leaveBehind, when
/// an earlier move is pending, or when anything cannot be copied.
MoveReport moveCache(const QString &from, const QString &to, const MoveOptions &options,
    const std::function<void(const MoveProgress &)> &progress, const std::function<bool()> &cancelled);

/// Step 3: deletes the sources of the move recorded in `dir` (either its source or destination),
/// each under its lock, and then the journal. A source whose copy is missing stays (skipped).
MoveReport finishMove(const QString &dir, const ScanOptions &scan = ScanOptions());

/// Undoes the move recorded in `dir`: deletes the copies whose source is whole (across volumes) or
/// renames the entries back (same volume), then removes the journal. Refused once the sources are
/// being deleted (the setting names the destination then: finish instead).
MoveReport undoMove(const QString &dir);

/// The move recorded in `dir` that was never finished; std::nullopt when there is none. Cheap:
/// reads one small file (two when `dir` is the move's source).
Result<std::optional<maintenance::MoveJournal>> pendingMove(const QString &dir);

} // namespace maintenance

/// Runs the steps of maintenance on a worker thread it owns; progress is throttled to about 10 a
/// second. Two ways to use it:
///  - start(from, to, options): step 1 only; `finished` reports it. If report.switchable(), save
///    the setting, then call finishMove() (or undoMove() if saving failed); `finished` reports
///    that step too (report.sourcesRemoved / report.undone).
///  - start(from, to): the former one-shot move (steps 1 and 3 at once, leaving live downloads
///    behind), for callers that saved the setting beforehand.
class CacheMover final : public QObject
{
    Q_OBJECT
public:
    explicit CacheMover(QObject *parent = nullptr);
    ~CacheMover() override;

    void start(const QString &from, const QString &to);
    void start(const QString &from, const QString &to, const MoveOptions &options);
    /// Step 3 / undo of the move started last, or of the pending move recorded in `dir`
    /// (maintenance::pendingMove()), e.g. one offered at start-up after a crash.
    void finishMove(const QString &dir = QString());
    void undoMove(const QString &dir = QString());
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void progressChanged(const tfhub::MoveProgress &progress);
    /// `error` is report.error (empty on success; also when cancelled: see report.cancelled).
    void finished(const tfhub::MoveReport &report, const QString &error);

private:
    void run(std::function<MoveReport(const std::function<void(const MoveProgress &)> &)> job);

    QThread m_thread;
    std::atomic<bool> m_cancel { false };
    bool m_running = false;
    QString m_to;
    ScanOptions m_scan;
};

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::MoveProgress)
Q_DECLARE_METATYPE(tfhub::MoveReport)
