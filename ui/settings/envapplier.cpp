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
    if (m_step == Step::Writing || !m_outcome.checkError.isEmpty()) {
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
    m_mover->start(m_request.moveFrom, m_request.moveTo);
}

void EnvApplier::onMoveFinished(const MoveReport &report, const QString &error)
{
    m_outcome.moveReport = report;
    m_outcome.moveError = error;
    m_mover->deleteLater();
    m_mover = nullptr;
    // The files keep naming the folder that holds the models: a move that did not complete
    // saves nothing.
    if (m_outcome.moveStopped())
        finish();
    else
        startWriting();
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
    m_running = false;
    Q_EMIT finished(m_outcome);
}

} // namespace tfhub::ui
