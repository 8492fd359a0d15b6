// The hidden verbs for tools: `__complete` (the shell completions' candidates, read from the verb
// table and the cache) and `__man` (the man page); and one version on both programs.
#include "tests/cli/clifixtures.h"
#include "tfhubversion.h"

#include <QtTest>

using namespace tfhub;
using namespace tfhub::test::cli;

class TestCliComplete final : public QObject, private CliFixture
{
    Q_OBJECT
private:
    // Candidates for the words after "tfhub-cache" (the last one is being completed).
    QStringList complete(const QStringList &words)
    {
        const Run r = run(QStringList { QStringLiteral("--cache-dir"), m_cache, QStringLiteral("__complete"),
                              QStringLiteral("--") }
            + words);
        if (r.code != 0)
            return { QStringLiteral("exit %1: %2").arg(r.code).arg(r.err) };
        return r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

    static QStringList words(const char *line)
    {
        // A trailing space means the next word is still empty.
        return QString::fromUtf8(line).split(QLatin1Char(' '));
    }

private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void verbs()
    {
        QCOMPARE(complete(words("li")), QStringList { QStringLiteral("list") });
        QCOMPARE(complete(words("help ver")), QStringList { QStringLiteral("verify") });
        const QStringList all = complete(words(""));
        for (const char *verb : { "key", "list", "du", "info", "config", "prefetch", "rm", "search", "help" })
            QVERIFY2(all.contains(QLatin1String(verb)), verb);
        for (const QString &verb : all)
            QVERIFY2(!verb.startsWith(QLatin1Char('_')), qPrintable(verb));
    }

    void options()
    {
        const QStringList list = complete(words("list --"));
        for (const char *option : { "--json", "--sort", "--state", "--no-trunc", "--cache-dir", "--help" })
            QVERIFY2(list.contains(QLatin1String(option)), option);
        QVERIFY(!list.contains(QStringLiteral("--jobs")));
        QCOMPARE(complete(words("prefetch --jo")), QStringList { QStringLiteral("--jobs") });
        QVERIFY(complete(words("--")).contains(QStringLiteral("--version")));
    }

    void optionValues()
    {
        QCOMPARE(complete(words("list --sort ")),
            (QStringList { QStringLiteral("size"), QStringLiteral("name"), QStringLiteral("date"),
                QStringLiteral("accessed") }));
        QVERIFY(complete(words("list --state ")).contains(QStringLiteral("stale-lock")));
        QCOMPARE(complete(words("search --fine-tunable t")), QStringList { QStringLiteral("true") });
        QVERIFY(complete(words("config set cache-dir /x --targets ")).contains(QStringLiteral("fish")));
    }

    // Subcommands come from the synopses: "config set load-format COMPRESSED|UNCOMPRESSED|AUTO".
    void subcommands()
    {
        QCOMPARE(complete(words("config ")),
            (QStringList { QStringLiteral("show"), QStringLiteral("set"), QStringLiteral("unset"),
                QStringLiteral("move") }));
        QCOMPARE(complete(words("config set ")),
            (QStringList { QStringLiteral("cache-dir"), QStringLiteral("load-format") }));
        QCOMPARE(complete(words("config set load-format ")),
            (QStringList {
                QStringLiteral("COMPRESSED"), QStringLiteral("UNCOMPRESSED"), QStringLiteral("AUTO") }));
        QCOMPARE(complete(words("catalog st")), QStringList { QStringLiteral("stats") });
        // A folder is expected: no candidate, so the shells complete file names.
        QCOMPARE(complete(words("config set cache-dir ")), QStringList());
    }

    // Handles and keys from the cache named by --cache-dir.
    void cacheEntries()
    {
        const QStringList handles = complete(words("resolve https://tfhub.dev/google/t"));
        QCOMPARE(handles,
            (QStringList { QStringLiteral("https://tfhub.dev/google/tf1/1"),
                QStringLiteral("https://tfhub.dev/google/tf2/1") }));
        const QStringList rm = complete(words("rm "));
        QVERIFY(rm.contains(QStringLiteral("https://tfhub.dev/google/tf2/1")));
        QVERIFY(rm.contains(m_tf2));
        QVERIFY(rm.contains(m_empty));
        QVERIFY(!rm.contains(QStringLiteral("notes.txt")));
        // Verbs that repeat their argument keep offering entries.
        QVERIFY(complete(words("verify https://tfhub.dev/google/tf1/1 ")).contains(m_empty));
        QCOMPARE(complete(words("nosuchverb ")), QStringList());
    }

    void hiddenFromHelp()
    {
        const Run help = run({ QStringLiteral("--help") });
        QCOMPARE(help.code, 0);
        QVERIFY(!help.out.contains(QStringLiteral("__complete")));
        QVERIFY(!help.out.contains(QStringLiteral("__man")));
    }

    // The man page holds every verb's synopses and options, as --help does.
    void manPage()
    {
        const Run man = run({ QStringLiteral("__man") });
        QCOMPARE(man.code, 0);
        QVERIFY(man.out.startsWith(QStringLiteral(".\\\"")));
        QVERIFY(
            man.out.contains(QStringLiteral(".TH TFHUB\\-CACHE 1 \"\" \"tfhub\\-cache " TFHUB_VERSION "\"")));
        for (const char *text : { ".SH NAME", ".SH SYNOPSIS", ".SH COMMANDS", ".SS prefetch",
                 "tfhub\\-cache [\\-\\-cache\\-dir DIR] prefetch HANDLE... [\\-\\-jobs N] [\\-\\-json]",
                 ".B \\-\\-jobs N", ".B \\-n, \\-\\-dry\\-run", "config set load\\-format", ".SH ENVIRONMENT",
                 "TFHUB_CACHE_DIR", ".SH EXIT STATUS" })
            QVERIFY2(man.out.contains(QString::fromUtf8(text)), text);
        QVERIFY(!man.out.contains(QStringLiteral("__complete")));
        // A text line starting with a dot or a quote would be read as a request.
        static const QRegularExpression request(
            QStringLiteral("^(\\.\\\\\"|\\.(TH|SH|SS|TP|B|PP|RS|RE|nf|fi|br)( |$))"));
        for (const QString &line : man.out.split(QLatin1Char('\n'))) {
            if (line.startsWith(QLatin1Char('.')) || line.startsWith(QLatin1Char('\'')))
                QVERIFY2(request.match(line).hasMatch(), qPrintable(line));
        }
    }

    // --version works without a display on both programs, and they agree.
    void versions()
    {
        const Run cli = run({ QStringLiteral("--version") });
        QCOMPARE(cli.out.trimmed(), QStringLiteral("tfhub-cache " TFHUB_VERSION));
        QProcess gui;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // A display that does not exist: QApplication would abort on it.
        env.insert(QStringLiteral("DISPLAY"), QStringLiteral(":4242"));
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        gui.setProcessEnvironment(env);
        gui.start(qEnvironmentVariable("TFHUB_GUI"), { QStringLiteral("--version") });
        QVERIFY(gui.waitForFinished(30000));
        QCOMPARE(gui.exitCode(), 0);
        QVERIFY2(QString::fromUtf8(gui.readAllStandardOutput()).contains(QStringLiteral(TFHUB_VERSION)),
            qPrintable(QString::fromUtf8(gui.readAllStandardError())));
    }
};

QTEST_GUILESS_MAIN(TestCliComplete)
#include "tst_clicomplete.moc"
