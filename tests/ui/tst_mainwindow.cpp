#include "core/hub/hubsettings.h"
#include "core/maintenance/cachemover.h"
#include "core/prefetch/downloadqueue.h"
#include "core/shellenv/envpersistence.h"
#include "tests/support/gcsdouble.h"
#include "tests/support/testdata.h"
#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/detailspane.h"
#include "ui/settings/settingspage.h"
#include "ui/widgets/elidedlabel.h"
#include "ui/widgets/messagebar.h"
#include "ui/window/mainwindow.h"

#include <QCryptographicHash>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeWidget>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int ScanTimeoutMs = 15000;

const QString HalfPlusTwo = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString HalfPlusTwoV2 = QStringLiteral("https://tfhub.dev/google/half_plus_two/2");

QString keyOf(const QString &handle)
{
    return QString::fromLatin1(QCryptographicHash::hash(handle.toUtf8(), QCryptographicHash::Sha1).toHex());
}

// One complete entry as tensorflow_hub leaves it: K/ with the SavedModel, and K.descriptor.txt.
bool addModel(const QString &root, const QString &handle, const QByteArray &extraBytes = {})
{
    const QString key = keyOf(handle);
    if (!test::copyTree(test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"), root + u'/' + key))
        return false;
    if (!extraBytes.isEmpty()
        && !test::writeFile(root + u'/' + key + QStringLiteral("/assets/extra.bin"), extraBytes))
        return false;
    const QByteArray descriptor = "Module: " + handle.toUtf8()
        + "\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: host (PID:12)";
    return test::writeFile(root + u'/' + key + QStringLiteral(".descriptor.txt"), descriptor);
}

} // namespace

class TestMainWindow final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void showsCachedModels();
    void selectionTotal();
    void detailsFollowSelection();
    void searchFilters();
    void rescanDropsDeletedEntries();
    void emptyCache();
    void missingCache();
    void scannerErrorInMessageBar();
    void remembersLayout();
    void firstRunWarnings();
    void folderChangeSwitchesInPlace();
    void firstRunMoveShowsOnSettingsPage();
    void pendingMoveOfferedAtStart_data();
    void pendingMoveOfferedAtStart();
    void aboutCreditsEveryLibrary();
    void urlCacheDirAtStart_data();
    void urlCacheDirAtStart();

private:
    template<class T> T *child(const QString &name) const
    {
        T *widget = m_window->findChild<T *>(name);
        if (!widget)
            qFatal("no child named %s", qPrintable(name));
        return widget;
    }
    bool scan();
    /// Step 1 of a move from m_root to `to`, as a crash before step 2 leaves it.
    bool cutShortMove(const QString &to) const;
    qint64 sumOfSelected() const;

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    // Before anything reads QSettings or QStandardPaths: no test may touch the real home.
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QVERIFY2(QSettings().fileName().startsWith(m_home.path()), qPrintable(QSettings().fileName()));
}

void TestMainWindow::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_tmp.reset();
}

bool TestMainWindow::scan()
{
    if (!m_window) {
        m_window = std::make_unique<MainWindow>(m_root, QStringLiteral("test"));
        m_window->show();
    }
    QSignalSpy finished(m_window.get(), &MainWindow::scanFinished);
    m_window->refresh();
    if (finished.isEmpty() && !finished.wait(ScanTimeoutMs))
        return false;
    return finished.constLast().at(0).toBool();
}

qint64 TestMainWindow::sumOfSelected() const
{
    auto *table = m_window->findChild<QTableView *>(QStringLiteral("cacheTable"));
    qint64 sum = 0;
    const QModelIndexList rows = table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        sum += index.data(CacheModel::EntryRole).value<CacheEntry>().diskBytes;
    return sum;
}

void TestMainWindow::showsCachedModels()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(addModel(m_root, HalfPlusTwoV2, QByteArray(300 * 1024, 'x')));
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, ScanTimeoutMs);
    QStringList handles;
    for (int row = 0; row < 2; ++row)
        handles
            << table->model()->index(row, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString();
    handles.sort();
    QCOMPARE(handles, QStringList({ HalfPlusTwo, HalfPlusTwoV2 }));
    const auto entry = table->model()->index(0, 0).data(CacheModel::EntryRole).value<CacheEntry>();
    QCOMPARE(entry.state, EntryState::Complete);
    QVERIFY(table->isVisible());

    // Sorted by size, largest first, by default: the copy with the extra file leads.
    QCOMPARE(table->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        HalfPlusTwoV2);

    auto *total = child<QLabel>(QStringLiteral("totalLabel"));
    const qint64 sum = table->model()->index(0, 0).data(CacheModel::EntryRole).value<CacheEntry>().diskBytes
        + table->model()->index(1, 0).data(CacheModel::EntryRole).value<CacheEntry>().diskBytes;
    QVERIFY2(total->text().contains(QLocale().formattedDataSize(sum)), qPrintable(total->text()));
    QVERIFY(!child<QLabel>(QStringLiteral("freeLabel"))->text().isEmpty());
    const QString folder = child<QLabel>(QStringLiteral("folderLabel"))->text();
    QVERIFY2(folder.contains(QDir::toNativeSeparators(m_root)) && folder.contains(QStringLiteral("test")),
        qPrintable(folder));
    QVERIFY(!m_window->cachePage()->findChild<MessageBar *>(QStringLiteral("messageBar"))->isVisible());

    // The pages, in the order of the navigation list.
    auto *navigation = child<QListWidget>(QStringLiteral("navigation"));
    QStringList pages;
    for (int row = 0; row < navigation->count(); ++row)
        pages << navigation->item(row)->text();
    QCOMPARE(pages,
        QStringList({ MainWindow::tr("Browse"), MainWindow::tr("Cache"), MainWindow::tr("Downloads"),
            MainWindow::tr("Usage"), MainWindow::tr("Clean Up"), MainWindow::tr("Settings") }));
    QVERIFY(m_window->showPage(QStringLiteral("settings")));
    QCOMPARE(navigation->currentRow(), 5);
    QVERIFY(!m_window->showPage(QStringLiteral("nowhere")));
}

void TestMainWindow::selectionTotal()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(addModel(m_root, HalfPlusTwoV2, QByteArray(300 * 1024, 'x')));
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    auto *label = child<QLabel>(QStringLiteral("selectionLabel"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, ScanTimeoutMs);
    QVERIFY(!label->isVisible());

    table->selectRow(1);
    QCOMPARE(table->selectionModel()->selectedRows().size(), 1);
    QVERIFY(label->isVisible());
    QCOMPARE(label->text(),
        MainWindow::tr("%n selected: %1", nullptr, 1).arg(QLocale().formattedDataSize(sumOfSelected())));

    table->selectAll();
    QCOMPARE(table->selectionModel()->selectedRows().size(), 2);
    const qint64 both = sumOfSelected();
    QVERIFY(both > 300 * 1024);
    QCOMPARE(
        label->text(), MainWindow::tr("%n selected: %1", nullptr, 2).arg(QLocale().formattedDataSize(both)));

    // Filtering hides a selected row: the total follows what is still selected.
    child<QLineEdit>(QStringLiteral("searchEdit"))->setText(QStringLiteral("half_plus_two/2"));
    QCOMPARE(table->model()->rowCount(), 1);
    QTRY_COMPARE(table->selectionModel()->selectedRows().size(), 1);
    QTRY_COMPARE(label->text(),
        MainWindow::tr("%n selected: %1", nullptr, 1).arg(QLocale().formattedDataSize(sumOfSelected())));

    table->clearSelection();
    QVERIFY(!label->isVisible());
}

void TestMainWindow::detailsFollowSelection()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    auto *details = child<DetailsPane>(QStringLiteral("detailsPane"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 1, ScanTimeoutMs);
    QVERIFY(!details->hasEntry());

    QSignalSpy treeReady(details, &DetailsPane::fileTreeReady);
    table->selectRow(0);
    QVERIFY(details->hasEntry());
    QCOMPARE(
        child<ElidedLabel>(QStringLiteral("detailsTitle"))->text(), QStringLiteral("google/half_plus_two/1"));
    QCOMPARE(child<ElidedLabel>(QStringLiteral("detailsTitle"))->toolTip(), HalfPlusTwo);
    QCOMPARE(child<ElidedLabel>(QStringLiteral("detailsKey"))->text(), keyOf(HalfPlusTwo));
    QCOMPARE(child<ElidedLabel>(QStringLiteral("detailsPath"))->text(),
        QDir::toNativeSeparators(m_root + u'/' + keyOf(HalfPlusTwo)));
    QVERIFY(child<QLabel>(QStringLiteral("detailsState"))
                ->text()
                .contains(stateExplanation(EntryState::Complete)));
    const QString downloader = child<QLabel>(QStringLiteral("detailsDownloader"))->text();
    QVERIFY2(downloader.contains(QStringLiteral("host")) && downloader.contains(QStringLiteral("12")),
        qPrintable(downloader));
    QVERIFY(child<QLabel>(QStringLiteral("detailsDownloaded"))->text().contains(QStringLiteral("2024")));

    QVERIFY(treeReady.wait(ScanTimeoutMs));
    auto *tree = child<QTreeWidget>(QStringLiteral("detailsFileTree"));
    QStringList top;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        top << tree->topLevelItem(i)->text(0);
    top.sort();
    QCOMPARE(top,
        QStringList({ QStringLiteral("assets"), QStringLiteral("fingerprint.pb"),
            QStringLiteral("saved_model.pb"), QStringLiteral("variables") }));

    table->clearSelection();
    QVERIFY(!details->hasEntry());
}

void TestMainWindow::searchFilters()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(addModel(m_root, HalfPlusTwoV2));
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    auto *search = child<QLineEdit>(QStringLiteral("searchEdit"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, ScanTimeoutMs);

    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    table->setFocus();
    QTest::keyClick(m_window.get(), Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(search->hasFocus());

    QTest::keyClicks(search, QStringLiteral("HALF_PLUS_TWO/2"));
    QCOMPARE(table->model()->rowCount(), 1);
    QCOMPARE(table->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        HalfPlusTwoV2);

    search->setText(keyOf(HalfPlusTwo).left(10));
    QCOMPARE(table->model()->rowCount(), 1);
    QCOMPARE(table->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        HalfPlusTwo);

    search->setText(QStringLiteral("google"));
    QCOMPARE(table->model()->rowCount(), 2);
    search->setText(QStringLiteral("resnet"));
    QCOMPARE(table->model()->rowCount(), 0);
    search->clear();
    QCOMPARE(table->model()->rowCount(), 2);
}

void TestMainWindow::rescanDropsDeletedEntries()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(addModel(m_root, HalfPlusTwoV2));
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, ScanTimeoutMs);

    const QString key = keyOf(HalfPlusTwoV2);
    QVERIFY(QDir(m_root + u'/' + key).removeRecursively());
    QVERIFY(QFile::remove(m_root + u'/' + key + QStringLiteral(".descriptor.txt")));
    QVERIFY(scan());
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 1, ScanTimeoutMs);
    QCOMPARE(table->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        HalfPlusTwo);

    // Two refreshes in a row: the first one is superseded, which is not an error.
    QSignalSpy finished(m_window.get(), &MainWindow::scanFinished);
    m_window->refresh();
    m_window->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), ScanTimeoutMs);
    QVERIFY(finished.constLast().at(0).toBool());
    QVERIFY(!m_window->cachePage()->findChild<MessageBar *>(QStringLiteral("messageBar"))->isVisible());
    QCOMPARE(table->model()->rowCount(), 1);
}

void TestMainWindow::emptyCache()
{
    QVERIFY(scan());
    auto *stack = child<QWidget>(QStringLiteral("emptyState"))->parentWidget();
    auto *pages = qobject_cast<QStackedWidget *>(stack);
    QVERIFY(pages);
    QCOMPARE(pages->currentWidget()->objectName(), QStringLiteral("emptyState"));
    QCOMPARE(child<QLabel>(QStringLiteral("emptyTitle"))->text(), CachePage::tr("No models cached yet"));
    QVERIFY(child<QLabel>(QStringLiteral("emptyText"))->text().contains(QDir::toNativeSeparators(m_root)));
    QVERIFY(!m_window->cachePage()->findChild<MessageBar *>(QStringLiteral("messageBar"))->isVisible());

    // A model appears; the next refresh leaves the empty state.
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(scan());
    QTRY_COMPARE(pages->currentWidget()->objectName(), QStringLiteral("cacheSplitter"));
}

void TestMainWindow::missingCache()
{
    m_root = m_tmp->path() + QStringLiteral("/not/there");
    QVERIFY(scan());
    auto *pages
        = qobject_cast<QStackedWidget *>(child<QWidget>(QStringLiteral("emptyState"))->parentWidget());
    QCOMPARE(pages->currentWidget()->objectName(), QStringLiteral("emptyState"));
    QVERIFY(!m_window->cachePage()->findChild<MessageBar *>(QStringLiteral("messageBar"))->isVisible());
    QVERIFY(!child<QLabel>(QStringLiteral("freeLabel"))->text().isEmpty());
    QVERIFY(!QFileInfo::exists(m_root)); // looking never creates it
}

void TestMainWindow::scannerErrorInMessageBar()
{
    m_root = m_tmp->path() + QStringLiteral("/a-file");
    QVERIFY(test::writeFile(m_root, "not a folder"));
    QVERIFY(!scan());
    auto *bar = m_window->cachePage()->findChild<MessageBar *>(QStringLiteral("messageBar"));
    QTRY_VERIFY(bar->isVisible());
    QCOMPARE(bar->kind(), MessageBar::Kind::Error);
    QVERIFY2(bar->text().contains(m_root), qPrintable(bar->text()));

    // Once the folder is fixed, a refresh clears the message.
    QVERIFY(QFile::remove(m_root));
    QVERIFY(QDir().mkpath(m_root));
    QVERIFY(scan());
    QVERIFY(!bar->isVisible());
}

void TestMainWindow::remembersLayout()
{
    QVERIFY(scan());
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    table->horizontalHeader()->setSectionHidden(CacheModel::FilesColumn, true);
    table->sortByColumn(CacheModel::HandleColumn, Qt::AscendingOrder);
    m_window->resize(900, 600);
    QVERIFY(m_window->close());
    m_window.reset();

    QVERIFY(QFileInfo::exists(QSettings().fileName()));
    QVERIFY(QSettings().fileName().startsWith(m_home.path()));

    QVERIFY(scan());
    table = child<QTableView>(QStringLiteral("cacheTable"));
    QVERIFY(table->horizontalHeader()->isSectionHidden(CacheModel::FilesColumn));
    QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(CacheModel::HandleColumn));
    QCOMPARE(m_window->size(), QSize(900, 600));
    QSettings().clear();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

void TestMainWindow::firstRunWarnings()
{
    QVERIFY(scan());
    auto *bar = m_window->windowMessageBar();
    QVERIFY(!bar->isVisible());
    // The library's default: a cache in the temporary folder, which a restart clears.
    QProcessEnvironment env;
    env.insert(QStringLiteral("TMPDIR"), m_tmp->path());
    const HubSettings temporary = HubSettings::resolve(env);
    QCOMPARE(temporary.cacheDirSource, ValueSource::Default);
    m_window->checkFirstRun(temporary);
    QVERIFY(bar->isVisible());
    QVERIFY2(bar->text().contains(temporary.cacheDir), qPrintable(bar->text()));
    // An invalid load format takes precedence: tensorflow_hub would fail outright.
    env.insert(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("compressed"));
    m_window->checkFirstRun(HubSettings::resolve(env));
    QVERIFY2(bar->text().contains(QStringLiteral("compressed")), qPrintable(bar->text()));
}

void TestMainWindow::firstRunMoveShowsOnSettingsPage()
{
    QVERIFY(scan());
    QProcessEnvironment env;
    env.insert(QStringLiteral("TMPDIR"), m_tmp->path());
    const HubSettings temporary = HubSettings::resolve(env);
    QVERIFY(addModel(temporary.cacheDir, HalfPlusTwo));
    m_window->checkFirstRun(temporary);
    auto *bar = m_window->windowMessageBar();
    QAction *use = nullptr;
    for (QToolButton *b : bar->findChildren<QToolButton *>()) {
        if (b->defaultAction()
            && b->defaultAction()->objectName() == QStringLiteral("usePersistentCacheAction"))
            use = b->defaultAction();
    }
    QVERIFY(use);
    use->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(bar->kind() == MessageBar::Kind::Positive, ScanTimeoutMs);
    const QString target = shellenv::persistentCacheDir();
    QVERIFY(QFileInfo::exists(target + u'/' + keyOf(HalfPlusTwo)));
    // This process's environment still names the temporary folder; the page must not say it uses it.
    SettingsPage *page = m_window->settingsPage();
    QCOMPARE(page->current().cacheDir, target);
    QCOMPARE(page->findChild<QLineEdit *>(QStringLiteral("cacheDirEdit"))->text(), target);
    const QString source = page->findChild<QLabel *>(QStringLiteral("cacheDirSource"))->text();
    QVERIFY2(source.contains(QStringLiteral("This program uses %1 (").arg(QDir::toNativeSeparators(target))),
        qPrintable(source));
    QVERIFY2(!source.contains(QStringLiteral("uses %1").arg(temporary.cacheDir)), qPrintable(source));
    QVERIFY2(!source.contains(sourceLabel(ValueSource::Default)), qPrintable(source));
    QCOMPARE(m_window->cacheRoot(), target);
}

void TestMainWindow::urlCacheDirAtStart_data()
{
    QTest::addColumn<QString>("cacheDir");
    QTest::addColumn<bool>("fromOption");
    QTest::addColumn<bool>("opens");
    QTest::newRow("gs:// in TFHUB_CACHE_DIR") << QStringLiteral("gs://bucket/x") << false << true;
    QTest::newRow("gs:// with --cache-dir") << QStringLiteral("gs://bucket/x") << true << true;
    QTest::newRow("s3://") << QStringLiteral("s3://bucket/x") << true << false;
    QTest::newRow("gs:// with a bad bucket") << QStringLiteral("gs://Bad_Bucket/x") << true << false;
}

// A gs:// folder opens on Cloud Storage (here the test double); other URLs are refused. Neither
// may become a local folder named "gs:" or "s3:" in the working directory.
void TestMainWindow::urlCacheDirAtStart()
{
    QFETCH(QString, cacheDir);
    QFETCH(bool, fromOption);
    QFETCH(bool, opens);
    const QString gui = qEnvironmentVariable("TFHUB_GUI");
    if (gui.isEmpty() || !QFileInfo(gui).isExecutable())
        QSKIP("TFHUB_GUI does not name the built tfhub-cache-manager.");
    test::GcsDouble storage;
    QVERIFY(storage.start());
    storage.put(QStringLiteral("bucket"), QStringLiteral("x/notes.txt"), "kept by a person");
    QTemporaryDir work;
    QTemporaryDir shots;
    QVERIFY(work.isValid() && shots.isValid());
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), storage.endpoint());
    const QString shot = shots.filePath(QStringLiteral("window.png"));
    QStringList args { QStringLiteral("--page"), QStringLiteral("cache"), QStringLiteral("--screenshot"),
        shot };
    if (fromOption) {
        env.remove(QStringLiteral("TFHUB_CACHE_DIR"));
        args << QStringLiteral("--cache-dir") << cacheDir;
    } else {
        env.insert(QStringLiteral("TFHUB_CACHE_DIR"), cacheDir);
    }
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(work.path());
    process.start(gui, args);
    QVERIFY(process.waitForStarted());
    // Refused at once, or opened, scanned the bucket and quit after its screenshot.
    if (!process.waitForFinished(ScanTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        QFAIL("the app neither refused the folder nor finished its scan");
    }
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    const QString err = QString::fromLocal8Bit(process.readAllStandardError());
    if (opens) {
        QVERIFY2(process.exitCode() == 0, qPrintable(err));
        QVERIFY(QFileInfo::exists(shot));
        QVERIFY(!storage.requests().isEmpty());
    } else {
        QVERIFY(process.exitCode() != 0);
        QVERIFY2(err.contains(cacheDir.section(u'/', 0, 2)), qPrintable(err));
        QVERIFY(!QFileInfo::exists(shot));
    }
    QCOMPARE(
        QDir(work.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden), QStringList());
}

bool TestMainWindow::cutShortMove(const QString &to) const
{
    MoveOptions options;
    const MoveReport report = maintenance::moveCache(
        m_root, to, options, [](const MoveProgress &) {}, [] { return false; });
    if (!report.switchable() || report.moved.size() != 1)
        qWarning("moveCache: %s", qPrintable(report.error));
    return report.switchable() && report.moved.size() == 1;
}

void TestMainWindow::pendingMoveOfferedAtStart_data()
{
    QTest::addColumn<bool>("finish");
    QTest::newRow("undo") << false;
    QTest::newRow("finish") << true;
}

void TestMainWindow::pendingMoveOfferedAtStart()
{
    QFETCH(bool, finish);
    QVERIFY(addModel(m_root, HalfPlusTwo));
    const QString to = m_tmp->path() + QStringLiteral("/new cache");
    QVERIFY(cutShortMove(to));
    QVERIFY(maintenance::pendingMove(m_root).value().has_value());

    m_window = std::make_unique<MainWindow>(m_root, QStringLiteral("test"));
    m_window->show();
    auto *bar = m_window->windowMessageBar();
    QTRY_VERIFY(bar->isVisible());
    QVERIFY2(bar->text().contains(to), qPrintable(bar->text()));
    // The first-run message waits: the cut-short move decides where the cache is.
    QProcessEnvironment env;
    env.insert(QStringLiteral("TMPDIR"), m_tmp->path());
    m_window->checkFirstRun(HubSettings::resolve(env));
    QVERIFY2(bar->text().contains(to), qPrintable(bar->text()));

    QAction *action = nullptr;
    const QString name = finish ? QStringLiteral("finishMoveAction") : QStringLiteral("undoMoveAction");
    for (QToolButton *b : bar->findChildren<QToolButton *>()) {
        if (b->defaultAction() && b->defaultAction()->objectName() == name)
            action = b->defaultAction();
    }
    QVERIFY(action);
    action->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(bar->kind() == MessageBar::Kind::Positive, ScanTimeoutMs);
    QVERIFY(!maintenance::pendingMove(m_root).value().has_value());
    QVERIFY(!maintenance::pendingMove(to).value().has_value());
    const QString key = keyOf(HalfPlusTwo);
    if (finish) {
        QVERIFY(QFileInfo::exists(to + u'/' + key + QStringLiteral("/saved_model.pb")));
        QVERIFY(!QFileInfo::exists(m_root + u'/' + key));
        QCOMPARE(shellenv::EnvPersistence()
                     .read(shellenv::Target::Bash)
                     .values.value(shellenv::Variable::CacheDir),
            to);
        QCOMPARE(m_window->cacheRoot(), to);
        QCOMPARE(m_window->settingsPage()->current().cacheDir, to);
    } else {
        QVERIFY(QFileInfo::exists(m_root + u'/' + key + QStringLiteral("/saved_model.pb")));
        QVERIFY(!QFileInfo::exists(to + u'/' + key));
        QVERIFY(
            shellenv::EnvPersistence().read(shellenv::Target::Bash).values.value(shellenv::Variable::CacheDir)
            != to);
        QCOMPARE(m_window->cacheRoot(), m_root);
    }
}

void TestMainWindow::aboutCreditsEveryLibrary()
{
    const QString text = MainWindow::aboutText();
    for (const char *credit : { "Qt 6", "GNU LGPL version 3", "libarchive (BSD 2-clause", "QuaZip (GNU LGPL",
             "ISA-L", "BSD 3-clause", "OpenSSL's libcrypto (Apache License 2.0)", "zlib (zlib licence)" })
        QVERIFY2(text.contains(QLatin1String(credit)), credit);
}

void TestMainWindow::folderChangeSwitchesInPlace()
{
    QVERIFY(addModel(m_root, HalfPlusTwo));
    QVERIFY(scan());
    const QString moved = m_tmp->path() + QStringLiteral("/moved cache");
    QVERIFY(addModel(moved, HalfPlusTwoV2));
    Q_EMIT m_window->settingsPage()->cacheDirChanged(moved);
    // No reopen: the window shows the new folder, and says where it came from.
    QVERIFY(!m_window->windowMessageBar()->isVisible());
    QCOMPARE(m_window->cacheRoot(), moved);
    QCOMPARE(m_window->downloadQueue()->options().cacheRoot, moved);
    const QString label = child<QLabel>(QStringLiteral("folderLabel"))->text();
    QVERIFY2(label.contains(QDir::toNativeSeparators(moved)), qPrintable(label));
    auto *table = child<QTableView>(QStringLiteral("cacheTable"));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 1, ScanTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        table->model()->index(0, CacheModel::HandleColumn).data(CacheModel::HandleRole).toString(),
        HalfPlusTwoV2, ScanTimeoutMs);
}
