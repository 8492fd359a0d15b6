// The CLI's verbs against a small cache: output in text and JSON, and the cache folder given in
// every way it can go wrong (a URL, a file, missing, bytes that are no text).
#include "tests/cli/clifixtures.h"
#include "tests/support/testdata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::test::cli;

class TestCli final : public QObject, private CliFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { setUpCache(); }

    void key()
    {
        const Run r
            = run({ QStringLiteral("key"), QStringLiteral("https://tfhub.dev/google/nnlm-en-dim128/2") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("29abffb443cb0a0ca9c72e8e3863b76d85028490\n"));
        const Run bad = run({ QStringLiteral("key"), QStringLiteral("HTTPS://tfhub.dev/x") });
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("HTTPS")), qPrintable(bad.err));
        const Run ctl = run({ QStringLiteral("key"), QStringLiteral("https://tfhub.dev/a\x01") });
        QCOMPARE(ctl.code, 1);
        QVERIFY(ctl.err.contains(QStringLiteral("control character")));
    }

    void listHuman()
    {
        Run r = run(
            { QStringLiteral("--cache-dir"), m_cache, QStringLiteral("list"), QStringLiteral("--wide") });
        QCOMPARE(r.code, 0);
        QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5); // header + 4 items
        // Columns are aligned: the HANDLE column starts at the same offset in every line.
        qsizetype col = lines.first().indexOf(QStringLiteral("HANDLE"));
        QVERIFY(col > 0);
        QCOMPARE(lines.at(1).mid(col), QStringLiteral("https://tfhub.dev/google/tf1/1"));
        QCOMPARE(lines.at(2).mid(col), QStringLiteral("https://tfhub.dev/google/tf2/1"));
        QVERIFY(r.out.contains(QStringLiteral("KiB")));
        // Without --wide: the host apart, then the model path.
        r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("list") });
        QCOMPARE(r.code, 0);
        lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        col = lines.first().indexOf(QStringLiteral("MODEL"));
        QVERIFY(col > 0);
        QCOMPARE(lines.at(1).mid(col), QStringLiteral("google/tf1/1"));
        QVERIFY(lines.at(1).contains(QStringLiteral("tfhub.dev ")));
    }

    void listJsonSortAndFilter()
    {
        Run r = run({ QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--sort"),
                        QStringLiteral("size") },
            { { QStringLiteral("TFHUB_CACHE_DIR"), m_cache } });
        QCOMPARE(r.code, 0);
        const QJsonObject o = r.json();
        QCOMPARE(o.value(QStringLiteral("schema")).toInt(), 1);
        QCOMPARE(o.value(QStringLiteral("cacheDir")).toString(), m_cache);
        QCOMPARE(o.value(QStringLiteral("cacheDirSource")).toString(), QStringLiteral("environment"));
        const QJsonArray entries = o.value(QStringLiteral("entries")).toArray();
        QCOMPARE(entries.size(), 4);
        qint64 previous = std::numeric_limits<qint64>::max();
        for (const QJsonValue &v : entries) {
            const qint64 size = v.toObject().value(QStringLiteral("diskBytes")).toInteger();
            QVERIFY(size <= previous);
            previous = size;
        }
        QCOMPARE(entries.first().toObject().value(QStringLiteral("key")).toString(), m_tf2);
        QCOMPARE(entries.first().toObject().value(QStringLiteral("format")).toString(),
            QStringLiteral("tf2-saved-model"));
        QCOMPARE(entries.first().toObject().value(QStringLiteral("downloaderPid")).toInt(), 4242);

        r = run({ QStringLiteral("--cache-dir=") + m_cache, QStringLiteral("list"), QStringLiteral("--json"),
            QStringLiteral("--state"), QStringLiteral("empty") });
        QCOMPARE(r.code, 0);
        const QJsonArray empties = r.json().value(QStringLiteral("entries")).toArray();
        QCOMPARE(empties.size(), 1);
        QCOMPARE(empties.first().toObject().value(QStringLiteral("key")).toString(), m_empty);
        QVERIFY(empties.first().toObject().value(QStringLiteral("handle")).isNull());
    }

    void du()
    {
        const Run r = run(
            { QStringLiteral("--tfhub_cache_dir"), m_cache, QStringLiteral("du"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        const QJsonObject o = r.json();
        const QJsonObject states = o.value(QStringLiteral("byState")).toObject();
        QCOMPARE(
            states.value(QStringLiteral("complete")).toObject().value(QStringLiteral("count")).toInt(), 2);
        QCOMPARE(states.value(QStringLiteral("empty")).toObject().value(QStringLiteral("count")).toInt(), 1);
        QCOMPARE(
            states.value(QStringLiteral("foreign")).toObject().value(QStringLiteral("count")).toInt(), 1);
        const QJsonObject formats = o.value(QStringLiteral("byFormat")).toObject();
        QCOMPARE(formats.value(QStringLiteral("tf1-saved-model"))
                     .toObject()
                     .value(QStringLiteral("count"))
                     .toInt(),
            1);
        qint64 sum = 0;
        for (const QJsonValue &v : states)
            sum += v.toObject().value(QStringLiteral("diskBytes")).toInteger();
        QCOMPARE(
            o.value(QStringLiteral("total")).toObject().value(QStringLiteral("diskBytes")).toInteger(), sum);
        QVERIFY(o.value(QStringLiteral("reclaimableBytes")).toInteger() > 0); // the empty folder
        const Run human = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("du") });
        QCOMPARE(human.code, 0);
        QVERIFY(human.out.contains(QStringLiteral("TF2 SavedModel"))
            && human.out.contains(QStringLiteral("Reclaimable:")));
    }

    void infoByHandleAndKey()
    {
        const Run byHandle = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("info"),
            QStringLiteral("https://tfhub.dev/google/tf2/1"), QStringLiteral("--json") });
        QCOMPARE(byHandle.code, 0);
        const QJsonObject o = byHandle.json();
        QCOMPARE(o.value(QStringLiteral("key")).toString(), m_tf2);
        QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
        const QJsonArray required = o.value(QStringLiteral("requiredFiles")).toArray();
        QCOMPARE(required.size(), 3);
        for (const QJsonValue &v : required)
            QVERIFY(v.toObject().value(QStringLiteral("present")).toBool());
        const Run byKey = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("info"), m_tf1 });
        QCOMPARE(byKey.code, 0);
        QVERIFY(byKey.out.contains(QStringLiteral("https://tfhub.dev/google/tf1/1")));
        QVERIFY(byKey.out.contains(QStringLiteral("TF1 SavedModel")));
        const Run missing = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("info"),
            QStringLiteral("https://tfhub.dev/not/there/1") });
        QCOMPARE(missing.code, 1);
        QVERIFY2(missing.err.contains(QStringLiteral("No cache entry")) && missing.err.contains(m_cache),
            qPrintable(missing.err));
    }

    void resolve()
    {
        Run r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("resolve"),
            QStringLiteral("https://tfhub.dev/google/tf2/1"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("cached"));
        QCOMPARE(r.json().value(QStringLiteral("path")).toString(), m_cache + QLatin1Char('/') + m_tf2);

        r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("resolve"),
            QStringLiteral("https://tfhub.dev/google/empty/1") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), m_cache + QLatin1Char('/') + m_empty);
        QVERIFY(r.err.contains(QStringLiteral("Not cached")));

        // UNCOMPRESSED asks the server for the remote location (tst_prefetch covers the answer
        // from a local hub); a server that cannot be reached is a failure naming the URL.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const QString closed = QStringLiteral("http://127.0.0.1:%1/google/tf2/1").arg(probe.serverPort());
        probe.close();
        r = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("resolve"), closed,
                    QStringLiteral("--json") },
            { { QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("UNCOMPRESSED") } });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("failure"));
        QVERIFY2(r.json()
                     .value(QStringLiteral("message"))
                     .toString()
                     .contains(closed + QStringLiteral("?tf-hub-format=uncompressed")),
            qPrintable(r.json().value(QStringLiteral("message")).toString()));

        r = run({ QStringLiteral("resolve"), QStringLiteral("https://tfhub.dev/google/tf2/1") },
            { { QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("compressed") } });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("\"compressed\""))
                && r.err.contains(QStringLiteral("case-sensitive")),
            qPrintable(r.err));

        r = run({ QStringLiteral("resolve"), m_cache });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), m_cache); // a local path is returned as it is
    }

    void config()
    {
        Run r = run({ QStringLiteral("config"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json().value(QStringLiteral("cacheDir")).toString(),
            m_tmp.filePath(QStringLiteral("tmp/tfhub_modules")));
        QCOMPARE(r.json().value(QStringLiteral("cacheDirSource")).toString(), QStringLiteral("default"));
        QCOMPARE(r.json().value(QStringLiteral("loadFormat")).toString(), QStringLiteral("AUTO"));
        r = run({ QStringLiteral("config") },
            { { QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("auto") } });
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("warning: TFHUB_MODEL_LOAD_FORMAT=\"auto\"")));
        QVERIFY(r.out.contains(QStringLiteral("temporary folder")));
    }

    void appWithoutDisplayPointsToCli()
    {
        // The README's first command on a machine with no display: the app says so and names the CLI.
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        for (const char *var : { "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM" })
            e.remove(QString::fromLatin1(var));
        e.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        p.setProcessEnvironment(e);
        p.start(qEnvironmentVariable("TFHUB_GUI"), {});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(
            err.contains(QStringLiteral("display")) && err.contains(QStringLiteral("tfhub-cache --help")),
            qPrintable(err));
    }

    void unreadableRootFails()
    {
        QVERIFY(test::writeFile(m_tmp.filePath(QStringLiteral("plainfile")), "x"));
        const Run r = run({ QStringLiteral("--cache-dir"), m_tmp.filePath(QStringLiteral("plainfile")),
            QStringLiteral("list") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("not a folder")), qPrintable(r.err));
    }

    // Every verb that uses the cache, with arguments it would otherwise accept.
    static QList<QStringList> cacheVerbs()
    {
        const QString h = QStringLiteral("https://tfhub.dev/google/tf2/1");
        return { { QStringLiteral("list") }, { QStringLiteral("du") }, { QStringLiteral("info"), h },
            { QStringLiteral("resolve"), h }, { QStringLiteral("verify"), h },
            { QStringLiteral("verify"), QStringLiteral("--all") },
            { QStringLiteral("rm"), QStringLiteral("--yes"), h },
            { QStringLiteral("prefetch"), QStringLiteral("http://127.0.0.1:9/google/tf2/1") },
            { QStringLiteral("search"), QStringLiteral("mobilenet") } };
    }

    void urlCacheDirIsRefusedWritingNothing()
    {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        // list, du, info, resolve, verify, rm (tst_cligcs*) and prefetch (tst_cligcsprefetch) use gs://;
        // with no emulator and no credentials they say so. No gcloud on PATH and a metadata server that
        // is not there, so nothing leaves this machine.
        const QStringList onGcs { QStringLiteral("list"), QStringLiteral("du"), QStringLiteral("info"),
            QStringLiteral("resolve"), QStringLiteral("verify"), QStringLiteral("rm"),
            QStringLiteral("prefetch") };
        for (const QStringList &args : cacheVerbs()) {
            for (const bool viaEnv : { true, false }) {
                const QString dir = QStringLiteral("gs://bucket/cache");
                QList<std::pair<QString, QString>> env { { QStringLiteral("PATH"), work.path() },
                    { QStringLiteral("GCE_METADATA_HOST"), QStringLiteral("127.0.0.1:1") } };
                if (viaEnv)
                    env.append({ QStringLiteral("TFHUB_CACHE_DIR"), dir });
                const Run r = viaEnv
                    ? run(args, env, work.path())
                    : run(QStringList { QStringLiteral("--cache-dir"), dir } + args, env, work.path());
                const QString what = args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err;
                QCOMPARE(r.code, 1);
                const bool gcs = onGcs.contains(args.first());
                const QString expected = gcs ? QStringLiteral("No Google Cloud credentials found")
                                             : QStringLiteral("not supported");
                QVERIFY2(r.err.contains(dir) && r.err.contains(expected), qPrintable(what));
                QVERIFY2(r.out.isEmpty(), qPrintable(what));
                // The message only (the credentials error lists each source on its own line), and no
                // warning from a malformed translation.
                if (!gcs)
                    QCOMPARE(r.err.count(u'\n'), 1);
                QVERIFY2(!r.err.contains(QStringLiteral("QString::arg")), qPrintable(what));
                QVERIFY2(QDir(work.path()).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                    qPrintable(what));
            }
        }
        const Run s3
            = run({ QStringLiteral("--cache-dir"), QStringLiteral("s3://b/c"), QStringLiteral("list") }, {},
                work.path());
        QCOMPARE(s3.code, 1);
        QVERIFY2(s3.err.contains(QStringLiteral("s3://")), qPrintable(s3.err));
        // 'key' and 'config' do not use the cache folder: they still work and say where it points.
        QCOMPARE(run({ QStringLiteral("--cache-dir"), QStringLiteral("gs://b/c"), QStringLiteral("key"),
                         QStringLiteral("https://tfhub.dev/google/tf2/1") },
                     {}, work.path())
                     .code,
            0);
        QVERIFY(QDir(work.path()).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
    }

    void cacheDirThatIsAFileFailsInEveryVerb()
    {
        const QString file = m_tmp.filePath(QStringLiteral("plainfile2"));
        QVERIFY(test::writeFile(file, "x"));
        for (const QStringList &args : cacheVerbs()) {
            for (const QString &dir : QStringList { file, file + QStringLiteral("/sub") }) {
                const Run r = run(QStringList { QStringLiteral("--cache-dir"), dir } + args);
                const QString what = args.join(QLatin1Char(' ')) + QStringLiteral(": ") + r.err;
                QCOMPARE(r.code, 1);
                QVERIFY2(
                    r.err.contains(QStringLiteral("not a folder")) && r.err.contains(file), qPrintable(what));
                QVERIFY2(r.out.isEmpty(), qPrintable(what));
            }
        }
    }

    void missingCacheDirIsAnEmptyCacheAndSaysSo()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("not/yet"));
        const QString note
            = QStringLiteral("does not exist yet; tensorflow_hub creates it on first download");
        const QString h = QStringLiteral("https://tfhub.dev/google/tf2/1");
        const auto cli = [&](QStringList args) {
            return run(QStringList { QStringLiteral("--cache-dir"), dir } + args);
        };
        Run r = cli({ QStringLiteral("list") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count(note), 1);
        QVERIFY(r.out.contains(dir));
        r = cli({ QStringLiteral("list"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json().value(QStringLiteral("entries")).toArray().size(), 0);
        r = cli({ QStringLiteral("du") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count(note), 1);
        r = cli({ QStringLiteral("verify"), QStringLiteral("--all") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.count(note), 1);
        r = cli({ QStringLiteral("resolve"), h });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.err.count(note), 1);
        for (const QStringList &args : { QStringList { QStringLiteral("info"), h },
                 QStringList { QStringLiteral("rm"), QStringLiteral("--yes"), h } }) {
            r = cli(args);
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.count(note) == 1, qPrintable(r.err));
        }
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("not"))));
    }

    void cacheDirBytesThatAreNoTextAreRefused_data()
    {
        QTest::addColumn<QString>("option");
        QTest::newRow("separate") << QStringLiteral("--cache-dir ");
        QTest::newRow("joined") << QStringLiteral("--cache-dir=");
        QTest::newRow("alias") << QStringLiteral("--tfhub_cache_dir ");
    }
    void cacheDirBytesThatAreNoTextAreRefused()
    {
        // Qt reads the byte 0xFF as U+FFFD: the folder used would not be the one named.
        QFETCH(QString, option);
        QTemporaryDir work;
        QVERIFY(work.isValid());
        const Run r = run({ QStringLiteral("sh"), QStringLiteral("exec \"$TFHUB_CLI\""),
                              option + QStringLiteral("\"$(printf 'bad\\377name')\""),
                              QStringLiteral("prefetch"), QStringLiteral("http://127.0.0.1:9/google/tf2/1") },
            {}, work.path());
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--cache-dir")) && r.err.contains(QStringLiteral("encoding")),
            qPrintable(r.err));
        QVERIFY(QDir(work.path()).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
    }

    void cacheDirVariableBytesThatAreNoTextAreRefused()
    {
        QTemporaryDir work;
        QVERIFY(work.isValid());
        const Run r
            = run({ QStringLiteral("sh"), QStringLiteral("TFHUB_CACHE_DIR=\"$(printf 'bad\\377name')\""),
                      QStringLiteral("exec \"$TFHUB_CLI\" prefetch http://127.0.0.1:9/google/tf2/1") },
                {}, work.path());
        QCOMPARE(r.code, 1);
        QVERIFY2(
            r.err.contains(QStringLiteral("TFHUB_CACHE_DIR")) && r.err.contains(QStringLiteral("encoding")),
            qPrintable(r.err));
        QVERIFY(QDir(work.path()).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden));
    }

    void configWarnsAboutAnUnusableCacheDir()
    {
        const Run r = run({ QStringLiteral("config") },
            { { QStringLiteral("TFHUB_CACHE_DIR"), QStringLiteral("gs://b/c") } });
        QCOMPARE(r.code, 0);
        QVERIFY2(
            r.out.contains(QStringLiteral("warning: ")) && r.out.contains(QStringLiteral("not supported")),
            qPrintable(r.out));
    }

    void cacheDirWithReplacementCharacterIsAccepted()
    {
        // U+FFFD written as UTF-8 (EF BF BD) is a real name, not a decoding accident.
        const QString dir = m_tmp.filePath(QStringLiteral("odd \uFFFD name"));
        test::makeEntry(dir, QStringLiteral("https://tfhub.dev/google/tf2/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const Run r
            = run({ QStringLiteral("--cache-dir"), dir, QStringLiteral("list"), QStringLiteral("--json") });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.json().value(QStringLiteral("cacheDir")).toString(), dir);
        QCOMPARE(r.json().value(QStringLiteral("entries")).toArray().size(), 1);
        const Run viaShell
            = run({ QStringLiteral("sh"), QStringLiteral("exec \"$TFHUB_CLI\" --cache-dir"),
                      QStringLiteral("\"$(printf '%s/odd \\357\\277\\275 name' \"$T\")\" list --json") },
                { { QStringLiteral("T"), m_tmp.path() } });
        QCOMPARE(viaShell.code, 0);
        QCOMPARE(viaShell.json().value(QStringLiteral("entries")).toArray().size(), 1);
    }

    void keyPrefixesAsListPrintsThem()
    {
        // The KEY column of 'list' names the entry in info, verify and rm.
        const Run list = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("list") });
        QVERIFY(list.out.contains(m_tf2.left(12)));
        QVERIFY(!list.out.contains(m_tf2));
        const Run full = run(
            { QStringLiteral("--cache-dir"), m_cache, QStringLiteral("list"), QStringLiteral("--no-trunc") });
        QCOMPARE(full.code, 0);
        QVERIFY(full.out.contains(m_tf2));

        for (const QString &prefix : { m_tf2.left(12), m_tf2.left(6), m_tf2.left(12).toUpper() }) {
            const Run info = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("info"), prefix,
                QStringLiteral("--json") });
            QCOMPARE(info.code, 0);
            QCOMPARE(info.json().value(QStringLiteral("key")).toString(), m_tf2);
        }
        const Run verify = run({ QStringLiteral("--cache-dir"), m_cache, QStringLiteral("verify"),
            m_tf2.left(8), QStringLiteral("--json") });
        const QJsonArray entries = verify.json().value(QStringLiteral("entries")).toArray();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.first().toObject().value(QStringLiteral("key")).toString(), m_tf2);

        const Run none = run(
            { QStringLiteral("--cache-dir"), m_cache, QStringLiteral("info"), QStringLiteral("ffffff0") });
        QCOMPARE(none.code, 1);
        QVERIFY2(none.err.contains(QStringLiteral("ffffff0")), qPrintable(none.err));
    }

    void ambiguousKeyPrefixListsCandidates()
    {
        QTemporaryDir cache;
        QVERIFY(cache.isValid());
        const QString a = QStringLiteral("abcdef") + QString(34, QLatin1Char('0'));
        const QString b = QStringLiteral("abcdef") + QString(34, QLatin1Char('1'));
        for (const QString &k : { a, b })
            QVERIFY(QDir(cache.path()).mkpath(k));
        for (const QString &verb :
            { QStringLiteral("info"), QStringLiteral("verify"), QStringLiteral("rm") }) {
            const Run r
                = run({ QStringLiteral("--cache-dir"), cache.path(), verb, QStringLiteral("abcdef") });
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.contains(QStringLiteral("ambiguous")) && r.err.contains(a) && r.err.contains(b),
                qPrintable(r.err));
        }
        QVERIFY(QFileInfo(cache.filePath(a)).isDir() && QFileInfo(cache.filePath(b)).isDir());
        const Run one = run({ QStringLiteral("--cache-dir"), cache.path(), QStringLiteral("info"),
            QStringLiteral("abcdef1"), QStringLiteral("--json") });
        QCOMPARE(one.code, 0);
        QCOMPARE(one.json().value(QStringLiteral("key")).toString(), b);
        const Run rm = run({ QStringLiteral("--cache-dir"), cache.path(), QStringLiteral("rm"),
            QStringLiteral("--yes"), QStringLiteral("abcdef0") });
        QCOMPARE(rm.code, 0);
        QVERIFY(!QFileInfo::exists(cache.filePath(a)));
        QVERIFY(QFileInfo(cache.filePath(b)).isDir());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
