// Searching the catalog: versions, ranking, facets, cache states, extra sources, and the CLI's
// search and catalog commands.
#include "core/catalog/catalog.h"
#include "core/catalog/catalogimporter.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "tests/core/catalogfixtures.h"
#include "tests/support/testdata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace tfhub;
using namespace tfhub::test::catalogdocs;

class TestCatalogSearch final : public DocsSuite
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void versionsAndLatest();
    void searchRanking();
    void topResults_data();
    void topResults();
    void searchNeedsEveryWord();
    void facetCounts();
    void cacheState();
    void loadAllWithExtraSources();
    void cliSearch();
    void cliImport();

private:
    QString runCli(const QStringList &args, int *exitCode, QString *stderrText = nullptr);
};

void TestCatalogSearch::initTestCase()
{
    importDocs(QStringLiteral("tst_catalogsearch"));
}

void TestCatalogSearch::versionsAndLatest()
{
    // intel/midas/v2 has versions 1 and 2 (files intel/midas/v2/1.md and 2.md).
    const qsizetype v2 = m_catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/intel/midas/v2/2"));
    const qsizetype v1 = m_catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/intel/midas/v2/1"));
    QVERIFY(v1 >= 0 && v2 >= 0);
    QCOMPARE(m_catalog.versionsOf(v1), (QList<qsizetype> { v2, v1 }));
    QVERIFY(m_catalog.isLatest(v2));
    QVERIFY(!m_catalog.isLatest(v1));
    // latestOnly keeps exactly one entry per model, and it is the newest version.
    CatalogQuery q;
    q.latestOnly = true;
    const QList<qsizetype> latest = m_catalog.search(q);
    QSet<QString> groups;
    for (const qsizetype i : latest) {
        const CatalogEntry &e = m_catalog.at(i);
        const QString group = catalog::kindName(e.kind) + QLatin1Char(' ') + e.modelId();
        QVERIFY2(!groups.contains(group), qPrintable(group));
        groups.insert(group);
        for (const qsizetype v : m_catalog.versionsOf(i))
            QVERIFY(m_catalog.at(v).version <= e.version);
    }
    QVERIFY(latest.contains(v2));
    QVERIFY(!latest.contains(v1));
}

void TestCatalogSearch::searchRanking()
{
    CatalogQuery q;
    q.latestOnly = true;
    // A whole-name match first, and the loadable model before its variants.
    q.text = QStringLiteral("yamnet");
    QList<qsizetype> hits = m_catalog.search(q);
    QVERIFY(hits.size() >= 2);
    QCOMPARE(m_catalog.at(hits.first()).handle, QStringLiteral("https://tfhub.dev/google/yamnet/1"));
    for (qsizetype k = 1; k < hits.size(); ++k)
        QVERIFY(!m_catalog.at(hits.at(k)).isLoadable()
            || m_catalog.at(hits.at(k)).model != QLatin1String("yamnet"));

    // "bert": models with a name token exactly "bert" rank before those merely containing it.
    q.text = QStringLiteral("bert");
    hits = m_catalog.search(q);
    QVERIFY(hits.size() > 10);
    const auto tokenIsBert = [this](qsizetype i) {
        static const QRegularExpression separators(QStringLiteral("[/_.-]"));
        return m_catalog.at(i).model.toLower().split(separators).contains(QStringLiteral("bert"));
    };
    QVERIFY(tokenIsBert(hits.first()));
    bool left = false;
    for (const qsizetype i : std::as_const(hits)) {
        if (!m_catalog.at(i).isLoadable())
            break;
        if (!tokenIsBert(i))
            left = true;
        else
            QVERIFY2(!left, qPrintable(m_catalog.at(i).path));
    }

    // A task word: every hit has the task; loadable modules first, and within each part scores
    // never increase down the list.
    q.text = QStringLiteral("audio-stt");
    hits = m_catalog.search(q);
    QVERIFY(!hits.isEmpty());
    const QStringList words = Catalog::words(q.text);
    int previous = INT_MAX;
    bool loadablePart = true;
    for (const qsizetype i : std::as_const(hits)) {
        QVERIFY(m_catalog.at(i).tasks.contains(QStringLiteral("audio-stt")));
        if (loadablePart && !m_catalog.at(i).isLoadable()) {
            loadablePart = false;
            previous = INT_MAX;
        }
        QVERIFY(m_catalog.at(i).isLoadable() == loadablePart);
        const int s = m_catalog.score(i, words);
        QVERIFY(s <= previous);
        previous = s;
    }

    // Publisher and model words together.
    q.text = QStringLiteral("silero de");
    hits = m_catalog.search(q);
    QVERIFY(!hits.isEmpty());
    QCOMPARE(m_catalog.at(hits.first()).handle, QStringLiteral("https://tfhub.dev/silero/silero-stt/de/1"));
}

// What a user typing these words expects near the top (latest versions, as Browse and
// `tfhub-cache search` show by default). `first`: the top hit; `inTop`: within the first `n`;
// `above`: every hit whose path contains this text ranks below `first`/`inTop`.
void TestCatalogSearch::topResults_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<int>("within");
    QTest::addColumn<QString>("notAbove");
    QTest::newRow("yamnet") << "yamnet"
                            << "google/yamnet/1" << 1 << QString();
    QTest::newRow("use") << "universal sentence encoder"
                         << "google/universal-sentence-encoder/4" << 1 << "collections/";
    QTest::newRow("resnet 50") << "resnet 50"
                               << "google/imagenet/resnet_v2_50/classification/5" << 3 << QString();
    QTest::newRow("mobilenet") << "mobilenet"
                               << "google/imagenet/mobilenet_v2_100_224/classification/5" << 5 << "posenet";
    QTest::newRow("bert") << "bert"
                          << "tensorflow/bert_en_uncased_L-12_H-768_A-12/4" << 3 << "albert";
    QTest::newRow("bert/vilbert") << "bert"
                                  << "tensorflow/bert_en_uncased_L-12_H-768_A-12/4" << 3 << "vilbert";
    QTest::newRow("efficientnet") << "efficientnet"
                                  << "tensorflow/efficientnet/" << 1 << "efficientdet";
    QTest::newRow("movenet") << "movenet"
                             << "google/movenet/singlepose/lightning/4" << 2 << QString();
    QTest::newRow("movenet/thunder") << "movenet"
                                     << "google/movenet/singlepose/thunder/4" << 2 << QString();
    QTest::newRow("t5") << "t5"
                        << "google/sentence-t5/" << 1 << "resnet50";
    QTest::newRow("inception") << "inception"
                               << "google/imagenet/inception_v3/classification/5" << 1 << "inception_resnet";
    QTest::newRow("wav2vec") << "wav2vec"
                             << "vasudevgupta7/wav2vec2/1" << 1 << QString();
}

void TestCatalogSearch::topResults()
{
    QFETCH(QString, query);
    QFETCH(QString, expected);
    QFETCH(int, within);
    QFETCH(QString, notAbove);
    CatalogQuery q;
    q.latestOnly = true;
    q.text = query;
    const QList<qsizetype> hits = m_catalog.search(q);
    QVERIFY(hits.size() >= within);
    QStringList top;
    for (qsizetype k = 0; k < std::min<qsizetype>(hits.size(), 12); ++k)
        top << m_catalog.at(hits.at(k)).path;
    // A path ending in '/' names a family: any of its models will do.
    const auto isExpected = [&](const QString &path) {
        return expected.endsWith(QLatin1Char('/')) ? path.startsWith(expected) : path == expected;
    };
    qsizetype found = -1;
    for (qsizetype k = 0; k < within && found < 0; ++k)
        found = isExpected(top.at(k)) ? k : -1;
    QVERIFY2(found >= 0, qPrintable(top.join(QLatin1Char('\n'))));
    if (!notAbove.isEmpty()) {
        for (qsizetype k = 0; k < found; ++k)
            QVERIFY2(!top.at(k).contains(notAbove), qPrintable(top.join(QLatin1Char('\n'))));
    }
    // Nothing hub.load() cannot use sits above a loadable module.
    bool loadableOver = false;
    for (const qsizetype i : hits) {
        if (!m_catalog.at(i).isLoadable())
            loadableOver = true;
        else
            QVERIFY2(!loadableOver, qPrintable(m_catalog.at(i).path));
    }
    if (query == QLatin1String("mobilenet")) {
        for (qsizetype k = 0; k < 10; ++k)
            QVERIFY2(m_catalog.at(hits.at(k)).isLoadable(), qPrintable(top.at(k)));
    }
}

void TestCatalogSearch::searchNeedsEveryWord()
{
    CatalogQuery q;
    q.text = QStringLiteral("yamnet zzzznotaword");
    QVERIFY(m_catalog.search(q).isEmpty());
    q.text = QStringLiteral("  YAMNET  ");
    QVERIFY(!m_catalog.search(q).isEmpty()); // case and spaces do not matter
    q.text.clear();
    q.filters.insert(Facet::Publisher, QStringLiteral("silero"));
    q.filters.insert(Facet::Kind, QStringLiteral("module"));
    const QList<qsizetype> hits = m_catalog.search(q);
    int expected = 0;
    for (const RawDoc &d : std::as_const(m_raw))
        expected += d.heading.startsWith(QLatin1String("# Module silero/")) ? 1 : 0;
    QCOMPARE(hits.size(), expected);
}

void TestCatalogSearch::facetCounts()
{
    // Counted from the files: kinds from the headings, formats from the format lines.
    QMap<QString, int> kinds, formats, googleFormats;
    for (const RawDoc &d : std::as_const(m_raw)) {
        ++kinds[d.heading.section(QLatin1Char(' '), 1, 1).toLower()];
        const QString f = metaValue(d, QStringLiteral("format"));
        if (f.isEmpty())
            continue;
        ++formats[f];
        if (d.heading.section(QLatin1Char(' '), 2).startsWith(QLatin1String("google/")))
            ++googleFormats[f];
    }
    const auto toMap = [](const QList<FacetCount> &l) {
        QMap<QString, int> m;
        for (const FacetCount &c : l)
            m.insert(c.value, c.count);
        return m;
    };
    CatalogQuery q;
    QCOMPARE(toMap(m_catalog.facetCounts(q, Facet::Kind)), kinds);
    QCOMPARE(toMap(m_catalog.facetCounts(q, Facet::Format)), formats);
    // Choosing a format does not hide the other formats' counts; choosing a publisher narrows them.
    q.filters.insert(Facet::Format, QStringLiteral("hub"));
    QCOMPARE(toMap(m_catalog.facetCounts(q, Facet::Format)), formats);
    q.filters.insert(Facet::Publisher, QStringLiteral("google"));
    QCOMPARE(toMap(m_catalog.facetCounts(q, Facet::Format)), googleFormats);
    // Sorted, most first.
    const QList<FacetCount> tasks = m_catalog.facetCounts(CatalogQuery(), Facet::Task);
    QVERIFY(tasks.size() > 5);
    for (qsizetype k = 1; k < tasks.size(); ++k)
        QVERIFY(tasks.at(k - 1).count >= tasks.at(k).count);
}

void TestCatalogSearch::cacheState()
{
    const qsizetype v1 = m_catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/intel/midas/v2/1"));
    const qsizetype v2 = m_catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/intel/midas/v2/2"));
    const QString key = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/intel/midas/v2/1"));
    QCOMPARE(m_catalog.cacheKey(v1), key);
    const QSet<QString> cached { key };
    QCOMPARE(m_catalog.cacheState(v1, cached), CacheState::Cached);
    QCOMPARE(m_catalog.cacheState(v2, cached), CacheState::OtherVersionCached);
    QCOMPARE(m_catalog.cacheState(v2, {}), CacheState::NotCached);
    int notLoadable = 0;
    for (qsizetype i = 0; i < m_catalog.size(); ++i) {
        if (m_catalog.at(i).isLoadable())
            continue;
        QCOMPARE(m_catalog.cacheState(i, cached), CacheState::NotLoadable);
        QVERIFY(m_catalog.cacheKey(i).isEmpty());
        ++notLoadable;
    }
    QVERIFY(notLoadable > 0);
}

void TestCatalogSearch::loadAllWithExtraSources()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    write(dir.path() + QStringLiteral("/org/models/a/1.md"),
        "# Module acme/a/1\n<!-- task: text-embedding -->\n");
    write(dir.path() + QStringLiteral("/org/models/a/2.md"),
        "# Module acme/a/2\n<!-- task: text-embedding -->\n<!-- bad: x -->\n");
    write(dir.path() + QStringLiteral("/list.txt"),
        "https://example.org/models/m.tar.gz\nhttps://tfhub.dev/google/yamnet/1\n");
    const catalog::LoadResult r = catalog::loadAll({ dir.path() + QStringLiteral("/org"),
        dir.path() + QStringLiteral("/list.txt"), dir.path() + QStringLiteral("/missing") });
    // The bundled catalog, the two acme versions, the example.org handle; yamnet/1 is already known.
    QCOMPARE(r.catalog.size(), m_catalog.size() + 3);
    QCOMPARE(r.messages.size(), 2); // one metadata line skipped in org, and the missing folder
    QVERIFY(r.messages.at(0).contains(dir.path() + QStringLiteral("/org")));
    QVERIFY(r.messages.at(1).contains(dir.path() + QStringLiteral("/missing")));
    const qsizetype a1 = r.catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/acme/a/1"));
    QVERIFY(a1 >= 0);
    QVERIFY(!r.catalog.isLatest(a1));
    QCOMPARE(r.catalog.at(a1).source, dir.path() + QStringLiteral("/org"));
    QVERIFY(r.catalog.indexOfHandle(QStringLiteral("https://example.org/models/m.tar.gz")) >= 0);
}

QString TestCatalogSearch::runCli(const QStringList &args, int *exitCode, QString *stderrText)
{
    QProcess p;
    p.setProgram(qEnvironmentVariable("TFHUB_CLI"));
    p.setArguments(args);
    p.start();
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        *exitCode = -1;
        return QString();
    }
    *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    if (stderrText)
        *stderrText = QString::fromUtf8(p.readAllStandardError());
    return QString::fromUtf8(p.readAllStandardOutput());
}

void TestCatalogSearch::cliSearch()
{
    QVERIFY(!qEnvironmentVariable("TFHUB_CLI").isEmpty());
    QTemporaryDir cache;
    QVERIFY(cache.isValid());
    const QString handle = QStringLiteral("https://tfhub.dev/intel/midas/v2/1");
    test::makeEntry(cache.path(), handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));

    int rc = -1;
    QString out = runCli({ QStringLiteral("--cache-dir"), cache.path(), QStringLiteral("search"),
                             QStringLiteral("midas"), QStringLiteral("--format"), QStringLiteral("hub"),
                             QStringLiteral("--all-versions"), QStringLiteral("--json") },
        &rc);
    QCOMPARE(rc, 0);
    const QJsonObject o = QJsonDocument::fromJson(out.toUtf8()).object();
    QCOMPARE(o.value(QStringLiteral("schema")).toInt(), 1);
    QMap<QString, QString> states;
    for (const QJsonValue v : o.value(QStringLiteral("results")).toArray()) {
        const QJsonObject r = v.toObject();
        // The catalog's "hub" is the CLI's tf1-hub-module (one vocabulary: README, "JSON output").
        QCOMPARE(r.value(QStringLiteral("format")).toString(), QStringLiteral("tf1-hub-module"));
        states.insert(
            r.value(QStringLiteral("handle")).toString(), r.value(QStringLiteral("cache")).toString());
    }
    QCOMPARE(states.value(handle), QStringLiteral("cached"));
    QCOMPARE(states.value(QStringLiteral("https://tfhub.dev/intel/midas/v2/2")),
        QStringLiteral("other-version-cached"));

    out = runCli({ QStringLiteral("search"), QStringLiteral("yamnet"), QStringLiteral("--task"),
                     QStringLiteral("audio-event-classification") },
        &rc);
    QCOMPARE(rc, 0);
    QVERIFY2(out.contains(QLatin1String("https://tfhub.dev/google/yamnet/1")), qPrintable(out));
    QVERIFY(out.startsWith(QLatin1String("HANDLE")));

    QString err;
    runCli(
        { QStringLiteral("search"), QStringLiteral("x"), QStringLiteral("--kind"), QStringLiteral("widget") },
        &rc, &err);
    QCOMPARE(rc, 2);
    QVERIFY(err.contains(QLatin1String("widget")));
}

void TestCatalogSearch::cliImport()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    write(dir.path() + QStringLiteral("/org/acme/models/zebra-finder/3.md"),
        "# Module acme/zebra-finder/3\n<!-- task: image-classification -->\n<!-- format: saved_model_2 -->\n"
        "<!-- wobble: 1 -->\n");
    write(dir.path() + QStringLiteral("/org/acme/models/broken.md"), "no heading\n");
    int rc = -1;
    QString err;
    const QString out
        = runCli({ QStringLiteral("catalog"), QStringLiteral("import"), dir.path() + QStringLiteral("/org") },
            &rc, &err);
    QCOMPARE(rc, 0);
    QVERIFY2(out.contains(QLatin1String("1 entries from 2 read (1 skipped, 1 metadata lines skipped)")),
        qPrintable(out));
    QVERIFY2(
        err.contains(QLatin1String("wobble")) && err.contains(QLatin1String("broken.md")), qPrintable(err));

    // The folder is now an extra catalog: search finds its model.
    const QString found = runCli({ QStringLiteral("search"), QStringLiteral("zebra-finder") }, &rc);
    QCOMPARE(rc, 0);
    QVERIFY2(found.contains(QLatin1String("https://tfhub.dev/acme/zebra-finder/3")), qPrintable(found));
    const QString sources = runCli({ QStringLiteral("catalog"), QStringLiteral("sources") }, &rc);
    QVERIFY(sources.contains(dir.path() + QStringLiteral("/org")));
    QVERIFY(QFileInfo(
        QSettings(catalog::sharedSettingsOrganization(), catalog::sharedSettingsOrganization()).fileName())
                .absoluteFilePath()
                .startsWith(m_home.path()));

    runCli(
        { QStringLiteral("catalog"), QStringLiteral("import"), dir.path() + QStringLiteral("/nothing-here") },
        &rc, &err);
    QCOMPARE(rc, 1);
    QVERIFY(err.contains(dir.path() + QStringLiteral("/nothing-here")));

    runCli({ QStringLiteral("catalog"), QStringLiteral("remove"), dir.path() + QStringLiteral("/org") }, &rc);
    QCOMPARE(rc, 0);
    QVERIFY(!runCli({ QStringLiteral("search"), QStringLiteral("zebra-finder") }, &rc)
                 .contains(QLatin1String("acme/zebra-finder")));
}

QTEST_GUILESS_MAIN(TestCatalogSearch)
#include "tst_catalogsearch.moc"
