// The CLI's help and usage: every verb and option documented, and wrong usage refused with exit
// code 2 and a message that names the verb and the option.
#include "tests/cli/clifixtures.h"
#include "tfhubversion.h"

#include <QRegularExpression>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::test::cli;

class TestCliHelp final : public QObject, private CliFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void helpAndVersion()
    {
        const Run h = run({ QStringLiteral("--help") });
        QCOMPARE(h.code, 0);
        QVERIFY(h.out.contains(QStringLiteral("Usage: tfhub-cache")));
        for (const char *verb : { "key HANDLE", "resolve HANDLE", "list", "du", "info HANDLE|KEY", "config" })
            QVERIFY2(h.out.contains(QString::fromLatin1(verb)), verb);
        const Run v = run({ QStringLiteral("--version") });
        QCOMPARE(v.code, 0);
        QCOMPARE(v.out.trimmed(), QStringLiteral("tfhub-cache " TFHUB_VERSION));
    }

    // What each verb takes, written out here rather than read from the verb table, so that an
    // option the parser accepts but the help forgets (or the other way round) fails.
    static QList<std::pair<QString, QStringList>> verbOptions()
    {
        const auto l = [](std::initializer_list<const char *> names) {
            QStringList r;
            for (const char *n : names)
                r << QString::fromLatin1(n);
            return r;
        };
        return {
            { QStringLiteral("key"), {} },
            { QStringLiteral("resolve"), l({ "--json", "--cache-dir" }) },
            { QStringLiteral("list"),
                l({ "--json", "--sort KEY", "--state STATE", "--no-trunc", "--cache-dir" }) },
            { QStringLiteral("du"), l({ "--json", "--cache-dir" }) },
            { QStringLiteral("info"), l({ "--json", "--cache-dir" }) },
            { QStringLiteral("config"),
                l({ "--json", "--move", "--leave-behind", "--finish", "--undo", "--targets LIST",
                    "--cache-dir" }) },
            { QStringLiteral("prefetch"), l({ "--jobs N", "--json", "--cache-dir" }) },
            { QStringLiteral("verify"), l({ "--all", "--json", "--cache-dir" }) },
            { QStringLiteral("rm"), l({ "--trash", "-n, --dry-run", "-y, --yes", "--cache-dir" }) },
            { QStringLiteral("search"),
                l({ "--task T", "--publisher P", "--format F", "--kind K", "--language L",
                    "--fine-tunable true|false", "--all-versions", "--limit N", "--json", "--cache-dir" }) },
            { QStringLiteral("catalog"), l({ "--json" }) },
            { QStringLiteral("help"), {} },
        };
    }

    void verbHelp_data()
    {
        QTest::addColumn<QString>("verb");
        QTest::addColumn<QStringList>("options");
        for (const auto &[verb, options] : verbOptions())
            QTest::newRow(qPrintable(verb)) << verb << options;
    }
    void verbHelp()
    {
        QFETCH(QString, verb);
        QFETCH(QStringList, options);
        const Run h = run({ verb, QStringLiteral("--help") });
        QCOMPARE(h.code, 0);
        QVERIFY(h.err.isEmpty());
        QVERIFY2(h.out.startsWith(QStringLiteral("Usage: tfhub-cache ")), qPrintable(h.out));
        QVERIFY2(h.out.contains(QStringLiteral(" ") + verb), qPrintable(h.out));
        // Each option at the start of a line of the options list, with its one-line help.
        for (const QString &o : options) {
            const QRegularExpression line(
                QStringLiteral("\n  ") + QRegularExpression::escape(o) + QStringLiteral("\\s+\\S"));
            QVERIFY2(h.out.contains(line), qPrintable(o + QStringLiteral(" missing from:\n") + h.out));
        }
        QVERIFY(h.out.contains(QStringLiteral("-h, --help")));
        // Lines fit 100 columns and wrap greedily: a help text continues in its column only when
        // its next word did not fit; nested groups such as "[--move [--leave-behind]]" stay whole.
        const QStringList lines = h.out.split(u'\n');
        for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
            QVERIFY2(lines.at(i).size() <= 100, qPrintable(lines.at(i)));
            const QString next = lines.at(i + 1);
            if (next.startsWith(QString(30, u' ')) && !next.trimmed().isEmpty()) {
                const QString word = next.trimmed().section(u' ', 0, 0);
                QVERIFY2(lines.at(i).size() + 1 + word.size() > 100, qPrintable(lines.at(i) + u'\n' + next));
            }
        }
        QVERIFY2(!h.out.contains(QStringLiteral("] ]")), qPrintable(h.out));
        QCOMPARE(run({ QStringLiteral("help"), verb }).out, h.out);
        QCOMPARE(run({ verb, QStringLiteral("-h") }).out, h.out);
        // The synopsis names every option too (a man page and completions are made from it).
        const QString usage = h.out.section(QStringLiteral("\n\n"), 0, 0);
        static const QRegularExpression longName(QStringLiteral("--[a-z-]+"));
        for (const QString &o : options) {
            const QString name = longName.match(o).captured();
            if (name != QLatin1String("--cache-dir"))
                QVERIFY2(usage.contains(name), qPrintable(name + QStringLiteral(" missing from:\n") + usage));
        }
    }

    void unknownOptionNamesVerbAndOption_data()
    {
        QTest::addColumn<QString>("verb");
        for (const auto &[verb, options] : verbOptions())
            QTest::newRow(qPrintable(verb)) << verb;
    }
    void unknownOptionNamesVerbAndOption()
    {
        QFETCH(QString, verb);
        const Run r = run({ verb, QStringLiteral("x"), QStringLiteral("--bogus") });
        QCOMPARE(r.code, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.contains(QStringLiteral("'") + verb + QStringLiteral("'"))
                && r.err.contains(QStringLiteral("--bogus")),
            qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("tfhub-cache ") + verb + QStringLiteral(" --help")),
            qPrintable(r.err));
    }

    void usageListsEveryVerb()
    {
        const Run h = run({ QStringLiteral("help") });
        QCOMPARE(h.code, 0);
        QCOMPARE(h.out, run({ QStringLiteral("--help") }).out);
        for (const auto &[verb, options] : verbOptions())
            QVERIFY2(h.out.contains(QStringLiteral("\n  ") + verb), qPrintable(verb));
        const Run unknown = run({ QStringLiteral("help"), QStringLiteral("frobnicate") });
        QCOMPARE(unknown.code, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("frobnicate")));
    }

    void optionsBeforeTheVerb()
    {
        const Run r
            = run({ QStringLiteral("--json"), QStringLiteral("--cache-dir"), m_cache, QStringLiteral("du") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json().value(QStringLiteral("cacheDir")).toString(), m_cache);
        const Run wrong = run({ QStringLiteral("--sort"), QStringLiteral("size"), QStringLiteral("du") });
        QCOMPARE(wrong.code, 2);
        QVERIFY2(wrong.err.contains(QStringLiteral("'du'")) && wrong.err.contains(QStringLiteral("--sort")),
            qPrintable(wrong.err));
    }

    void jobsLimits()
    {
        for (const char *jobs : { "0", "17", "many" }) {
            const Run r = run({ QStringLiteral("prefetch"), QStringLiteral("--jobs"),
                QString::fromLatin1(jobs), QStringLiteral("https://tfhub.dev/google/tf2/1") });
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains(QStringLiteral("from 1 to 16")), qPrintable(r.err));
        }
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("no-verb") << QStringList();
        QTest::newRow("unknown-verb") << QStringList { QStringLiteral("frobnicate") };
        QTest::newRow("unknown-option") << QStringList { QStringLiteral("list"), QStringLiteral("--bogus") };
        QTest::newRow("bad-sort") << QStringList { QStringLiteral("list"), QStringLiteral("--sort"),
            QStringLiteral("colour") };
        QTest::newRow("bad-state") << QStringList { QStringLiteral("list"), QStringLiteral("--state"),
            QStringLiteral("happy") };
        QTest::newRow("option-of-other-verb")
            << QStringList { QStringLiteral("du"), QStringLiteral("--sort"), QStringLiteral("size") };
        QTest::newRow("key-without-handle") << QStringList { QStringLiteral("key") };
        QTest::newRow("cache-dir-without-value")
            << QStringList { QStringLiteral("list"), QStringLiteral("--cache-dir") };
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        const Run r = run(args);
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.startsWith(QStringLiteral("tfhub-cache: ")));
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCliHelp)
#include "tst_clihelp.moc"
