#include "tests/cli/clifixtures.h"

#include <QJsonArray>

using namespace tfhub;
using namespace tfhub::test::cli;

// `verify` on caches tensorflow_hub filled: entries without a manifest are counted, not failed.
class TestCliVerify final : public QObject, public CliFixture
{
    Q_OBJECT

    Run verify(const QString &cache, const QStringList &args)
    {
        return run(QStringList { QStringLiteral("--cache-dir"), cache, QStringLiteral("verify") } + args);
    }

private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void entriesWithoutManifestAreOneLine()
    {
        const Run r = verify(m_cache, { QStringLiteral("--all") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        QCOMPARE(r.out.count(QStringLiteral("not verifiable: no manifest")), 1);
        QVERIFY2(r.out.contains(QStringLiteral("2 not verifiable: no manifest"))
                && r.out.contains(QStringLiteral("tfhub-cache verify --all --rehash")),
            qPrintable(r.out));
    }

    void strictFailsOnThem()
    {
        const Run r = verify(m_cache, { QStringLiteral("--all"), QStringLiteral("--strict") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(QStringLiteral("--strict")), qPrintable(r.out));
    }

    void jsonGivesHandlesAndEmptyLists()
    {
        const Run r = verify(m_cache, { QStringLiteral("--all"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        const QJsonObject o = r.json();
        QCOMPARE(o.value(QStringLiteral("cacheDir")).toString(), m_cache);
        QCOMPARE(o.value(QStringLiteral("cacheDirSource")).toString(), QStringLiteral("command-line"));
        const QJsonArray entries = o.value(QStringLiteral("entries")).toArray();
        QCOMPARE(entries.size(), 2);
        QStringList handles;
        for (const auto &v : entries) {
            const QJsonObject e = v.toObject();
            QCOMPARE(e.value(QStringLiteral("status")).toString(), QStringLiteral("unverifiable"));
            handles << e.value(QStringLiteral("handle")).toString();
            for (const char *list : { "modified", "missing", "extra" })
                QVERIFY2(e.value(QLatin1String(list)).isArray(), list);
        }
        handles.sort();
        QCOMPARE(handles,
            QStringList({ QStringLiteral("https://tfhub.dev/google/tf1/1"),
                QStringLiteral("https://tfhub.dev/google/tf2/1") }));
        QCOMPARE(
            o.value(QStringLiteral("summary")).toObject().value(QStringLiteral("unverifiable")).toInt(), 2);
    }

    void rehashRecordsAManifestThatLaterChecksHold()
    {
        QTemporaryDir dir;
        const QString cache = dir.filePath(QStringLiteral("cache"));
        const QString key = test::makeEntry(cache, QStringLiteral("https://tfhub.dev/google/rehash/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        Run r = verify(cache, { QStringLiteral("--all"), QStringLiteral("--rehash") });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("recorded")), qPrintable(r.out));
        QVERIFY(QFileInfo::exists(cache + QLatin1Char('/') + key + QStringLiteral(".manifest.json")));

        r = verify(cache, { key.left(8), QStringLiteral("--strict") });
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.startsWith(QStringLiteral("ok ")), qPrintable(r.out));

        QVERIFY(test::writeFile(cache + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb"), "x"));
        r = verify(cache, { QStringLiteral("https://tfhub.dev/google/rehash/1"), QStringLiteral("--json") });
        QCOMPARE(r.code, 1);
        const QJsonObject e = r.json().value(QStringLiteral("entries")).toArray().first().toObject();
        QCOMPARE(e.value(QStringLiteral("status")).toString(), QStringLiteral("changed"));
        QCOMPARE(e.value(QStringLiteral("modified")).toArray().first().toString(),
            QStringLiteral("saved_model.pb"));
        QCOMPARE(e.value(QStringLiteral("handle")).toString(),
            QStringLiteral("https://tfhub.dev/google/rehash/1"));
        QVERIFY(e.value(QStringLiteral("missing")).isArray());

        // An existing manifest is kept: a rehash does not bless the change.
        r = verify(cache, { key, QStringLiteral("--rehash") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(QStringLiteral("CHANGED")), qPrintable(r.out));
    }
};

QTEST_GUILESS_MAIN(TestCliVerify)
#include "tst_cliverify.moc"
