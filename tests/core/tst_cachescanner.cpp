#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

namespace {

const QString kUid = QStringLiteral("0123456789abcdef0123456789abcdef");

QString keyOf(const char *handle)
{
    return Handle::cacheKeyOf(QString::fromUtf8(handle));
}

CacheEntry find(const QList<CacheEntry> &entries, const QString &key)
{
    for (const CacheEntry &e : entries) {
        if (e.key == key)
            return e;
    }
    return CacheEntry();
}

} // namespace

class TestCacheScanner final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    QString m_root;
    QProcess m_liveOwner;
    ScanOptions m_options;

    QString lockPath(const QString &key) const
    {
        return m_root + QLatin1Char('/') + key + QStringLiteral(".lock");
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_root = m_tmp.filePath(QStringLiteral("cache dir ü")); // spaces and non-ASCII on purpose
        QVERIFY(QDir().mkpath(m_root));
        m_options.graceSecs = 1;
        m_options.noProgressSecs = 60;
        m_options.localHost = util::hostName();
        m_liveOwner.start(QStringLiteral("sleep"), { QStringLiteral("300") });
        QVERIFY(m_liveOwner.waitForStarted());
    }

    void cleanupTestCase()
    {
        m_liveOwner.kill();
        m_liveOwner.waitForFinished();
    }

    void states()
    {
        const QString sm = test::savedModelsDir();
        const QString old = QStringLiteral("old");
        const qint64 longAgo = QDateTime::currentSecsSinceEpoch() - 3600;

        // complete (TF2, TF1, hub module, TFLite)
        const QString tf2 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf2/1"),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString tf1 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf1/1"),
            sm + QStringLiteral("/half_plus_two_cpu"));
        const QString lite = test::makeEntry(m_root, QStringLiteral("https://example.com/lite.tar.gz"),
            sm + QStringLiteral("/half_plus_two_tflite"));
        const QString hub = keyOf("https://tfhub.dev/google/hub/1");
        QVERIFY(test::untar(
            sm + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"), m_root + QLatin1Char('/') + hub));
        QVERIFY(!tf2.isEmpty() && !tf1.isEmpty() && !lite.isEmpty());

        // empty folder
        const QString empty = keyOf("https://tfhub.dev/google/empty/1");
        QVERIFY(QDir().mkpath(m_root + QLatin1Char('/') + empty));

        // download in progress: lock of a live child process, with its tmp folder
        const QString live = keyOf("https://tfhub.dev/google/live/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + live + QLatin1Char('.') + kUid
                + QStringLiteral(".tmp/saved_model.pb"),
            "partial"));
        QVERIFY(test::writeFile(
            lockPath(live), cache::lockContent(util::hostName(), m_liveOwner.processId(), kUid)));

        // stale lock: a dead local PID, nothing changed for an hour
        const QString dead = keyOf("https://tfhub.dev/google/dead/1");
        const QString deadTmp
            = m_root + QLatin1Char('/') + dead + QLatin1Char('.') + kUid + QStringLiteral(".tmp");
        QVERIFY(
            test::writeFile(deadTmp + QStringLiteral("/variables/variables.index"), QByteArray(5000, 'x')));
        QVERIFY(test::writeFile(lockPath(dead), cache::lockContent(util::hostName(), test::deadPid(), kUid)));
        QVERIFY(test::setMTime(deadTmp + QStringLiteral("/variables/variables.index"), longAgo));
        QVERIFY(test::setMTime(deadTmp + QStringLiteral("/variables"), longAgo));
        QVERIFY(test::setMTime(deadTmp, longAgo));
        QVERIFY(test::setMTime(lockPath(dead), longAgo));

        // reused PID: the live child's PID, but the lock predates that process
        const QString reused = keyOf("https://tfhub.dev/google/reused/1");
        QVERIFY(test::writeFile(
            lockPath(reused), cache::lockContent(util::hostName(), m_liveOwner.processId(), kUid)));
        QVERIFY(test::setMTime(lockPath(reused), longAgo));

        // another host: active when recent, stale after the no-progress window
        const QString remoteActive = keyOf("https://tfhub.dev/google/remote-active/1");
        QVERIFY(test::writeFile(
            lockPath(remoteActive), cache::lockContent(QStringLiteral("other.host.example"), 77, kUid)));
        const QString remoteStale = keyOf("https://tfhub.dev/google/remote-stale/1");
        QVERIFY(test::writeFile(
            lockPath(remoteStale), cache::lockContent(QStringLiteral("other.host.example"), 77, kUid)));
        QVERIFY(test::setMTime(lockPath(remoteStale), longAgo));

        // abandoned partial download: tmp folder, no lock
        const QString partial = keyOf("https://tfhub.dev/google/partial/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + partial
                + QStringLiteral(".fedcba9876543210fedcba9876543210.tmp/saved_model.pb"),
            QByteArray(10000, 'p')));

        // orphan descriptor
        const QString orphan = keyOf("https://tfhub.dev/google/orphan/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt"),
            "Module: https://tfhub.dev/google/orphan/1\nDownload Time: 2024-01-01 00:00:00\nDownloader "
            "Hostname: h (PID:1)"));

        // not loadable
        const QString junk = keyOf("https://tfhub.dev/google/junk/1");
        QVERIFY(
            test::writeFile(m_root + QLatin1Char('/') + junk + QStringLiteral("/notes.txt"), "not a model"));

        // foreign items, including an upper-case hex name the library never writes
        QVERIFY(test::writeFile(m_root + QStringLiteral("/README.md"), "mine"));
        QVERIFY(QDir().mkpath(m_root + QLatin1Char('/') + tf2.toUpper()));

        QString error;
        const QList<CacheEntry> entries = cache::scanAll(m_root, m_options, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        const auto stateOf = [&](const QString &key) { return find(entries, key).state; };
        QCOMPARE(stateOf(tf2), EntryState::Complete);
        QCOMPARE(find(entries, tf2).format, ModelFormat::Tf2SavedModel);
        QCOMPARE(find(entries, tf2).handle, QStringLiteral("https://tfhub.dev/google/tf2/1"));
        QCOMPARE(find(entries, tf2).downloaderHost, QStringLiteral("builder.example"));
        QCOMPARE(find(entries, tf2).downloaderPid, 4242);
        QCOMPARE(find(entries, tf2).files, 5);
        QCOMPARE(find(entries, tf1).format, ModelFormat::Tf1SavedModel);
        QCOMPARE(find(entries, hub).format, ModelFormat::Tf1HubModule);
        QCOMPARE(find(entries, hub).handle, QString()); // no descriptor: unknown
        QCOMPARE(stateOf(hub), EntryState::Complete);
        QCOMPARE(find(entries, lite).format, ModelFormat::TfLite);
        QCOMPARE(stateOf(empty), EntryState::EmptyFolder);
        QCOMPARE(stateOf(live), EntryState::Downloading);
        QVERIFY(find(entries, live).stateDetail.contains(QString::number(m_liveOwner.processId())));
        QCOMPARE(find(entries, live).reclaimableBytes, 0);
        QCOMPARE(stateOf(dead), EntryState::StaleLock);
        QCOMPARE(find(entries, dead).reclaimableBytes, find(entries, dead).diskBytes);
        QCOMPARE(stateOf(reused), EntryState::StaleLock);
        QCOMPARE(stateOf(remoteActive), EntryState::Downloading);
        QCOMPARE(stateOf(remoteStale), EntryState::StaleLock);
        QCOMPARE(stateOf(partial), EntryState::AbandonedPartial);
        QVERIFY(find(entries, partial).diskBytes >= 10000);
        QCOMPARE(stateOf(orphan), EntryState::OrphanDescriptor);
        QCOMPARE(find(entries, orphan).handle, QStringLiteral("https://tfhub.dev/google/orphan/1"));
        QCOMPARE(stateOf(junk), EntryState::NotLoadable);
        QCOMPARE(stateOf(QStringLiteral("README.md")), EntryState::Foreign);
        QCOMPARE(stateOf(tf2.toUpper()), EntryState::Foreign);

        // Sizes: allocated blocks and apparent bytes of the folder plus descriptor.
        const util::TreeStats folder = util::measure(m_root + QLatin1Char('/') + tf2);
        QCOMPARE(find(entries, tf2).bytes,
            folder.bytes
                + util::stat(m_root + QLatin1Char('/') + tf2 + QStringLiteral(".descriptor.txt")).size);
        QVERIFY(find(entries, tf2).diskBytes >= find(entries, tf2).bytes);
    }

    void deadOwnerWithinGraceStillDownloads()
    {
        // A dead local PID whose download changed a moment ago: maybe a container sharing our host name.
        QTemporaryDir tmp;
        const QString key = keyOf("https://tfhub.dev/google/container/1");
        QVERIFY(test::writeFile(tmp.filePath(key + QLatin1Char('.') + kUid + QStringLiteral(".tmp/x")), "x"));
        QVERIFY(test::writeFile(tmp.filePath(key + QStringLiteral(".lock")),
            cache::lockContent(util::hostName(), test::deadPid(), kUid)));
        ScanOptions o = m_options;
        o.graceSecs = 3600;
        QCOMPARE(cache::scanKey(tmp.path(), key, o).state, EntryState::Downloading);
        o.graceSecs = 0;
        QCOMPARE(cache::scanKey(tmp.path(), key, o).state, EntryState::StaleLock);
    }

    void leftoversOfCompleteEntryAreReclaimable()
    {
        QTemporaryDir tmp;
        const QString key = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/b/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
        QVERIFY(test::writeFile(tmp.filePath(key + QLatin1Char('.') + kUid + QStringLiteral(".tmp/big")),
            QByteArray(100000, 'b')));
        const CacheEntry e = cache::scanKey(tmp.path(), key, m_options);
        QCOMPARE(e.state, EntryState::Complete);
        QCOMPARE(e.reclaimableBytes,
            util::measure(tmp.filePath(key + QLatin1Char('.') + kUid + QStringLiteral(".tmp"))).diskBytes);
    }

    void lockParsing_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("host");
        QTest::addColumn<qint64>("pid");
        QTest::newRow("dotted-host") << QByteArray(
            "node-1.cluster.example.org.4711.0123456789abcdef0123456789abcdef")
                                     << true << "node-1.cluster.example.org" << qint64(4711);
        QTest::newRow("plain") << QByteArray("h.1.0123456789abcdef0123456789abcdef") << true << "h"
                               << qint64(1);
        QTest::newRow("empty") << QByteArray() << false << "" << qint64(0);
        QTest::newRow("no-uid") << QByteArray("host.12") << false << "" << qint64(0);
        QTest::newRow("bad-pid") << QByteArray("host.x.0123456789abcdef0123456789abcdef") << false << ""
                                 << qint64(0);
    }
    void lockParsing()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, valid);
        QFETCH(QString, host);
        QFETCH(qint64, pid);
        const LockOwner o = cache::parseLock(content);
        QCOMPARE(o.valid, valid);
        QCOMPARE(o.host, host);
        QCOMPARE(o.pid, pid);
    }

    void missingRootIsEmptyAndFileRootIsAnError()
    {
        QTemporaryDir tmp;
        QString error;
        QVERIFY(cache::scanAll(tmp.filePath(QStringLiteral("nope")), m_options, &error).isEmpty());
        QVERIFY(error.isEmpty());
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("file")), "x"));
        QVERIFY(cache::scanAll(tmp.filePath(QStringLiteral("file")), m_options, &error).isEmpty());
        QVERIFY2(error.contains(tmp.filePath(QStringLiteral("file")))
                && error.contains(QStringLiteral("not a folder")),
            qPrintable(error));
    }

    void entryVanishingMidScan()
    {
        QTemporaryDir tmp;
        QStringList keys;
        for (int i = 0; i < 5; ++i)
            keys << test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/x/m/%1").arg(i),
                test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
        keys.sort();
        QStringList seen;
        QString error;
        // While the first entry is reported, the last one is deleted and a new one appears.
        const bool ok = cache::scanRoot(
            tmp.path(), m_options,
            [&](const CacheEntry &e) {
                if (seen.isEmpty()) {
                    QDir(tmp.filePath(keys.last())).removeRecursively();
                    QFile::remove(tmp.filePath(keys.last() + QStringLiteral(".descriptor.txt")));
                    test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/x/new/1"),
                        test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
                }
                seen << e.key;
            },
            {}, &error);
        QVERIFY(ok);
        QVERIFY(!seen.contains(keys.last()));
        QCOMPARE(seen.mid(0, 4), keys.mid(0, 4));
    }

    void unreadableFolderIsReported()
    {
        // Root reads everything, so the scan runs as an unprivileged user through the CLI.
        TFHUB_REQUIRE_ROOT("only root can run the scan as another user (nobody)");
        QTemporaryDir tmp;
        QVERIFY(QFile::setPermissions(
            tmp.path(), QFile::permissions(tmp.path()) | QFile::ExeOther | QFile::ReadOther));
        const QString key = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/locked/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString other = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/open/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
        QProcess chmod;
        chmod.start(QStringLiteral("chmod"), { QStringLiteral("-R"), QStringLiteral("a+rX"), tmp.path() });
        QVERIFY(chmod.waitForFinished() && chmod.exitCode() == 0);
        QVERIFY(QFile::setPermissions(tmp.filePath(key + QStringLiteral("/variables")),
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
        QProcess p;
        p.start(QStringLiteral("setpriv"),
            { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                QStringLiteral("--clear-groups"), qEnvironmentVariable("TFHUB_CLI"),
                QStringLiteral("--cache-dir"), tmp.path(), QStringLiteral("list"),
                QStringLiteral("--json") });
        QVERIFY(p.waitForFinished(30000));
        const QString err = QString::fromLocal8Bit(p.readAllStandardError());
        QVERIFY2(p.exitCode() == 0, qPrintable(err));
        QVERIFY2(
            err.contains(QStringLiteral("Cannot read ")) && err.contains(key + QStringLiteral("/variables")),
            qPrintable(err));
        const QJsonArray entries = QJsonDocument::fromJson(p.readAllStandardOutput())
                                       .object()
                                       .value(QStringLiteral("entries"))
                                       .toArray();
        QCOMPARE(entries.size(), 2);
        for (const QJsonValue &v : entries) {
            const QJsonObject o = v.toObject();
            if (o.value(QStringLiteral("key")).toString() == other)
                QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
            else
                QCOMPARE(o.value(QStringLiteral("problems")).toArray().size(), 1);
        }
    }

    void threadedScannerReportsAndCancels()
    {
        QTemporaryDir tmp;
        for (int i = 0; i < 300; ++i)
            QVERIFY(QDir().mkpath(tmp.filePath(Handle::cacheKeyOf(QString::number(i)))));
        CacheScanner scanner;
        QSignalSpy found(&scanner, &CacheScanner::entriesFound);
        QSignalSpy done(&scanner, &CacheScanner::finished);
        scanner.start(tmp.path());
        QVERIFY(done.wait(30000));
        QCOMPARE(done.first().first().toBool(), true);
        qsizetype total = 0;
        for (const QList<QVariant> &args : std::as_const(found))
            total += args.first().value<QList<CacheEntry>>().size();
        QCOMPARE(total, 300);

        found.clear();
        done.clear();
        scanner.start(tmp.path());
        scanner.cancel();
        QCOMPARE(done.size(), 1);
        QCOMPARE(done.first().first().toBool(), false);
        QTest::qWait(200); // anything the cancelled scan still finds must be dropped
        QCOMPARE(found.size(), 0);
        QVERIFY(!scanner.isRunning());
    }

    void fileRootReportsProblem()
    {
        QTemporaryDir tmp;
        QVERIFY(test::writeFile(tmp.filePath(QStringLiteral("f")), "x"));
        CacheScanner scanner;
        QSignalSpy problem(&scanner, &CacheScanner::problem);
        QSignalSpy done(&scanner, &CacheScanner::finished);
        scanner.start(tmp.filePath(QStringLiteral("f")));
        QVERIFY(done.wait(10000));
        QCOMPARE(done.first().first().toBool(), false);
        QCOMPARE(problem.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCacheScanner)
#include "tst_cachescanner.moc"
