#include "core/maintenance/cleanpolicy.h"
#include "core/maintenance/cleanpolicytimer.h"
#include "core/maintenance/pins.h"
#include "core/settings/appsettings.h"
#include "tests/support/testdata.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/livecache.h"
#include "ui/cleanup/cleanuppage.h"
#include "ui/cleanup/cleanupplanmodel.h"
#include "ui/cleanup/startupcleanup.h"
#include "ui/settings/cleanpolicybox.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"
#include "ui/window/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 15000;

QString addModel(const QString &root, const QString &handle)
{
    return test::makeEntry(root, handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
}

// An orphan descriptor: what a download killed before it made the model folder leaves.
QString addOrphan(const QString &root, QChar digit)
{
    const QString key = QString(40, digit);
    test::writeFile(root + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt"),
        "Module: https://tfhub.dev/google/orphan/1\n");
    return key;
}

QString addEmptyFolder(const QString &root, QChar digit)
{
    const QString key = QString(40, digit);
    QDir().mkpath(root + QLatin1Char('/') + key);
    return key;
}

void scan(LiveCache *live)
{
    QSignalSpy done(live, &LiveCache::scanFinished);
    live->refresh();
    QVERIFY(done.wait(WaitMs));
}

QStringList keysOf(const CleanupPlanModel *model, CleanupRule rule)
{
    QStringList keys;
    const QModelIndex group = model->groupIndex(rule);
    for (int row = 0; row < model->rowCount(group); ++row)
        keys << model->index(row, 0, group).data(CleanupPlanModel::KeyRole).toString();
    keys.sort();
    return keys;
}

} // namespace

class TestCleanupPage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void plansStaleAndBrokenByDefault();
    void namesModelsAsTheCachePageDoes();
    void followsRuleTogglesLive();
    void runsOnlyCheckedItems();
    void pinsFromTheCachePage();
    void usagePageReclaimableComesFromThePlanner();
    void showsPolicyAndLinksToSettings();
    void settingsBoxSavesPolicyAndInstallsTimer();
    void windowAppliesPolicyAtStart();

private:
    QTemporaryDir m_home;
    QString m_root;
    std::unique_ptr<LiveCache> m_live;
};

void TestCleanupPage::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    qputenv("XDG_STATE_HOME", QFile::encodeName(m_home.path() + QStringLiteral("/state")));
    qunsetenv("XDG_RUNTIME_DIR");
    // The timer runs the tfhub-cache under test.
    const QString cli = qEnvironmentVariable("TFHUB_CLI");
    if (!cli.isEmpty())
        qputenv("PATH", QFile::encodeName(QFileInfo(cli).absolutePath()) + ':' + qgetenv("PATH"));
}

void TestCleanupPage::init()
{
    m_root = m_home.path() + QStringLiteral("/cache");
    QDir(m_root).removeRecursively();
    QVERIFY(QDir().mkpath(m_root));
    settings::openShared()->clear();
    m_live = std::make_unique<LiveCache>(m_root);
}

void TestCleanupPage::cleanup()
{
    m_live.reset();
}

void TestCleanupPage::plansStaleAndBrokenByDefault()
{
    addModel(m_root, QStringLiteral("https://tfhub.dev/google/good/1"));
    const QString orphan = addOrphan(m_root, QLatin1Char('a'));
    const QString empty = addEmptyFolder(m_root, QLatin1Char('b'));
    scan(m_live.get());
    CleanupPage page(m_live.get());
    QAbstractItemModelTester tester(page.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() > 0, WaitMs);

    QCOMPARE(keysOf(page.model(), CleanupRule::Stale), QStringList({ orphan, empty }));
    QCOMPARE(page.model()->rowCount(), 1);
    const qint64 staleBytes = page.model()->plan().bytesFor(CleanupRule::Stale);
    QCOMPARE(page.model()->checkedBytes(), staleBytes);
    const QModelIndex group = page.model()->groupIndex(CleanupRule::Stale);
    QCOMPARE(group.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::Checked);
    QVERIFY(group.data().toString().contains(QStringLiteral("(2)")));
    QVERIFY(page.findChild<QPushButton *>(QStringLiteral("cleanupRun"))->isEnabled());
}

void TestCleanupPage::namesModelsAsTheCachePageDoes()
{
    const QString handle
        = QStringLiteral("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5");
    const QString orphan = addOrphan(m_root, QLatin1Char('c'));
    test::writeFile(m_root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt"),
        QStringLiteral("Module: %1\n").arg(handle).toUtf8());
    scan(m_live.get());
    CleanupPage page(m_live.get());
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() > 0, WaitMs);
    const QModelIndex group = page.model()->groupIndex(CleanupRule::Stale);
    QCOMPARE(page.model()->rowCount(group), 1);
    const QModelIndex item = page.model()->index(0, CleanupPlanModel::NameColumn, group);
    // The model path (where handles differ) with the host as a badge, the whole handle in the tooltip.
    QCOMPARE(item.data().toString(), QStringLiteral("google/imagenet/mobilenet_v2_100_224/classification/5"));
    QCOMPARE(item.data(CleanupPlanModel::HandleRole).toString(), handle);
    QVERIFY(item.data(Qt::ToolTipRole).toString().startsWith(handle + QLatin1Char('\n')));
    auto *view = page.findChild<QTreeView *>(QStringLiteral("cleanupPlanView"));
    QVERIFY(view);
    QVERIFY(qobject_cast<ModelNameDelegate *>(view->itemDelegateForColumn(CleanupPlanModel::NameColumn)));
}

void TestCleanupPage::followsRuleTogglesLive()
{
    addOrphan(m_root, QLatin1Char('a'));
    const QString model = addModel(m_root, QStringLiteral("https://tfhub.dev/google/old/1"));
    scan(m_live.get());
    CleanupPage page(m_live.get());
    QAbstractItemModelTester tester(page.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() == 1, WaitMs);

    page.findChild<QCheckBox *>(QStringLiteral("ruleStale"))->setChecked(false);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() == 0, WaitMs);
    QCOMPARE(page.findChild<QLabel *>(QStringLiteral("cleanupTotal"))->text(),
        QStringLiteral("Nothing to clean up."));
    QVERIFY(!page.findChild<QPushButton *>(QStringLiteral("cleanupRun"))->isEnabled());

    // A budget of 0.1 GB is above this small model: nothing to evict; the budget rule selects
    // the model only once the limit is below the cache's size, which the planner decides.
    page.findChild<QCheckBox *>(QStringLiteral("ruleBudget"))->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning(), WaitMs);
    QVERIFY(page.rules().maxBytes > 0);
    QVERIFY(keysOf(page.model(), CleanupRule::Budget).isEmpty());
    page.findChild<QCheckBox *>(QStringLiteral("ruleStale"))->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() == 1, WaitMs);
    QVERIFY(!keysOf(page.model(), CleanupRule::Stale).contains(model));
}

void TestCleanupPage::runsOnlyCheckedItems()
{
    const QString orphan = addOrphan(m_root, QLatin1Char('a'));
    const QString empty = addEmptyFolder(m_root, QLatin1Char('b'));
    scan(m_live.get());
    CleanupPage page(m_live.get());
    QAbstractItemModelTester tester(page.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY_WITH_TIMEOUT(!page.isPlanning() && page.model()->rowCount() == 1, WaitMs);

    const QModelIndex group = page.model()->groupIndex(CleanupRule::Stale);
    QModelIndex orphanRow;
    for (int row = 0; row < page.model()->rowCount(group); ++row) {
        const QModelIndex i = page.model()->index(row, 0, group);
        if (i.data(CleanupPlanModel::KeyRole).toString() == orphan)
            orphanRow = i;
    }
    QVERIFY(orphanRow.isValid());
    QVERIFY(page.model()->setData(orphanRow, Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(group.data(Qt::CheckStateRole).value<Qt::CheckState>(), Qt::PartiallyChecked);
    QCOMPARE(page.model()->checkedCount(), 1);

    QSignalSpy finished(&page, &CleanupPage::runFinished);
    page.findChild<QPushButton *>(QStringLiteral("cleanupRun"))->click();
    QVERIFY(finished.wait(WaitMs));
    const CleanupReport report = finished.first().first().value<CleanupReport>();
    QCOMPARE(report.removed.size(), 1);
    QCOMPARE(report.removed.first().key, empty);
    QVERIFY(!QFileInfo::exists(m_root + QLatin1Char('/') + empty));
    QVERIFY(QFileInfo::exists(m_root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt")));
    QCOMPARE(page.messageBar()->kind(), MessageBar::Kind::Positive);
    QVERIFY2(
        page.messageBar()->text().startsWith(QStringLiteral("Freed")), qPrintable(page.messageBar()->text()));
    // The unchecked item stays unchecked in the next plan.
    QTRY_VERIFY_WITH_TIMEOUT(
        !page.isPlanning() && keysOf(page.model(), CleanupRule::Stale) == QStringList { orphan }, WaitMs);
    QCOMPARE(page.model()->checkedCount(), 0);
}

void TestCleanupPage::pinsFromTheCachePage()
{
    const QString key = addModel(m_root, QStringLiteral("https://tfhub.dev/google/keep/1"));
    scan(m_live.get());
    CachePage page(m_live.get());
    auto *table = page.findChild<QTableView *>();
    QVERIFY(table);
    table->selectRow(0);
    QAction *pin = page.findChild<QAction *>(QStringLiteral("pinAction"));
    QVERIFY(pin && pin->isEnabled());
    QVERIFY(!pin->isChecked());
    QCOMPARE(pin->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    pin->trigger();
    QVERIFY(m_live->pinnedKeys().contains(key));
    QVERIFY(pin->isChecked());
    const Result<PinSet> pins = maintenance::readPins(m_root);
    QVERIFY(pins.ok() && pins->contains(key));
    const QModelIndex cell = m_live->model()->index(0, CacheModel::PinnedColumn);
    QVERIFY(cell.data(CacheModel::PinnedRole).toBool());
    QVERIFY(!cell.data(Qt::DecorationRole).value<QIcon>().isNull());
    pin->trigger();
    QVERIFY(!m_live->pinnedKeys().contains(key));
    QVERIFY(!m_live->model()->index(0, 0).data(CacheModel::PinnedRole).toBool());
}

void TestCleanupPage::usagePageReclaimableComesFromThePlanner()
{
    const QString orphan = addOrphan(m_root, QLatin1Char('a'));
    const QString pinned = addEmptyFolder(m_root, QLatin1Char('b'));
    addModel(m_root, QStringLiteral("https://tfhub.dev/google/good/1"));
    QVERIFY(maintenance::pin(m_root, pinned, QString()).ok());
    scan(m_live.get());
    UsagePage usage(m_live.get());
    usage.recompute();
    // A pinned entry is never reclaimable, whatever its state.
    QCOMPARE(usage.reclaimableKeys(), QStringList { orphan });
    QVERIFY(usage.reclaimableBytes() > 0);
    QSignalSpy asked(&usage, &UsagePage::cleanupRequested);
    usage.findChild<QPushButton *>(QStringLiteral("cleanupButton"))->click();
    QCOMPARE(asked.size(), 1);
}

void TestCleanupPage::showsPolicyAndLinksToSettings()
{
    CleanupPage page(m_live.get());
    auto *state = page.findChild<QLabel *>(QStringLiteral("policyState"));
    QVERIFY(state->text().contains(QStringLiteral("Off")));
    CleanPolicy policy;
    policy.enabled = true;
    maintenance::writeCleanPolicy(*settings::openShared(), policy);
    PolicyReport report;
    report.finished = QDateTime::currentDateTime();
    report.removed << PolicyReport::Item {};
    report.freedBytes = 4096;
    QVERIFY(maintenance::writeCleanReport(report));
    page.refreshPolicy();
    QVERIFY(state->text().contains(QStringLiteral("stale leftovers")));
    QVERIFY2(state->text().contains(QStringLiteral("freed")), qPrintable(state->text()));
    QSignalSpy asked(&page, &CleanupPage::settingsRequested);
    page.findChild<QPushButton *>(QStringLiteral("policySettings"))->click();
    QCOMPARE(asked.size(), 1);
}

void TestCleanupPage::settingsBoxSavesPolicyAndInstallsTimer()
{
    CleanPolicyBox box([this] { return m_root; });
    QVERIFY(!box.policy().enabled);
    QVERIFY(!box.findChild<QSpinBox *>(QStringLiteral("policyUnusedDays"))->isEnabled());
    box.findChild<QCheckBox *>(QStringLiteral("policyEnabled"))->setChecked(true);
    box.findChild<QCheckBox *>(QStringLiteral("policyUnused"))->setChecked(true);
    box.findChild<QSpinBox *>(QStringLiteral("policyUnusedDays"))->setValue(30);
    const CleanPolicy saved = maintenance::sharedCleanPolicy();
    QVERIFY(saved.enabled && saved.unusedEnabled);
    QCOMPARE(saved.unusedDays, 30);

    // No user manager in the test: the cron line is offered, and installing says so.
    QVERIFY(!box.findChild<QLineEdit *>(QStringLiteral("cronLine"))->isHidden());
    QVERIFY(box.findChild<QLineEdit *>(QStringLiteral("cronLine"))
                ->text()
                .contains(QStringLiteral("clean --policy")));
    auto *install = box.findChild<QPushButton *>(QStringLiteral("installTimer"));
    if (!install->isEnabled())
        QSKIP("no tfhub-cache beside the test or on PATH");
    install->click();
    QVERIFY(QFileInfo::exists(maintenance::userUnitDir() + QStringLiteral("/tfhub-cache-clean.timer")));
    QVERIFY(box.findChild<QLabel *>(QStringLiteral("timerState"))
                ->text()
                .contains(QStringLiteral("user manager")));
    box.findChild<QPushButton *>(QStringLiteral("removeTimer"))->click();
    QVERIFY(!QFileInfo::exists(maintenance::userUnitDir() + QStringLiteral("/tfhub-cache-clean.timer")));
}

void TestCleanupPage::windowAppliesPolicyAtStart()
{
    const QString orphan = addOrphan(m_root, QLatin1Char('a'));
    const QString model = addModel(m_root, QStringLiteral("https://tfhub.dev/google/good/1"));
    CleanPolicy policy;
    policy.enabled = true;
    maintenance::writeCleanPolicy(*settings::openShared(), policy);
    m_live.reset();
    MainWindow window(m_root, QStringLiteral("test"));
    QVERIFY(window.showPage(QStringLiteral("cleanup")));
    QSignalSpy done(window.startupCleanup(), &StartupCleanup::finished);
    window.refresh();
    QVERIFY(done.wait(WaitMs));
    const PolicyReport report = done.first().first().value<PolicyReport>();
    QCOMPARE(report.removed.size(), 1);
    QCOMPARE(report.removed.first().key, orphan);
    QVERIFY(!QFileInfo::exists(m_root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt")));
    QVERIFY(QFileInfo::exists(m_root + QLatin1Char('/') + model));
    QVERIFY2(window.windowMessageBar()->text().contains(QStringLiteral("freed")),
        qPrintable(window.windowMessageBar()->text()));
    const Result<PolicyReport> written = maintenance::readCleanReport();
    QVERIFY(written.ok());
    QCOMPARE(written->trigger, QStringLiteral("app"));
    // Once per session: a rescan does not run it again.
    QVERIFY(!window.startupCleanup()->start());
}

QTEST_MAIN(TestCleanupPage)
#include "tst_cleanuppage.moc"
