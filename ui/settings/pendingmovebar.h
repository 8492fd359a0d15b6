#pragma once

#include "core/maintenance/cachemover.h"
#include "core/shellenv/envpersistence.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>

namespace tfhub::ui {

class MessageBar;

/// Offers, in the main window's MessageBar, to finish or undo a cache move that a crash or a kill
/// cut short (maintenance::pendingMove()). Finish saves the move's destination as TFHUB_CACHE_DIR
/// (off the GUI thread) and then deletes the originals; Undo puts every model back in the source.
class PendingMoveBar final : public QObject
{
    Q_OBJECT
public:
    explicit PendingMoveBar(MessageBar *bar, QObject *parent = nullptr);
    ~PendingMoveBar() override;

    /// Shows the offer when a move recorded in `cacheDir` (its source or destination) is pending.
    /// Returns whether one is shown.
    bool check(const QString &cacheDir);

Q_SIGNALS:
    /// Finish saved the destination and completed the move; the running app should use `dir`.
    void cacheDirChanged(const QString &dir);
    /// Undo put the models back in `dir`; the running app should use it.
    void restored(const QString &dir);
    void finished(bool ok);

private:
    void finishMove();
    void undoMove();
    void onPersisted();
    void onMoverFinished(const tfhub::MoveReport &report, const QString &error);

    QPointer<MessageBar> m_bar;
    maintenance::MoveJournal m_journal;
    CacheMover *m_mover = nullptr;
    bool m_finishing = false;
    QString m_persistErrors;
    QFutureWatcher<QList<shellenv::TargetResult>> m_persistWatcher;
};

} // namespace tfhub::ui
