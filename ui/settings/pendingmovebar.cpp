#include "ui/settings/pendingmovebar.h"

#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QtConcurrent>

namespace tfhub::ui {

PendingMoveBar::PendingMoveBar(MessageBar *bar, QObject *parent) : QObject(parent), m_bar(bar)
{
    Q_ASSERT(bar);
    connect(&m_persistWatcher, &QFutureWatcher<QList<shellenv::TargetResult>>::finished, this,
        &PendingMoveBar::onPersisted);
}

PendingMoveBar::~PendingMoveBar()
{
    m_persistWatcher.waitForFinished();
}

bool PendingMoveBar::check(const QString &cacheDir)
{
    const Result<std::optional<maintenance::MoveJournal>> pending = maintenance::pendingMove(cacheDir);
    if (!m_bar)
        return false;
    if (!pending) {
        m_bar->showMessage(MessageBar::Kind::Error, pending.error());
        return true;
    }
    if (!*pending)
        return false;
    m_journal = **pending;
    const bool canUndo = m_journal.phase != maintenance::MoveJournal::Phase::Removing;
    m_bar->showMessage(MessageBar::Kind::Warning,
        canUndo ? tr("Moving the cache from %1 to %2 was cut short (%n model(s)). Finish the move, which "
                     "saves %2 as the cache folder, or undo it, which puts every model back in %1.",
            nullptr, static_cast<int>(m_journal.items.size()))
                      .arg(m_journal.from, m_journal.to)
                : tr("Moving the cache from %1 to %2 was cut short after %2 was saved as the cache "
                     "folder; finish it to delete the models left in %1.")
                      .arg(m_journal.from, m_journal.to));
    auto *finish = new QAction(tr("Finish"), m_bar);
    finish->setObjectName(QStringLiteral("finishMoveAction"));
    connect(finish, &QAction::triggered, this, &PendingMoveBar::finishMove);
    m_bar->addAction(finish);
    if (canUndo) {
        auto *undo = new QAction(tr("Undo"), m_bar);
        undo->setObjectName(QStringLiteral("undoMoveAction"));
        connect(undo, &QAction::triggered, this, &PendingMoveBar::undoMove);
        m_bar->addAction(undo);
    }
    return true;
}

void PendingMoveBar::finishMove()
{
    if (m_mover || m_persistWatcher.isRunning())
        return;
    m_finishing = true;
    m_bar->showMessage(MessageBar::Kind::Information, tr("Saving %1 as the cache folder…").arg(m_journal.to));
    // The setting names the destination before any original is deleted.
    m_persistWatcher.setFuture(QtConcurrent::run([to = m_journal.to] {
        const shellenv::EnvPersistence p;
        QList<shellenv::Target> targets = p.locations().defaultTargets();
        for (const shellenv::TargetState &s : p.readAll()) {
            if (s.hasBlock && !targets.contains(s.target))
                targets << s.target;
        }
        shellenv::Changes changes;
        changes.insert(shellenv::Variable::CacheDir, to);
        return p.apply(targets, changes);
    }));
}

void PendingMoveBar::onPersisted()
{
    const QList<shellenv::TargetResult> results = m_persistWatcher.result();
    QStringList errors;
    for (const shellenv::TargetResult &r : results) {
        if (!r.error.isEmpty())
            errors << r.error;
    }
    m_persistErrors = errors.join(QLatin1Char('\n'));
    if (errors.size() == results.size()) {
        // Nothing names the destination: deleting the originals would leave the setting without them.
        m_finishing = false;
        if (m_bar)
            m_bar->showMessage(MessageBar::Kind::Error,
                m_persistErrors + QLatin1Char(' ')
                    + tr("Nothing was saved, so the move was not finished; the models are in %1.")
                          .arg(m_journal.to));
        Q_EMIT finished(false);
        return;
    }
    m_mover = new CacheMover(this);
    connect(m_mover, &CacheMover::finished, this, &PendingMoveBar::onMoverFinished);
    m_mover->finishMove(m_journal.to);
}

void PendingMoveBar::undoMove()
{
    if (m_mover || m_persistWatcher.isRunning())
        return;
    m_finishing = false;
    m_bar->showMessage(
        MessageBar::Kind::Information, tr("Putting the models back in %1…").arg(m_journal.from));
    m_mover = new CacheMover(this);
    connect(m_mover, &CacheMover::finished, this, &PendingMoveBar::onMoverFinished);
    m_mover->undoMove(m_journal.to);
}

void PendingMoveBar::onMoverFinished(const MoveReport &report, const QString &error)
{
    m_mover->deleteLater();
    m_mover = nullptr;
    const bool ok = error.isEmpty() && (m_finishing ? report.sourcesRemoved : report.undone);
    if (m_bar) {
        QString text;
        if (!ok)
            text = (m_finishing ? tr("Finishing the move failed: %1") : tr("Undoing the move failed: %1"))
                       .arg(error.isEmpty() ? tr("it did not complete.") : error);
        else if (m_finishing)
            text = tr("The move is finished: your models are in %1, the cache folder for new programs.")
                       .arg(m_journal.to);
        else
            text = tr("The move is undone: your models are back in %1.").arg(m_journal.from);
        if (!m_persistErrors.isEmpty())
            text = m_persistErrors + QLatin1Char(' ') + text;
        m_bar->showMessage(ok ? MessageBar::Kind::Positive : MessageBar::Kind::Error, text,
            report.leftBehind.join(QLatin1Char('\n')));
    }
    if (ok && m_finishing)
        Q_EMIT cacheDirChanged(m_journal.to);
    else if (ok)
        Q_EMIT restored(m_journal.from);
    Q_EMIT finished(ok);
}

} // namespace tfhub::ui
