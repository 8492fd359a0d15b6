// Names for cache entries that have no descriptor: our manifest, the download queue, the catalog
// (every spelling hub.load() hashes) and the handle history, in the app's live cache and in the
// CLI's JSON.
#include "core/cache/cachescanner.h"
#include "core/cache/entrynaming.h"
#include "core/cache/manifest.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "core/hub/handlehistory.h"
#include "core/prefetch/downloadqueue.h"
#include "tests/support/testdata.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/detailspane.h"
#include "ui/cache/livecache.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <memory>

using namespace tfhub;
using namespace tfhub::ui;

namespace {

constexpr int WaitMs = 10000;
const QString Uid = QStringLiteral("0123456789abcdef0123456789abcdef");

// What an abandoned download leaves: only K.<uid>.tmp/ with part of the archive.
bool addPartial(const QString &root, const QString &handle)
{
    const QString dir = root + u'/' + Handle::cacheKeyOf(handle) + u'.' + Uid + QStringLiteral(".tmp");
    return QDir().mkpath(dir) && test::writeFile(dir + QStringLiteral("/saved_model.pb"), "partial");
}

// A model folder with our manifest but no descriptor (someone removed it).
bool addManifestOnly(const QString &root, const QString &handle)
{
    const QString key = Handle::cacheKeyOf(handle);
    Manifest m;
    m.handle = handle;
    m.key = key;
    return test::copyTree(
               test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"), root + u'/' + key)
        && test::writeFile(root + u'/' + key + QStringLiteral(".manifest.json"), m.toJson());
}

} // namespace

class TestEntryNames final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void historyIsCappedAndDeduplicated();
    void catalogSpellings();
    void sourcesInOrder();
    void liveCacheNamesFromEverySource();
    void cliJsonHasHandleSource();
    void readableNames();
    void detailsNaturalOrderAndEmptyFolder();
    void messageBarsTimeOut();

private:
    QTemporaryDir m_home;
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
};

void TestEntryNames::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_entrynames"));
    QVERIFY(hub::handleHistoryPath().startsWith(m_home.path()));
    QCOMPARE(hub::handleHistoryPath(),
        m_home.path() + QStringLiteral("/.local/share/tfhub-cache-manager/handles.tsv"));
}

void TestEntryNames::init()
{
    QFile::remove(hub::handleHistoryPath());
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
}

void TestEntryNames::historyIsCappedAndDeduplicated()
{
    const QString path = m_tmp->filePath(QStringLiteral("h/handles.tsv"));
    const QString a = QStringLiteral("https://tfhub.dev/google/yamnet/1");
    QVERIFY(hub::recordHandles({ a, a }, path).ok());
    QVERIFY(hub::recordHandles({ a }, path).ok());
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), (Handle::cacheKeyOf(a) + u'\t' + a + u'\n').toUtf8());
    f.close();
    QStringList many;
    for (int i = 0; i < hub::HistoryCap + 5; ++i)
        many << QStringLiteral("https://example.org/m/%1").arg(i);
    QVERIFY(hub::recordHandles(many, path).ok());
    const QHash<QString, QString> byKey = hub::readHandleHistory(path);
    QCOMPARE(byKey.size(), hub::HistoryCap);
    // The oldest went first: `a` and the first five of `many`.
    QVERIFY(!byKey.contains(Handle::cacheKeyOf(a)));
    QVERIFY(!byKey.contains(Handle::cacheKeyOf(many.at(4))));
    QCOMPARE(byKey.value(Handle::cacheKeyOf(many.last())), many.last());
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().count('\n'), hub::HistoryCap);
}

void TestEntryNames::catalogSpellings()
{
    const QHash<QString, QString> byKey = catalog::bundledHandlesByKey();
    // A version the Browse page hides by default (not the latest), and each spelling of it.
    const QString rest = QStringLiteral("google/imagenet/mobilenet_v2_100_224/classification/1");
    const QString tfhub = QStringLiteral("https://tfhub.dev/") + rest;
    const QString mirror = QStringLiteral("https://hub.tensorflow.google.cn/") + rest;
    const QStringList spellings { tfhub, tfhub + u'/', mirror, mirror + u'/' };
    for (const QString &h : spellings)
        QCOMPARE(byKey.value(Handle::cacheKeyOf(h)), h);
    // Variants are no cache entries of hub.load().
    QVERIFY(!byKey.contains(Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/yamnet/tfjs/1"))));
}

void TestEntryNames::sourcesInOrder()
{
    const QString h = QStringLiteral("https://tfhub.dev/acme/x/1");
    const QString key = Handle::cacheKeyOf(h);
    cache::KnownHandles known;
    known.history.insert(key, h + QStringLiteral("?history"));
    CacheEntry e;
    e.key = key;
    e.state = EntryState::AbandonedPartial;
    cache::nameEntry(&e, m_root, known);
    QCOMPARE(e.handleSource, QStringLiteral("history"));
    known.catalog.insert(key, h + QStringLiteral("?catalog"));
    cache::nameEntry(&e, m_root, known);
    QCOMPARE(e.handleSource, QStringLiteral("catalog"));
    QCOMPARE(e.handle, h + QStringLiteral("?catalog"));
    known.queue.insert(key, h);
    cache::nameEntry(&e, m_root, known);
    QCOMPARE(e.handleSource, QStringLiteral("queue"));
    QCOMPARE(e.handle, h);
    // The descriptor's name stays, whatever the others say.
    CacheEntry d = e;
    d.handle = QStringLiteral("https://tfhub.dev/acme/x/1");
    d.handleSource.clear();
    d.hasDescriptor = true;
    known.queue.insert(key, QStringLiteral("other"));
    cache::nameEntry(&d, m_root, known);
    QCOMPARE(d.handleSource, QStringLiteral("descriptor"));
    QCOMPARE(d.handle, QStringLiteral("https://tfhub.dev/acme/x/1"));
    // Nobody knows it: no name, and the model says so.
    CacheEntry u;
    u.key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/nobody/1"));
    u.state = EntryState::AbandonedPartial;
    cache::nameEntry(&u, m_root, {});
    QVERIFY(u.handle.isEmpty());
    QVERIFY(u.handleSource.isEmpty());
}

void TestEntryNames::liveCacheNamesFromEverySource()
{
    const QString fromCatalog = QStringLiteral("https://tfhub.dev/google/yamnet/1");
    const QString fromHistory = QStringLiteral("https://example.org/models/history/1");
    const QString fromManifest = QStringLiteral("https://example.org/models/manifest/1");
    const QString fromQueue = QStringLiteral("http://127.0.0.1:9/models/queued/1");
    const QString unknown = QStringLiteral("https://example.org/models/unknown/1");
    QVERIFY(addPartial(m_root, fromCatalog));
    QVERIFY(addPartial(m_root, fromHistory));
    QVERIFY(addPartial(m_root, unknown));
    QVERIFY(addManifestOnly(m_root, fromManifest));
    QVERIFY(hub::recordHandles({ fromHistory }).ok());

    LiveCache live(m_root);
    QSignalSpy finished(&live, &LiveCache::scanFinished);
    live.refresh();
    QVERIFY(finished.wait(WaitMs));
    CacheModel *model = live.model();
    const auto sourceOf = [model](const QString &handle) {
        const int row = model->rowOfKey(Handle::cacheKeyOf(handle));
        return row < 0 ? QStringLiteral("(no row)") : model->entryAt(row).handleSource;
    };
    QCOMPARE(sourceOf(fromHistory), QStringLiteral("history"));
    QCOMPARE(sourceOf(fromManifest), QStringLiteral("manifest"));
    QCOMPARE(model->entryAt(model->rowOfKey(Handle::cacheKeyOf(fromManifest))).handle, fromManifest);
    QCOMPARE(sourceOf(fromCatalog), QString()); // the catalog is not loaded yet
    const int unknownRow = model->rowOfKey(Handle::cacheKeyOf(unknown));
    QVERIFY(CacheModel::displayName(model->entryAt(unknownRow)).contains(Handle::cacheKeyOf(unknown)));

    // A leftover with a name can be prefetched again; one without cannot.
    {
        CachePage page(&live);
        auto *again = page.findChild<QAction *>(QStringLiteral("prefetchAgainAction"));
        QVERIFY(again);
        page.selectKeys({ Handle::cacheKeyOf(fromHistory) });
        QVERIFY(again->isEnabled());
        page.selectKeys({ Handle::cacheKeyOf(unknown) });
        QVERIFY(!again->isEnabled());
    }

    // The catalog arrives: the row is named in place.
    live.setCatalogHandles(catalog::bundledHandlesByKey());
    QCOMPARE(sourceOf(fromCatalog), QStringLiteral("catalog"));
    QCOMPARE(CacheModel::displayName(model->entryAt(model->rowOfKey(Handle::cacheKeyOf(fromCatalog)))),
        QStringLiteral("google/yamnet/1"));

    // A download of this app: named from the queue as soon as it is queued, before any file.
    PrefetchOptions o;
    o.cacheRoot = m_root;
    o.handleHistory = hub::handleHistoryPath();
    o.retries = 0;
    DownloadQueue queue(o);
    live.setDownloadQueue(&queue);
    QVERIFY(addPartial(m_root, fromQueue));
    QVERIFY(queue.enqueue(fromQueue).ok());
    live.rescanKeys({ Handle::cacheKeyOf(fromQueue) });
    QTRY_COMPARE_WITH_TIMEOUT(sourceOf(fromQueue), QStringLiteral("queue"), WaitMs);
    // ... and recorded in the history for the next start.
    QCOMPARE(hub::readHandleHistory().value(Handle::cacheKeyOf(fromQueue)), fromQueue);
    queue.cancelAll();
}

void TestEntryNames::cliJsonHasHandleSource()
{
    const QString fromCatalog = QStringLiteral("https://tfhub.dev/google/yamnet/1/");
    const QString fromHistory = QStringLiteral("https://example.org/models/history/2");
    QVERIFY(addPartial(m_root, fromCatalog));
    QVERIFY(addPartial(m_root, fromHistory));
    QVERIFY(addManifestOnly(m_root, QStringLiteral("https://example.org/models/manifest/2")));
    QVERIFY(hub::recordHandles({ fromHistory }).ok());
    QProcess p;
    p.start(qEnvironmentVariable("TFHUB_CLI"),
        { QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--cache-dir"), m_root });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QJsonDocument doc = QJsonDocument::fromJson(p.readAllStandardOutput());
    QJsonArray entries
        = doc.isArray() ? doc.array() : doc.object().value(QStringLiteral("entries")).toArray();
    QMap<QString, QString> sources;
    for (const QJsonValue &v : std::as_const(entries))
        sources.insert(v[QStringLiteral("handle")].toString(), v[QStringLiteral("handleSource")].toString());
    QCOMPARE(sources.value(fromCatalog), QStringLiteral("catalog"));
    QCOMPARE(sources.value(fromHistory), QStringLiteral("history"));
    QCOMPARE(
        sources.value(QStringLiteral("https://example.org/models/manifest/2")), QStringLiteral("manifest"));
}

void TestEntryNames::readableNames()
{
    using namespace modelname;
    const QString m = QStringLiteral("google/imagenet/mobilenet_v2_100_224/classification/5");
    QCOMPARE(path(QStringLiteral("https://tfhub.dev/") + m), m);
    QCOMPARE(host(QStringLiteral("https://tfhub.dev/") + m), QStringLiteral("tfhub.dev"));
    QCOMPARE(host(QStringLiteral("https://hub.tensorflow.google.cn/") + m), QStringLiteral("cn mirror"));
    const QString kaggle = QStringLiteral("https://www.kaggle.com/models/google/yamnet/tensorFlow2/yamnet/1");
    QCOMPARE(path(kaggle), QStringLiteral("google/yamnet/tensorFlow2/yamnet/1"));
    QCOMPARE(host(kaggle), QStringLiteral("Kaggle"));
    QCOMPARE(path(QStringLiteral("http://127.0.0.1:8080/acme/x/1")), QStringLiteral("acme/x/1"));
    QVERIFY(host(QStringLiteral("http://127.0.0.1:8080/acme/x/1")) != QStringLiteral("127.0.0.1"));
    QCOMPARE(path(QStringLiteral("/srv/models/x")), QStringLiteral("/srv/models/x"));
    QCOMPARE(taskLabel(QStringLiteral("image-classification")), QStringLiteral("image classification"));
    QCOMPARE(catalogFormatLabel(QStringLiteral("saved_model_2")), QStringLiteral("SavedModel 2"));
    QCOMPARE(catalogFormatLabel(QStringLiteral("hub")), QStringLiteral("TF1 Hub"));
    QCOMPARE(modelname::formatLabel(ModelFormat::Tf1HubModule), QStringLiteral("TF1 Hub"));
}

void TestEntryNames::detailsNaturalOrderAndEmptyFolder()
{
    const QString key = Handle::cacheKeyOf(QStringLiteral("https://example.org/files/1"));
    const QString folder = m_root + u'/' + key;
    for (const char *name : { "a10", "a2", "a1" })
        QVERIFY(test::writeFile(folder + u'/' + QLatin1String(name), "x"));
    CacheEntry e = cache::scanKey(m_root, key, ScanOptions());
    DetailsPane pane;
    pane.setCacheRoot(m_root);
    QSignalSpy ready(&pane, &DetailsPane::fileTreeReady);
    pane.setEntry(e);
    QVERIFY(ready.count() > 0 || ready.wait(WaitMs));
    auto *tree = pane.findChild<QTreeWidget *>(QStringLiteral("detailsFileTree"));
    QStringList names;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        names << tree->topLevelItem(i)->text(0);
    QCOMPARE(names, QStringList({ QStringLiteral("a1"), QStringLiteral("a2"), QStringLiteral("a10") }));

    // An empty folder with no descriptor was made, not downloaded: no download time.
    const QString emptyKey = Handle::cacheKeyOf(QStringLiteral("https://example.org/empty/1"));
    QVERIFY(QDir().mkpath(m_root + u'/' + emptyKey));
    pane.setEntry(cache::scanKey(m_root, emptyKey, ScanOptions()));
    auto *downloaded = pane.findChild<QLabel *>(QStringLiteral("detailsDownloaded"));
    QVERIFY(downloaded);
    QVERIFY(!downloaded->isVisibleTo(&pane));
}

void TestEntryNames::messageBarsTimeOut()
{
    QWidget window;
    auto *news = new MessageBar(&window);
    auto *warning = new MessageBar(&window);
    auto *choice = new MessageBar(&window);
    for (MessageBar *bar : { news, warning, choice })
        bar->setAutoHideMs(50);
    window.show();
    news->showMessage(MessageBar::Kind::Positive, QStringLiteral("1 handle queued for download."));
    warning->showMessage(MessageBar::Kind::Warning, QStringLiteral("Some catalogs could not be read."));
    choice->showMessage(MessageBar::Kind::Information, QStringLiteral("Move the cache?"));
    QAction move(QStringLiteral("Move"));
    choice->addAction(&move);
    QVERIFY(news->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(!news->isVisible(), WaitMs);
    // What needs reading or an answer stays.
    QVERIFY(warning->isVisible());
    QVERIFY(choice->isVisible());
}

QTEST_MAIN(TestEntryNames)
#include "tst_entrynames.moc"
