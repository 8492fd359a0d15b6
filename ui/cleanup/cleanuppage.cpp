#include "ui/cleanup/cleanuppage.h"
#include "ui/widgets/modelname.h"

#include "core/gcs/gcslocation.h"
#include "core/gcs/gcsurl.h"
#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/pins.h"
#include "core/util/humanize.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/livecache.h"
#include "ui/cleanup/cleanupplanmodel.h"
#include "ui/widgets/messagebar.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace tfhub::ui {

namespace {

constexpr int ReplanDelayMs = 250; // coalesces a scan's batches and a spin box's steps
constexpr double BytesPerGb = 1e9; // as `df -H` and the CLI's "20G"

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes);
}

QString skippedDetails(const CleanupReport &report)
{
    QStringList lines;
    for (const CleanupSkip &s : report.skipped)
        lines << QCoreApplication::translate("tfhub::ui::CleanupPage", "Skipped %1: %2")
                     .arg(s.handle.isEmpty() ? s.key : s.handle, s.reason);
    lines += report.errors;
    return lines.join(QLatin1Char('\n'));
}

// A Cloud Storage cache plans through its location: no access times there (the planner refuses
// the unused rule and budgets by download time), pins read from the bucket.
CleanupPlan planCloud(const QString &root, const QList<CacheEntry> &entries, const CleanupRules &rules,
    const ScanOptions &options)
{
    Result<std::unique_ptr<CacheLocation>> location = openCacheLocation(root);
    if (!location) {
        CleanupPlan plan;
        plan.root = root;
        plan.notes << location.error();
        return plan;
    }
    const Result<PinSet> pins = maintenance::readPins(**location);
    CleanupPlan plan = maintenance::planCleanup(**location, entries, pins ? *pins : PinSet(), rules, options);
    if (!pins)
        plan.notes.prepend(pins.error());
    return plan;
}

CleanupReport runCloud(const CleanupPlan &plan, const std::function<bool(const CleanupProgress &)> &progress,
    const ScanOptions &options)
{
    Result<std::unique_ptr<CacheLocation>> location = openCacheLocation(plan.root);
    if (!location) {
        CleanupReport report;
        report.errors << location.error();
        return report;
    }
    return maintenance::executeCleanup(**location, plan, CleanupMode::Delete, progress, options);
}

} // namespace

CleanupPage::CleanupPage(LiveCache *live, QWidget *parent)
    : QWidget(parent)
    , m_live(live)
    , m_model(new CleanupPlanModel(this))
    , m_cancelFlag(std::make_shared<std::atomic<bool>>(false))
{
    Q_ASSERT(live);
    setObjectName(QStringLiteral("cleanupPage"));
    m_replanTimer = new QTimer(this);
    m_replanTimer->setSingleShot(true);
    m_replanTimer->setInterval(ReplanDelayMs);
    connect(m_replanTimer, &QTimer::timeout, this, &CleanupPage::replan);
    m_planWatcher = new QFutureWatcher<CleanupPlan>(this);
    connect(m_planWatcher, &QFutureWatcher<CleanupPlan>::finished, this, &CleanupPage::onPlanned);
    m_runWatcher = new QFutureWatcher<CleanupReport>(this);
    connect(m_runWatcher, &QFutureWatcher<CleanupReport>::finished, this, &CleanupPage::onRunFinished);

    m_bar = new MessageBar(this);
    m_bar->setObjectName(QStringLiteral("cleanupMessageBar"));
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("cleanupPlanView"));
    m_view->setModel(m_model);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setItemDelegateForColumn(
        CleanupPlanModel::NameColumn, new ModelNameDelegate(CleanupPlanModel::HandleRole, m_view));
    m_view->header()->setSectionResizeMode(CleanupPlanModel::NameColumn, QHeaderView::Interactive);
    m_view->header()->setSectionResizeMode(CleanupPlanModel::ReasonColumn, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(CleanupPlanModel::SizeColumn, QHeaderView::ResizeToContents);
    m_view->header()->setStretchLastSection(false);
    m_view->setColumnWidth(CleanupPlanModel::NameColumn, 380);
    m_notes = new QLabel(this);
    m_notes->setObjectName(QStringLiteral("cleanupNotes"));
    m_notes->setWordWrap(true);
    m_notes->setTextFormat(Qt::PlainText);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_bar);
    layout->addWidget(createPolicyRow());
    layout->addWidget(createRulesBox());
    layout->addWidget(m_notes);
    layout->addWidget(m_view, 1);
    layout->addWidget(createRunRow());

    connect(m_model, &CleanupPlanModel::checkedChanged, this, &CleanupPage::updateTotals);
    connect(m_live, &LiveCache::scanFinished, this, &CleanupPage::scheduleReplan);
    connect(m_live, &LiveCache::rootChanged, this, &CleanupPage::scheduleReplan);
    connect(m_live->model(), &QAbstractItemModel::rowsInserted, this, &CleanupPage::scheduleReplan);
    connect(m_live->model(), &QAbstractItemModel::rowsRemoved, this, &CleanupPage::scheduleReplan);
    connect(m_live->model(), &QAbstractItemModel::dataChanged, this, &CleanupPage::scheduleReplan);
    connect(m_live->model(), &QAbstractItemModel::modelReset, this, &CleanupPage::scheduleReplan);
    refreshPolicy();
    updateTotals();
    scheduleReplan();
}

CleanupPage::~CleanupPage()
{
    m_cancelFlag->store(true);
    m_runWatcher->waitForFinished();
    m_planWatcher->waitForFinished();
}

QWidget *CleanupPage::createPolicyRow()
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    m_policy = new QLabel(row);
    m_policy->setObjectName(QStringLiteral("policyState"));
    m_policy->setWordWrap(true);
    m_policy->setTextFormat(Qt::PlainText);
    auto *settings = new QPushButton(tr("Automatic Cleanup Settings…"), row);
    settings->setObjectName(QStringLiteral("policySettings"));
    settings->setFlat(true);
    connect(settings, &QPushButton::clicked, this, &CleanupPage::settingsRequested);
    layout->addWidget(m_policy, 1);
    layout->addWidget(settings);
    return row;
}

QWidget *CleanupPage::createRulesBox()
{
    auto *box = new QGroupBox(tr("Select"), this);
    auto *grid = new QGridLayout(box);
    auto check = [box](const QString &text, const char *name, bool on, const QString &tip) {
        auto *c = new QCheckBox(text, box);
        c->setObjectName(QString::fromLatin1(name));
        c->setChecked(on);
        c->setToolTip(tip);
        return c;
    };
    m_stale = check(tr("&Stale leftovers"), "ruleStale", true,
        tr("Abandoned downloads, stale locks, orphan descriptors and manifests, empty folders, "
           "temporaries."));
    m_broken = check(tr("&Broken models"), "ruleBroken", true, tr("Models hub.load() cannot load."));
    m_verify = check(tr("&Verify files (reads every byte)"), "ruleVerify", false,
        tr("Also compares models with the manifest written when they were downloaded here."));
    m_duplicates = check(tr("&Duplicates"), "ruleDuplicates", false,
        tr("The same model cached under several handles; the most recently used copy stays."));
    m_unused = check(tr("&Unused for"), "ruleUnused", false, tr("Models nobody loaded for this many days."));
    m_unusedDays = new QSpinBox(box);
    m_unusedDays->setObjectName(QStringLiteral("ruleUnusedDays"));
    m_unusedDays->setRange(1, 3650);
    m_unusedDays->setValue(90);
    m_unusedDays->setSuffix(tr(" days"));
    m_budget
        = check(tr("&Keep the cache under"), "ruleBudget", false, tr("Least recently used models go first."));
    m_budgetGb = new QDoubleSpinBox(box);
    m_budgetGb->setObjectName(QStringLiteral("ruleBudgetGb"));
    m_budgetGb->setDecimals(1);
    m_budgetGb->setRange(0.1, 1e6);
    m_budgetGb->setValue(50);
    m_budgetGb->setSuffix(tr(" GB"));
    grid->addWidget(m_stale, 0, 0);
    grid->addWidget(m_broken, 0, 1);
    grid->addWidget(m_verify, 0, 2);
    grid->addWidget(m_duplicates, 0, 3);
    grid->addWidget(m_unused, 1, 0);
    grid->addWidget(m_unusedDays, 1, 1);
    grid->addWidget(m_budget, 1, 2);
    grid->addWidget(m_budgetGb, 1, 3);
    grid->setColumnStretch(4, 1);
    for (QCheckBox *c : { m_stale, m_broken, m_verify, m_duplicates, m_unused, m_budget })
        connect(c, &QCheckBox::toggled, this, &CleanupPage::scheduleReplan);
    connect(m_unusedDays, &QSpinBox::valueChanged, this, &CleanupPage::scheduleReplan);
    connect(m_budgetGb, &QDoubleSpinBox::valueChanged, this, &CleanupPage::scheduleReplan);
    return box;
}

QWidget *CleanupPage::createRunRow()
{
    auto *row = new QWidget(this);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    m_total = new QLabel(row);
    m_total->setObjectName(QStringLiteral("cleanupTotal"));
    m_trash = new QCheckBox(tr("Move to the &trash instead"), row);
    m_trash->setObjectName(QStringLiteral("cleanupTrash"));
    m_progress = new QProgressBar(row);
    m_progress->setObjectName(QStringLiteral("cleanupProgress"));
    m_progress->hide();
    m_run = new QPushButton(tr("&Clean Up"), row);
    m_run->setObjectName(QStringLiteral("cleanupRun"));
    m_cancel = new QPushButton(tr("Cancel"), row);
    m_cancel->setObjectName(QStringLiteral("cleanupCancel"));
    m_cancel->hide();
    layout->addWidget(m_total, 1);
    layout->addWidget(m_progress, 1);
    layout->addWidget(m_trash);
    layout->addWidget(m_run);
    layout->addWidget(m_cancel);
    connect(m_trash, &QCheckBox::toggled, this, &CleanupPage::updateTotals);
    connect(m_run, &QPushButton::clicked, this, &CleanupPage::run);
    connect(m_cancel, &QPushButton::clicked, this, &CleanupPage::cancel);
    return row;
}

CleanupRules CleanupPage::rules() const
{
    CleanupRules r;
    r.stale = m_stale->isChecked();
    r.broken = m_broken->isChecked();
    r.verify = r.broken && m_verify->isChecked();
    r.duplicates = m_duplicates->isChecked();
    r.unusedDays = m_unused->isChecked() ? m_unusedDays->value() : -1;
    r.maxBytes = m_budget->isChecked() ? qint64(m_budgetGb->value() * BytesPerGb) : -1;
    return r;
}

bool CleanupPage::isPlanning() const
{
    return m_planWatcher->isRunning() || m_replanTimer->isActive();
}

bool CleanupPage::isRunning() const
{
    return m_runWatcher->isRunning();
}

void CleanupPage::scheduleReplan()
{
    m_verify->setEnabled(m_broken->isChecked());
    m_unusedDays->setEnabled(m_unused->isChecked());
    m_budgetGb->setEnabled(m_budget->isChecked());
    m_replanTimer->start();
}

void CleanupPage::replan()
{
    m_replanTimer->stop();
    if (m_planWatcher->isRunning() || isRunning() || m_live->isScanning()) {
        m_replanPending = true;
        return;
    }
    m_replanPending = false;
    const QString root = m_live->root();
    const QList<CacheEntry> entries = m_live->model()->entries();
    const CleanupRules rules = this->rules();
    const ScanOptions options = m_live->scanOptions();
    m_planWatcher->setFuture(QtConcurrent::run([root, entries, rules, options] {
        if (gcs::isGcsUrl(root))
            return planCloud(root, entries, rules, options);
        const Result<PinSet> pins = maintenance::readPins(root);
        CleanupPlan plan = maintenance::planCleanup(root, entries, pins ? *pins : PinSet(), rules, options);
        if (!pins)
            plan.notes.prepend(pins.error());
        return plan;
    }));
    updateEnabled();
}

void CleanupPage::onPlanned()
{
    const CleanupPlan plan = m_planWatcher->result();
    m_model->setPlan(plan);
    m_view->expandAll();
    QStringList notes;
    for (const CleanupRefusal &r : plan.refusals)
        notes << (r.rule.isEmpty() ? r.reason : tr("%1: %2").arg(r.rule, r.reason));
    notes += plan.notes;
    if (!plan.kept.isEmpty())
        notes << tr("Kept %n pinned or in-use item(s).", nullptr, int(plan.kept.size()));
    m_notes->setText(notes.join(QLatin1Char('\n')));
    m_notes->setVisible(!notes.isEmpty());
    updateEnabled();
    Q_EMIT planned();
    if (m_replanPending)
        scheduleReplan();
}

void CleanupPage::updateTotals()
{
    const int count = m_model->checkedCount();
    const qint64 bytes = m_model->checkedBytes();
    if (count == 0)
        m_total->setText(tr("Nothing to clean up."));
    else if (m_trash->isChecked())
        m_total->setText(
            tr("%n item(s), %1: moving them to the trash frees nothing until the trash is emptied.", nullptr,
                count)
                .arg(sizeText(bytes)));
    else
        m_total->setText(tr("%n item(s); deleting them frees %1.", nullptr, count).arg(sizeText(bytes)));
    updateEnabled();
}

void CleanupPage::updateEnabled()
{
    const bool running = isRunning();
    m_run->setEnabled(!running && !m_planWatcher->isRunning() && m_model->checkedCount() > 0);
    m_cancel->setVisible(running);
    m_progress->setVisible(running);
    m_total->setVisible(!running);
    // Cloud Storage has no trash: its objects are deleted.
    const bool cloud = gcs::isGcsUrl(m_live->root());
    if (cloud)
        m_trash->setChecked(false);
    m_trash->setEnabled(!running && !cloud);
    m_trash->setToolTip(
        cloud ? tr("A Cloud Storage cache has no trash: cleaning up deletes its objects.") : QString());
    m_view->setEnabled(!running);
}

void CleanupPage::run()
{
    const CleanupPlan plan = m_model->checkedPlan();
    if (plan.items.isEmpty() || isRunning())
        return;
    m_bar->dismiss();
    m_cancelFlag->store(false);
    m_progress->setRange(0, int(plan.items.size()));
    m_progress->setValue(0);
    const CleanupMode mode = m_trash->isChecked() ? CleanupMode::Trash : CleanupMode::Delete;
    const ScanOptions options = m_live->scanOptions();
    const auto flag = m_cancelFlag;
    m_runWatcher->setFuture(QtConcurrent::run([this, plan, mode, options, flag] {
        const auto progress = [this, flag](const CleanupProgress &p) {
            QMetaObject::invokeMethod(
                this, [this, p] { onProgress(p); }, Qt::QueuedConnection);
            return !flag->load();
        };
        if (gcs::isGcsUrl(plan.root))
            return runCloud(plan, progress, options);
        return maintenance::executeCleanup(plan, mode, progress, options);
    }));
    updateEnabled();
}

void CleanupPage::cancel()
{
    m_cancelFlag->store(true);
    m_cancel->setEnabled(false);
}

void CleanupPage::onProgress(const CleanupProgress &progress)
{
    m_progress->setMaximum(progress.total);
    m_progress->setValue(progress.done);
    m_progress->setFormat(tr("%1 freed").arg(sizeText(progress.freedBytes)));
}

void CleanupPage::onRunFinished()
{
    const CleanupReport report = m_runWatcher->result();
    m_cancel->setEnabled(true);
    QString text;
    if (report.trashedBytes > 0 && report.freedBytes == 0)
        text = tr("Moved %1 to the trash (%n item(s)); it frees space once the trash is emptied.", nullptr,
            int(report.removed.size()))
                   .arg(sizeText(report.trashedBytes));
    else
        text = tr("Freed %1 (%n item(s)).", nullptr, int(report.removed.size()))
                   .arg(sizeText(report.freedBytes));
    if (report.cancelled)
        text = tr("Cancelled. ") + text;
    if (!report.skipped.isEmpty())
        text += QLatin1Char(' ')
            + tr("Skipped %n item(s) that changed since the plan.", nullptr, int(report.skipped.size()));
    if (!report.errors.isEmpty())
        text += QLatin1Char(' ') + tr("%n error(s).", nullptr, int(report.errors.size()));
    const bool clean = report.errors.isEmpty() && report.skipped.isEmpty() && !report.cancelled;
    m_bar->showMessage(
        clean ? MessageBar::Kind::Positive : MessageBar::Kind::Warning, text, skippedDetails(report));
    QStringList keys;
    for (const CleanupItem &item : m_model->checkedPlan().items)
        keys << item.key;
    m_live->rescanKeys(keys);
    updateEnabled();
    Q_EMIT runFinished(report);
    scheduleReplan();
}

void CleanupPage::refreshPolicy()
{
    const CleanPolicy policy = maintenance::sharedCleanPolicy();
    QString text = tr("Automatic cleanup: %1.").arg(maintenance::describePolicy(policy));
    const Result<PolicyReport> last = maintenance::readCleanReport();
    if (last)
        text += QLatin1Char(' ')
            + tr("Last run %1: %2")
                  .arg(util::relativeTime(last->finished), maintenance::reportSummary(*last));
    m_policy->setText(text);
}

} // namespace tfhub::ui
