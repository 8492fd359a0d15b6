#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"
#include "ui/browse/browsedetails.h"
#include "ui/browse/browsemodel.h"
#include "ui/browse/browsepage.h"
#include "ui/browse/browseproxy.h"
#include "ui/cache/livecache.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/pythonsnippet.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDirIterator>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <memory>

using namespace tfhub;
using namespace tfhub::ui;

namespace {
const QString ArchivePath = QStringLiteral("/acme/half-plus-two/1");
}

class TestBrowse final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void loadsBundledCatalog();
    void searchIsInstant();
    void relevanceOrderAndSelection();
    void facetCountsMatchCatalog();
    void detailsShowFactsAndVersions();
    void variantsCannotBePrefetched();
    void cachedBadgeAfterPrefetch();
    void draggedColumnWidthSurvivesReload();
    void pastedHandles();
    void copyHandleAndSnippet();
    void snippetEscapesHandle();

private:
    bool selectHandle(const QString &handle);
    PrefetchOptions options() const;

    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    test::TestHub m_hub;
    std::unique_ptr<DownloadQueue> m_queue;
    std::unique_ptr<LiveCache> m_live;
    std::unique_ptr<BrowsePage> m_page;
    std::unique_ptr<QAbstractItemModelTester> m_modelTester;
    std::unique_ptr<QAbstractItemModelTester> m_proxyTester;
};

void TestBrowse::initTestCase()
{
    // Before anything reads QSettings or QStandardPaths: no test may touch the real home.
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_browse"));
    QVERIFY2(QSettings().fileName().startsWith(m_home.path()), qPrintable(QSettings().fileName()));

    QVERIFY(m_hub.start());
    QFile archive(test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"));
    QVERIFY(archive.open(QIODevice::ReadOnly));
    m_hub.addArchive(ArchivePath, archive.readAll());
}

PrefetchOptions TestBrowse::options() const
{
    PrefetchOptions o;
    o.cacheRoot = m_root;
    o.lockPollMs = 100;
    o.graceSecs = 1;
    o.noProgressSecs = 2;
    o.stallSecs = 5;
    o.retries = 2;
    o.backoffMs = 50;
    return o;
}

void TestBrowse::init()
{
    QSettings().clear();
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
    m_queue = std::make_unique<DownloadQueue>(options());
    m_page = std::make_unique<BrowsePage>();
    m_modelTester = std::make_unique<QAbstractItemModelTester>(
        m_page->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_proxyTester = std::make_unique<QAbstractItemModelTester>(
        m_page->proxy(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_page->setDownloadQueue(m_queue.get());
    m_page->resize(1100, 700);
    m_page->show();
    QSignalSpy loaded(m_page.get(), &BrowsePage::catalogLoaded);
    QSignalSpy scanned(m_page.get(), &BrowsePage::cacheStateRefreshed);
    m_live = std::make_unique<LiveCache>(m_root);
    m_page->setLiveCache(m_live.get());
    m_live->refresh();
    m_page->reloadCatalog();
    QVERIFY(loaded.wait(30000));
    QVERIFY(scanned.count() > 0 || scanned.wait(30000));
}

void TestBrowse::cleanup()
{
    m_proxyTester.reset();
    m_modelTester.reset();
    m_page.reset();
    m_live.reset();
    m_queue.reset();
    m_tmp.reset();
}

bool TestBrowse::selectHandle(const QString &handle)
{
    m_page->searchField()->setText(handle);
    BrowseProxy *proxy = m_page->proxy();
    for (int r = 0; r < proxy->rowCount(); ++r) {
        const QModelIndex i = proxy->index(r, BrowseModel::HandleColumn);
        if (i.data(BrowseModel::HandleRole).toString() == handle
            && i.data(BrowseModel::LoadableRole).toBool()
                == (m_page->model()->catalog()->at(proxy->entryIndex(r)).isLoadable())) {
            m_page->view()->setCurrentIndex(i);
            m_page->view()->selectionModel()->select(
                i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

void TestBrowse::loadsBundledCatalog()
{
    const Catalog *c = m_page->model()->catalog();
    QVERIFY(c);
    // The bundled index holds one entry per document of the shared folder.
    int documents = 0;
    QDirIterator it(test::sharedDataDir() + QStringLiteral("/tfhub-dev-docs"), { QStringLiteral("*.md") },
        QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++documents;
    }
    QCOMPARE(int(c->size()), documents);
    QCOMPARE(m_page->model()->rowCount(), documents);
    QVERIFY(m_page->messageBar()->isHidden());
    // Latest versions only by default.
    QVERIFY(m_page->latestOnlyBox()->isChecked());
    QCOMPARE(m_page->proxy()->rowCount(), int(c->search(m_page->proxy()->query()).size()));
    QVERIFY(m_page->proxy()->rowCount() < documents);
}

void TestBrowse::searchIsInstant()
{
    m_page->searchField()->setText(QStringLiteral("yamnet"));
    // No waiting: results follow each keystroke.
    QVERIFY(m_page->proxy()->rowCount() > 0);
    QCOMPARE(m_page->proxy()->index(0, BrowseModel::HandleColumn).data().toString(),
        QStringLiteral("google/yamnet/1"));
    QCOMPARE(m_page->proxy()->index(0, BrowseModel::HandleColumn).data(BrowseModel::HandleRole).toString(),
        QStringLiteral("https://tfhub.dev/google/yamnet/1"));
    // The view's order is the catalog's ranking.
    const QList<qsizetype> ranked = m_page->model()->catalog()->search(m_page->proxy()->query());
    QCOMPARE(m_page->proxy()->rowCount(), int(ranked.size()));
    for (int r = 0; r < m_page->proxy()->rowCount(); ++r)
        QCOMPARE(m_page->proxy()->entryIndex(r), ranked.at(r));
    m_page->searchField()->setText(QStringLiteral("yamnet zzzznothing"));
    QCOMPARE(m_page->proxy()->rowCount(), 0);
}

void TestBrowse::relevanceOrderAndSelection()
{
    QTreeView *view = m_page->view();
    QHeaderView *header = view->header();
    BrowseProxy *proxy = m_page->proxy();
    m_page->searchField()->setText(QStringLiteral("mobilenet"));
    // Relevance is no column's order: no header claims it.
    QVERIFY(proxy->ordersByRelevance());
    QVERIFY(!header->isSortIndicatorShown());
    // The selection is the top result, alone.
    QCOMPARE(view->currentIndex().row(), 0);
    QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(view->selectionModel()->selectedRows().first().row(), 0);

    // Choose another row, then type a new query: the selection moves to its top result.
    view->setCurrentIndex(proxy->index(3, 0));
    m_page->searchField()->setText(QStringLiteral("yamnet"));
    QCOMPARE(view->currentIndex().row(), 0);
    QCOMPARE(proxy->entryIndex(view->currentIndex().row()),
        m_page->model()->catalog()->indexOfHandle(QStringLiteral("https://tfhub.dev/google/yamnet/1")));
    QCOMPARE(view->selectionModel()->selectedRows().size(), 1);

    // A clicked column orders by that column and shows its indicator.
    m_page->searchField()->setText(QStringLiteral("mobilenet"));
    header->setSortIndicator(BrowseModel::TaskColumn, Qt::AscendingOrder);
    QVERIFY(!proxy->ordersByRelevance());
    QVERIFY(header->isSortIndicatorShown());
    QCOMPARE(header->sortIndicatorSection(), int(BrowseModel::TaskColumn));
    for (int r = 1; r < proxy->rowCount(); ++r) {
        const QString a = proxy->index(r - 1, BrowseModel::TaskColumn).data(BrowseModel::RawRole).toString();
        const QString b = proxy->index(r, BrowseModel::TaskColumn).data(BrowseModel::RawRole).toString();
        QVERIFY2(QString::compare(a, b, Qt::CaseInsensitive) <= 0, qPrintable(a + QLatin1String(" > ") + b));
    }
    // A new query is ordered by relevance again.
    m_page->searchField()->setText(QStringLiteral("mobilenet v2"));
    QVERIFY(proxy->ordersByRelevance());
    QVERIFY(!header->isSortIndicatorShown());
}

void TestBrowse::facetCountsMatchCatalog()
{
    m_page->searchField()->setText(QStringLiteral("mobilenet"));
    QComboBox *kinds = m_page->facetCombo(Facet::Kind);
    QVERIFY(kinds);
    const QList<FacetCount> counts
        = m_page->model()->catalog()->facetCounts(m_page->proxy()->query(), Facet::Kind);
    QCOMPARE(kinds->count(), int(counts.size()) + 1); // plus "Any"
    for (const FacetCount &fc : counts) {
        const int i = kinds->findData(fc.value);
        QVERIFY(i > 0);
        QVERIFY2(kinds->itemText(i).endsWith(QStringLiteral("(%1)").arg(fc.count)),
            qPrintable(kinds->itemText(i)));
    }
    kinds->setCurrentIndex(kinds->findData(QStringLiteral("module")));
    QVERIFY(m_page->proxy()->rowCount() > 0);
    int moduleCount = 0;
    for (const FacetCount &fc : counts)
        moduleCount = fc.value == QLatin1String("module") ? fc.count : moduleCount;
    QCOMPARE(m_page->proxy()->rowCount(), moduleCount);
    for (int r = 0; r < m_page->proxy()->rowCount(); ++r)
        QVERIFY(m_page->proxy()->index(r, 0).data(BrowseModel::LoadableRole).toBool());
    // Choosing a kind keeps the other kinds listed, with their counts.
    QCOMPARE(kinds->count(), int(counts.size()) + 1);
    // Narrowing by format updates the other facets' counts.
    QComboBox *formats = m_page->facetCombo(Facet::Format);
    formats->setCurrentIndex(formats->findData(QStringLiteral("hub")));
    const QList<FacetCount> tasks
        = m_page->model()->catalog()->facetCounts(m_page->proxy()->query(), Facet::Task);
    QComboBox *taskCombo = m_page->facetCombo(Facet::Task);
    QCOMPARE(taskCombo->count(), int(tasks.size()) + 1);
    for (int r = 0; r < m_page->proxy()->rowCount(); ++r)
        QCOMPARE(m_page->proxy()->index(r, BrowseModel::FormatColumn).data(BrowseModel::RawRole).toString(),
            QStringLiteral("hub"));
    // The short label people know.
    QCOMPARE(
        m_page->proxy()->index(0, BrowseModel::FormatColumn).data().toString(), QStringLiteral("TF1 Hub"));
}

void TestBrowse::detailsShowFactsAndVersions()
{
    m_page->latestOnlyBox()->setChecked(false);
    QVERIFY(selectHandle(QStringLiteral("https://tfhub.dev/vtab/jigsaw/1")));
    BrowseDetails *d = m_page->details();
    QCOMPARE(d->fieldText(BrowseDetails::tr("Format:")), QStringLiteral("hub"));
    QCOMPARE(d->fieldText(BrowseDetails::tr("Task:")), QStringLiteral("image-feature-vector"));
    // Shown shortened, as the CLI does; the whole key is in the tooltip.
    const QString key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/vtab/jigsaw/1"));
    QCOMPARE(d->fieldText(BrowseDetails::tr("Cache key:")), key.left(12) + QChar(0x2026));

    QVERIFY(selectHandle(QStringLiteral("https://tfhub.dev/intel/midas/v2/1")));
    const QStringList versions = d->versionTexts();
    QCOMPARE(versions.size(), 2);
    QVERIFY(versions.first().contains(QLatin1String("2")));
}

void TestBrowse::variantsCannotBePrefetched()
{
    m_page->searchField()->setText(QStringLiteral("german-mbmelgan"));
    m_page->facetCombo(Facet::Kind)
        ->setCurrentIndex(m_page->facetCombo(Facet::Kind)->findData(QStringLiteral("lite")));
    QVERIFY(m_page->proxy()->rowCount() > 0);
    const QModelIndex i = m_page->proxy()->index(0, 0);
    m_page->view()->selectionModel()->select(
        i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_page->view()->setCurrentIndex(i);
    QVERIFY(!m_page->prefetchAction()->isEnabled());
    QCOMPARE(i.siblingAtColumn(BrowseModel::CachedColumn).data(BrowseModel::CacheStateRole).toInt(),
        int(CacheState::NotLoadable));
    QVERIFY(m_page->details()
                ->fieldText(BrowseDetails::tr("Parent model:"))
                .startsWith(QLatin1String("monatis/")));
}

void TestBrowse::cachedBadgeAfterPrefetch()
{
    // A handle list naming a model on the local test hub, added as an extra catalog.
    const QString handle = m_hub.url(ArchivePath).toString();
    const QString list = m_tmp->path() + QStringLiteral("/handles.txt");
    QVERIFY(test::writeFile(list, (handle + QLatin1Char('\n')).toUtf8()));
    QSignalSpy loaded(m_page.get(), &BrowsePage::catalogLoaded);
    m_page->addCatalogSource(list);
    QVERIFY(loaded.wait(30000));
    QCOMPARE(catalog::extraSources(QSettings()), QStringList { list });

    QVERIFY(selectHandle(handle));
    QModelIndex badge = m_page->view()->currentIndex().siblingAtColumn(BrowseModel::CachedColumn);
    QCOMPARE(badge.data(BrowseModel::CacheStateRole).toInt(), int(CacheState::NotCached));
    QVERIFY(m_page->prefetchAction()->isEnabled());

    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    QSignalSpy queued(m_page.get(), &BrowsePage::prefetchQueued);
    m_page->prefetchAction()->trigger();
    QCOMPARE(queued.count(), 1);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
    const QString key = Handle::cacheKeyOf(handle);
    QVERIFY(QFileInfo(m_root + QLatin1Char('/') + key).isDir());

    // The rescan after the download confirms the badge from the disk.
    QTRY_VERIFY_WITH_TIMEOUT(m_live->completeKeys().contains(key), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(m_page->model()->cachedKeys().contains(key), 30000);
    badge = m_page->view()->currentIndex().siblingAtColumn(BrowseModel::CachedColumn);
    QCOMPARE(badge.data(BrowseModel::CacheStateRole).toInt(), int(CacheState::Cached));
    QCOMPARE(badge.data().toString(), BrowseModel::tr("cached"));
    QVERIFY(!badge.data(Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(m_page->details()->fieldText(BrowseDetails::tr("Cache:")), BrowseModel::tr("cached"));
}

void TestBrowse::draggedColumnWidthSurvivesReload()
{
    QHeaderView *header = m_page->view()->header();
    const int taskFitted = header->sectionSize(BrowseModel::TaskColumn);
    const int formatFitted = header->sectionSize(BrowseModel::FormatColumn);
    const int dragged = taskFitted + 57;
    header->resizeSection(BrowseModel::TaskColumn, dragged);

    // Adding a catalog source reloads the catalog, which sizes the columns to their texts again.
    const QString list = m_tmp->path() + QStringLiteral("/handles.txt");
    QVERIFY(test::writeFile(list, QByteArrayLiteral("https://tfhub.dev/some/model/1\n")));
    for (int reload = 0; reload < 2; ++reload) {
        QSignalSpy loaded(m_page.get(), &BrowsePage::catalogLoaded);
        if (reload == 0)
            m_page->addCatalogSource(list);
        else
            m_page->reloadCatalog();
        QVERIFY(loaded.wait(30000));
        QCOMPARE(header->sectionSize(BrowseModel::TaskColumn), dragged);
        QCOMPARE(header->sectionSize(BrowseModel::FormatColumn), formatFitted);
    }
}

void TestBrowse::pastedHandles()
{
    const QString good = m_hub.url(ArchivePath).toString();
    m_page->pasteBox()->setPlainText(
        good + QStringLiteral("\n\n  not a handle  x\n") + good + QLatin1Char('\n'));
    QSignalSpy finished(m_queue.get(), &DownloadQueue::jobFinished);
    m_page->prefetchPasted();
    QCOMPARE(m_queue->ids().size(), 1);
    QCOMPARE(m_page->messageBar()->kind(), MessageBar::Kind::Error);
    QVERIFY(m_page->messageBar()->details().contains(QLatin1String("not a handle")));
    QVERIFY(finished.wait(60000));
}

void TestBrowse::copyHandleAndSnippet()
{
    QVERIFY(selectHandle(QStringLiteral("https://tfhub.dev/google/yamnet/1")));
    m_page->copyHandles();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("https://tfhub.dev/google/yamnet/1"));
    m_page->copySnippet();
    QVERIFY(QGuiApplication::clipboard()->text().contains(
        QLatin1String("hub.load(\"https://tfhub.dev/google/yamnet/1\")")));
}

void TestBrowse::snippetEscapesHandle()
{
    // A handle from a user's list may hold characters that end or escape a Python string.
    const QString handle = QStringLiteral("https://example.com/models/a\"b\\c.tar.gz");
    const QString list = m_tmp->path() + QStringLiteral("/odd.txt");
    QVERIFY(test::writeFile(list, (handle + QLatin1Char('\n')).toUtf8()));
    QSignalSpy loaded(m_page.get(), &BrowsePage::catalogLoaded);
    m_page->addCatalogSource(list);
    QVERIFY(loaded.wait(30000));
    QVERIFY(selectHandle(handle));
    m_page->copySnippet();
    const QString code = QGuiApplication::clipboard()->text();
    QVERIFY2(
        code.contains(QLatin1String("model = hub.load(\"https://example.com/models/a\\\"b\\\\c.tar.gz\")\n")),
        qPrintable(code));
    QCOMPARE(code, pythonSnippet({ handle }));
}

QTEST_MAIN(TestBrowse)
#include "tst_browse.moc"
