#pragma once

#include "core/maintenance/cleanupplan.h"

#include <QFutureWatcher>
#include <QWidget>

#include <atomic>
#include <memory>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;
class QTreeView;

namespace tfhub::ui {

class CleanupPlanModel;
class LiveCache;
class MessageBar;

/// The Clean Up page: rule toggles with their parameters; the plan of the live cache grouped by
/// rule with checkboxes, per-group and total bytes, planned again off the GUI thread whenever a
/// rule or the cache changes; Run (delete, or move to the trash) with progress and cancel, and a
/// summary of what was freed and what was skipped and why. It also shows the automatic policy
/// and its last run, with a link to where it is set.
class CleanupPage final : public QWidget
{
    Q_OBJECT
public:
    explicit CleanupPage(LiveCache *live, QWidget *parent = nullptr);
    ~CleanupPage() override;

    CleanupRules rules() const;
    CleanupPlanModel *model() const { return m_model; }
    MessageBar *messageBar() const { return m_bar; }
    bool isPlanning() const;
    bool isRunning() const;

public Q_SLOTS:
    /// Plans again now (otherwise shortly after the last change).
    void replan();
    /// Carries out the checked items.
    void run();
    void cancel();
    /// Reads the policy and its last report again.
    void refreshPolicy();

Q_SIGNALS:
    /// The user asked to change the automatic policy (the Settings page).
    void settingsRequested();
    /// A plan arrived and is shown.
    void planned();
    /// A run ended (finished or cancelled); the bar says how.
    void runFinished(const tfhub::CleanupReport &report);

private:
    QWidget *createRulesBox();
    QWidget *createPolicyRow();
    QWidget *createRunRow();
    void scheduleReplan();
    void onPlanned();
    void onProgress(const CleanupProgress &progress);
    void onRunFinished();
    void updateTotals();
    void updateEnabled();

    LiveCache *m_live;
    CleanupPlanModel *m_model = nullptr;
    MessageBar *m_bar = nullptr;
    QTimer *m_replanTimer = nullptr;

    QCheckBox *m_stale = nullptr;
    QCheckBox *m_broken = nullptr;
    QCheckBox *m_verify = nullptr;
    QCheckBox *m_duplicates = nullptr;
    QCheckBox *m_unused = nullptr;
    QSpinBox *m_unusedDays = nullptr;
    QCheckBox *m_budget = nullptr;
    QDoubleSpinBox *m_budgetGb = nullptr;
    QCheckBox *m_trash = nullptr;

    QTreeView *m_view = nullptr;
    QLabel *m_notes = nullptr;
    QLabel *m_total = nullptr;
    QPushButton *m_run = nullptr;
    QPushButton *m_cancel = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_policy = nullptr;

    QFutureWatcher<CleanupPlan> *m_planWatcher = nullptr;
    bool m_replanPending = false;
    QFutureWatcher<CleanupReport> *m_runWatcher = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancelFlag;
};

} // namespace tfhub::ui

Q_DECLARE_METATYPE(tfhub::CleanupReport)
