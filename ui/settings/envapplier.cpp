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
    connect(&m_writeWatcher, &QFutureWatcher<ApplyOutcome>::finished, this, &EnvApplier::onWritten);
}

EnvApplier::~EnvApplier()
{
    // The writes take milliseconds; the mover's own destructor cancels and joins its thread.
    m_writeWatcher.waitForFinished();
}

void EnvApplier::start(const ApplyRequest &request)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_request = request;
    m_outcome = ApplyOutcome();
    m_writeWatcher.setFuture(QtConcurrent::run([request] {
        ApplyOutcome o;
        // A cache that does not exist yet has nothing to move; that is no reason to refuse.
        if (!request.moveFrom.isEmpty() && QFileInfo::exists(request.moveFrom)) {
            if (Status s = maintenance::checkMoveDestination(request.moveFrom, request.moveTo, 0); !s) {
                o.checkError = s.error();
                return o;
            }
            o.moveAttempted = true;
        }
        const shellenv::EnvPersistence persistence(request.locations);
        o.results = persistence.apply(request.targets, request.changes);
        o.states = persistence.readAll();
        return o;
    }));
}

void EnvApplier::cancel()
{
    if (m_mover)
        m_mover->cancel();
}

void EnvApplier::onWritten()
{
    m_outcome = m_writeWatcher.result();
    // Moving the models only makes sense when at least one file now points to their new folder.
    if (!m_outcome.moveAttempted || m_outcome.writtenCount() == 0) {
        m_outcome.moveAttempted = false;
        finish();
        return;
    }
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
    finish();
}

void EnvApplier::finish()
{
    m_running = false;
    Q_EMIT finished(m_outcome);
}

} // namespace tfhub::ui
