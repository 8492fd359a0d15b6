#include "ui/settings/envapplier.h"

#include <QFileInfo>
#include <QtConcurrent>

namespace tfhub::ui {

int ApplyOutcome::writtenCount() const
{
    return static_cast<int>(std::count_if(
        results.cbegin(), results.cend(), [](const shellenv::TargetResult &r) { return r.error.isEmpty(); }));
}

QStringList ApplyOutcome::writeErrors() const
{
    QStringList errors;
    for (const shellenv::TargetResult &r : results) {
        if (!r.error.isEmpty())
            errors << r.error;
    }
    return errors;
}

EnvApplier::EnvApplier(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<MoveProgress>();
    connect(&m_watcher, &QFutureWatcher<ApplyOutcome>::finished, this, &EnvApplier::onStepDone);
}

EnvApplier::~EnvApplier()
{
    // The check and the writes take milliseconds; the mover's own destructor cancels and joins
    // its thread.
    m_watcher.waitForFinished();
}

void EnvApplier::start(const ApplyRequest &request)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_request = request;
    m_outcome = ApplyOutcome();
    m_step = Step::Checking;
    m_cancelRequested = false;
    m_watcher.setFuture(QtConcurrent::run([request] {
        ApplyOutcome o;
        o.unset = request.unset;
        // A cache that does not exist yet has nothing to move; that is no reason to refuse.
        if (!request.moveFrom.isEmpty() && QFileInfo::exists(request.moveFrom)) {
            if (Status s = maintenance::checkMoveDestination(request.moveFrom, request.moveTo, 0); !s)
                o.checkError = s.error();
            else
                o.moveAttempted = true;
        }
        o.states = shellenv::EnvPersistence(request.locations).readAll();
        return o;
    }));
}

void EnvApplier::cancel()
{
    // Cancel may come while the destination is still being checked: then the move never starts.
    m_cancelRequested = true;
    if (m_mover)
        m_mover->cancel();
}

void EnvApplier::onStepDone()
{
    m_outcome = m_watcher.result();
    if (m_step == Step::Writing) {
        onWritten();
        return;
    }
    if (!m_outcome.checkError.isEmpty()) {
        finish();
        return;
    }
    if (!m_outcome.moveAttempted) {
        startWriting();
        return;
    }
    if (m_cancelRequested) {
        m_outcome.moveReport.from = m_request.moveFrom;
        m_outcome.moveReport.to = m_request.moveTo;
        m_outcome.moveReport.cancelled = true;
        finish();
        return;
    }
    m_step = Step::Moving;
    m_mover = new CacheMover(this);
    connect(m_mover, &CacheMover::progressChanged, this, &EnvApplier::moveProgressChanged);
    connect(m_mover, &CacheMover::finished, this, &EnvApplier::onMoveFinished);
    Q_EMIT moveStarted();
    // Without the user's consent a model being downloaded refuses the whole move: the saved folder
    // would otherwise silently lack it.
    MoveOptions options;
    options.leaveBehind = m_request.leaveBehind;
    m_mover->start(m_request.moveFrom, m_request.moveTo, options);
}

void EnvApplier::onMoveFinished(const MoveReport &report, const QString &error)
{
    if (m_step == Step::Finishing) {
        m_outcome.finishReport = report;
        finish();
        return;
    }
    m_outcome.moveReport = report;
    m_outcome.moveError = error;
    // The engine undid a move that failed or was cancelled: the models are all in the old folder,
    // which the files keep naming.
    if (!report.switchable() || m_outcome.moveStopped())
        finish();
    else
        startWriting();
}

void EnvApplier::onWritten()
{
    if (!m_mover) {
        finish();
        return;
    }
    // Step 3: the files name the new folder now, so the originals go; if no file names it, the
    // copies go instead and the old folder stays whole.
    m_step = Step::Finishing;
    m_outcome.finishAttempted = true;
    if (m_outcome.writtenCount() > 0)
        m_mover->finishMove();
    else
        m_mover->undoMove();
}

void EnvApplier::startWriting()
{
    m_step = Step::Writing;
    m_watcher.setFuture(QtConcurrent::run([request = m_request, outcome = m_outcome]() mutable {
        const shellenv::EnvPersistence persistence(request.locations);
        outcome.results = persistence.apply(request.targets, request.changes);
        outcome.states = persistence.readAll();
        return outcome;
    }));
}

void EnvApplier::finish()
{
    if (m_mover) {
        m_mover->deleteLater();
        m_mover = nullptr;
    }
    m_running = false;
    Q_EMIT finished(m_outcome);
}

} // namespace tfhub::ui
