#include "core/cache/cachewatcher.h"
#include "core/hub/handle.h"
#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "ui/browse/browsemodel.h"
#include "ui/browse/browsepage.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/livecache.h"
#include "ui/settings/settingspage.h"
#include "ui/usage/treemapwidget.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/messagebar.h"
#include "ui/window/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 10000;

const QString HalfPlusTwo = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString HalfPlusTwoV2 = QStringLiteral("https://tfhub.dev/google/half_plus_two/2");

// One complete entry as tensorflow_hub leaves it: K/ with the SavedModel, and K.descriptor.txt.
QString addModel(const QString &root, const QString &handle)
{
    const QString key = Handle::cacheKeyOf(handle);
    if (!test::copyTree(test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"), root + u'/' + key))
        return QString();
    const QByteArray descriptor = "Module: " + handle.toUtf8()
        + "\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: host (PID:12)";
    if (!test::writeFile(root + u'/' + key + QStringLiteral(".descriptor.txt"), descriptor))
        return QString();
    return key;
}

bool removeModel(const QString &root, const QString &key)
{
    return QDir(root + u'/' + key).removeRecursively()
        && QFile::remove(root + u'/' + key + QStringLiteral(".descriptor.txt"));
}

QSet<QString> keysOf(const QList<TreemapWidget::Item> &items)
{
    QSet<QString> keys;
    for (const TreemapWidget::Item &item : items)
        keys.insert(item.key);
    return keys;
}

} // namespace

/// The one LiveCache of the window: every page shows it, it follows the disk and it switches to
/// another folder in place.
class TestLiveCache final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void modelUnderTester();
    void diskChangesReachEveryPage();
    void settingsSwitchRootInPlace();

private:
    bool openWindow();
    /// What the Cache, Usage and Browse pages show, as sets of keys.
    QSet<QString> cacheTableKeys() const;
    QSet<QString> usageKeys() const;
    QSet<QString> browseCachedKeys() const;

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void TestLiveCache::initTestCase()
{
    // Before anything reads QSettings or QStandardPaths: no test may touch the real home.
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_livecache"));
    QVERIFY2(QSettings().fileName().startsWith(m_home.path()), qPrintable(QSettings().fileName()));
}

void TestLiveCache::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
}

void TestLiveCache::cleanup()
{
    m_tester.reset();
    m_window.reset();
    m_tmp.reset();
    QSettings().clear();
}

bool TestLiveCache::openWindow()
{
    m_window = std::make_unique<MainWindow>(m_root, QStringLiteral("test"));
    m_tester = std::make_unique<QAbstractItemModelTester>(
        m_window->liveCache()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    // The watcher's poll finds changes the file system watcher cannot see; keep it short here.
    m_window->liveCache()->watcher()->setPollInterval(200);
    m_window->liveCache()->watcher()->setDebounce(50);
    m_window->show();
    QSignalSpy finished(m_window.get(), &MainWindow::scanFinished);
    m_window->refresh();
    return finished.wait(WaitMs) && finished.constLast().constFirst().toBool();
}

QSet<QString> TestLiveCache::cacheTableKeys() const
{
    QSet<QString> keys;
    const QAbstractItemModel *table
        = m_window->findChild<QTableView *>(QStringLiteral("cacheTable"))->model();
    for (int row = 0; row < table->rowCount(); ++row)
        keys.insert(table->index(row, 0).data(CacheModel::KeyRole).toString());
    return keys;
}

QSet<QString> TestLiveCache::usageKeys() const
{
    m_window->usagePage()->recompute();
    return keysOf(m_window->usagePage()->treemap()->items());
}

QSet<QString> TestLiveCache::browseCachedKeys() const
{
    return m_window->browsePage()->model()->cachedKeys();
}

void TestLiveCache::modelUnderTester()
{
    const QString first = addModel(m_root, HalfPlusTwo);
    QVERIFY(!first.isEmpty());
    auto live = std::make_unique<LiveCache>(m_root);
    QAbstractItemModelTester tester(live->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy finished(live.get(), &LiveCache::scanFinished);
    live->refresh();
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(live->model()->keys(), QStringList { first });
    QCOMPARE(live->completeKeys(), QSet<QString> { first });

    const QString second = addModel(m_root, HalfPlusTwoV2);
    live->rescanKeys({ second, first });
    QTRY_COMPARE_WITH_TIMEOUT(live->model()->rowCount(), 2, WaitMs);
    QVERIFY(removeModel(m_root, first));
    live->rescanKeys({ first });
    QTRY_COMPARE_WITH_TIMEOUT(live->model()->keys(), QStringList { second }, WaitMs);
}

void TestLiveCache::diskChangesReachEveryPage()
{
    const QString first = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    QCOMPARE(cacheTableKeys(), QSet<QString> { first });
    QCOMPARE(usageKeys(), QSet<QString> { first });
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), QSet<QString> { first }, WaitMs);

    // Another process adds an entry; nobody asks for a refresh.
    const QString second = addModel(m_root, HalfPlusTwoV2);
    QVERIFY(!second.isEmpty());
    const QSet<QString> both { first, second };
    QTRY_COMPARE_WITH_TIMEOUT(cacheTableKeys(), both, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(usageKeys(), both, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), both, WaitMs);

    // And removes one.
    QVERIFY(removeModel(m_root, first));
    QTRY_COMPARE_WITH_TIMEOUT(cacheTableKeys(), QSet<QString> { second }, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(usageKeys(), QSet<QString> { second }, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), QSet<QString> { second }, WaitMs);
}

void TestLiveCache::settingsSwitchRootInPlace()
{
    const QString first = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), QSet<QString> { first }, WaitMs);
    const QString other = m_tmp->path() + QStringLiteral("/other cache");
    const QString second = addModel(other, HalfPlusTwoV2);
    QVERIFY(!second.isEmpty());

    // The Settings page applies the other folder (without moving the models, which stay).
    SettingsPage *settings = m_window->settingsPage();
    for (QCheckBox *check : settings->findChildren<QCheckBox *>()) {
        if (check->objectName().startsWith(QLatin1String("target_")))
            check->setChecked(check->objectName() == QLatin1String("target_bash"));
    }
    settings->findChild<QCheckBox *>(QStringLiteral("moveModelsCheck"))->setChecked(false);
    settings->findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->setText(other);
    QSignalSpy applied(settings, &SettingsPage::applyFinished);
    settings->findChild<QPushButton *>(QStringLiteral("applyButton"))->click();
    QVERIFY(applied.wait(WaitMs));
    QVERIFY2(applied.constFirst().constFirst().toBool(), qPrintable(settings->messageBar()->text()));

    // Every page shows the other folder, with no reopen.
    QCOMPARE(m_window->cacheRoot(), other);
    QCOMPARE(m_window->liveCache()->root(), other);
    QCOMPARE(m_window->downloadQueue()->options().cacheRoot, other);
    QTRY_COMPARE_WITH_TIMEOUT(cacheTableKeys(), QSet<QString> { second }, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(usageKeys(), QSet<QString> { second }, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), QSet<QString> { second }, WaitMs);
    const QString label = m_window->findChild<QLabel *>(QStringLiteral("folderLabel"))->text();
    QVERIFY2(label.contains(QDir::toNativeSeparators(other)), qPrintable(label));

    // And it follows the new folder live: the old one is no longer watched.
    QVERIFY(!addModel(m_root, HalfPlusTwoV2).isEmpty());
    QVERIFY(removeModel(other, second));
    QTRY_COMPARE_WITH_TIMEOUT(cacheTableKeys(), QSet<QString>(), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(browseCachedKeys(), QSet<QString>(), WaitMs);
}

QTEST_MAIN(TestLiveCache)
#include "tst_livecache.moc"
