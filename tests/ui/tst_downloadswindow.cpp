// Downloads as part of the window: a prefetched entry appearing on the cache page, prefetching
// again from there, and the download settings that the settings page stores and applies.
#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "tests/ui/downloadsfixtures.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/downloads/downloadspage.h"
#include "ui/settings/settingspage.h"
#include "ui/window/mainwindow.h"

#include <QAction>
#include <QDir>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;
using namespace tfhub::test::downloads;

class TestDownloadsWindow final : public QObject, private DownloadsFixture
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { setUpSuite(QStringLiteral("tst_downloadswindow")); }
    void init() { setUpTest(); }
    void cleanup() { tearDownTest(); }

    void cachePageShowsPrefetchedEntry();
    void prefetchAgainFromCachePage();
    void settingsPersistAndApply();
    void storedConcurrencyIsClamped();
};

void TestDownloadsWindow::cachePageShowsPrefetchedEntry()
{
    throttle(ModulePath, m_archive.size() / 2);
    MainWindow window(m_root, QStringLiteral("test"));
    PrefetchOptions o = options();
    o.cacheRoot = window.cacheRoot();
    window.downloadQueue()->setOptions(o);
    window.show();
    QSignalSpy scanned(&window, &MainWindow::scanFinished);
    window.refresh();
    QVERIFY(scanned.size() > 0 || scanned.wait(JobTimeoutMs));
    auto *cacheTable = window.findChild<QTableView *>(QStringLiteral("cacheTable"));
    QCOMPARE(cacheTable->model()->rowCount(), 0);

    QVERIFY(window.showPage(QStringLiteral("downloads")));
    QVERIFY(window.downloadsPage()->isVisible());
    auto *input = window.downloadsPage()->findChild<QPlainTextEdit *>(QStringLiteral("handleInput"));
    input->setPlainText(handle(ModulePath));
    window.downloadsPage()->findChild<QPushButton *>(QStringLiteral("prefetchButton"))->click();

    // While it runs, the status bar counts it.
    auto *label = window.findChild<QLabel *>(QStringLiteral("downloadsLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(label->isVisible(), JobTimeoutMs);
    QVERIFY2(label->text().startsWith(MainWindow::tr("1 download, %1/s").section(u',', 0, 0) + u','),
        qPrintable(label->text()));

    // No manual refresh: the Cache page learns of the finished download by itself.
    // (The live view may show the download in progress first; it must settle on the result.)
    QTRY_COMPARE_WITH_TIMEOUT(cacheTable->model()->rowCount(), 1, JobTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        cacheTable->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        handle(ModulePath), JobTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        cacheTable->model()->index(0, 0).data(CacheModel::EntryRole).value<CacheEntry>().state,
        EntryState::Complete, JobTimeoutMs);
    QTRY_VERIFY(!label->isVisible());
}

void TestDownloadsWindow::prefetchAgainFromCachePage()
{
    test::makeEntry(
        m_root, handle(ModulePath), test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    // A folder without a descriptor: its handle is unknown, so it cannot be fetched again.
    QVERIFY(QDir().mkpath(m_root + QStringLiteral("/0123456789abcdef0123456789abcdef01234567")));
    QVERIFY(test::writeFile(
        m_root + QStringLiteral("/0123456789abcdef0123456789abcdef01234567/saved_model.pb"), "x"));
    MainWindow window(m_root, QStringLiteral("test"));
    window.show();
    QSignalSpy scanned(&window, &MainWindow::scanFinished);
    window.refresh();
    QVERIFY(scanned.size() > 0 || scanned.wait(JobTimeoutMs));
    auto *cacheTable = window.findChild<QTableView *>(QStringLiteral("cacheTable"));
    QTRY_COMPARE_WITH_TIMEOUT(cacheTable->model()->rowCount(), 2, JobTimeoutMs);
    auto *again = window.findChild<QAction *>(QStringLiteral("prefetchAgainAction"));
    QVERIFY(again);

    int unknownRow = -1;
    for (int row = 0; row < 2; ++row) {
        if (cacheTable->model()
                ->index(row, 0)
                .data(CacheModel::EntryRole)
                .value<CacheEntry>()
                .handle.isEmpty())
            unknownRow = row;
    }
    QVERIFY(unknownRow >= 0);
    cacheTable->selectRow(unknownRow);
    QVERIFY(!again->isEnabled());

    cacheTable->selectAll();
    QVERIFY(again->isEnabled());
    again->trigger();
    QCOMPARE(window.downloadQueue()->ids().size(), 1);
    QCOMPARE(
        window.downloadQueue()->handleOf(window.downloadQueue()->ids().constFirst()), handle(ModulePath));
    QVERIFY(window.downloadsPage()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(window.downloadQueue()->isIdle(), JobTimeoutMs);
}

void TestDownloadsWindow::settingsPersistAndApply()
{
    throttle(ModulePath, 100);
    throttle(SecondPath, 100);
    DownloadQueue queue(options());
    SettingsPage page(&queue);
    auto *concurrency = page.findChild<QSpinBox *>(QStringLiteral("concurrencySpin"));
    auto *stall = page.findChild<QSpinBox *>(QStringLiteral("stallTimeoutSpin"));
    auto *retries = page.findChild<QSpinBox *>(QStringLiteral("retriesSpin"));
    QVERIFY(concurrency && stall && retries);
    QCOMPARE(concurrency->value(), SettingsPage::DefaultConcurrency);
    QCOMPARE(stall->value(), SettingsPage::DefaultStallTimeoutSecs);
    QCOMPARE(retries->value(), SettingsPage::DefaultRetries);
    // The limits are the shared settings' (the CLI's --jobs takes the same 1–16).
    QCOMPARE(concurrency->minimum(), 1);
    QCOMPARE(concurrency->maximum(), 16);
    concurrency->setValue(16);
    QCOMPARE(concurrency->value(), 16);
    QCOMPARE(queue.concurrency(), 16);

    concurrency->setValue(1);
    stall->setValue(30);
    retries->setValue(2);
    {
        const QSettings settings;
        QCOMPARE(settings.value(QStringLiteral("downloads/concurrency")).toInt(), 1);
        QCOMPARE(settings.value(QStringLiteral("downloads/stallTimeoutSecs")).toInt(), 30);
        QCOMPARE(settings.value(QStringLiteral("downloads/retries")).toInt(), 2);
    }
    QCOMPARE(queue.concurrency(), 1);
    QCOMPARE(queue.options().stallSecs, 30);
    QCOMPARE(queue.options().retries, 2);
    // The rest of the options are kept.
    QCOMPARE(queue.options().cacheRoot, m_root);
    QCOMPARE(queue.options().lockPollMs, 100);

    // One at a time now: the second job waits for the first.
    QVERIFY(queue.enqueue(handle(ModulePath)));
    QVERIFY(queue.enqueue(handle(SecondPath)));
    QCOMPARE(queue.runningCount(), 1);
    concurrency->setValue(2);
    QCOMPARE(queue.runningCount(), 2);
    queue.cancelAll();

    // A new window's queue starts with the stored values.
    DownloadQueue fresh(options());
    SettingsPage::applyStoredSettings(&fresh);
    QCOMPARE(fresh.concurrency(), 2);
    QCOMPARE(fresh.options().stallSecs, 30);
    SettingsPage again(&fresh);
    QCOMPARE(again.findChild<QSpinBox *>(QStringLiteral("retriesSpin"))->value(), 2);
}

void TestDownloadsWindow::storedConcurrencyIsClamped()
{
    // A hand-edited settings file asks for more than the limit: the page and the queue use 16.
    QSettings().setValue(QStringLiteral("downloads/concurrency"), 40);
    DownloadQueue queue(options());
    SettingsPage::applyStoredSettings(&queue);
    QCOMPARE(queue.concurrency(), 16);
    SettingsPage page(&queue);
    QCOMPARE(page.findChild<QSpinBox *>(QStringLiteral("concurrencySpin"))->value(), 16);
    QSettings().setValue(QStringLiteral("downloads/concurrency"), 0);
    DownloadQueue low(options());
    SettingsPage::applyStoredSettings(&low);
    QCOMPARE(low.concurrency(), 1);
}

QTEST_MAIN(TestDownloadsWindow)
#include "tst_downloadswindow.moc"
