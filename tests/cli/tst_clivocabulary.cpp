#include "core/cache/lock.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "tests/cli/clifixtures.h"

#include <QJsonArray>

using namespace tfhub;
using namespace tfhub::test::cli;

// One vocabulary: format machine names in JSON and options, display names in tables, one size
// column name, and empty results that say why.
class TestCliVocabulary final : public QObject, public CliFixture
{
    Q_OBJECT

    Run cache(const QStringList &args)
    {
        return run(QStringList { QStringLiteral("--cache-dir"), m_cache } + args);
    }

private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void searchTakesTheFormatNamesListPrints_data()
    {
        QTest::addColumn<QString>("given");
        QTest::addColumn<QString>("expected");
        QTest::newRow("tf2") << QStringLiteral("tf2-saved-model") << QStringLiteral("tf2-saved-model");
        QTest::newRow("tf1") << QStringLiteral("tf1-hub-module") << QStringLiteral("tf1-hub-module");
        QTest::newRow("lite") << QStringLiteral("tflite") << QStringLiteral("tflite");
        QTest::newRow("catalog word") << QStringLiteral("saved_model_2") << QStringLiteral("tf2-saved-model");
    }
    void searchTakesTheFormatNamesListPrints()
    {
        QFETCH(QString, given);
        QFETCH(QString, expected);
        const Run r = cache({ QStringLiteral("search"), QStringLiteral("--format"), given,
            QStringLiteral("--limit"), QStringLiteral("0"), QStringLiteral("--json") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonArray results = r.json().value(QStringLiteral("results")).toArray();
        QVERIFY(!results.isEmpty());
        for (const auto &v : results)
            QCOMPARE(v.toObject().value(QStringLiteral("format")).toString(), expected);
    }

    void searchRefusesAnUnknownFormatWithTheValidOnes()
    {
        const Run r = cache({ QStringLiteral("search"), QStringLiteral("--format"), QStringLiteral("tf2") });
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains(QStringLiteral("tf2-saved-model, tf1-saved-model, tf1-hub-module, tflite, tfjs")),
            qPrintable(r.err));
    }

    void tablesShowDisplayNamesAndJsonMachineNames()
    {
        const Run list = cache({ QStringLiteral("list") });
        QVERIFY2(list.out.contains(QStringLiteral("TF2 SavedModel"))
                && list.out.contains(QStringLiteral("TF1 SavedModel")),
            qPrintable(list.out));
        const Run json = cache({ QStringLiteral("info"), m_tf2, QStringLiteral("--json") });
        QCOMPARE(json.json().value(QStringLiteral("format")).toString(), QStringLiteral("tf2-saved-model"));
        const Run info = cache({ QStringLiteral("info"), m_tf2 });
        QVERIFY2(info.out.contains(QStringLiteral("TF2 SavedModel")), qPrintable(info.out));
        const Run search = cache({ QStringLiteral("search"), QStringLiteral("--format"),
            QStringLiteral("tf2-saved-model"), QStringLiteral("--limit"), QStringLiteral("3") });
        QVERIFY2(search.out.contains(QStringLiteral("TF2 SavedModel"))
                && !search.out.contains(QStringLiteral("saved_model_2")),
            qPrintable(search.out));
    }

    void diskSizeHasOneColumnName()
    {
        const Run list = cache({ QStringLiteral("list") });
        const Run du = cache({ QStringLiteral("du") });
        QVERIFY2(list.out.section(u'\n', 0, 0).contains(QStringLiteral("ON DISK")), qPrintable(list.out));
        QVERIFY2(!list.out.section(u'\n', 0, 0).contains(QStringLiteral("SIZE")), qPrintable(list.out));
        QVERIFY2(du.out.contains(QStringLiteral("ON DISK")), qPrintable(du.out));
    }

    void rmCountsBytesOnDiskAsDuDoes()
    {
        const qint64 disk = cache({ QStringLiteral("info"), m_tf1, QStringLiteral("--json") })
                                .json()
                                .value(QStringLiteral("diskBytes"))
                                .toInteger();
        QVERIFY(disk > 0);
        const Run r = cache({ QStringLiteral("rm"), QStringLiteral("--dry-run"), m_tf1 });
        QCOMPARE(r.code, 0);
        QVERIFY2(
            r.out.contains(QStringLiteral("Would free %1").arg(util::humanSize(disk))), qPrintable(r.out));
    }

    void emptyFilterResultSaysWhy()
    {
        const Run r = cache({ QStringLiteral("list"), QStringLiteral("--state"), QStringLiteral("partial") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QStringLiteral("No entries match --state partial (4 in the cache)."));
        const Run search = cache({ QStringLiteral("search"), QStringLiteral("zzqx"),
            QStringLiteral("--format"), QStringLiteral("tfjs") });
        QCOMPARE(search.code, 0);
        QVERIFY2(search.out.startsWith(QStringLiteral("No catalog entries match zzqx --format tfjs (")),
            qPrintable(search.out));
    }

    void infoDoesNotRepeatTheState()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("cache"));
        const QString key = test::makeEntry(root, QStringLiteral("https://tfhub.dev/google/locked/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const EntryPaths paths { root, key };
        QVERIFY(test::writeFile(paths.lock(),
            cache::lockContent(
                util::hostName(), test::deadPid(), QStringLiteral("fedcba9876543210fedcba9876543210"))));
        QVERIFY(test::setMTime(paths.lock(), QDateTime::currentSecsSinceEpoch() - 3600));
        const Run r = run({ QStringLiteral("--cache-dir"), root, QStringLiteral("info"), key });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QString state = r.out.section(u'\n', 3, 3);
        QVERIFY2(state.startsWith(QStringLiteral("State:")), qPrintable(r.out));
        QVERIFY2(state.count(QStringLiteral("Complete"), Qt::CaseInsensitive) == 1, qPrintable(state));
        QVERIFY2(state.contains(QStringLiteral("stale lock")), qPrintable(state));
    }
};

QTEST_GUILESS_MAIN(TestCliVocabulary)
#include "tst_clivocabulary.moc"
