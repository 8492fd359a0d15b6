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
    QString moveFrom; ///< empty: move nothing
    QString moveTo;
};

/// How an ApplyRequest went. Every step is reported, so the page can say exactly what happened.
struct ApplyOutcome final
{
    QString checkError; ///< the destination cannot take the models: nothing was written
    QList<shellenv::TargetResult> results;
    QList<shellenv::TargetState> states; ///< every target's file as it is after the writes
    bool moveAttempted = false;
    MoveReport moveReport;
    QString moveError;

    int writtenCount() const;
    QStringList writeErrors() const;
};

/// Runs an ApplyRequest without blocking the GUI thread: checks the move's destination and writes
/// the files on a pool thread, then moves the models with a CacheMover (progress, cancel).
/// The destination is checked before anything is written, so a folder that cannot be created is
/// never persisted.
class EnvApplier final : public QObject
{
    Q_OBJECT
public:
    explicit EnvApplier(QObject *parent = nullptr);
    ~EnvApplier() override;

    void start(const ApplyRequest &request);
    /// Cancels the move; the file writes are short and always finish.
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    /// The files are written and the models start moving.
    void moveStarted();
    void moveProgressChanged(const tfhub::MoveProgress &progress);
    void finished(const tfhub::ui::ApplyOutcome &outcome);

private:
    void onWritten();
    void onMoveFinished(const MoveReport &report, const QString &error);
    void finish();

    ApplyRequest m_request;
    ApplyOutcome m_outcome;
    QFutureWatcher<ApplyOutcome> m_writeWatcher;
    CacheMover *m_mover = nullptr;
    bool m_running = false;
};

} // namespace tfhub::ui
