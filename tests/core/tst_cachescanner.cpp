#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/core/scannerfixtures.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;
using namespace tfhub::test::scanner;

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

    // The cache keys of the entries states() makes, one for each state.
    struct StateKeys
    {
        QString tf2, tf1, lite, hub, empty, live, dead, reused, remoteActive, remoteStale, partial, orphan,
            junk;
    };

    void makeCompleteEntries(StateKeys &k)
    {
        const QString sm = test::savedModelsDir();
        // complete (TF2, TF1, hub module, TFLite)
        k.tf2 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf2/1"),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        k.tf1 = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/tf1/1"),
            sm + QStringLiteral("/half_plus_two_cpu"));
        k.lite = test::makeEntry(m_root, QStringLiteral("https://example.com/lite.tar.gz"),
            sm + QStringLiteral("/half_plus_two_tflite"));
        k.hub = keyOf("https://tfhub.dev/google/hub/1");
        QVERIFY(test::untar(
            sm + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"), m_root + QLatin1Char('/') + k.hub));
        QVERIFY(!k.tf2.isEmpty() && !k.tf1.isEmpty() && !k.lite.isEmpty());

        // empty folder
        k.empty = keyOf("https://tfhub.dev/google/empty/1");
        QVERIFY(QDir().mkpath(m_root + QLatin1Char('/') + k.empty));
    }

    void makeLockedEntries(StateKeys &k)
    {
        const qint64 longAgo = QDateTime::currentSecsSinceEpoch() - 3600;
        // download in progress: lock of a live child process, with its tmp folder
        k.live = keyOf("https://tfhub.dev/google/live/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + k.live + QLatin1Char('.') + kUid
                + QStringLiteral(".tmp/saved_model.pb"),
            "partial"));
        QVERIFY(test::writeFile(
            lockPath(k.live), cache::lockContent(util::hostName(), m_liveOwner.processId(), kUid)));

        // stale lock: a dead local PID, nothing changed for an hour
        k.dead = keyOf("https://tfhub.dev/google/dead/1");
        const QString deadTmp
            = m_root + QLatin1Char('/') + k.dead + QLatin1Char('.') + kUid + QStringLiteral(".tmp");
        QVERIFY(
            test::writeFile(deadTmp + QStringLiteral("/variables/variables.index"), QByteArray(5000, 'x')));
        QVERIFY(
            test::writeFile(lockPath(k.dead), cache::lockContent(util::hostName(), test::deadPid(), kUid)));
        QVERIFY(test::setMTime(deadTmp + QStringLiteral("/variables/variables.index"), longAgo));
        QVERIFY(test::setMTime(deadTmp + QStringLiteral("/variables"), longAgo));
        QVERIFY(test::setMTime(deadTmp, longAgo));
        QVERIFY(test::setMTime(lockPath(k.dead), longAgo));

        // reused PID: the live child's PID, but the lock predates that process
        k.reused = keyOf("https://tfhub.dev/google/reused/1");
        QVERIFY(test::writeFile(
            lockPath(k.reused), cache::lockContent(util::hostName(), m_liveOwner.processId(), kUid)));
        QVERIFY(test::setMTime(lockPath(k.reused), longAgo));

        // another host: active when recent, stale after the no-progress window
        k.remoteActive = keyOf("https://tfhub.dev/google/remote-active/1");
        QVERIFY(test::writeFile(
            lockPath(k.remoteActive), cache::lockContent(QStringLiteral("other.host.example"), 77, kUid)));
        k.remoteStale = keyOf("https://tfhub.dev/google/remote-stale/1");
        QVERIFY(test::writeFile(
            lockPath(k.remoteStale), cache::lockContent(QStringLiteral("other.host.example"), 77, kUid)));
        QVERIFY(test::setMTime(lockPath(k.remoteStale), longAgo));
    }

    void makeLeftoverEntries(StateKeys &k)
    {
        // abandoned partial download: tmp folder, no lock
        k.partial = keyOf("https://tfhub.dev/google/partial/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + k.partial
                + QStringLiteral(".fedcba9876543210fedcba9876543210.tmp/saved_model.pb"),
            QByteArray(10000, 'p')));

        // orphan descriptor
        k.orphan = keyOf("https://tfhub.dev/google/orphan/1");
        QVERIFY(test::writeFile(m_root + QLatin1Char('/') + k.orphan + QStringLiteral(".descriptor.txt"),
            "Module: https://tfhub.dev/google/orphan/1\nDownload Time: 2024-01-01 00:00:00\nDownloader "
            "Hostname: h (PID:1)"));

        // not loadable
        k.junk = keyOf("https://tfhub.dev/google/junk/1");
        QVERIFY(test::writeFile(
            m_root + QLatin1Char('/') + k.junk + QStringLiteral("/notes.txt"), "not a model"));

        // foreign items, including an upper-case hex name the library never writes
        QVERIFY(test::writeFile(m_root + QStringLiteral("/README.md"), "mine"));
        QVERIFY(QDir().mkpath(m_root + QLatin1Char('/') + k.tf2.toUpper()));
    }

    void checkStates(const QList<CacheEntry> &entries, const StateKeys &k)
    {
        const auto stateOf = [&](const QString &key) { return find(entries, key).state; };
        QCOMPARE(stateOf(k.tf2), EntryState::Complete);
        QCOMPARE(find(entries, k.tf2).format, ModelFormat::Tf2SavedModel);
        QCOMPARE(find(entries, k.tf2).handle, QStringLiteral("https://tfhub.dev/google/tf2/1"));
        QCOMPARE(find(entries, k.tf2).downloaderHost, QStringLiteral("builder.example"));
        QCOMPARE(find(entries, k.tf2).downloaderPid, 4242);
        QCOMPARE(find(entries, k.tf2).files, 5);
        QCOMPARE(find(entries, k.tf1).format, ModelFormat::Tf1SavedModel);
        QCOMPARE(find(entries, k.hub).format, ModelFormat::Tf1HubModule);
        QCOMPARE(find(entries, k.hub).handle, QString()); // no descriptor: unknown
        QCOMPARE(stateOf(k.hub), EntryState::Complete);
        QCOMPARE(find(entries, k.lite).format, ModelFormat::TfLite);
        QCOMPARE(stateOf(k.empty), EntryState::EmptyFolder);
        QCOMPARE(stateOf(k.live), EntryState::Downloading);
        QVERIFY(find(entries, k.live).stateDetail.contains(QString::number(m_liveOwner.processId())));
        QCOMPARE(find(entries, k.live).reclaimableBytes, 0);
        QCOMPARE(stateOf(k.dead), EntryState::StaleLock);
        QCOMPARE(find(entries, k.dead).reclaimableBytes, find(entries, k.dead).diskBytes);
        QCOMPARE(stateOf(k.reused), EntryState::StaleLock);
        QCOMPARE(stateOf(k.remoteActive), EntryState::Downloading);
        QCOMPARE(stateOf(k.remoteStale), EntryState::StaleLock);
        QCOMPARE(stateOf(k.partial), EntryState::AbandonedPartial);
        QVERIFY(find(entries, k.partial).diskBytes >= 10000);
        QCOMPARE(stateOf(k.orphan), EntryState::OrphanDescriptor);
        QCOMPARE(find(entries, k.orphan).handle, QStringLiteral("https://tfhub.dev/google/orphan/1"));
        QCOMPARE(stateOf(k.junk), EntryState::NotLoadable);
        QCOMPARE(stateOf(QStringLiteral("README.md")), EntryState::Foreign);
        QCOMPARE(stateOf(k.tf2.toUpper()), EntryState::Foreign);

        // Sizes: allocated blocks and apparent bytes of the folder plus descriptor.
        const util::TreeStats folder = util::measure(m_root + QLatin1Char('/') + k.tf2);
        QCOMPARE(find(entries, k.tf2).bytes,
            folder.bytes
                + util::stat(m_root + QLatin1Char('/') + k.tf2 + QStringLiteral(".descriptor.txt")).size);
        QVERIFY(find(entries, k.tf2).diskBytes >= find(entries, k.tf2).bytes);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        test::isolateHome(m_tmp.filePath(QStringLiteral("home"))); // where scan indexes go
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
        StateKeys k;
        makeCompleteEntries(k);
        if (QTest::currentTestFailed())
            return;
        makeLockedEntries(k);
        if (QTest::currentTestFailed())
            return;
        makeLeftoverEntries(k);
        if (QTest::currentTestFailed())
            return;

        QString error;
        const QList<CacheEntry> entries = cache::scanAll(m_root, m_options, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        checkStates(entries, k);
    }

    // Our move journal (and its atomic-write temporary) belongs to the cache, not to a stranger.
    void moveJournalIsNotForeign()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString journal = cache::moveJournalName();
        QCOMPARE(journal, QStringLiteral(".tfhub-cache-manager-move.json"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + journal, "{}"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + journal + QStringLiteral(".tmp0123abcd"), "{"));
        QVERIFY(test::writeFile(root + QStringLiteral("/notes.txt"), "mine"));
        QString error;
        const QList<CacheEntry> entries = cache::scanAll(root, m_options, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.constFirst().key, QStringLiteral("notes.txt"));
        QCOMPARE(entries.constFirst().state, EntryState::Foreign);
        // A watcher asking for the journal by name finds nothing to list either.
        QVERIFY(cache::scanItem(root, journal, m_options).artifacts.isEmpty());
    }

    // A SavedModel missing a weight shard, or all the data of its index, is broken, not complete;
    // shards are counted from their -of-N names; no model file at all stays not-loadable.
    void brokenEntries()
    {
        QTemporaryDir tmp;
        const QString sm = test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu");
        const QString sharded
            = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/sharded/1"), sm);
        const QString vars = tmp.filePath(sharded + QStringLiteral("/variables/"));
        QVERIFY(QFile::remove(vars + QStringLiteral("variables.data-00000-of-00001")));
        for (int i : { 0, 1, 2, 4, 5, 6, 7 })
            QVERIFY(test::writeFile(
                vars + QStringLiteral("variables.data-%1-of-00008").arg(i, 5, 10, QLatin1Char('0')),
                QByteArray(4096, 'w')));
        const QString noData
            = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/nodata/1"), sm);
        QVERIFY(
            QFile::remove(tmp.filePath(noData + QStringLiteral("/variables/variables.data-00000-of-00001"))));
        const QString whole = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/whole/1"), sm);
        const QString junk = keyOf("https://tfhub.dev/a/junk/1");
        QVERIFY(test::writeFile(tmp.filePath(junk + QStringLiteral("/variables/variables.index")), "x"));

        QString error;
        const QList<CacheEntry> entries = cache::scanAll(tmp.path(), m_options, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const CacheEntry s = find(entries, sharded);
        QCOMPARE(s.state, EntryState::Broken);
        QCOMPARE(s.missingFiles, QStringList { QStringLiteral("variables/variables.data-00003-of-00008") });
        QVERIFY2(s.stateDetail.contains(QStringLiteral("variables.data-00003-of-00008")),
            qPrintable(s.stateDetail));
        QCOMPARE(s.reclaimableBytes, s.diskBytes);
        const CacheEntry n = find(entries, noData);
        QCOMPARE(n.state, EntryState::Broken);
        QCOMPARE(n.missingFiles, QStringList { QStringLiteral("variables/variables.data-00000-of-00001") });
        QCOMPARE(find(entries, whole).state, EntryState::Complete);
        QVERIFY(find(entries, whole).missingFiles.isEmpty());
        QCOMPARE(find(entries, whole).reclaimableBytes, 0);
        QCOMPARE(find(entries, junk).state, EntryState::NotLoadable);
        QCOMPARE(stateName(EntryState::Broken), QStringLiteral("broken"));
        EntryState parsed = EntryState::Complete;
        QVERIFY(stateFromName(QStringLiteral("broken"), &parsed));
        QCOMPARE(parsed, EntryState::Broken);
    }

    // The pins file (and its atomic-write temporary) is ours: neither an entry nor a foreign item.
    void pinsFileIsNotForeign()
    {
        QTemporaryDir tmp;
        const QString pins = cache::pinsFileName();
        QCOMPARE(pins, QStringLiteral(".tfhub-cache-manager-pins.json"));
        QVERIFY(test::writeFile(tmp.filePath(pins), "{}"));
        QVERIFY(test::writeFile(
            tmp.filePath(pins + QStringLiteral(".tmp0123456789abcdef0123456789abcdef")), "{"));
        QVERIFY(cache::isOwnFile(pins));
        QString error;
        QVERIFY(cache::scanAll(tmp.path(), m_options, &error).isEmpty());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(cache::scanItem(tmp.path(), pins, m_options).artifacts.isEmpty());
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

    // The library takes over a lock whose download made no progress for its window whoever holds
    // it, a live local holder too: so the scan calls it stale, not "downloading" forever. A lock
    // older than its holder means a reused PID, so the holder must have started long ago: PID 1.
    void liveHolderWithoutProgressIsStale()
    {
        const util::ProcessInfo init = util::processInfo(1);
        const QDateTime now = QDateTime::currentDateTime();
        if (!init.alive || !init.started.isValid() || init.started.secsTo(now) < 3 * 60)
            QSKIP("Needs PID 1 started over three minutes ago.");
        QTemporaryDir tmp;
        const QString key = keyOf("https://tfhub.dev/google/stuck/1");
        const QString tmpFolder = tmp.filePath(key + QLatin1Char('.') + kUid + QStringLiteral(".tmp"));
        const QString lock = tmp.filePath(key + QStringLiteral(".lock"));
        QVERIFY(test::writeFile(tmpFolder + QStringLiteral("/saved_model.pb"), "partial"));
        QVERIFY(test::writeFile(lock, cache::lockContent(util::hostName(), 1, kUid)));
        const qint64 written = init.started.toSecsSinceEpoch() + 2;
        QVERIFY(test::setMTime(tmpFolder + QStringLiteral("/saved_model.pb"), written));
        QVERIFY(test::setMTime(tmpFolder, written));
        QVERIFY(test::setMTime(lock, written));
        ScanOptions o = m_options;
        o.noProgressSecs = 120;

        const qint64 before = (QDateTime::currentSecsSinceEpoch() - written) / 60;
        CacheEntry e = cache::scanKey(tmp.path(), key, o);
        const qint64 after = (QDateTime::currentSecsSinceEpoch() - written) / 60;
        QCOMPARE(e.state, EntryState::StaleLock);
        QVERIFY2(e.stateDetail.contains(QStringLiteral("no progress for %1 minutes").arg(before))
                || e.stateDetail.contains(QStringLiteral("no progress for %1 minutes").arg(after)),
            qPrintable(e.stateDetail));
        QCOMPARE(e.reclaimableBytes, e.diskBytes);

        // Progress a moment ago: downloading again.
        QVERIFY(test::writeFile(tmpFolder + QStringLiteral("/variables.index"), "more"));
        e = cache::scanKey(tmp.path(), key, o);
        QCOMPARE(e.state, EntryState::Downloading);
        QVERIFY2(e.stateDetail.contains(QStringLiteral("pid 1.")), qPrintable(e.stateDetail));
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

    // "Last used" is the newest access time of the files hub.load() always reads. Our own scans
    // read saved_model.pb (the format) and list folders: neither may move what they report.
    void lastUsedIsNotMovedByScans()
    {
        QTemporaryDir tmp;
        const QString key = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/used/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString folder = tmp.filePath(key);
        QVERIFY(setTreeATime(folder, k2020));
        if (!util::recordsAccessTimes(tmp.path())) {
            QCOMPARE(cache::scanKey(tmp.path(), key, m_options).lastAccessed, QDateTime());
            QSKIP("The test folder's mount records no access times (noatime).");
        }
        for (int scan = 0; scan < 2; ++scan) {
            const CacheEntry e = cache::scanKey(tmp.path(), key, m_options);
            QCOMPARE(e.format, ModelFormat::Tf2SavedModel);
            QCOMPARE(e.lastAccessed.toSecsSinceEpoch(), k2020);
        }
        QCOMPARE(aTimeOf(folder + QStringLiteral("/saved_model.pb")), k2020);

        // What hub.load() reads counts (the variables index), folders never do.
        QVERIFY(setATime(folder + QStringLiteral("/variables/variables.index"), k2020 + 86400));
        QVERIFY(setATime(folder + QStringLiteral("/variables"), k2020 + 5 * 86400));
        QCOMPARE(cache::scanKey(tmp.path(), key, m_options).lastAccessed.toSecsSinceEpoch(), k2020 + 86400);
    }

    void mountRecordsAccessTimes_data()
    {
        QTest::addColumn<QByteArray>("mountinfo");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("records");
        const QByteArray root = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";
        QTest::newRow("root, relatime") << root << "/home/u/cache" << true;
        QTest::newRow("root, noatime")
            << QByteArray("22 1 8:1 / / rw,noatime - ext4 /dev/sda1 rw\n") << "/home/u/cache" << false;
        const QByteArray mnt = root + "30 22 0:5 / /mnt/cache rw,nosuid,noatime - tmpfs tmpfs rw\n";
        QTest::newRow("noatime mount holds it") << mnt << "/mnt/cache/tfhub" << false;
        QTest::newRow("noatime mount is the path") << mnt << "/mnt/cache" << false;
        QTest::newRow("a name that only starts alike") << mnt << "/mnt/cache2/tfhub" << true;
        QTest::newRow("escaped space") << root + "31 22 0:6 / /mnt/my\\040disk rw,noatime - tmpfs tmpfs rw\n"
                                       << "/mnt/my disk/c" << false;
        QTest::newRow("stacked: the last mount is on top")
            << mnt + "32 30 0:7 / /mnt/cache rw,relatime - tmpfs tmpfs rw\n"
            << "/mnt/cache/tfhub" << true;
        QTest::newRow("the superblock's options do not count")
            << root + "33 22 0:8 / /data rw,relatime - ext4 /dev/sdb noatime\n"
            << "/data/c" << true;
    }
    void mountRecordsAccessTimes()
    {
        QFETCH(QByteArray, mountinfo);
        QFETCH(QString, path);
        QFETCH(bool, records);
        QCOMPARE(util::recordsAccessTimes(mountinfo, path), records);
    }

    // On a mount that records no access times, "last used" is unknown rather than invented. The
    // CLI runs in a private mount namespace over a tmpfs mounted noatime.
    void noatimeMountHasNoLastUsed()
    {
        TFHUB_REQUIRE_PRIVATE_MOUNT();
        QTemporaryDir tmp;
        const QString mnt = tmp.filePath(QStringLiteral("mnt"));
        QVERIFY(QDir().mkpath(mnt));
        const QString model = test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu");
        const QString script = QStringLiteral(
            "mount -t tmpfs -o noatime,size=8m tfhub-test \"$1\" && cp -r \"$2\" \"$1/%1\" && "
            "\"$3\" --cache-dir \"$1\" list --json")
                                   .arg(keyOf("https://tfhub.dev/a/noatime/1"));
        QProcess p;
        const QStringList prefix = test::privateMountPrefix();
        p.start(prefix.first(),
            prefix.mid(1)
                + QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh"), mnt,
                    model, qEnvironmentVariable("TFHUB_CLI") });
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QJsonArray entries = QJsonDocument::fromJson(p.readAllStandardOutput())
                                       .object()
                                       .value(QStringLiteral("entries"))
                                       .toArray();
        QCOMPARE(entries.size(), 1);
        const QJsonObject e = entries.first().toObject();
        QCOMPARE(e.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
        QVERIFY(e.value(QStringLiteral("lastAccessed")).isNull());
        QVERIFY(!e.value(QStringLiteral("lastModified")).isNull());
    }

    // Another user's cache: we may not open its files without moving their access times
    // (O_NOATIME is for the owner and root), so the scan must not read them at all. The format
    // then comes from our manifest, or stays unknown; the entry is still complete.
    void anotherUsersCacheIsNotRead()
    {
        TFHUB_REQUIRE_ROOT("only root can run the scan as another user (nobody)");
        QTemporaryDir tmp;
        const QString sm = test::savedModelsDir();
        const QString plain = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/plain/1"),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString withManifest = test::makeEntry(tmp.path(),
            QStringLiteral("https://tfhub.dev/a/manifest/1"), sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        QVERIFY(test::writeFile(tmp.filePath(withManifest + QStringLiteral(".manifest.json")),
            R"({"schema": 1, "key": "x", "format": "tf2-saved-model", "files": []})"));
        QProcess chmod;
        chmod.start(QStringLiteral("chmod"), { QStringLiteral("-R"), QStringLiteral("a+rX"), tmp.path() });
        QVERIFY(chmod.waitForFinished() && chmod.exitCode() == 0);
        QVERIFY(setTreeATime(tmp.filePath(plain), k2020));
        QVERIFY(setTreeATime(tmp.filePath(withManifest), k2020));
        const bool atimes = util::recordsAccessTimes(tmp.path());

        QProcess p;
        p.start(QStringLiteral("setpriv"),
            { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                QStringLiteral("--clear-groups"), qEnvironmentVariable("TFHUB_CLI"),
                QStringLiteral("--cache-dir"), tmp.path(), QStringLiteral("list"),
                QStringLiteral("--json") });
        QVERIFY(p.waitForFinished(30000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const QJsonArray entries = QJsonDocument::fromJson(p.readAllStandardOutput())
                                       .object()
                                       .value(QStringLiteral("entries"))
                                       .toArray();
        QCOMPARE(entries.size(), 2);
        for (const QJsonValue &v : entries) {
            const QJsonObject o = v.toObject();
            const QString key = o.value(QStringLiteral("key")).toString();
            QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("complete"));
            QCOMPARE(o.value(QStringLiteral("format")).toString(),
                key == withManifest ? QStringLiteral("tf2-saved-model") : QStringLiteral("unknown"));
            const QJsonValue used = o.value(QStringLiteral("lastAccessed"));
            if (atimes)
                QCOMPARE(QDateTime::fromString(used.toString(), Qt::ISODateWithMs).toSecsSinceEpoch(), k2020);
            else
                QVERIFY(used.isNull());
            QCOMPARE(aTimeOf(tmp.filePath(key + QStringLiteral("/saved_model.pb"))), k2020);
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
