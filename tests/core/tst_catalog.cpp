#include "core/catalog/catalog.h"
#include "core/catalog/catalogimporter.h"
#include "core/catalog/catalogindex.h"
#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "tests/support/testdata.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace tfhub;

namespace {

// What the test reads from a document by itself, independently of the importer.
struct RawDoc final
{
    QString file;
    QString heading; ///< the first line, as written
    QStringList metadata; ///< "<!-- key: value -->" lines, as written
};

QList<RawDoc> readDocs(const QString &dir)
{
    QList<RawDoc> docs;
    QDirIterator it(dir, { QStringLiteral("*.md") }, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (!f.open(QIODevice::ReadOnly))
            continue;
        RawDoc d;
        d.file = f.fileName();
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        d.heading = lines.value(0);
        for (const QString &l : lines) {
            if (l.startsWith(QLatin1String("<!-- ")) && l.contains(QLatin1Char(':')))
                d.metadata << l;
        }
        docs << d;
    }
    return docs;
}

QString metaValue(const RawDoc &d, const QString &key)
{
    for (const QString &l : d.metadata) {
        if (l.startsWith(QStringLiteral("<!-- ") + key + QLatin1Char(':')))
            return l.section(QLatin1Char(':'), 1).remove(QStringLiteral("-->")).trimmed();
    }
    return QString();
}

const CatalogEntry *find(const QList<CatalogEntry> &entries, CatalogKind kind, const QString &path)
{
    for (const CatalogEntry &e : entries) {
        if (e.kind == kind && e.path == path)
            return &e;
    }
    return nullptr;
}

bool sameFacts(const CatalogEntry &a, const CatalogEntry &b)
{
    return a.kind == b.kind && a.path == b.path && a.publisher == b.publisher && a.model == b.model
        && a.version == b.version && a.handle == b.handle && a.format == b.format && a.tasks == b.tasks
        && a.architectures == b.architectures && a.datasets == b.datasets && a.languages == b.languages
        && a.license == b.license && a.fineTunable == b.fineTunable && a.parentModel == b.parentModel
        && a.collections == b.collections;
}

// The message of a failed result; QVERIFY2 evaluates its message even when the check passes.
template<class T> QString errorOf(const Result<T> &r)
{
    return r ? QString() : r.error();
}

void write(const QString &path, const QByteArray &data)
{
    QVERIFY2(test::writeFile(path, data), qPrintable(path));
}

} // namespace

class TestCatalog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void countsMatchHeadings();
    void formatsMatchFiles();
    void knownEntries_data();
    void knownEntries();
    void zwnjHeadingsAreDecoded();
    void collectionsAreResolved();
    void malformedDocuments();
    void handleList();
    void indexRoundTrip();
    void bundledIndexMatchesDocs();
    void badIndex_data();
    void badIndex();
    void versionsAndLatest();
    void searchRanking();
    void searchNeedsEveryWord();
    void facetCounts();
    void cacheState();
    void loadAllWithExtraSources();
    void cliSearch();
    void cliImport();

private:
    QString runCli(const QStringList &args, int *exitCode, QString *stderrText = nullptr);

    QTemporaryDir m_home;
    QString m_docs;
    QList<RawDoc> m_raw;
    ImportReport m_report;
    Catalog m_catalog;
};

void TestCatalog::initTestCase()
{
    QVERIFY(m_home.isValid());
    test::isolateHome(m_home.path());
    qunsetenv("TFHUB_CACHE_DIR");
    QCoreApplication::setOrganizationName(QStringLiteral("tfhub-cache-manager-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_catalog"));
    QVERIFY(QSettings().fileName().startsWith(m_home.path()));

    m_docs = test::sharedDataDir() + QStringLiteral("/tfhub-dev-docs");
    m_raw = readDocs(m_docs);
    QVERIFY(m_raw.size() > 1000);
    Result<ImportReport> r = catalog::importFolder(m_docs, QString());
    QVERIFY2(r.ok(), qPrintable(errorOf(r)));
    m_report = std::move(r).value();
    m_catalog = Catalog(m_report.entries);
}

void TestCatalog::countsMatchHeadings()
{
    QCOMPARE(m_report.filesRead, int(m_raw.size()));
    QCOMPARE(m_report.filesSkipped, 0);
    QCOMPARE(m_report.entries.size(), m_raw.size());
    const QMap<QString, CatalogKind> words { { QStringLiteral("Module"), CatalogKind::Module },
        { QStringLiteral("Lite"), CatalogKind::Lite }, { QStringLiteral("Tfjs"), CatalogKind::Tfjs },
        { QStringLiteral("Coral"), CatalogKind::Coral },
        { QStringLiteral("Placeholder"), CatalogKind::Placeholder },
        { QStringLiteral("Collection"), CatalogKind::Collection },
        { QStringLiteral("Publisher"), CatalogKind::Publisher } };
    QMap<CatalogKind, int> expected;
    for (const RawDoc &d : std::as_const(m_raw))
        ++expected[words.value(d.heading.section(QLatin1Char(' '), 1, 1), CatalogKind::Module)];
    QVERIFY(expected.value(CatalogKind::Module) > 1000);
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QCOMPARE(m_report.countOf(it.key()), it.value());
    // Only Modules are loadable.
    for (const CatalogEntry &e : std::as_const(m_report.entries))
        QCOMPARE(e.isLoadable(), e.kind == CatalogKind::Module);
}

void TestCatalog::formatsMatchFiles()
{
    // Every document's first heading and format line, read here with a plain regex.
    static const QRegularExpression heading(QStringLiteral("^# (\\w+) (\\S+)$"));
    int checked = 0;
    for (const RawDoc &d : std::as_const(m_raw)) {
        const QRegularExpressionMatch m = heading.match(d.heading);
        QVERIFY2(m.hasMatch(), qPrintable(d.file));
        CatalogKind kind {};
        QVERIFY(catalog::kindFromName(m.captured(1), &kind));
        const QString path = m.captured(2).remove(QStringLiteral("&zwnj;"));
        const CatalogEntry *e = find(m_report.entries, kind, path);
        QVERIFY2(e, qPrintable(d.file));
        QCOMPARE(e->format, metaValue(d, QStringLiteral("format")));
        QCOMPARE(e->license, metaValue(d, QStringLiteral("license")));
        QCOMPARE(e->parentModel, metaValue(d, QStringLiteral("parent-model")));
        ++checked;
    }
    QCOMPARE(checked, int(m_raw.size()));
}

void TestCatalog::knownEntries_data()
{
    QTest::addColumn<QString>("file"); // relative to the docs folder
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("handle");
    QTest::addColumn<QString>("publisher");
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("version");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QStringList>("tasks");
    QTest::addColumn<QStringList>("architectures");
    QTest::addColumn<QStringList>("datasets");
    QTest::addColumn<QString>("license");
    QTest::addColumn<int>("fineTunable");
    QTest::addColumn<QString>("parent");

    // Values read from the files themselves (see each file's metadata lines).
    QTest::newRow("module") << QStringLiteral("google/models/yamnet/1.md") << int(CatalogKind::Module)
                            << QStringLiteral("https://tfhub.dev/google/yamnet/1") << QStringLiteral("google")
                            << QStringLiteral("yamnet") << 1 << QStringLiteral("saved_model_2")
                            << QStringList { QStringLiteral("audio-event-classification") }
                            << QStringList { QStringLiteral("mobilenet-v1") }
                            << QStringList { QStringLiteral("audioset") } << QString() << int(FineTunable::No)
                            << QString();
    QTest::newRow("zwnj heading") << QStringLiteral("vtab/models/jigsaw/1.md") << int(CatalogKind::Module)
                                  << QStringLiteral("https://tfhub.dev/vtab/jigsaw/1")
                                  << QStringLiteral("vtab") << QStringLiteral("jigsaw") << 1
                                  << QStringLiteral("hub")
                                  << QStringList { QStringLiteral("image-feature-vector") }
                                  << QStringList { QStringLiteral("resnet50-v2") }
                                  << QStringList { QStringLiteral("imagenet-ilsvrc-2012-cls") } << QString()
                                  << int(FineTunable::Yes) << QString();
    QTest::newRow("outside models/, many datasets")
        << QStringLiteral("intel/midas/v2/2.md") << int(CatalogKind::Module)
        << QStringLiteral("https://tfhub.dev/intel/midas/v2/2") << QStringLiteral("intel")
        << QStringLiteral("midas/v2") << 2 << QStringLiteral("hub")
        << QStringList { QStringLiteral("image-depth-estimation") } << QStringList { QStringLiteral("midas") }
        << QStringList { QStringLiteral("diml-indoor"), QStringLiteral("megadepth"), QStringLiteral("redweb"),
               QStringLiteral("wsvd"), QStringLiteral("3dmovies"), QStringLiteral("tartanair"),
               QStringLiteral("hrwsi"), QStringLiteral("apolloscape"), QStringLiteral("blendedmvs"),
               QStringLiteral("irs") }
        << QStringLiteral("mit") << int(FineTunable::No) << QString();
    QTest::newRow("placeholder outside models/")
        << QStringLiteral("sayannath/image-scene/1.md") << int(CatalogKind::Placeholder)
        << QStringLiteral("https://tfhub.dev/sayannath/image-scene/1") << QStringLiteral("sayannath")
        << QStringLiteral("image-scene") << 1 << QString()
        << QStringList { QStringLiteral("image-classification") }
        << QStringList { QStringLiteral("efficientnet-b1") } << QStringList { QStringLiteral("other") }
        << QStringLiteral("apache-2.0") << int(FineTunable::Yes) << QString();
    QTest::newRow("coral") << QStringLiteral("google/models/yamnet/classification/coral/coral/1.md")
                           << int(CatalogKind::Coral)
                           << QStringLiteral("https://tfhub.dev/google/yamnet/classification/coral/1")
                           << QStringLiteral("google") << QStringLiteral("yamnet/classification/coral") << 1
                           << QString() << QStringList() << QStringList() << QStringList() << QString()
                           << int(FineTunable::Unknown) << QStringLiteral("google/yamnet/classification/1");
    QTest::newRow("lite") << QStringLiteral("monatis/models/german-mbmelgan/lite/lite/1.md")
                          << int(CatalogKind::Lite)
                          << QStringLiteral("https://tfhub.dev/monatis/german-mbmelgan/lite/1")
                          << QStringLiteral("monatis") << QStringLiteral("german-mbmelgan/lite") << 1
                          << QString() << QStringList() << QStringList() << QStringList() << QString()
                          << int(FineTunable::Unknown) << QStringLiteral("monatis/german-mbmelgan/1");
    QTest::newRow("publisher") << QStringLiteral("silero/silero.md") << int(CatalogKind::Publisher)
                               << QStringLiteral("https://tfhub.dev/silero") << QStringLiteral("silero")
                               << QString() << 0 << QString() << QStringList() << QStringList()
                               << QStringList() << QString() << int(FineTunable::Unknown) << QString();
    QTest::newRow("collection") << QStringLiteral("silero/collections/silero-stt/1.md")
                                << int(CatalogKind::Collection)
                                << QStringLiteral("https://tfhub.dev/silero/collections/silero-stt/1")
                                << QStringLiteral("silero") << QStringLiteral("silero-stt") << 1 << QString()
                                << QStringList { QStringLiteral("audio-stt") } << QStringList()
                                << QStringList() << QString() << int(FineTunable::Unknown) << QString();
}

void TestCatalog::knownEntries()
{
    QFETCH(QString, file);
    QFETCH(int, kind);
    QFETCH(QString, handle);
    // The file exists and its heading names this kind: the table is about real documents.
    QFile f(m_docs + QLatin1Char('/') + file);
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
    QList<ImportWarning> warnings;
    const Result<CatalogEntry> parsed
        = catalog::parseDocument(QString::fromUtf8(f.readAll()), file, &warnings);
    QVERIFY2(parsed.ok(), qPrintable(errorOf(parsed)));
    QVERIFY(warnings.isEmpty());
    const CatalogEntry *e = find(m_report.entries, CatalogKind(kind), parsed->path);
    QVERIFY(e);
    QVERIFY(sameFacts(*e, *parsed) || !e->collections.isEmpty()); // collections need the whole folder
    QCOMPARE(int(e->kind), kind);
    QCOMPARE(e->handle, handle);
    QTEST(e->publisher, "publisher");
    QTEST(e->model, "model");
    QTEST(e->version, "version");
    QTEST(e->format, "format");
    QTEST(e->tasks, "tasks");
    QTEST(e->architectures, "architectures");
    QTEST(e->datasets, "datasets");
    QTEST(e->license, "license");
    QTEST(int(e->fineTunable), "fineTunable");
    QTEST(e->parentModel, "parent");
}

void TestCatalog::zwnjHeadingsAreDecoded()
{
    int withEntity = 0;
    for (const RawDoc &d : std::as_const(m_raw)) {
        if (!d.heading.contains(QLatin1String("&zwnj;")))
            continue;
        ++withEntity;
        const QString path = d.heading.section(QLatin1Char(' '), 2).remove(QStringLiteral("&zwnj;"));
        const qsizetype i = m_catalog.indexOfHandle(QStringLiteral("https://tfhub.dev/") + path);
        QVERIFY2(i >= 0, qPrintable(path));
        QVERIFY(!m_catalog.at(i).handle.contains(QLatin1Char('&')));
        QVERIFY(!m_catalog.at(i).handle.contains(QChar(0x200C)));
    }
    QVERIFY(withEntity > 0);
    for (const CatalogEntry &e : std::as_const(m_report.entries))
        QVERIFY2(
            !e.path.contains(QLatin1Char('&')) && !e.path.contains(QLatin1Char(';')), qPrintable(e.path));
}

void TestCatalog::collectionsAreResolved()
{
    // silero's collection links its three models (without versions); each version 1 module lists it.
    for (const QString &lang : { QStringLiteral("de"), QStringLiteral("en"), QStringLiteral("es") }) {
        const CatalogEntry *e
            = find(m_report.entries, CatalogKind::Module, QStringLiteral("silero/silero-stt/%1/1").arg(lang));
        QVERIFY(e);
        QCOMPARE(e->collections, QStringList { QStringLiteral("silero/silero-stt") });
    }
    // A collection is never a member of itself or of another collection.
    for (const CatalogEntry &e : std::as_const(m_report.entries)) {
        if (e.kind == CatalogKind::Collection || e.kind == CatalogKind::Publisher)
            QVERIFY(e.collections.isEmpty());
    }
}

void TestCatalog::malformedDocuments()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString d = dir.path();
    write(d + QStringLiteral("/good/1.md"),
        "\xEF\xBB\xBF# Module acme/good/1\r\n"
        "<!-- task: text-embedding -->\r\n"
        "<!-- format: saved_model_2 -->\r\n"
        "<!-- colour: blue -->\r\n" // unknown key
        "<!-- fine-tunable: maybe -->\r\n" // bad value
        "<!-- dataset: -->\r\n" // empty
        "<!-- language: en\r\n" // not closed
        "<!-- format: saved_model -->\r\n" // a second, different format
        "<!-- A plain comment, not metadata -->\r\n"
        "Some prose.\r\n");
    write(d + QStringLiteral("/fence/2.md"),
        "```python\n# Module not/the/heading/9\n```\n# Module acme/fenced/2\n<!-- format: hub -->\n");
    write(d + QStringLiteral("/noheading.md"), "Just text\n<!-- task: x -->\n");
    write(d + QStringLiteral("/kind.md"), "# Widget acme/w/1\n");
    write(d + QStringLiteral("/noversion.md"), "# Module acme/noversion\n");
    write(d + QStringLiteral("/badpath.md"), "# Module acme//x/1\n");
    write(d + QStringLiteral("/extra.md"), "# Module acme/extra/1 trailing\n");
    write(d + QStringLiteral("/publisher.md"), "# Publisher acme/sub\n");
    write(d + QStringLiteral("/zz/dup.md"), "# Module acme/good/1\n<!-- format: hub -->\n");
    write(d + QStringLiteral("/notes.txt"), "# Module acme/ignored/1\n");

    const Result<ImportReport> r = catalog::importFolder(d, d);
    QVERIFY2(r.ok(), qPrintable(errorOf(r)));
    QCOMPARE(r->filesRead, 9);
    QCOMPARE(r->entries.size(), 2);
    QCOMPARE(r->filesSkipped, 7);
    QCOMPARE(r->metadataSkipped, 5);
    QCOMPARE(r->warnings.size(), 5 + 7);

    const CatalogEntry *good = find(r->entries, CatalogKind::Module, QStringLiteral("acme/good/1"));
    QVERIFY(good);
    QCOMPARE(good->format, QStringLiteral("saved_model_2")); // the first value is kept
    QCOMPARE(good->tasks, QStringList { QStringLiteral("text-embedding") });
    QVERIFY(good->datasets.isEmpty());
    QVERIFY(good->languages.isEmpty());
    QCOMPARE(good->fineTunable, FineTunable::Unknown);
    QCOMPARE(good->source, d);
    const CatalogEntry *fenced = find(r->entries, CatalogKind::Module, QStringLiteral("acme/fenced/2"));
    QVERIFY(fenced);
    QCOMPARE(fenced->version, 2);
    QCOMPARE(fenced->format, QStringLiteral("hub"));

    // Each warning names its file; metadata warnings name the line.
    bool sawUnknown = false;
    for (const ImportWarning &w : r->warnings) {
        QVERIFY(!w.file.isEmpty());
        if (w.message.contains(QLatin1String("colour"))) {
            sawUnknown = true;
            QCOMPARE(w.file, QStringLiteral("good/1.md"));
            QCOMPARE(w.line, 4);
        }
    }
    QVERIFY(sawUnknown);

    const Result<ImportReport> missing = catalog::importFolder(d + QStringLiteral("/nope"), QString());
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().contains(d + QStringLiteral("/nope")));
}

void TestCatalog::handleList()
{
    const ImportReport r = catalog::parseHandleList(
        QStringLiteral(
            "# my models\n"
            "https://tfhub.dev/google/yamnet/1\n"
            "\n"
            "  https://www.kaggle.com/models/google/mobilenet-v2/TensorFlow2/100-224-classification/2  \n"
            "https://tfhub.dev/google/yamnet/1\n"
            "not a handle with spaces\n"
            "/some/local/path\n"
            "https://tfhub.dev/acme/trailing/1/\n"),
        QStringLiteral("list.txt"), QStringLiteral("/x/list.txt"));
    QCOMPARE(r.entries.size(), 3);
    QCOMPARE(r.entries.at(0).handle, QStringLiteral("https://tfhub.dev/google/yamnet/1"));
    QCOMPARE(r.entries.at(0).publisher, QStringLiteral("google"));
    QCOMPARE(r.entries.at(0).version, 1);
    QCOMPARE(r.entries.at(1).publisher, QStringLiteral("google"));
    QCOMPARE(r.entries.at(1).version, 2);
    QCOMPARE(r.entries.at(2).handle, QStringLiteral("https://tfhub.dev/acme/trailing/1/")); // exact text kept
    for (const CatalogEntry &e : r.entries) {
        QVERIFY(e.isLoadable());
        QCOMPARE(e.source, QStringLiteral("/x/list.txt"));
    }
    QCOMPARE(r.warnings.size(), 2);
    QCOMPARE(r.warnings.at(0).line, 6);
    QCOMPARE(r.warnings.at(1).line, 7);
}

void TestCatalog::indexRoundTrip()
{
    const QByteArray index = catalog::writeIndex(m_report.entries);
    QVERIFY(index.startsWith("tfhub-catalog-index\t1\n"));
    const Result<QList<CatalogEntry>> back = catalog::readIndex(index, QStringLiteral("test"));
    QVERIFY2(back.ok(), qPrintable(errorOf(back)));
    QCOMPARE(back->size(), m_report.entries.size());
    for (qsizetype i = 0; i < back->size(); ++i)
        QVERIFY2(sameFacts(back->at(i), m_report.entries.at(i)), qPrintable(m_report.entries.at(i).path));
}

void TestCatalog::bundledIndexMatchesDocs()
{
    // The committed index is regenerated from the shared folder (resources/catalog/regenerate.sh).
    const Result<QList<CatalogEntry>> bundled = catalog::loadBundledIndex();
    QVERIFY2(bundled.ok(), qPrintable(errorOf(bundled)));
    QCOMPARE(bundled->size(), m_report.entries.size());
    for (qsizetype i = 0; i < bundled->size(); ++i)
        QVERIFY2(sameFacts(bundled->at(i), m_report.entries.at(i)), qPrintable(m_report.entries.at(i).path));
}

void TestCatalog::badIndex_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not an index") << QByteArray("hello\n") << "not a catalog index";
    QTest::newRow("other version") << QByteArray("tfhub-catalog-index\t9\n") << "format version 9";
    QTest::newRow("short line") << QByteArray("tfhub-catalog-index\t1\nmodule\ta/b/1\n") << "line 2";
    QTest::newRow("unknown kind") << QByteArray("tfhub-catalog-index\t1\nwidget\ta/b/1\t\t\t\t\t\t\t\t\t\n")
                                  << "unknown kind 'widget'";
}

void TestCatalog::badIndex()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, expected);
    const Result<QList<CatalogEntry>> r = catalog::readIndex(data, QStringLiteral("my.tsv"));
    QVERIFY(!r.ok());
    QVERIFY2(
        r.error().contains(expected) && r.error().contains(QLatin1String("my.tsv")), qPrintable(errorOf(r)));
}

void TestCatalog::versionsAndLatest()
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

void TestCatalog::searchRanking()
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

    // "bert": models with a segment named exactly "bert" rank before those merely starting with it.
    q.text = QStringLiteral("bert");
    hits = m_catalog.search(q);
    QVERIFY(hits.size() > 10);
    const auto segmentIsBert = [this](qsizetype i) {
        return m_catalog.at(i).model.split(QLatin1Char('/')).contains(QStringLiteral("bert"));
    };
    QVERIFY(segmentIsBert(hits.first()));
    bool left = false;
    for (const qsizetype i : std::as_const(hits)) {
        if (!segmentIsBert(i))
            left = true;
        else
            QVERIFY2(!left, qPrintable(m_catalog.at(i).path));
    }

    // A task word: every hit has the task; scores never increase down the list.
    q.text = QStringLiteral("audio-stt");
    hits = m_catalog.search(q);
    QVERIFY(!hits.isEmpty());
    const QStringList words = Catalog::words(q.text);
    int previous = INT_MAX;
    for (const qsizetype i : std::as_const(hits)) {
        QVERIFY(m_catalog.at(i).tasks.contains(QStringLiteral("audio-stt")));
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

void TestCatalog::searchNeedsEveryWord()
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

void TestCatalog::facetCounts()
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

void TestCatalog::cacheState()
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

void TestCatalog::loadAllWithExtraSources()
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

QString TestCatalog::runCli(const QStringList &args, int *exitCode, QString *stderrText)
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

void TestCatalog::cliSearch()
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
        QCOMPARE(r.value(QStringLiteral("format")).toString(), QStringLiteral("hub"));
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

void TestCatalog::cliImport()
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

QTEST_GUILESS_MAIN(TestCatalog)
#include "tst_catalog.moc"
