#include "core/hub/hubsettings.h"
#include "tests/support/privilege.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

class TestHubSettings final : public QObject
{
    Q_OBJECT
private:
    static QProcessEnvironment env(std::initializer_list<std::pair<const char *, QString>> vars)
    {
        QProcessEnvironment e;
        for (const auto &[k, v] : vars)
            e.insert(QString::fromLatin1(k), v);
        return e;
    }

private Q_SLOTS:
    void cacheDirPrecedence()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        HubSettings s = HubSettings::resolve(
            env({ { "TFHUB_CACHE_DIR", QStringLiteral("/env/dir") }, { "TMPDIR", tmp.path() } }),
            QStringLiteral("/opt/cli dir"));
        QCOMPARE(s.cacheDir, QStringLiteral("/opt/cli dir"));
        QCOMPARE(s.cacheDirSource, ValueSource::CommandLine);

        s = HubSettings::resolve(
            env({ { "TFHUB_CACHE_DIR", QStringLiteral("/env/dir") }, { "TMPDIR", tmp.path() } }));
        QCOMPARE(s.cacheDir, QStringLiteral("/env/dir"));
        QCOMPARE(s.cacheDirSource, ValueSource::Environment);

        // An empty value counts as unset.
        s = HubSettings::resolve(env({ { "TFHUB_CACHE_DIR", QString() }, { "TMPDIR", tmp.path() } }));
        QCOMPARE(s.cacheDir, tmp.path() + QStringLiteral("/tfhub_modules"));
        QCOMPARE(s.cacheDirSource, ValueSource::Default);
    }

    void pythonTempDirRules()
    {
        QTemporaryDir a, b;
        QVERIFY(a.isValid() && b.isValid());
        // TMPDIR wins over TEMP and TMP; a missing folder is skipped, as Python does.
        QCOMPARE(HubSettings::pythonTempDir(env({ { "TMPDIR", a.path() }, { "TEMP", b.path() } })), a.path());
        QCOMPARE(HubSettings::pythonTempDir(
                     env({ { "TMPDIR", QStringLiteral("/nonexistent") }, { "TEMP", b.path() } })),
            b.path());
        QCOMPARE(HubSettings::pythonTempDir(env({ { "TMPDIR", QStringLiteral("/nonexistent") },
                     { "TMP", b.path() + QStringLiteral("/") } })),
            b.path()); // normalised like os.path.abspath
        QCOMPARE(HubSettings::pythonTempDir(env({ { "TMPDIR", QStringLiteral("/nonexistent") } })),
            QStringLiteral("/tmp"));
    }

    void unusableTempDirIsSkipped()
    {
        // As root every folder is writable, so make one truly unusable: a read-only bind mount in a
        // private mount namespace, entered by a child process running this same check.
        QTemporaryDir ro, fallback;
        QVERIFY(ro.isValid() && fallback.isValid());
        QProcess p;
        const QString script
            = QStringLiteral("mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && "
                             "if touch \"$1/probe\" 2>/dev/null; then echo writable; exit 3; fi; "
                             "TMPDIR=\"$1\" TEMP=\"$2\" \"$3\" config --json");
        const QString cli = qEnvironmentVariable("TFHUB_CLI");
        QVERIFY2(!cli.isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
        p.setProcessEnvironment(e);
        TFHUB_REQUIRE_PRIVATE_MOUNT();
        const QStringList ns = test::privateMountPrefix();
        p.start(ns.first(),
            ns.mid(1)
                + QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh"),
                    ro.path(), fallback.path(), cli });
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitCode() == 0,
            qPrintable(QStringLiteral("mount namespace step failed (%1): %2")
                           .arg(p.exitCode())
                           .arg(QString::fromLocal8Bit(p.readAllStandardError()))));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(out.contains((QStringLiteral("\"cacheDir\": \"") + fallback.path()
                     + QStringLiteral("/tfhub_modules\""))
                                  .toUtf8()),
            out.constData());
    }

    void loadFormat_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("source");
        QTest::newRow("unset") << QString() << int(LoadFormat::Auto) << int(ValueSource::Default);
        QTest::newRow("AUTO") << "AUTO" << int(LoadFormat::Auto) << int(ValueSource::Environment);
        QTest::newRow("COMPRESSED") << "COMPRESSED" << int(LoadFormat::Compressed)
                                    << int(ValueSource::Environment);
        QTest::newRow("UNCOMPRESSED")
            << "UNCOMPRESSED" << int(LoadFormat::Uncompressed) << int(ValueSource::Environment);
        QTest::newRow("lower-case") << "compressed" << int(LoadFormat::Invalid)
                                    << int(ValueSource::Environment);
        QTest::newRow("padded") << "AUTO " << int(LoadFormat::Invalid) << int(ValueSource::Environment);
    }
    void loadFormat()
    {
        QFETCH(QString, value);
        QFETCH(int, format);
        QFETCH(int, source);
        QProcessEnvironment e;
        e.insert(QStringLiteral("TMPDIR"), QStringLiteral("/tmp"));
        if (!value.isEmpty())
            e.insert(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), value);
        const HubSettings s = HubSettings::resolve(e);
        QCOMPARE(int(s.loadFormat), format);
        QCOMPARE(int(s.loadFormatSource), source);
        QCOMPARE(s.loadFormatRaw, value.isEmpty() ? QStringLiteral("AUTO") : value);
    }

    void loadFormatOverride()
    {
        QProcessEnvironment e;
        e.insert(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("UNCOMPRESSED"));
        const HubSettings s = HubSettings::resolve(e, QString(), QStringLiteral("COMPRESSED"));
        QCOMPARE(s.loadFormat, LoadFormat::Compressed);
        QCOMPARE(s.loadFormatSource, ValueSource::CommandLine);
    }

    void urlCacheDirsAreRefused_data()
    {
        QTest::addColumn<QString>("dir");
        QTest::addColumn<QString>("says");
        QTest::newRow("gs") << QStringLiteral("gs://bucket/cache") << QStringLiteral("not supported yet");
        QTest::newRow("s3") << QStringLiteral("s3://bucket/cache")
                            << QStringLiteral("s3:// is not supported");
        QTest::newRow("file") << QStringLiteral("file:///tmp/cache") << QStringLiteral("without file://");
        QTest::newRow("hdfs") << QStringLiteral("hdfs://name/cache") << QStringLiteral("hdfs://");
    }
    void urlCacheDirsAreRefused()
    {
        QFETCH(QString, dir);
        QFETCH(QString, says);
        QVERIFY(HubSettings::isUrl(dir));
        const CacheDirCheck c = HubSettings::checkCacheDir(dir);
        QCOMPARE(c.state, CacheDirCheck::State::Unsupported);
        QVERIFY(!c.usable());
        QVERIFY2(c.message.contains(dir) && c.message.contains(says), qPrintable(c.message));
    }

    void localPathsAreNoUrls()
    {
        for (const char *p : { "/tmp/gs:/bucket", "gs:/bucket", "relative/dir", "C:/x", "a b://c", "1x://y" })
            QVERIFY2(!HubSettings::isUrl(QString::fromLatin1(p)), p);
    }

    void localCacheDirStates()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        QCOMPARE(HubSettings::checkCacheDir(tmp.path()).state, CacheDirCheck::State::Folder);
        QVERIFY(HubSettings::checkCacheDir(tmp.path()).message.isEmpty());

        const QString missing = tmp.filePath(QStringLiteral("a/b"));
        const CacheDirCheck m = HubSettings::checkCacheDir(missing);
        QCOMPARE(m.state, CacheDirCheck::State::Missing);
        QVERIFY(m.usable());
        QVERIFY2(m.message.contains(missing) && m.message.contains(QStringLiteral("does not exist yet")),
            qPrintable(m.message));

        const QString file = tmp.filePath(QStringLiteral("file"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        for (const QString &dir : QStringList { file, file + QStringLiteral("/under/it") }) {
            const CacheDirCheck c = HubSettings::checkCacheDir(dir);
            QCOMPARE(c.state, CacheDirCheck::State::NotAFolder);
            QVERIFY(!c.usable());
            QVERIFY2(c.message.contains(QStringLiteral("not a folder")) && c.message.contains(dir),
                qPrintable(c.message));
        }

        const QString dangling = tmp.filePath(QStringLiteral("dangling"));
        QVERIFY(QFile::link(tmp.filePath(QStringLiteral("nowhere")), dangling));
        QCOMPARE(HubSettings::checkCacheDir(dangling).state, CacheDirCheck::State::NotAFolder);
        QVERIFY(!QFileInfo::exists(tmp.filePath(QStringLiteral("a"))));
    }
};

QTEST_GUILESS_MAIN(TestHubSettings)
#include "tst_hubsettings.moc"
