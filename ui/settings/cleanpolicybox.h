#pragma once

#include "core/maintenance/cleanpolicy.h"

#include <QGroupBox>

#include <functional>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace tfhub::ui {

/// The Settings page's "Automatic cleanup" section: the policy (off by default; stale leftovers
/// always, unused for N days, a size budget), saved at once in the settings file the CLI reads too;
/// the daily systemd user timer with its state, install and remove, and the cron line where no user
/// manager runs; the last run's report.
class CleanPolicyBox final : public QGroupBox
{
    Q_OBJECT
public:
    /// `cacheRoot` gives the folder the timer should clean (the one this program uses now).
    explicit CleanPolicyBox(std::function<QString()> cacheRoot, QWidget *parent = nullptr);

    CleanPolicy policy() const;
    /// Reads the timer's unit files and the last report again.
    void refresh();

Q_SIGNALS:
    /// The policy changed and is saved.
    void policyChanged(const tfhub::CleanPolicy &policy);

private:
    void onEdited();
    void installTimer();
    void removeTimer();
    void showTimerState(const QString &note = QString());

    std::function<QString()> m_cacheRoot;
    QCheckBox *m_enabled = nullptr;
    QCheckBox *m_unused = nullptr;
    QSpinBox *m_unusedDays = nullptr;
    QCheckBox *m_budget = nullptr;
    QDoubleSpinBox *m_budgetGb = nullptr;
    QLabel *m_timerState = nullptr;
    QPushButton *m_install = nullptr;
    QPushButton *m_remove = nullptr;
    QWidget *m_cronRow = nullptr;
    QLineEdit *m_cronLine = nullptr;
    QLabel *m_lastRun = nullptr;
};

} // namespace tfhub::ui
