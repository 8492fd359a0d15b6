// tfhub-cache export / import / import --as: round trip through the executable, the JSON envelope,
// usage errors, a refused bundle, and an adopted archive.

#include "core/hub/handle.h"
#include "tests/cli/clifixtures.h"

#include <QJsonArray>

using namespace tfhub;
using namespace tfhub::test::cli;

class TestCliBundle : public QObject, private CliFixture
{
    Q_OBJECT

private:
    QString path(const QString &name) const { return m_tmp.filePath(name); }

private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void exportThenImportJson()
    {
        const QString zip = path(QStringLiteral("out.zip"));
        Run r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("export"),
            QStringLiteral("https://tfhub.dev/google/tf2/1"), m_tf1.left(8), QStringLiteral("-o"), zip,
            QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QJsonObject j = r.json();
        QCOMPARE(j.value(QStringLiteral("schema")).toInt(), 1);
        QCOMPARE(j.value(QStringLiteral("cacheDir")).toString(), m_cache);
        QCOMPARE(j.value(QStringLiteral("cacheDirSource")).toString(), QStringLiteral("command-line"));
        QCOMPARE(j.value(QStringLiteral("entries")).toArray().size(), 2);
        QVERIFY(QFile::exists(zip));

        const QString target = path(QStringLiteral("target"));
        r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), zip,
            QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        j = r.json();
        QCOMPARE(j.value(QStringLiteral("cacheDir")).toString(), target);
        const QJsonArray entries = j.value(QStringLiteral("entries")).toArray();
        QCOMPARE(entries.size(), 2);
        for (const QJsonValue &e : entries)
            QCOMPARE(e.toObject().value(QStringLiteral("outcome")).toString(), QStringLiteral("imported"));
        QVERIFY(QFile::exists(target + QLatin1Char('/') + m_tf2 + QStringLiteral("/saved_model.pb")));

        // Plain text, again: everything is skipped.
        r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), zip });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("skipped")), qPrintable(r.out));
    }

    void exportAll()
    {
        const QString zip = path(QStringLiteral("all.zip"));
        const Run r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("export"),
            QStringLiteral("--all"), QStringLiteral("--output"), zip });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(
            r.out.contains(QStringLiteral("Exported 2 entries")), qPrintable(r.out)); // not the empty one
    }

    void differingEntryExitsOne()
    {
        const QString zip = path(QStringLiteral("one.zip"));
        QCOMPARE(run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("export"), m_tf2,
                         QStringLiteral("-o"), zip })
                     .code,
            0);
        const QString target = path(QStringLiteral("differs"));
        QCOMPARE(run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), zip }).code, 0);
        QVERIFY(
            test::writeFile(target + QLatin1Char('/') + m_tf2 + QStringLiteral("/saved_model.pb"), "other"));
        Run r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), zip });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(QStringLiteral("differs")), qPrintable(r.out));
        r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), zip,
            QStringLiteral("--replace") });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("replaced")), qPrintable(r.out));
    }

    void refusedBundleFails()
    {
        const QString bad = path(QStringLiteral("bad.zip"));
        QVERIFY(test::writeFile(bad, "PK\x03\x04 not really a zip"));
        const QString target = path(QStringLiteral("refused"));
        const Run r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"), bad });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not a readable zip")), qPrintable(r.err));
        QVERIFY(QDir(target).isEmpty());
    }

    void adoptArchive()
    {
        const QString target = path(QStringLiteral("adopted"));
        const QString handle = QStringLiteral("https://tfhub.dev/google/half-plus-two/1");
        const Run r = run({ QStringLiteral("--cache-dir"), target, QStringLiteral("import"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"),
            QStringLiteral("--as"), handle, QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject j = r.json();
        QCOMPARE(j.value(QStringLiteral("outcome")).toString(), QStringLiteral("adopted"));
        QCOMPARE(j.value(QStringLiteral("key")).toString(), Handle::cacheKeyOf(handle));
        QVERIFY(QFile::exists(
            target + QLatin1Char('/') + Handle::cacheKeyOf(handle) + QStringLiteral("/tfhub_module.pb")));
        QVERIFY(QFile::exists(
            target + QLatin1Char('/') + Handle::cacheKeyOf(handle) + QStringLiteral(".descriptor.txt")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("export without output")
            << QStringList { QStringLiteral("export"), QStringLiteral("--all") };
        QTest::newRow("export nothing")
            << QStringList { QStringLiteral("export"), QStringLiteral("-o"), QStringLiteral("x.zip") };
        QTest::newRow("import nothing") << QStringList { QStringLiteral("import") };
        QTest::newRow("archive without --as")
            << QStringList { QStringLiteral("import"), QStringLiteral("m.tar.gz") };
        QTest::newRow("zip with --as") << QStringList { QStringLiteral("import"), QStringLiteral("b.zip"),
            QStringLiteral("--as"), QStringLiteral("https://tfhub.dev/a/b/1") };
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        const Run r
            = run(QStringList { QStringLiteral("--cache-dir"), path(QStringLiteral("usage")) } + args);
        QCOMPARE(r.code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliBundle)
#include "tst_clibundle.moc"
