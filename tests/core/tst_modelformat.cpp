#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "tests/support/testdata.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

namespace {
// A length-delimited protobuf field: its key byte, the payload's length as a varint, the payload.
QByteArray field(uchar key, const QByteArray &payload)
{
    QByteArray out;
    out.append(char(key));
    quint64 n = quint64(payload.size());
    while (n > 0x7f) {
        out.append(char((n & 0x7f) | 0x80));
        n >>= 7;
    }
    out.append(char(n));
    out.append(payload);
    return out;
}
} // namespace

class TestModelFormat final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void realModels_data()
    {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<int>("format");
        QTest::newRow("tf2") << "half_plus_two_tf2_cpu" << int(ModelFormat::Tf2SavedModel);
        QTest::newRow("tf1") << "half_plus_two_cpu" << int(ModelFormat::Tf1SavedModel);
        QTest::newRow("tflite") << "half_plus_two_tflite" << int(ModelFormat::TfLite);
    }
    void realModels()
    {
        QFETCH(QString, folder);
        QFETCH(int, format);
        // A copy of our own: the model file is read only with O_NOATIME, which the kernel allows
        // only to the file's owner (the shared data may belong to another user).
        QTemporaryDir tmp;
        QVERIFY(test::copyTree(test::savedModelsDir() + QLatin1Char('/') + folder, tmp.path()));
        QCOMPARE(int(cache::detect(tmp.path())), format);
    }

    void hubModuleArchive()
    {
        QTemporaryDir tmp;
        QVERIFY(test::untar(
            test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"), tmp.path()));
        QCOMPARE(cache::detect(tmp.path()), ModelFormat::Tf1HubModule);
    }

    void fingerprintAloneIsNotTf2()
    {
        // A TF1 graph with a fingerprint.pb is still TF1: only the object graph (field 7) decides.
        QTemporaryDir tmp;
        QVERIFY(test::copyTree(test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"), tmp.path()));
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("fingerprint.pb")), QByteArray("\x08\x01", 2)));
        QCOMPARE(cache::detect(tmp.path()), ModelFormat::Tf1SavedModel);
    }

    void wireFormat()
    {
        // SavedModel { meta_graphs (2) { object_graph_def (7) { } } }
        const QByteArray tf2("\x08\x01\x12\x02\x3a\x00", 6);
        QVERIFY(cache::savedModelHasObjectGraph(tf2));
        // MetaGraphDef with only meta_info_def (1)
        const QByteArray tf1("\x08\x01\x12\x02\x0a\x00", 6);
        QVERIFY(!cache::savedModelHasObjectGraph(tf1));
        // Truncated length prefix: malformed, not TF2, no crash.
        const QByteArray broken("\x12\x7f\x3a", 3);
        QVERIFY(!cache::savedModelHasObjectGraph(broken));
        QVERIFY(!cache::savedModelHasObjectGraph(QByteArray()));
    }

    // A graph file is read a header at a time, its payloads skipped: a large graph_def before the
    // object graph, two meta graphs, a cut-off file, all give what the rule in memory gives.
    void largeGraphFromFile_data()
    {
        QTest::addColumn<QByteArray>("pb");
        QTest::addColumn<int>("format");
        const QByteArray graph = field(0x12, QByteArray(300000, 'g')); // graph_def (2), 300 kB
        const QByteArray objectGraph = field(0x3a, QByteArray(10, 'o')); // object_graph_def (7)
        const QByteArray version("\x08\x01", 2);
        QTest::newRow("tf2 after a large graph")
            << version + field(0x12, graph + objectGraph) << int(ModelFormat::Tf2SavedModel);
        QTest::newRow("tf1, large graph") << version + field(0x12, graph) << int(ModelFormat::Tf1SavedModel);
        QTest::newRow("tf2 in the second meta graph")
            << version + field(0x12, graph) + field(0x12, objectGraph) << int(ModelFormat::Tf2SavedModel);
        const QByteArray whole = version + field(0x12, graph + objectGraph);
        QTest::newRow("cut off inside the graph")
            << whole.left(whole.size() - 20000) << int(ModelFormat::Tf1SavedModel);
    }

    void largeGraphFromFile()
    {
        QFETCH(QByteArray, pb);
        QFETCH(int, format);
        QTemporaryDir tmp;
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("saved_model.pb")), pb));
        QVERIFY(QDir().mkpath(tmp.filePath(QStringLiteral("variables"))));
        QCOMPARE(int(cache::detect(tmp.path())), format);
        QCOMPARE(cache::savedModelHasObjectGraph(pb), format == int(ModelFormat::Tf2SavedModel));
    }

    void pbtxtAndTfjsAndUnknown()
    {
        QTemporaryDir tmp;
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("a/saved_model.pbtxt")),
            "saved_model_schema_version: 1\nmeta_graphs {\n  object_graph_def {\n  }\n}\n"));
        QCOMPARE(cache::detect(tmp.filePath(QStringLiteral("a"))), ModelFormat::Tf2SavedModel);
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("b/saved_model.pbtxt")), "meta_graphs {\n}\n"));
        QCOMPARE(cache::detect(tmp.filePath(QStringLiteral("b"))), ModelFormat::Tf1SavedModel);
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("c/model.json")),
            "{\"modelTopology\": {}, \"weightsManifest\": []}"));
        QCOMPARE(cache::detect(tmp.filePath(QStringLiteral("c"))), ModelFormat::TfJs);
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("d/readme.txt")), "hello"));
        QCOMPARE(cache::detect(tmp.filePath(QStringLiteral("d"))), ModelFormat::Unknown);
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("e/tfhub_module.pb")), "\x08\x03"));
        QCOMPARE(cache::detect(tmp.filePath(QStringLiteral("e"))), ModelFormat::Unknown); // no graph at all
    }

    void requiredFiles()
    {
        QTemporaryDir tmp;
        QVERIFY(
            test::copyTree(test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"), tmp.path()));
        // Pretend the weights come in three shards and one is missing.
        QVERIFY(QFile::remove(tmp.filePath(QStringLiteral("variables/variables.data-00000-of-00001"))));
        QVERIFY(
            test::writeFile(tmp.filePath(QStringLiteral("variables/variables.data-00000-of-00003")), "x"));
        QVERIFY(
            test::writeFile(tmp.filePath(QStringLiteral("variables/variables.data-00002-of-00003")), "x"));
        const QList<cache::RequiredFile> req = cache::requiredFiles(tmp.path());
        QStringList present, missing;
        for (const cache::RequiredFile &f : req)
            (f.present ? present : missing) << f.path;
        QCOMPARE(present,
            (QStringList { QStringLiteral("saved_model.pb"), QStringLiteral("variables/variables.index"),
                QStringLiteral("variables/variables.data-00000-of-00003"),
                QStringLiteral("variables/variables.data-00002-of-00003") }));
        QCOMPARE(missing, QStringList { QStringLiteral("variables/variables.data-00001-of-00003") });
    }

    void descriptorRoundTrip()
    {
        const QDateTime t(QDate(2024, 1, 29), QTime(17, 51, 7, 123));
        const QByteArray bytes = Descriptor::serialize(
            QStringLiteral("https://tfhub.dev/a/b/1"), t, QStringLiteral("my.host.example"), 321);
        QCOMPARE(bytes,
            QByteArray("Module: https://tfhub.dev/a/b/1\nDownload Time: 2024-01-29 17:51:07.123000\n"
                       "Downloader Hostname: my.host.example (PID:321)"));
        const Descriptor d = Descriptor::parse(bytes);
        QCOMPARE(d.handle, QStringLiteral("https://tfhub.dev/a/b/1"));
        QCOMPARE(d.downloadTime, t);
        QCOMPARE(d.host, QStringLiteral("my.host.example"));
        QCOMPARE(d.pid, 321);
        // Python omits the fraction when the microseconds are zero.
        QCOMPARE(Descriptor::pythonDateTime(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5))),
            QStringLiteral("2024-01-02 03:04:05"));
        const Descriptor noFraction = Descriptor::parse("Module: x\nDownload Time: 2024-01-02 03:04:05");
        QCOMPARE(noFraction.downloadTime, QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5)));
    }
};

QTEST_GUILESS_MAIN(TestModelFormat)
#include "tst_modelformat.moc"
