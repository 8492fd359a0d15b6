// The catalog importer: the shared tfhub.dev documents read into entries, damaged documents,
// handle lists, and the bundled index written from them.
#include "core/catalog/catalog.h"
#include "core/catalog/catalogimporter.h"
#include "core/catalog/catalogindex.h"
#include "tests/core/catalogfixtures.h"
#include "tests/support/testdata.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace tfhub;
using namespace tfhub::test::catalogdocs;

namespace {

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

// Documents with every kind of damage the importer must survive, beside two good ones.
void writeMalformedFolder(const QString &d)
{
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
}

} // namespace

class TestCatalogImport final : public DocsSuite
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
    void malformedDocumentWarnings();
    void importOfMissingFolderFails();
    void handleList();
    void indexRoundTrip();
    void bundledIndexMatchesDocs();
    void badIndex_data();
    void badIndex();
};

void TestCatalogImport::initTestCase()
{
    importDocs(QStringLiteral("tst_catalogimport"));
}

void TestCatalogImport::countsMatchHeadings()
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

void TestCatalogImport::formatsMatchFiles()
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

void TestCatalogImport::knownEntries_data()
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

void TestCatalogImport::knownEntries()
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

void TestCatalogImport::zwnjHeadingsAreDecoded()
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

void TestCatalogImport::collectionsAreResolved()
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

void TestCatalogImport::malformedDocuments()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString d = dir.path();
    writeMalformedFolder(d);

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
}

void TestCatalogImport::malformedDocumentWarnings()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString d = dir.path();
    writeMalformedFolder(d);
    const Result<ImportReport> r = catalog::importFolder(d, d);
    QVERIFY2(r.ok(), qPrintable(errorOf(r)));

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
}

void TestCatalogImport::importOfMissingFolderFails()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString d = dir.path();
    const Result<ImportReport> missing = catalog::importFolder(d + QStringLiteral("/nope"), QString());
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().contains(d + QStringLiteral("/nope")));
}

void TestCatalogImport::handleList()
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

void TestCatalogImport::indexRoundTrip()
{
    const QByteArray index = catalog::writeIndex(m_report.entries);
    QVERIFY(index.startsWith("tfhub-catalog-index\t1\n"));
    const Result<QList<CatalogEntry>> back = catalog::readIndex(index, QStringLiteral("test"));
    QVERIFY2(back.ok(), qPrintable(errorOf(back)));
    QCOMPARE(back->size(), m_report.entries.size());
    for (qsizetype i = 0; i < back->size(); ++i)
        QVERIFY2(sameFacts(back->at(i), m_report.entries.at(i)), qPrintable(m_report.entries.at(i).path));
}

void TestCatalogImport::bundledIndexMatchesDocs()
{
    // The committed index is regenerated from the shared folder (resources/catalog/regenerate.sh).
    const Result<QList<CatalogEntry>> bundled = catalog::loadBundledIndex();
    QVERIFY2(bundled.ok(), qPrintable(errorOf(bundled)));
    QCOMPARE(bundled->size(), m_report.entries.size());
    for (qsizetype i = 0; i < bundled->size(); ++i)
        QVERIFY2(sameFacts(bundled->at(i), m_report.entries.at(i)), qPrintable(m_report.entries.at(i).path));
}

void TestCatalogImport::badIndex_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("expected");
    QTest::newRow("not an index") << QByteArray("hello\n") << "not a catalog index";
    QTest::newRow("other version") << QByteArray("tfhub-catalog-index\t9\n") << "format version 9";
    QTest::newRow("short line") << QByteArray("tfhub-catalog-index\t1\nmodule\ta/b/1\n") << "line 2";
    QTest::newRow("unknown kind") << QByteArray("tfhub-catalog-index\t1\nwidget\ta/b/1\t\t\t\t\t\t\t\t\t\n")
                                  << "unknown kind 'widget'";
}

void TestCatalogImport::badIndex()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, expected);
    const Result<QList<CatalogEntry>> r = catalog::readIndex(data, QStringLiteral("my.tsv"));
    QVERIFY(!r.ok());
    QVERIFY2(
        r.error().contains(expected) && r.error().contains(QLatin1String("my.tsv")), qPrintable(errorOf(r)));
}

QTEST_GUILESS_MAIN(TestCatalogImport)
#include "tst_catalogimport.moc"
