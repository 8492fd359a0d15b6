#pragma once

#include "core/hub/hubsettings.h"
#include "core/maintenance/cachemover.h"
#include "core/shellenv/envpersistence.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>

namespace tfhub::ui {

class MessageBar;

/// The first-run messages of the main window, shown in a MessageBar:
/// - an invalid TFHUB_MODEL_LOAD_FORMAT (tensorflow_hub then fails to load models), with a fix;
/// - a cache folder that is cleared on restart, with "Use ~/.cache/tfhub_modules" and "Not now"
///   (remembered in QSettings). "Use" runs the engine's three move steps off the GUI thread: copies
///   the models (progress, cancel), saves the folder only if that succeeded, then deletes the
///   originals, or undoes the copy if no file could be saved; the cache is never split. A model
///   being downloaded refuses the move before anything changes (the message names it).
class FirstRunBar final : public QObject
{
    Q_OBJECT
public:
    explicit FirstRunBar(MessageBar *bar, QObject *parent = nullptr);
    ~FirstRunBar() override;

    /// Shows the most urgent message for `settings`, if any. Returns whether one is shown.
    bool check(const HubSettings &settings);

    /// The QSettings key that remembers "Not now".
    static QString dismissedKey();

Q_SIGNALS:
    /// The models moved and the folder is persisted; the running app should use `dir` now.
    void cacheDirChanged(const QString &dir);
    void loadFormatFixed(const QString &format);
    /// The work behind a button is over (done, failed or cancelled); the bar says how it went.
    void finished(bool ok);

private:
    void showLoadFormatWarning();
    void showTemporaryWarning();
    void useSuggestedFolder();
    void onMoveFinished(const tfhub::MoveReport &report, const QString &error);
    void onCopied(const tfhub::MoveReport &report, const QString &error);
    void onPersisted();
    void onMoveCompleted(const tfhub::MoveReport &report);
    void persist(int variable, const QString &value, const QString &done);

    QPointer<MessageBar> m_bar;
    HubSettings m_settings;
    QString m_target;
    CacheMover *m_mover = nullptr;
    bool m_copied = false; ///< step 1 is over: the mover is saving, finishing or undoing
    MoveReport m_copyReport; ///< step 1's report, while the later steps run
    QString m_persistErrors;
    QFutureWatcher<QList<shellenv::TargetResult>> m_persistWatcher;
};

} // namespace tfhub::ui
