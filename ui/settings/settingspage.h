#pragma once

#include "core/hub/hubsettings.h"
#include "core/shellenv/envpersistence.h"
#include "ui/settings/downloadsbox.h"
#include "ui/settings/effectivevalues.h"

#include <QMap>
#include <QProcessEnvironment>
#include <QWidget>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QVBoxLayout;

namespace tfhub {
class DownloadQueue;
struct MoveProgress;
} // namespace tfhub

namespace tfhub::ui {

class CacheFolderBox;
class EnvApplier;
class EnvPreviewBox;
class MessageBar;
struct ApplyOutcome;

/// The Settings page: a form of group boxes, one per area.
/// - Cache folder, load format and the files they are saved in: edited freely with a live preview
///   of the exact lines, written only by Apply (or removed by Unset), optionally moving the models
///   along; then the effective values per shell show whether new programs see them.
/// - Downloads: changes apply at once and persist in QSettings; there is nothing to confirm.
class SettingsPage final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int DefaultConcurrency = DownloadsBox::DefaultConcurrency;
    static constexpr int MaxConcurrency = DownloadsBox::MaxConcurrency;
    static constexpr int DefaultStallTimeoutSecs = DownloadsBox::DefaultStallTimeoutSecs;
    static constexpr int DefaultRetries = DownloadsBox::DefaultRetries;

    /// The targets chosen last time (their machine names); absent: Locations::defaultTargets().
    static QString targetsKey();

    /// Applies the persisted download settings to `queue` (concurrency now; stall timeout and
    /// retries for the jobs it starts from now on).
    static void applyStoredSettings(DownloadQueue *queue);

    /// `current` is what this program uses now, with where each value came from. The files are
    /// found from this process's environment (HOME, ZDOTDIR, XDG_CONFIG_HOME).
    SettingsPage(DownloadQueue *queue, const HubSettings &current, QWidget *parent = nullptr);
    /// Resolves the current values from the environment; the queue's cache root, when it differs,
    /// counts as given on the command line.
    explicit SettingsPage(DownloadQueue *queue, QWidget *parent = nullptr);

    /// Another part of the window changed what this program uses (e.g. the first-run bar moved
    /// the cache): shows it and checks the effective values again.
    void setCurrent(const HubSettings &current);
    /// Another part of the window moved the cache to `dir` and saved it (the first-run bar): this
    /// program uses `dir` now, though its environment still names the old folder. `how` says so in
    /// the source label.
    void adoptCacheDir(const QString &dir, const QString &how);
    const HubSettings &current() const { return m_current; }

    MessageBar *messageBar() const { return m_bar; }
    /// Whether an Apply or Unset (and its move) is still running.
    bool isBusy() const;

Q_SIGNALS:
    /// A download setting changed (and is already applied to the queue).
    void settingsChanged();
    /// Apply saved a new cache folder (and moved the models, if asked); the window should use it.
    void cacheDirChanged(const QString &dir);
    /// Apply saved a load format; it is already set on the download queue.
    void loadFormatChanged(const QString &format);
    /// An Apply or Unset is over, however it went; the message bar says how.
    void applyFinished(bool ok);

private:
    QWidget *createLoadFormatGroup();
    QWidget *createTargetsGroup();
    QWidget *createApplyRow();

    void loadStates(const QList<shellenv::TargetState> &states);
    void showCurrentSource();
    QList<shellenv::Target> checkedTargets() const;
    /// The form as changes to write; an error when the folder is not usable.
    Result<shellenv::Changes> formChanges() const;
    void updatePreview();
    void startApply(bool unset);
    void onMoveProgress(const MoveProgress &progress);
    void onApplied(const ApplyOutcome &outcome);
    /// After Apply saved the form: this program uses the saved folder and load format now.
    void adoptSavedValues();
    void setBusy(bool busy);
    VariableValues savedValues() const;
    VariableValues programValues() const;
    void refreshEffective();

    DownloadQueue *m_queue;
    HubSettings m_current;
    QProcessEnvironment m_env;
    shellenv::EnvPersistence m_persistence;
    QMap<shellenv::Target, shellenv::TargetState> m_states; ///< the files as last read, for the preview
    VariableValues m_program; ///< what this program uses, as values of the variables

    MessageBar *m_bar = nullptr;
    QVBoxLayout *m_sections = nullptr;

    CacheFolderBox *m_cacheBox = nullptr;
    QWidget *m_formatBox = nullptr;
    QButtonGroup *m_formats = nullptr;
    QWidget *m_targetsBox = nullptr;
    QMap<shellenv::Target, QCheckBox *> m_targetChecks;
    EnvPreviewBox *m_preview = nullptr;
    QPushButton *m_apply = nullptr;
    QPushButton *m_unset = nullptr;
    QWidget *m_moveRow = nullptr;
    QLabel *m_moveLabel = nullptr;
    QProgressBar *m_moveProgress = nullptr;
    QPushButton *m_cancelMove = nullptr;
    EffectiveValuesBox *m_effective = nullptr;
    EnvApplier *m_applier = nullptr;
    /// Why m_current.cacheDir differs from its source (Apply, the first-run bar); empty: it does not.
    QString m_switchedBy;
    bool m_pendingUnset = false;
    shellenv::Changes m_pendingChanges;
};

} // namespace tfhub::ui
