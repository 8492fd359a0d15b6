#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"
#include "ui/cache/cacheactions.h"
#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/detailspane.h"
#include "ui/usage/breakdownview.h"
#include "ui/usage/treemapwidget.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"
#include "ui/widgets/pythonsnippet.h"
#include "ui/window/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 15000;
const QString HalfPlusTwo = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString HalfPlusTwoV2 = QStringLiteral("https://tfhub.dev/google/half_plus_two/2");
const QString Uid = QStringLiteral("0123456789abcdef0123456789abcdef");

QString addModel(const QString &root, const QString &handle,
    const QString &model = QStringLiteral("half_plus_two_tf2_cpu"))
{
    return test::makeEntry(root, handle, test::savedModelsDir() + u'/' + model);
}

} // namespace

class TestMaintenanceUi final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void deleteThroughConfirmation();
    void cancelledConfirmationKeepsEverything();
    void deleteRefusesLiveDownload();
    void trashWarnsThatNothingIsFreed();
    void verifyReportsInMessageBar();
    void verifyStopsWhenPageCloses();
    void detailsShowManifestAndRequiredFiles();
    void pythonSnippet_data();
    void pythonSnippet();
    void entryFromAnotherProcessAppears();
    void squarifyKeepsAreasProportional_data();
    void squarifyKeepsAreasProportional();
    void treemapTilesMatchEntrySizes();
    void selectReclaimable();
    void breakdownsAndTesters();

private:
    bool openWindow();
    CachePage *page() const { return m_window->cachePage(); }
    void selectKey(const QString &key);
    /// Clicks the button named `button` of the next modal dialog, and records its text.
    void answerNextDialog(const QString &button);

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    std::unique_ptr<MainWindow> m_window;
    QString m_dialogText;
    QString m_dialogTitle;
};

void TestMaintenanceUi::initTestCase()
{
    // Before anything reads QSettings or QStandardPaths: no test may touch the real home.
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_maintenanceui"));
    QVERIFY2(QSettings().fileName().startsWith(m_home.path()), qPrintable(QSettings().fileName()));
    QVERIFY(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation).startsWith(m_home.path()));
}

void TestMaintenanceUi::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
    m_dialogText.clear();
    m_dialogTitle.clear();
}

void TestMaintenanceUi::cleanup()
{
    m_window.reset();
    m_tmp.reset();
    QSettings().clear();
}

bool TestMaintenanceUi::openWindow()
{
    m_window = std::make_unique<MainWindow>(m_root, QStringLiteral("test"));
    m_window->show();
    QSignalSpy finished(m_window.get(), &MainWindow::scanFinished);
    m_window->refresh();
    return finished.wait(WaitMs) && finished.constFirst().constFirst().toBool();
}

void TestMaintenanceUi::selectKey(const QString &key)
{
    page()->selectKeys({ key });
}

void TestMaintenanceUi::answerNextDialog(const QString &button)
{
    auto *timer = new QTimer(this);
    timer->setInterval(20);
    connect(timer, &QTimer::timeout, this, [this, timer, button] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        timer->stop();
        timer->deleteLater();
        m_dialogTitle = box->windowTitle();
        m_dialogText = box->text() + u'\n' + box->informativeText();
        if (button.isEmpty())
            box->reject();
        else if (auto *b = box->findChild<QPushButton *>(button))
            b->click();
        else
            box->reject();
    });
    timer->start();
}

void TestMaintenanceUi::deleteThroughConfirmation()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    const QString other = addModel(m_root, HalfPlusTwoV2, QStringLiteral("half_plus_two_cpu"));
    QVERIFY(openWindow());
    QCOMPARE(page()->model()->rowCount(), 2);
    selectKey(key);
    const qint64 bytes = page()->model()->entryAt(page()->model()->rowOfKey(key)).diskBytes;
    QAction *remove = page()->actions()->deleteAction();
    QVERIFY(remove->isEnabled());
    QCOMPARE(remove->shortcut(), QKeySequence(QKeySequence::Delete));

    answerNextDialog(QStringLiteral("confirmRemovalButton"));
    remove->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(page()->model()->rowOfKey(key) < 0, WaitMs);
    // The title line names what is freed.
    QVERIFY2(m_dialogTitle.contains(QLocale().formattedDataSize(bytes)), qPrintable(m_dialogTitle));
    QVERIFY(m_dialogText.contains(HalfPlusTwo));
    QVERIFY(!QFileInfo::exists(m_root + u'/' + key));
    QVERIFY(!QFileInfo::exists(m_root + u'/' + key + QStringLiteral(".descriptor.txt")));
    QVERIFY(page()->model()->rowOfKey(other) >= 0);
    QVERIFY(QFileInfo(m_root + u'/' + other).isDir());
    auto *bar = page()->findChild<MessageBar *>();
    QTRY_VERIFY_WITH_TIMEOUT(bar->text().startsWith(QStringLiteral("Deleted 1 model")), WaitMs);
    QCOMPARE(bar->kind(), MessageBar::Kind::Positive);
}

void TestMaintenanceUi::cancelledConfirmationKeepsEverything()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    selectKey(key);
    answerNextDialog(QString());
    page()->actions()->deleteAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!m_dialogTitle.isEmpty(), WaitMs);
    QTest::qWait(50);
    QVERIFY(QFileInfo(m_root + u'/' + key).isDir());
    QVERIFY(page()->model()->rowOfKey(key) >= 0);
}

void TestMaintenanceUi::deleteRefusesLiveDownload()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    const qint64 pid = QCoreApplication::applicationPid();
    QVERIFY(test::writeFile(
        m_root + u'/' + key + QStringLiteral(".lock"), cache::lockContent(util::hostName(), pid, Uid)));
    QVERIFY(openWindow());
    selectKey(key);
    page()->actions()->deleteAction()->trigger();
    auto *bar = page()->findChild<MessageBar *>();
    QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible() && bar->kind() == MessageBar::Kind::Error, WaitMs);
    QVERIFY2(bar->text().contains(
                 QStringLiteral("is being downloaded by %1 pid %2").arg(util::hostName()).arg(pid)),
        qPrintable(bar->text()));
    QVERIFY(QFileInfo(m_root + u'/' + key).isDir());
}

void TestMaintenanceUi::trashWarnsThatNothingIsFreed()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    selectKey(key);
    answerNextDialog(QStringLiteral("confirmRemovalButton"));
    page()->actions()->trashAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(page()->model()->rowOfKey(key) < 0, WaitMs);
    QVERIFY2(m_dialogText.contains(QStringLiteral("frees no space until the trash is emptied")),
        qPrintable(m_dialogText));
    const QString trash = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/Trash/files/");
    QVERIFY(QFileInfo::exists(trash + key + QStringLiteral("/saved_model.pb")));
}

void TestMaintenanceUi::verifyReportsInMessageBar()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    selectKey(key);
    auto *bar = page()->findChild<MessageBar *>();
    page()->actions()->verifyAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(bar->kind() == MessageBar::Kind::Positive, WaitMs);
    QVERIFY2(bar->text().contains(QStringLiteral("the files hub.load() needs are present")),
        qPrintable(bar->text()));

    QVERIFY(QFile::remove(m_root + u'/' + key + QStringLiteral("/variables/variables.index")));
    page()->actions()->verifyAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(bar->kind() == MessageBar::Kind::Error, WaitMs);
    QVERIFY2(bar->text().contains(QStringLiteral("variables/variables.index")), qPrintable(bar->text()));
}

void TestMaintenanceUi::verifyStopsWhenPageCloses()
{
    // An entry whose manifest lists one huge file: hashing it takes seconds, the whole of it
    // in one file. Sparse, so it takes no room on the disk.
    const QString key = addModel(m_root, HalfPlusTwo);
    const QString big = m_root + u'/' + key + QStringLiteral("/variables/huge.bin");
    constexpr qint64 HugeBytes = qint64(16) << 30;
    QFile file(big);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QVERIFY(file.resize(HugeBytes));
    file.close();
    Manifest manifest;
    manifest.handle = HalfPlusTwo;
    manifest.key = key;
    manifest.files.append({ QStringLiteral("variables/huge.bin"), HugeBytes, QByteArray(64, '0') });
    QVERIFY(test::writeFile(m_root + u'/' + key + QStringLiteral(".manifest.json"), manifest.toJson()));
    QVERIFY(openWindow());
    selectKey(key);
    QVERIFY(page()->model()->entryAt(page()->model()->rowOfKey(key)).hasManifest);

    page()->actions()->verifyAction()->trigger();
    const QFuture<CacheActions::VerifySummary> job = page()->actions()->verifyJob();
    QVERIFY(!job.isFinished());
    // Closing the window destroys the page: it must not wait for the hash of the whole file.
    m_window.reset();
    QVERIFY(job.isFinished());
    QVERIFY(job.resultCount() == 1);
    QVERIFY2(job.result().cancelled, qPrintable(job.result().text));
}

void TestMaintenanceUi::detailsShowManifestAndRequiredFiles()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    auto *details = page()->findChild<DetailsPane *>();
    QSignalSpy ready(details, &DetailsPane::fileTreeReady);
    selectKey(key);
    QVERIFY(ready.wait(WaitMs) || !ready.isEmpty());
    const QString required = details->findChild<QLabel *>(QStringLiteral("detailsRequired"))->text();
    QVERIFY2(required.contains(QStringLiteral("✓ saved_model.pb")), qPrintable(required));
    QVERIFY2(required.contains(QStringLiteral("✓ variables/variables.index")), qPrintable(required));
    QVERIFY2(required.contains(QStringLiteral("-of-")), qPrintable(required));
    const QString manifest = details->findChild<QLabel *>(QStringLiteral("detailsManifest"))->text();
    QVERIFY2(manifest.startsWith(QStringLiteral("None")), qPrintable(manifest));
}

void TestMaintenanceUi::pythonSnippet_data()
{
    QTest::addColumn<QStringList>("handles");
    QTest::addColumn<QString>("code");
    const QString head = QStringLiteral("import tensorflow_hub as hub\n\n");
    QTest::newRow("one") << QStringList { HalfPlusTwo }
                         << head + QStringLiteral("model = hub.load(\"%1\")\n").arg(HalfPlusTwo);
    QTest::newRow("quote") << QStringList { QStringLiteral("a\"b") }
                           << head + QStringLiteral("model = hub.load(\"a\\\"b\")\n");
    QTest::newRow("backslash") << QStringList { QStringLiteral("C:\\models\\x") }
                               << head + QStringLiteral("model = hub.load(\"C:\\\\models\\\\x\")\n");
    // The backslash before a quote must not escape the quote's own backslash.
    QTest::newRow("backslash quote") << QStringList { QStringLiteral("a\\\"") }
                                     << head + QStringLiteral("model = hub.load(\"a\\\\\\\"\")\n");
    QTest::newRow("two") << QStringList { HalfPlusTwo, HalfPlusTwoV2 }
                         << head
            + QStringLiteral("model_1 = hub.load(\"%1\")\nmodel_2 = hub.load(\"%2\")\n")
                  .arg(HalfPlusTwo, HalfPlusTwoV2);
}

void TestMaintenanceUi::pythonSnippet()
{
    QFETCH(QStringList, handles);
    QFETCH(QString, code);
    QCOMPARE(ui::pythonSnippet(handles), code);
}

void TestMaintenanceUi::entryFromAnotherProcessAppears()
{
    const QString key = addModel(m_root, HalfPlusTwo);
    QVERIFY(openWindow());
    QCOMPARE(page()->model()->rowCount(), 1);
    QSignalSpy scans(m_window.get(), &MainWindow::scanFinished);

    // Another process (as tensorflow_hub would) creates an entry; no refresh is asked for.
    const QString newKey = QString::fromLatin1(
        QCryptographicHash::hash(HalfPlusTwoV2.toUtf8(), QCryptographicHash::Sha1).toHex());
    const QString script = QStringLiteral("cp -r \"$1\" \"$2/%1.tmp\" && printf 'Module: %2' > "
                                          "\"$2/%1.descriptor.txt\" && mv \"$2/%1.tmp\" \"$2/%1\"")
                               .arg(newKey, HalfPlusTwoV2);
    QProcess sh;
    sh.start(QStringLiteral("sh"),
        { QStringLiteral("-c"), script, QStringLiteral("sh"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"), m_root });
    QVERIFY(sh.waitForFinished(WaitMs));
    QCOMPARE(sh.exitCode(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(page()->model()->rowOfKey(newKey) >= 0, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        page()->model()->entryAt(page()->model()->rowOfKey(newKey)).state, EntryState::Complete, WaitMs);
    QCOMPARE(page()->model()->entryAt(page()->model()->rowOfKey(newKey)).handle, HalfPlusTwoV2);

    // And a terminal rm takes it away again.
    QProcess rm;
    rm.start(QStringLiteral("rm"),
        { QStringLiteral("-rf"), m_root + u'/' + key,
            m_root + u'/' + key + QStringLiteral(".descriptor.txt") });
    QVERIFY(rm.waitForFinished(WaitMs));
    QTRY_VERIFY_WITH_TIMEOUT(page()->model()->rowOfKey(key) < 0, WaitMs);
    QCOMPARE(page()->model()->rowCount(), 1);
    QVERIFY(scans.isEmpty()); // no full rescan did it
}

void TestMaintenanceUi::squarifyKeepsAreasProportional_data()
{
    QTest::addColumn<QList<qint64>>("sizes");
    QTest::newRow("one") << QList<qint64> { 42 };
    QTest::newRow("equal") << QList<qint64> { 5, 5, 5, 5 };
    QTest::newRow("paper example") << QList<qint64> { 6, 6, 4, 3, 2, 2, 1 };
    QTest::newRow("skewed") << QList<qint64> { 1000000000, 3, 70000, 1, 5000000 };
    QTest::newRow("with zero") << QList<qint64> { 10, 0, 30 };
}

void TestMaintenanceUi::squarifyKeepsAreasProportional()
{
    QFETCH(QList<qint64>, sizes);
    const QRectF area(0, 0, 600, 400);
    const QList<QRectF> rects = TreemapWidget::squarify(sizes, area);
    QCOMPARE(rects.size(), sizes.size());
    double total = 0;
    for (const qint64 s : sizes)
        total += static_cast<double>(s);
    double covered = 0;
    for (qsizetype i = 0; i < sizes.size(); ++i) {
        const QRectF &r = rects.at(i);
        const double expected = area.width() * area.height() * static_cast<double>(sizes.at(i)) / total;
        QVERIFY2(qAbs(r.width() * r.height() - expected) < 0.01 * area.width() * area.height() / 1000 + 1e-6,
            qPrintable(QStringLiteral("tile %1: %2 vs %3").arg(i).arg(r.width() * r.height()).arg(expected)));
        if (sizes.at(i) > 0)
            QVERIFY(area.adjusted(-1e-6, -1e-6, 1e-6, 1e-6).contains(r));
        covered += r.width() * r.height();
        for (qsizetype j = 0; j < i; ++j)
            QVERIFY(rects.at(j).intersected(r).width() * rects.at(j).intersected(r).height() < 1e-6);
    }
    QVERIFY(qAbs(covered - area.width() * area.height()) < 1e-3);
}

void TestMaintenanceUi::treemapTilesMatchEntrySizes()
{
    addModel(m_root, HalfPlusTwo);
    addModel(m_root, HalfPlusTwoV2, QStringLiteral("half_plus_two_cpu"));
    QVERIFY(test::writeFile(m_root + QStringLiteral("/big.bin"), QByteArray(300000, 'x')));
    QVERIFY(openWindow());
    QVERIFY(m_window->showPage(QStringLiteral("usage")));
    UsagePage *usage = m_window->usagePage();
    usage->recompute();
    TreemapWidget *map = usage->treemap();
    QTRY_VERIFY(map->width() > 100 && map->height() > 50);
    const QList<TreemapWidget::Tile> tiles = map->tiles();
    QCOMPARE(tiles.size(), 3);
    qint64 totalBytes = 0;
    double totalArea = 0;
    for (const TreemapWidget::Tile &t : tiles) {
        totalBytes += map->items().at(t.item).size;
        totalArea += t.rect.width() * t.rect.height();
    }
    CacheModel *model = page()->model();
    for (const TreemapWidget::Tile &t : tiles) {
        const TreemapWidget::Item &item = map->items().at(t.item);
        const int row = model->rowOfKey(item.key);
        QVERIFY(row >= 0);
        QCOMPARE(item.size, model->entryAt(row).diskBytes);
        const double share = t.rect.width() * t.rect.height() / totalArea;
        QVERIFY2(qAbs(share - static_cast<double>(item.size) / static_cast<double>(totalBytes)) < 1e-6,
            qPrintable(item.key));
        // The tile under its centre is itself.
        QCOMPARE(map->keyAt(t.rect.center()), item.key);
        // Its label is the model name, with the size as a second line.
        QCOMPARE(item.label, CacheModel::displayName(model->entryAt(row)));
        QCOMPARE(item.sizeText, QLocale().formattedDataSize(item.size));
    }
    // Largest first.
    QVERIFY(map->items().at(tiles.at(0).item).size >= map->items().at(tiles.at(1).item).size);

    // A click selects the entry on the Cache page.
    const TreemapWidget::Tile first = tiles.constFirst();
    QTest::mouseClick(map, Qt::LeftButton, Qt::NoModifier, first.rect.center().toPoint());
    QCOMPARE(m_window->findChild<QStackedWidget *>()->currentWidget(), page());
    const QModelIndexList selected
        = page()->findChild<QTableView *>(QStringLiteral("cacheTable"))->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.constFirst().data(CacheModel::KeyRole).toString(), map->items().at(first.item).key);
}

void TestMaintenanceUi::selectReclaimable()
{
    const QString complete = addModel(m_root, HalfPlusTwo);
    // An empty folder, and a download whose owner is gone.
    const QString empty
        = QString::fromLatin1(QCryptographicHash::hash("empty", QCryptographicHash::Sha1).toHex());
    QVERIFY(QDir().mkpath(m_root + u'/' + empty));
    const QString partial
        = QString::fromLatin1(QCryptographicHash::hash("partial", QCryptographicHash::Sha1).toHex());
    QVERIFY(test::writeFile(
        m_root + u'/' + partial + u'.' + Uid + QStringLiteral(".tmp/x"), QByteArray(5000, 'x')));
    QVERIFY(openWindow());
    QVERIFY(m_window->showPage(QStringLiteral("usage")));
    UsagePage *usage = m_window->usagePage();
    usage->recompute();
    QStringList keys = usage->reclaimableKeys();
    keys.sort();
    QStringList expected { empty, partial };
    expected.sort();
    QCOMPARE(keys, expected);
    QVERIFY(usage->reclaimableBytes() > 5000);
    QVERIFY(!keys.contains(complete));

    auto *button = usage->findChild<QPushButton *>(QStringLiteral("selectReclaimableButton"));
    QVERIFY(button->isEnabled());
    button->click();
    QCOMPARE(m_window->findChild<QStackedWidget *>()->currentWidget(), page());
    QStringList selected;
    for (const QModelIndex &i :
        page()->findChild<QTableView *>(QStringLiteral("cacheTable"))->selectionModel()->selectedRows())
        selected << i.data(CacheModel::KeyRole).toString();
    selected.sort();
    QCOMPARE(selected, expected);
    // The status bar's selection total follows.
    const QString total = m_window->findChild<QLabel *>(QStringLiteral("selectionLabel"))->text();
    QVERIFY2(total.startsWith(QStringLiteral("2 selected")), qPrintable(total));
}

void TestMaintenanceUi::breakdownsAndTesters()
{
    addModel(m_root, HalfPlusTwo);
    addModel(m_root, HalfPlusTwoV2, QStringLiteral("half_plus_two_cpu"));
    addModel(m_root, QStringLiteral("https://www.kaggle.com/models/someone/thing/tensorFlow2/x/1"),
        QStringLiteral("half_plus_two_cpu"));
    QVERIFY(openWindow());
    UsagePage *usage = m_window->usagePage();
    QAbstractItemModelTester publisherTester(
        usage->publisherBreakdown(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester formatTester(
        usage->formatBreakdown(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester ageTester(
        usage->ageBreakdown(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester cacheTester(
        page()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    usage->recompute();
    const auto &rows = usage->publisherBreakdown()->rows();
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows.constFirst().name, QStringLiteral("google"));
    QCOMPARE(rows.constFirst().count, 2);
    QCOMPARE(rows.at(1).name, QStringLiteral("someone"));
    QVERIFY(rows.at(0).bytes >= rows.at(1).bytes);
    QCOMPARE(usage->publisherBreakdown()
                 ->index(0, BreakdownModel::SizeColumn)
                 .data(BreakdownModel::FractionRole)
                 .toDouble(),
        1.0);
    qint64 sum = 0;
    for (const auto &r : usage->formatBreakdown()->rows())
        sum += r.bytes;
    QCOMPARE(sum, page()->model()->totalDiskBytes());
    // The format legend lists only the formats present.
    QSet<ModelFormat> present;
    for (int row = 0; row < page()->model()->rowCount(); ++row)
        present.insert(page()->model()->entryAt(row).format);
    const QString legend = usage->findChild<QLabel *>(QStringLiteral("treemapLegend"))->text();
    for (const ModelFormat f : allFormats()) {
        const QString label
            = modelname::formatLabel(f).toHtmlEscaped().replace(u' ', QStringLiteral("&nbsp;"));
        QVERIFY2(legend.contains(label) == present.contains(f), qPrintable(legend));
    }
    // The age colours and legend switch with the mode.
    usage->setColorMode(UsagePage::ColorMode::Age);
    QVERIFY(usage->findChild<QLabel *>(QStringLiteral("treemapLegend"))
                ->text()
                .contains(QStringLiteral("Over&nbsp;a&nbsp;year")));
    // A delete through the model keeps the testers happy.
    page()->model()->removeKeys({ page()->model()->keys().constFirst() });
    usage->recompute();
}

QTEST_MAIN(TestMaintenanceUi)
#include "tst_maintenanceui.moc"
