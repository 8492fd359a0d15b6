#pragma once

#include "core/maintenance/cachemover.h"
#include "core/shellenv/envpersistence.h"

#include <QFutureWatcher>
#include <QList>
#include <QObject>

namespace tfhub::ui {

/// What the Settings page asks for: the variables to write to some files, and optionally the
/// cache's models to move along.
struct ApplyRequest final
{
    shellenv::Locations locations;
    QList<shellenv::Target> targets;
    shellenv::Changes changes;
    bool unset = false; ///< `changes` remove the variables (Unset), for the outcome's words
    QString moveFrom; ///< empty: move nothing
    QString moveTo;
    /// Move even if some models must stay in `moveFrom` (live downloads) and save the setting all the
    /// same; otherwise such a move is refused before anything is moved or saved.
    bool leaveBehind = false;
};

/// How an ApplyRequest went. Every step is reported, so the page can say exactly what happened.
struct ApplyOutcome final
{
    bool unset = false; ///< the request removed the variables instead of setting them
    QString checkError; ///< the destination cannot take the models: nothing was written
    QList<shellenv::TargetResult> results; ///< empty when nothing was written
    QList<shellenv::TargetState> states; ///< every target's file as it is after the apply
    bool moveAttempted = false;
    MoveReport moveReport; ///< step 1: what was copied or renamed into the new folder
    QString moveError;
    /// Step 3, once the setting is saved: the originals deleted (sourcesRemoved, leftBehind); or,
    /// when no file could be written, the copies undone (undone, error).
    MoveReport finishReport;
    bool finishAttempted = false;

    int writtenCount() const;
    QStringList writeErrors() const;
    /// The move was asked for and did not complete (failed or cancelled): nothing was written.
    bool moveStopped() const { return moveAttempted && (!moveError.isEmpty() || moveReport.cancelled); }
};

/// Runs an ApplyRequest without blocking the GUI thread, in the engine's three move steps: checks
/// the destination on a pool thread, copies the models with a CacheMover (progress, cancel), writes
/// the files (again on a pool thread) only if the copy is whole, then lets the mover delete the
/// originals, or undo the copy when no file could be written. So the saved folder always holds
/// the models and a failure never leaves the cache split (as the CLI and the first-run bar do).
class EnvApplier final : public QObject
{
    Q_OBJECT
public:
    explicit EnvApplier(QObject *parent = nullptr);
    ~EnvApplier() override;

    void start(const ApplyRequest &request);
    /// Cancels the move (then nothing is written); the file writes are short and always finish.
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    /// The destination is fine and the models start moving.
    void moveStarted();
    void moveProgressChanged(const tfhub::MoveProgress &progress);
    void finished(const tfhub::ui::ApplyOutcome &outcome);

private:
    void onStepDone();
    void onMoveFinished(const MoveReport &report, const QString &error);
    void onWritten();
    void startWriting();
    void finish();

    enum class Step { Checking, Moving, Writing, Finishing };

    ApplyRequest m_request;
    ApplyOutcome m_outcome;
    Step m_step = Step::Checking;
    bool m_cancelRequested = false;
    QFutureWatcher<ApplyOutcome> m_watcher;
    CacheMover *m_mover = nullptr;
    bool m_running = false;
};

} // namespace tfhub::ui
