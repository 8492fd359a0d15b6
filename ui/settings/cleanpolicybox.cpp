#include "ui/settings/cleanpolicybox.h"

#include "core/maintenance/cleanpolicytimer.h"
#include "core/settings/appsettings.h"
#include "core/util/humanize.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace tfhub::ui {

namespace {

constexpr double BytesPerGb = 1e9; // as `df -H` and the CLI's "20G": powers of 1000

QLabel *hintLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

CleanPolicyBox::CleanPolicyBox(std::function<QString()> cacheRoot, QWidget *parent)
    : QGroupBox(tr("Automatic cleanup"), parent), m_cacheRoot(std::move(cacheRoot))
{
    setObjectName(QStringLiteral("cleanPolicyGroup"));
    const CleanPolicy stored = maintenance::sharedCleanPolicy();
    auto *form = new QFormLayout(this);

    m_enabled = new QCheckBox(
        tr("Clean up &automatically: when the app starts, and daily with the timer below"), this);
    m_enabled->setObjectName(QStringLiteral("policyEnabled"));
    m_enabled->setChecked(stored.enabled);
    form->addRow(m_enabled);
    form->addRow(hintLabel(tr("Always removes stale leftovers: abandoned downloads, stale locks, orphan "
                              "descriptors and empty folders. Never removes a pinned model, one read in the "
                              "last %1 hours, or one a running program has open.")
                               .arg(maintenance::RecentUseHours),
        this));

    m_unused = new QCheckBox(tr("Also remove models &unused for"), this);
    m_unused->setObjectName(QStringLiteral("policyUnused"));
    m_unused->setChecked(stored.unusedEnabled);
    m_unusedDays = new QSpinBox(this);
    m_unusedDays->setObjectName(QStringLiteral("policyUnusedDays"));
    m_unusedDays->setRange(settings::CleanPolicyUnusedDays.min, settings::CleanPolicyUnusedDays.max);
    m_unusedDays->setSuffix(tr(" days"));
    m_unusedDays->setValue(stored.unusedDays);
    form->addRow(m_unused, m_unusedDays);

    m_budget = new QCheckBox(tr("Keep the cache &under"), this);
    m_budget->setObjectName(QStringLiteral("policyBudget"));
    m_budget->setChecked(stored.budgetEnabled);
    m_budgetGb = new QDoubleSpinBox(this);
    m_budgetGb->setObjectName(QStringLiteral("policyBudgetGb"));
    m_budgetGb->setDecimals(1);
    m_budgetGb->setRange(double(settings::CleanPolicyMaxBytes.min) / BytesPerGb,
        double(settings::CleanPolicyMaxBytes.max) / BytesPerGb);
    m_budgetGb->setSuffix(tr(" GB"));
    m_budgetGb->setValue(double(stored.maxBytes) / BytesPerGb);
    m_budgetGb->setToolTip(tr("Least recently used models go first. 1 GB is 1,000,000,000 bytes."));
    form->addRow(m_budget, m_budgetGb);

    for (QCheckBox *check : { m_enabled, m_unused, m_budget })
        connect(check, &QCheckBox::toggled, this, &CleanPolicyBox::onEdited);
    connect(m_unusedDays, &QSpinBox::valueChanged, this, &CleanPolicyBox::onEdited);
    connect(m_budgetGb, &QDoubleSpinBox::valueChanged, this, &CleanPolicyBox::onEdited);

    auto *timerRow = new QWidget(this);
    auto *timerLayout = new QHBoxLayout(timerRow);
    timerLayout->setContentsMargins(0, 0, 0, 0);
    m_timerState = new QLabel(timerRow);
    m_timerState->setObjectName(QStringLiteral("timerState"));
    m_timerState->setWordWrap(true);
    m_install = new QPushButton(tr("&Install Timer"), timerRow);
    m_install->setObjectName(QStringLiteral("installTimer"));
    m_remove = new QPushButton(tr("Remove Timer"), timerRow);
    m_remove->setObjectName(QStringLiteral("removeTimer"));
    timerLayout->addWidget(m_timerState, 1);
    timerLayout->addWidget(m_install);
    timerLayout->addWidget(m_remove);
    form->addRow(tr("Daily timer:"), timerRow);
    connect(m_install, &QPushButton::clicked, this, &CleanPolicyBox::installTimer);
    connect(m_remove, &QPushButton::clicked, this, &CleanPolicyBox::removeTimer);

    m_cronRow = new QWidget(this);
    auto *cronLayout = new QHBoxLayout(m_cronRow);
    cronLayout->setContentsMargins(0, 0, 0, 0);
    m_cronLine = new QLineEdit(m_cronRow);
    m_cronLine->setObjectName(QStringLiteral("cronLine"));
    m_cronLine->setReadOnly(true);
    auto *copy = new QPushButton(tr("Copy"), m_cronRow);
    connect(copy, &QPushButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_cronLine->text()); });
    cronLayout->addWidget(m_cronLine, 1);
    cronLayout->addWidget(copy);
    form->addRow(tr("Or with cron:"), m_cronRow);

    m_lastRun = new QLabel(this);
    m_lastRun->setObjectName(QStringLiteral("lastRun"));
    m_lastRun->setWordWrap(true);
    m_lastRun->setTextFormat(Qt::PlainText);
    form->addRow(tr("Last run:"), m_lastRun);
    refresh();
}

CleanPolicy CleanPolicyBox::policy() const
{
    CleanPolicy p;
    p.enabled = m_enabled->isChecked();
    p.unusedEnabled = m_unused->isChecked();
    p.unusedDays = m_unusedDays->value();
    p.budgetEnabled = m_budget->isChecked();
    p.maxBytes = qint64(m_budgetGb->value() * BytesPerGb);
    return p;
}

void CleanPolicyBox::onEdited()
{
    const CleanPolicy p = policy();
    m_unusedDays->setEnabled(p.enabled && p.unusedEnabled);
    m_budgetGb->setEnabled(p.enabled && p.budgetEnabled);
    m_unused->setEnabled(p.enabled);
    m_budget->setEnabled(p.enabled);
    if (p == maintenance::sharedCleanPolicy())
        return;
    maintenance::writeCleanPolicy(*settings::openShared(), p);
    Q_EMIT policyChanged(p);
}

void CleanPolicyBox::refresh()
{
    onEdited();
    showTimerState();
    const Result<PolicyReport> report = maintenance::readCleanReport();
    if (!report) {
        m_lastRun->setText(tr("None yet."));
        return;
    }
    m_lastRun->setText(
        tr("%1 (%2, %3): %4")
            .arg(util::relativeTime(report->finished), report->trigger,
                QDir::toNativeSeparators(report->cacheRoot), maintenance::reportSummary(*report)));
}

void CleanPolicyBox::showTimerState(const QString &note)
{
    const QString cli = maintenance::cliExecutable();
    const QString root = m_cacheRoot();
    const maintenance::TimerState s = maintenance::timerState(cli, root);
    QString text;
    if (!s.installed)
        text = tr("Not installed.");
    else if (!s.current)
        text = tr("Installed for %1; install again to clean this folder.")
                   .arg(QDir::toNativeSeparators(s.installedCacheRoot));
    else if (!s.managerRunning)
        text = tr("Installed, but no systemd user manager runs in this session, so it does not run; use the "
                  "cron line.");
    else
        text = s.enabled ? tr("Installed and enabled: runs daily.") : tr("Installed but not enabled.");
    if (!note.isEmpty())
        text += QLatin1Char(' ') + note;
    m_timerState->setText(text);
    m_install->setText(s.installed ? tr("Re&install Timer") : tr("&Install Timer"));
    m_install->setEnabled(!cli.isEmpty());
    m_remove->setEnabled(s.installed);
    m_cronLine->setText(maintenance::cronLine(cli.isEmpty() ? QStringLiteral("tfhub-cache") : cli, root));
    m_cronRow->setVisible(!s.managerRunning);
}

void CleanPolicyBox::installTimer()
{
    QString note;
    const Status s = maintenance::installTimer(maintenance::cliExecutable(), m_cacheRoot(), &note);
    showTimerState(s ? note : s.error());
}

void CleanPolicyBox::removeTimer()
{
    const Status s = maintenance::removeTimer();
    showTimerState(s ? QString() : s.error());
}

} // namespace tfhub::ui
