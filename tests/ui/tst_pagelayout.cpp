#include "core/hub/handle.h"
#include "core/settings/appsettings.h"
#include "tests/support/testdata.h"
#include "ui/browse/browsepage.h"
#include "ui/browse/browseproxy.h"
#include "ui/cache/cachefilterbar.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/detailspane.h"
#include "ui/cache/livecache.h"
#include "ui/cache/volumespace.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/elidedlabel.h"
#include "ui/window/mainwindow.h"

#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeView>
#include <QtTest>

#include <memory>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 10000;
// The smallest window the app is made for.
constexpr QSize SmallWindow(1024, 700);
// A model path needs this much to be told from its neighbours (it is elided at its start).
constexpr int ModelColumnMinimum = 200;
// Short columns (task, format, state) need not be wider than this: a rare longer label elides,
// with the whole of it in the tooltip.
constexpr int ShortColumnMaximum = 160;

const QStringList Handles = {
    QStringLiteral("https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5"),
    QStringLiteral("https://tfhub.dev/tensorflow/bert_en_uncased_L-12_H-768_A-12/4"),
    QStringLiteral("https://www.kaggle.com/models/google/yamnet/TensorFlow2/yamnet/1"),
};

// Every visible column lies inside the viewport, is at least as wide as its header needs and,
// apart from the stretching model column, as its cells need (nothing cut in Size, State, ...).
void checkColumns(QAbstractItemView *view, QHeaderView *header, int modelColumn, const char *what)
{
    const int viewport = view->viewport()->width();
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c))
            continue;
        const QString name = view->model()->headerData(c, Qt::Horizontal, Qt::AccessibleTextRole).toString()
            + view->model()->headerData(c, Qt::Horizontal).toString();
        const int left = header->sectionViewportPosition(c);
        const int width = header->sectionSize(c);
        QVERIFY2(left >= 0 && left + width <= viewport,
            qPrintable(QStringLiteral("%1: column %2 spans %3..%4 of a %5 px viewport")
                           .arg(QLatin1String(what), name)
                           .arg(left)
                           .arg(left + width)
                           .arg(viewport)));
        int needed = header->sectionSizeHint(c);
        if (c == modelColumn)
            needed = std::max(needed, ModelColumnMinimum);
        else
            needed = std::max(needed, std::min(view->sizeHintForColumn(c), ShortColumnMaximum));
        QVERIFY2(width >= needed,
            qPrintable(QStringLiteral("%1: column %2 is %3 px, needs %4")
                           .arg(QLatin1String(what), name)
                           .arg(width)
                           .arg(needed)));
    }
}

} // namespace

/// The pages fit the smallest window the app is made for (1024×700) with every column readable;
/// the Cache page's details pane takes room only while something is selected, at the width the
/// user gave it, and cuts long values with an ellipsis and a tooltip instead of widening.
class TestPageLayout final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void cacheColumnsFitSmallWindow();
    void browseColumnsFitSmallWindow();
    void detailsOnlyWhileSelected();
    void detailsWidthSurvivesNewPage();
    void detailsElideWithTooltips();
    void freeSpaceIsOneFigure();
    void stateFilterShowsChecks_data();
    void stateFilterShowsChecks();

private:
    bool openWindow();
    QSplitter *splitter() const
    {
        return m_window->cachePage()->findChild<QSplitter *>(QStringLiteral("cacheSplitter"));
    }
    QWidget *detailsColumn() const
    {
        return m_window->cachePage()->findChild<QWidget *>(QStringLiteral("detailsColumn"));
    }

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QStringList m_keys;
    std::unique_ptr<MainWindow> m_window;
};

void TestPageLayout::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_pagelayout"));
}

void TestPageLayout::init()
{
    QSettings().clear();
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->filePath(
        QStringLiteral("a-cache-folder-with-a-rather-long-name-as-people-have/tfhub_modules"));
    m_keys.clear();
    for (const QString &h : Handles) {
        m_keys << test::makeEntry(
            m_root, h, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        QVERIFY(!m_keys.constLast().isEmpty());
    }
}

void TestPageLayout::cleanup()
{
    m_window.reset();
    m_tmp.reset();
}

bool TestPageLayout::openWindow()
{
    m_window = std::make_unique<MainWindow>(m_root, QStringLiteral("test"));
    m_window->resize(SmallWindow);
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()))
        return false;
    QSignalSpy finished(m_window.get(), &MainWindow::scanFinished);
    m_window->refresh();
    return finished.wait(WaitMs) && m_window->cachePage()->entryCount() == Handles.size();
}

void TestPageLayout::cacheColumnsFitSmallWindow()
{
    QVERIFY(openWindow());
    QVERIFY(m_window->showPage(QStringLiteral("cache")));
    auto *table = m_window->cachePage()->findChild<QTableView *>(QStringLiteral("cacheTable"));
    // With the details shown (an entry selected), which is when the list has the least room.
    m_window->cachePage()->selectKeys({ m_keys.constFirst() });
    QTRY_VERIFY_WITH_TIMEOUT(detailsColumn()->isVisible(), WaitMs);
    QApplication::processEvents();
    checkColumns(table, table->horizontalHeader(), CacheModel::HandleColumn, "Cache");
}

void TestPageLayout::browseColumnsFitSmallWindow()
{
    QVERIFY(openWindow());
    BrowsePage *browse = m_window->browsePage();
    QVERIFY(m_window->showPage(QStringLiteral("browse")));
    QTRY_VERIFY_WITH_TIMEOUT(browse->proxy()->rowCount() > 100, WaitMs);
    browse->searchField()->setText(QStringLiteral("mobilenet"));
    QTRY_VERIFY_WITH_TIMEOUT(browse->view()->currentIndex().isValid(), WaitMs);
    QApplication::processEvents();
    checkColumns(browse->view(), browse->view()->header(), 0, "Browse");
}

void TestPageLayout::detailsOnlyWhileSelected()
{
    QVERIFY(openWindow());
    QVERIFY(m_window->showPage(QStringLiteral("cache")));
    auto *table = m_window->cachePage()->findChild<QTableView *>(QStringLiteral("cacheTable"));
    // Nothing selected: the list has the whole width.
    QVERIFY(!detailsColumn()->isVisible());
    QCOMPARE(table->width(), splitter()->width());
    m_window->cachePage()->selectKeys({ m_keys.at(1) });
    QTRY_VERIFY_WITH_TIMEOUT(detailsColumn()->isVisible(), WaitMs);
    QVERIFY(table->width() < splitter()->width());
    table->clearSelection();
    QTRY_VERIFY_WITH_TIMEOUT(!detailsColumn()->isVisible(), WaitMs);
    QTRY_COMPARE(table->width(), splitter()->width());
}

void TestPageLayout::detailsWidthSurvivesNewPage()
{
    QVERIFY(openWindow());
    m_window->resize(1400, 800);
    m_window->cachePage()->selectKeys({ m_keys.constFirst() });
    QTRY_VERIFY_WITH_TIMEOUT(detailsColumn()->isVisible(), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(
        splitter()->sizes().value(1), settings::CachePageDetailsWidth.defaultValue, WaitMs);
    // The user drags the handle 33 pixels to the left (QSplitter moves, then says so).
    const QList<int> before = splitter()->sizes();
    splitter()->setSizes({ before.value(0) - 33, before.value(1) + 33 });
    Q_EMIT splitter()->splitterMoved(before.value(0) - 33, 1);
    QCOMPARE(splitter()->sizes().value(1), settings::CachePageDetailsWidth.defaultValue + 33);
    const int dragged = splitter()->sizes().value(1);
    // Hidden and shown again, the pane keeps the width the user gave it.
    m_window->cachePage()->selectKeys({});
    QTRY_VERIFY_WITH_TIMEOUT(!detailsColumn()->isVisible(), WaitMs);
    m_window->cachePage()->selectKeys({ m_keys.constFirst() });
    QTRY_COMPARE_WITH_TIMEOUT(splitter()->sizes().value(1), dragged, WaitMs);

    // Closing the window saves it; a new window's page shows the details at that width.
    QVERIFY(m_window->close());
    m_window.reset();
    QVERIFY(openWindow());
    m_window->resize(1400, 800);
    QVERIFY(!detailsColumn()->isVisible());
    m_window->cachePage()->selectKeys({ m_keys.constFirst() });
    QTRY_VERIFY_WITH_TIMEOUT(detailsColumn()->isVisible(), WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(splitter()->sizes().value(1), dragged, WaitMs);
    // In the smallest window the list keeps its columns readable and the pane gives way.
    m_window->resize(SmallWindow);
    QTRY_VERIFY_WITH_TIMEOUT(splitter()->sizes().value(1) < dragged, WaitMs);
    auto *table = m_window->cachePage()->findChild<QTableView *>(QStringLiteral("cacheTable"));
    QVERIFY(table->horizontalHeader()->sectionSize(CacheModel::HandleColumn) >= ModelColumnMinimum);
    QVERIFY(m_window->close());
    QCOMPARE(settings::CachePageDetailsWidth.read(QSettings()), dragged);
}

void TestPageLayout::detailsElideWithTooltips()
{
    QVERIFY(openWindow());
    m_window->resize(1400, 800);
    m_window->cachePage()->selectKeys({ m_keys.constFirst() });
    QTRY_VERIFY_WITH_TIMEOUT(detailsColumn()->isVisible(), WaitMs);
    const int total = splitter()->sizes().value(0) + splitter()->sizes().value(1);
    splitter()->setSizes({ total - 240, 240 });
    QApplication::processEvents();
    // The narrow pane keeps the width it was given: no value holds it wider.
    QTRY_VERIFY_WITH_TIMEOUT(splitter()->sizes().value(1) <= 240, WaitMs);

    const QString folder = QDir::toNativeSeparators(m_root + u'/' + m_keys.constFirst());
    auto *path = m_window->findChild<ElidedLabel *>(QStringLiteral("detailsPath"));
    QCOMPARE(path->text(), folder);
    QCOMPARE(path->toolTip(), folder);
    QCOMPARE(path->elideMode(), Qt::ElideMiddle);
    QTRY_VERIFY_WITH_TIMEOUT(path->shownText().contains(QChar(0x2026)), WaitMs);
    // Both ends stay: the start of the folder and the key's last digits.
    QVERIFY2(path->shownText().startsWith(folder.left(4)), qPrintable(path->shownText()));
    QVERIFY2(path->shownText().endsWith(folder.right(4)), qPrintable(path->shownText()));
    auto *key = m_window->findChild<ElidedLabel *>(QStringLiteral("detailsKey"));
    QCOMPARE(key->text(), m_keys.constFirst());
    QCOMPARE(key->toolTip(), m_keys.constFirst());
    auto *title = m_window->findChild<ElidedLabel *>(QStringLiteral("detailsTitle"));
    QCOMPARE(title->toolTip(), Handles.constFirst());
    QVERIFY(path->width() <= detailsColumn()->width());
}

void TestPageLayout::freeSpaceIsOneFigure()
{
    QVERIFY(openWindow());
    VolumeSpace *volume = VolumeSpace::of(m_window->liveCache());
    QCOMPARE(VolumeSpace::of(m_window->liveCache()), volume);
    QVERIFY(volume->freeBytes() >= 0);
    auto *status = m_window->findChild<QLabel *>(QStringLiteral("freeLabel"));
    auto *usage = m_window->usagePage()->findChild<QLabel *>(QStringLiteral("freeFigure"));
    QVERIFY(status && usage);
    QVERIFY(m_window->showPage(QStringLiteral("usage")));
    // Every page shows the one figure, whichever was read last.
    QTRY_COMPARE_WITH_TIMEOUT(usage->text(), volume->freeText(), WaitMs);
    QCOMPARE(status->text(), MainWindow::tr("Free: %1").arg(volume->freeText()));
    QCOMPARE(usage->toolTip(), volume->toolTip());
    QCOMPARE(status->toolTip(), volume->toolTip());
    // A change of the volume (here: a big file) reaches both with the next reading.
    {
        QFile big(m_tmp->filePath(QStringLiteral("big.bin")));
        QVERIFY(big.open(QIODevice::WriteOnly));
        QVERIFY(big.write(QByteArray(8 << 20, 'x')) == 8 << 20);
        QVERIFY(big.flush());
    }
    volume->refresh();
    QCOMPARE(usage->text(), volume->freeText());
    QCOMPARE(status->text(), MainWindow::tr("Free: %1").arg(volume->freeText()));
}

void TestPageLayout::stateFilterShowsChecks_data()
{
    QTest::addColumn<bool>("dark");
    QTest::newRow("light") << false;
    QTest::newRow("dark") << true;
}

void TestPageLayout::stateFilterShowsChecks()
{
    QFETCH(bool, dark);
    const QPalette original = QApplication::palette();
    if (dark) {
        QPalette p;
        p.setColor(QPalette::Window, QColor(0x2a, 0x2e, 0x32));
        p.setColor(QPalette::WindowText, QColor(0xfc, 0xfc, 0xfc));
        p.setColor(QPalette::Base, QColor(0x1b, 0x1e, 0x20));
        p.setColor(QPalette::Text, QColor(0xfc, 0xfc, 0xfc));
        p.setColor(QPalette::Highlight, QColor(0x3d, 0xae, 0xe9));
        QApplication::setPalette(p);
    }
    QVERIFY(openWindow());
    auto *button = m_window->cachePage()->findChild<QToolButton *>(QStringLiteral("stateFilterButton"));
    QVERIFY(button && button->menu());
    auto *bar = m_window->cachePage()->findChild<CacheFilterBar *>();
    QStandardItemModel *states = bar->stateModel();
    QCOMPARE(states->rowCount(), int(allStates().size()));
    // Every row carries a check box of its own (not only the menu's faint frame around an icon).
    for (int row = 0; row < states->rowCount(); ++row) {
        const QModelIndex index = states->index(row, 0);
        QVERIFY(index.flags() & Qt::ItemIsUserCheckable);
        QCOMPARE(index.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        QVERIFY(!index.data(Qt::DecorationRole).value<QIcon>().isNull());
    }

    button->menu()->popup(button->mapToGlobal(QPoint(0, button->height())));
    QListView *list = bar->stateList();
    QTRY_VERIFY_WITH_TIMEOUT(list->isVisible(), WaitMs);
    int completeRow = -1;
    for (int row = 0; row < states->rowCount(); ++row) {
        if (states->item(row)->data(CacheFilterBar::StateRole).toInt() == int(EntryState::Complete))
            completeRow = row;
    }
    QVERIFY(completeRow >= 0);
    // A click on the words checks the row, as on the box; the menu stays open for more.
    const QRect rect = list->visualRect(states->index(completeRow, 0));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center() + QPoint(rect.width() / 4, 0));
    QTRY_COMPARE_WITH_TIMEOUT(
        states->index(completeRow, 0).data(Qt::CheckStateRole).toInt(), int(Qt::Checked), WaitMs);
    QVERIFY(list->isVisible());
    QCOMPARE(button->text(), CacheFilterBar::tr("State (%1)").arg(1));
    auto *table = m_window->cachePage()->findChild<QTableView *>(QStringLiteral("cacheTable"));
    QCOMPARE(table->model()->rowCount(), Handles.size());
    // Space toggles the current row back.
    list->setCurrentIndex(states->index(completeRow, 0));
    QTest::keyClick(list, Qt::Key_Space);
    QTRY_COMPARE_WITH_TIMEOUT(
        states->index(completeRow, 0).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked), WaitMs);
    QCOMPARE(button->text(), CacheFilterBar::tr("State"));
    button->menu()->close();
    QApplication::setPalette(original);
}

QTEST_MAIN(TestPageLayout)
#include "tst_pagelayout.moc"
