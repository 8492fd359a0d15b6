// Prefetching against a local hub: what gets published and how, the lock protocol shared with
// tensorflow_hub, cancelling, and the CLI front end.
#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/fsutil.h"
#include "core/util/sha256.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;
using test::TestHub;

class TestPrefetch final : public QObject, private PrefetchFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(startHub()); }

    void init()
    {
        m_hub.clearFaults();
        m_hub.clearRequests();
    }

    void realHubModule()
    {
        QTemporaryDir tmp;
        QFile archive(test::savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"));
        QVERIFY(archive.open(QIODevice::ReadOnly));
        m_hub.addArchive(QStringLiteral("/google/half_plus_two/1"), archive.readAll());
        const QString h = handle(QStringLiteral("/google/half_plus_two/1"));
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, h);
        QCOMPARE(r.phase, PrefetchPhase::Done);
        const QString key = Handle::cacheKeyOf(h);
        QCOMPARE(r.path, root + QLatin1Char('/') + key);

        // Byte-identical to what tar extracts.
        QVERIFY(test::untar(archive.fileName(), tmp.filePath(QStringLiteral("expected"))));
        QCOMPARE(treeOf(r.path), treeOf(tmp.filePath(QStringLiteral("expected"))));
        // The request tensorflow_hub makes.
        const QList<TestHub::Request> reqs = m_hub.requests();
        QCOMPARE(reqs.size(), 1);
        QCOMPARE(reqs.first().query, QByteArray("tf-hub-format=compressed"));
        QCOMPARE(reqs.first().header("Accept-Encoding"), QByteArray("identity"));

        // Descriptor exactly as the library writes it: three lines, no trailing newline.
        QFile d(root + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt"));
        QVERIFY(d.open(QIODevice::ReadOnly));
        const QByteArray desc = d.readAll();
        QVERIFY(desc.startsWith(QByteArray("Module: " + h.toUtf8() + "\nDownload Time: ")));
        QVERIFY(!desc.endsWith('\n'));
        QVERIFY(desc.contains(QByteArray("\nDownloader Hostname: " + util::hostName().toUtf8() + " (PID:")));

        // Only the entry, its descriptor and our manifest remain; the scanner agrees.
        QCOMPARE(namesIn(root),
            (QStringList {
                key, key + QStringLiteral(".descriptor.txt"), key + QStringLiteral(".manifest.json") }));
        const CacheEntry e = cache::scanKey(root, key, ScanOptions());
        QCOMPARE(e.state, EntryState::Complete);
        QCOMPARE(e.format, ModelFormat::Tf1HubModule);
        QVERIFY(e.hasManifest);
        const Result<Manifest> m
            = Manifest::load(root + QLatin1Char('/') + key + QStringLiteral(".manifest.json"));
        QVERIFY(m);
        QCOMPARE(m->archiveBytes, archive.size());
        QCOMPARE(m->files.size(), 4);
        QCOMPARE(m->format, QStringLiteral("tf1-hub-module"));
        QVERIFY(verifyFolder(r.path, *m)->ok());

        // A second prefetch is satisfied from the cache without any request.
        m_hub.clearRequests();
        const PrefetchResult again = run(root, h);
        QCOMPARE(again.phase, PrefetchPhase::Done);
        QVERIFY(again.alreadyCached);
        QCOMPARE(m_hub.requests().size(), 0);
    }

    // Verifying is no use of the model: the access times (its last-used dates) stay.
    void verifyKeepsAccessTimes()
    {
        QTemporaryDir tmp;
        const QString folder = tmp.filePath(QStringLiteral("model"));
        QVERIFY(QDir().mkpath(folder + QStringLiteral("/variables")));
        if (!util::recordsAccessTimes(folder))
            QSKIP("The test folder's mount records no access times (noatime).");
        Manifest m;
        const QStringList names { QStringLiteral("saved_model.pb"),
            QStringLiteral("variables/variables.index") };
        for (const QString &name : names) {
            const QByteArray content = name.toUtf8().repeated(1000);
            QFile f(folder + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(content), content.size());
            f.close();
            m.files.append({ name, content.size(), Sha256::hashHex(content) });
            // Older than the content: any read would move it, even on a relatime mount.
            const struct timespec times[2] = { { 1000000000, 0 }, { 0, UTIME_OMIT } };
            QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(f.fileName()).constData(), times, 0), 0);
        }
        const Result<VerifyReport> report = verifyFolder(folder, m);
        QVERIFY(report);
        QVERIFY(report->ok());
        QCOMPARE(report->checkedFiles, 2);
        for (const QString &name : names)
            QCOMPARE(util::stat(folder + QLatin1Char('/') + name).atime.toSecsSinceEpoch(), 1000000000);
    }

    void rootedNames()
    {
        // Archives made with arcname="/" are legitimate: "/saved_model.pb" lands inside the entry.
        QTemporaryDir tmp;
        QTemporaryDir src;
        QVERIFY(test::writeFile(src.filePath(QStringLiteral("saved_model.pb")), "graph"));
        QProcess tar;
        tar.start(QStringLiteral("tar"),
            { QStringLiteral("-czPf"), tmp.filePath(QStringLiteral("a.tgz")), QStringLiteral("--transform"),
                QStringLiteral("s,^.*/,/,"), src.filePath(QStringLiteral("saved_model.pb")) });
        QVERIFY(tar.waitForFinished() && tar.exitCode() == 0);
        QFile f(tmp.filePath(QStringLiteral("a.tgz")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_hub.addArchive(QStringLiteral("/rooted/1"), f.readAll());
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, handle(QStringLiteral("/rooted/1")));
        QCOMPARE(r.phase, PrefetchPhase::Done);
        QCOMPARE(treeOf(r.path).value(QStringLiteral("saved_model.pb")), QByteArray("graph"));
    }

    void twoPrefetchesOfOneHandle()
    {
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/twice/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 2 * 1024 * 1024;
        m_hub.setFault(path, slow);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        DownloadQueue a(options(root)), b(options(root));
        QSignalSpy doneA(&a, &DownloadQueue::jobFinished), doneB(&b, &DownloadQueue::jobFinished);
        QSignalSpy progressB(&b, &DownloadQueue::jobProgress);
        QVERIFY(a.enqueue(handle(path)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(m_hub.requestCount(path) == 1, 10000);
        QVERIFY(b.enqueue(handle(path)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(doneA.size() == 1 && doneB.size() == 1, 60000);
        QCOMPARE(doneA.first().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
        const PrefetchResult rb = doneB.first().at(1).value<PrefetchResult>();
        QCOMPARE(rb.phase, PrefetchPhase::Done);
        QVERIFY(rb.alreadyCached);
        QCOMPARE(m_hub.requestCount(path), 1); // one download, one waiter
        bool waited = false;
        for (const QList<QVariant> &args : std::as_const(progressB)) {
            const PrefetchProgress p = args.at(1).value<PrefetchProgress>();
            waited = waited
                || (p.phase == PrefetchPhase::WaitingForLock
                    && p.detail.contains(QString::number(QCoreApplication::applicationPid())));
        }
        QVERIFY(waited);
    }

    void liveForeignLockIsWaitedFor()
    {
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/locked/live");
        m_hub.addArchive(path, m_bigArchive);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString key = Handle::cacheKeyOf(handle(path));
        QProcess owner;
        owner.start(QStringLiteral("sleep"), { QStringLiteral("60") });
        QVERIFY(owner.waitForStarted());
        const QString uid = QStringLiteral("abcdefabcdefabcdefabcdefabcdef01");
        const QByteArray content = cache::lockContent(util::hostName(), owner.processId(), uid);
        QVERIFY(test::writeFile(root + QLatin1Char('/') + key + QStringLiteral(".lock"), content));
        PrefetchOptions o = options(root);
        o.noProgressSecs = 600; // a live holder without progress is taken over only after this
        DownloadQueue queue(o);
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(path)).ok());
        // Well past the grace period: a live owner is never taken over.
        QTest::qWait(2500);
        QVERIFY(done.isEmpty());
        QCOMPARE(queue.progressOf(1).phase, PrefetchPhase::WaitingForLock);
        QVERIFY2(queue.progressOf(1).detail.contains(QStringLiteral("pid %1").arg(owner.processId())),
            qPrintable(queue.progressOf(1).detail));
        QCOMPARE(m_hub.requestCount(path), 0);
        // The other download ends: its lock goes, and we proceed.
        QVERIFY(QFile::remove(root + QLatin1Char('/') + key + QStringLiteral(".lock")));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.first().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
        owner.kill();
        owner.waitForFinished();
    }

    void deadLockIsTakenOver()
    {
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/locked/dead");
        m_hub.addArchive(path, m_bigArchive);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString key = Handle::cacheKeyOf(handle(path));
        const QString uid = QStringLiteral("deaddeaddeaddeaddeaddeaddeaddead");
        QVERIFY(test::writeFile(root + QLatin1Char('/') + key + QStringLiteral(".lock"),
            cache::lockContent(util::hostName(), test::deadPid(), uid)));
        QVERIFY(test::writeFile(
            root + QLatin1Char('/') + key + QLatin1Char('.') + uid + QStringLiteral(".tmp/saved_model.pb"),
            "half"));
        const PrefetchResult r = run(root, handle(path));
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QCOMPARE(namesIn(root),
            (QStringList {
                key, key + QStringLiteral(".descriptor.txt"), key + QStringLiteral(".manifest.json") }));
    }

    void remoteLockFollowsNoProgressRule()
    {
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/locked/remote");
        m_hub.addArchive(path, m_bigArchive);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString key = Handle::cacheKeyOf(handle(path));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + key + QStringLiteral(".lock"),
            cache::lockContent(
                QStringLiteral("far.away.example"), 1, QStringLiteral("0000000000000000000000000000beef"))));
        DownloadQueue queue(options(root));
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QSignalSpy warnings(&queue, &DownloadQueue::jobWarning);
        QVERIFY(queue.enqueue(handle(path)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(queue.progressOf(1).phase, PrefetchPhase::WaitingForLock, 5000);
        QVERIFY(done.wait(30000));
        QCOMPARE(done.first().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
        QCOMPARE(warnings.size(), 1);
        QVERIFY(warnings.first().at(1).toString().contains(QStringLiteral("no progress")));
    }

    void cancelMidway()
    {
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/cancel/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 100 * 1024;
        m_hub.setFault(path, slow);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        DownloadQueue queue(options(root));
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(path)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(queue.progressOf(1).received > 50000, 20000);
        QVERIFY(!namesIn(root).isEmpty()); // lock and tmp folder exist while it runs
        queue.cancel(1);
        QVERIFY(done.wait(10000));
        QCOMPARE(done.first().at(1).value<PrefetchResult>().phase, PrefetchPhase::Cancelled);
        expectNothingPublished(root);
        // Retry runs it again from the start.
        m_hub.clearFaults();
        QVERIFY(queue.retry(1));
        QVERIFY(done.wait(30000));
        QCOMPARE(done.last().at(1).value<PrefetchResult>().phase, PrefetchPhase::Done);
    }

    void uncompressed()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        m_hub.addArchive(QStringLiteral("/google/spice/2"), m_bigArchive);
        m_hub.setUncompressedLocation(
            QStringLiteral("/google/spice/2"), "gs://tfhub-modules/google/spice/2/uncompressed");
        PrefetchOptions o = options(root);
        o.loadFormat = LoadFormat::Uncompressed;
        PrefetchResult r = run(root, handle(QStringLiteral("/google/spice/2")), o);
        QCOMPARE(r.phase, PrefetchPhase::Done);
        QCOMPARE(r.remoteLocation, QStringLiteral("gs://tfhub-modules/google/spice/2/uncompressed"));
        QCOMPARE(m_hub.requests().first().query, QByteArray("tf-hub-format=uncompressed"));
        QVERIFY(!QFileInfo::exists(root) || namesIn(root).isEmpty()); // nothing cached

        m_hub.addPage(QStringLiteral("/plain/200"), 200, "hello");
        r = run(root, handle(QStringLiteral("/plain/200")), o);
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QCOMPARE(r.message, QStringLiteral("Expected 303 See other HTTP response but received code 200"));

        m_hub.addPage(QStringLiteral("/plain/303"), 303, "s3://elsewhere");
        r = run(root, handle(QStringLiteral("/plain/303")), o);
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QCOMPARE(r.message,
            QStringLiteral("Expected server to return a GCS location but received s3://elsewhere"));
    }

    void gcsTarballViaEmulator()
    {
        QTemporaryDir tmp;
        m_hub.addArchive(QStringLiteral("/bucket/models/m.tar.gz"), m_bigArchive);
        PrefetchOptions o = options(tmp.filePath(QStringLiteral("cache")));
        o.storageHost = m_hub.baseUrl().toString();
        const PrefetchResult r = run(o.cacheRoot, QStringLiteral("gs://bucket/models/m.tar.gz"), o);
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QCOMPARE(r.path,
            o.cacheRoot + QLatin1Char('/')
                + Handle::cacheKeyOf(QStringLiteral("gs://bucket/models/m.tar.gz")));
    }

    // A gs:// tarball in a private bucket: the anonymous request is refused, and the same request
    // goes again with a token from the credential chain (here GOOGLE_OAUTH_ACCESS_TOKEN).
    void gcsTarballInPrivateBucket_data()
    {
        QTest::addColumn<int>("refusal");
        QTest::addColumn<QByteArray>("token"); // what the environment holds; empty: no credentials
        QTest::addColumn<bool>("succeeds");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("401, token") << 401 << QByteArray("tok-1") << true << QString();
        QTest::newRow("403, token") << 403 << QByteArray("tok-1") << true << QString();
        QTest::newRow("wrong token") << 403 << QByteArray("tok-2") << false
                                     << QStringLiteral("also with Google credentials");
        QTest::newRow("no credentials")
            << 401 << QByteArray() << false << QStringLiteral("no Google credentials were found");
    }

    void gcsTarballInPrivateBucket()
    {
        QFETCH(int, refusal);
        QFETCH(QByteArray, token);
        QFETCH(bool, succeeds);
        QFETCH(QString, messagePart);
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/private/models/m.tar.gz");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault fault;
        fault.requireAuthorization = "Bearer tok-1";
        fault.refusalStatus = refusal;
        m_hub.setFault(path, fault);
        // No credential source but the one under test: no ADC file in this HOME, no gcloud on
        // PATH, and a metadata server that refuses connections at once.
        const QByteArray home = qgetenv("HOME"), pathEnv = qgetenv("PATH");
        qputenv("HOME", QFile::encodeName(tmp.path()));
        qputenv("PATH", QFile::encodeName(tmp.path()));
        qputenv("GCE_METADATA_HOST", "127.0.0.1:1");
        qunsetenv("GOOGLE_APPLICATION_CREDENTIALS");
        if (token.isEmpty())
            qunsetenv("GOOGLE_OAUTH_ACCESS_TOKEN");
        else
            qputenv("GOOGLE_OAUTH_ACCESS_TOKEN", token);
        const int before = int(m_hub.requests().size());
        PrefetchOptions o = options(tmp.filePath(QStringLiteral("cache")));
        o.storageHost = m_hub.baseUrl().toString();
        const QString handle = QStringLiteral("gs://private/models/m.tar.gz");
        const PrefetchResult r = run(o.cacheRoot, handle, o);
        qputenv("HOME", home);
        qputenv("PATH", pathEnv);
        qunsetenv("GCE_METADATA_HOST");
        qunsetenv("GOOGLE_OAUTH_ACCESS_TOKEN");
        m_hub.setFault(path, {});

        QList<QByteArray> sent;
        const QList<TestHub::Request> requests = m_hub.requests();
        for (qsizetype i = before; i < requests.size(); ++i)
            if (requests[i].path == path.toUtf8())
                sent.append(requests[i].header("Authorization"));
        QVERIFY(!sent.isEmpty());
        QCOMPARE(sent.first(), QByteArray()); // the first try is anonymous, as for a public bucket
        if (succeeds) {
            QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
            QCOMPARE(sent, (QList<QByteArray> { QByteArray(), "Bearer " + token }));
            QVERIFY(QFileInfo(r.path).isDir());
        } else {
            QCOMPARE(r.phase, PrefetchPhase::Failed);
            QVERIFY2(r.message.contains(messagePart), qPrintable(r.message));
            QVERIFY2(r.message.contains(QStringLiteral("HTTP %1").arg(refusal)), qPrintable(r.message));
            QVERIFY(!QFileInfo::exists(o.cacheRoot + QLatin1Char('/') + Handle::cacheKeyOf(handle)));
        }
    }

    void cliPrefetchAndVerify()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cli cache"));
        const QString h = handle(QStringLiteral("/google/big/1"));
        QProcess p;
        p.start(qEnvironmentVariable("TFHUB_CLI"),
            { QStringLiteral("--cache-dir"), root, QStringLiteral("prefetch"), h, QStringLiteral("ftp://bad"),
                QStringLiteral("--json") });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1); // the malformed handle is refused before anything starts
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("ftp")));
        QVERIFY(!QFileInfo::exists(root + QLatin1Char('/') + Handle::cacheKeyOf(h)));

        p.start(qEnvironmentVariable("TFHUB_CLI"),
            { QStringLiteral("--cache-dir"), root, QStringLiteral("prefetch"), h, QStringLiteral("--json"),
                QStringLiteral("--jobs"), QStringLiteral("2") });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QJsonArray results = QJsonDocument::fromJson(p.readAllStandardOutput())
                                       .object()
                                       .value(QStringLiteral("results"))
                                       .toArray();
        QCOMPARE(results.size(), 1);
        QCOMPARE(
            results.first().toObject().value(QStringLiteral("status")).toString(), QStringLiteral("done"));
        const QString folder = root + QLatin1Char('/') + Handle::cacheKeyOf(h);
        QCOMPARE(treeOf(folder), m_bigFiles);

        const auto verify = [&](int expectedCode) {
            QProcess v;
            v.start(qEnvironmentVariable("TFHUB_CLI"),
                { QStringLiteral("--cache-dir"), root, QStringLiteral("verify"), h,
                    QStringLiteral("--json") });
            v.waitForFinished(30000);
            [&] { QCOMPARE(v.exitCode(), expectedCode); }();
            return QJsonDocument::fromJson(v.readAllStandardOutput())
                .object()
                .value(QStringLiteral("entries"))
                .toArray()
                .first()
                .toObject();
        };
        QCOMPARE(verify(0).value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(test::writeFile(folder + QStringLiteral("/variables/variables.index"), "tampered"));
        QVERIFY(QFile::remove(folder + QStringLiteral("/saved_model.pb")));
        QVERIFY(test::writeFile(folder + QStringLiteral("/stray.txt"), "x"));
        const QJsonObject changed = verify(1);
        QCOMPARE(changed.value(QStringLiteral("status")).toString(), QStringLiteral("changed"));
        QCOMPARE(changed.value(QStringLiteral("modified")).toArray().first().toString(),
            QStringLiteral("variables/variables.index"));
        QCOMPARE(changed.value(QStringLiteral("missing")).toArray().first().toString(),
            QStringLiteral("saved_model.pb"));
        QCOMPARE(
            changed.value(QStringLiteral("extra")).toArray().first().toString(), QStringLiteral("stray.txt"));
    }

    void cliInterruptCancelsCleanly_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<int>("shellStatus");
        QTest::newRow("Ctrl-C") << int(SIGINT) << 130;
        QTest::newRow("SIGTERM") << int(SIGTERM) << 143;
    }
    void cliInterruptCancelsCleanly()
    {
        QFETCH(int, signal);
        QFETCH(int, shellStatus);
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString path = QStringLiteral("/slow/cli");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 50 * 1024;
        m_hub.setFault(path, slow);
        // Through a shell, which reports how the CLI ended as a script's loop would see it.
        QProcess p;
        p.start(QStringLiteral("/bin/sh"),
            { QStringLiteral("-c"),
                QStringLiteral("\"$0\" --cache-dir \"$1\" prefetch \"$2\" & pid=$!; echo \"$pid\"; "
                               "wait \"$pid\"; echo \"status=$?\""),
                qEnvironmentVariable("TFHUB_CLI"), root, handle(path) });
        QVERIFY(p.waitForReadyRead(20000));
        const qint64 pid = p.readLine().trimmed().toLongLong();
        QVERIFY(pid > 0);
        // Once its download runs (a tmp folder exists), interrupt it as Ctrl-C would.
        QTRY_VERIFY_WITH_TIMEOUT(namesIn(root).size() >= 2, 20000);
        QVERIFY(::kill(static_cast<pid_t>(pid), signal) == 0);
        QVERIFY(p.waitForFinished(20000));
        // The CLI's progress lines come first; the shell's report is the last line.
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed().section(u'\n', -1),
            QStringLiteral("status=%1").arg(shellStatus));
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("interrupted")));
        expectNothingPublished(root);
    }

    void cliResolveUncompressedAsksTheServer()
    {
        m_hub.addArchive(QStringLiteral("/google/remote/1"), m_bigArchive);
        m_hub.setUncompressedLocation(
            QStringLiteral("/google/remote/1"), "gs://tfhub-modules/google/remote/1/uncompressed");
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"), QStringLiteral("UNCOMPRESSED"));
        p.setProcessEnvironment(env);
        QTemporaryDir tmp;
        p.start(qEnvironmentVariable("TFHUB_CLI"),
            { QStringLiteral("--cache-dir"), tmp.path(), QStringLiteral("resolve"),
                handle(QStringLiteral("/google/remote/1")) });
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
            QStringLiteral("gs://tfhub-modules/google/remote/1/uncompressed"));
        QCOMPARE(namesIn(tmp.path()), QStringList());

        p.start(qEnvironmentVariable("TFHUB_CLI"),
            { QStringLiteral("resolve"), handle(QStringLiteral("/google/big/1")) });
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1); // no location configured: the hub answers 404
        QVERIFY(QString::fromUtf8(p.readAllStandardError())
                    .contains(QStringLiteral("Expected 303 See other HTTP response but received code 404")));
    }

    void cliDrawsProgressBarsOnATerminal()
    {
        // `script` gives the CLI a pseudo-terminal: it then redraws one bar per model in place.
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/tty/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 1024 * 1024;
        m_hub.setFault(path, slow);
        const QString command = QStringLiteral("'%1' --cache-dir '%2' prefetch '%3'")
                                    .arg(qEnvironmentVariable("TFHUB_CLI"), tmp.path(), handle(path));
        QProcess p;
        p.start(QStringLiteral("script"), { QStringLiteral("-qec"), command, QStringLiteral("/dev/null") });
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(out.count(QByteArray("\x1b[2K" + handle(path).toUtf8())) >= 2,
            out.constData()); // redrawn, not appended
        QVERIFY(out.contains("] ") && out.contains("%")); // a bar with a percentage while downloading
        QVERIFY(out.contains("done"));
    }

    void anotherCopyPublishedMeanwhileIsKept()
    {
        // tensorflow_hub's own lock check is not atomic: a peer may publish K/ while we download.
        // Its copy stays, and we write no manifest for files we did not put there.
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/race/1");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 512 * 1024;
        m_hub.setFault(path, slow);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        DownloadQueue queue(options(root));
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(path)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(queue.progressOf(1).received > 100000, 20000);
        const QString key = Handle::cacheKeyOf(handle(path));
        QVERIFY(test::writeFile(
            root + QLatin1Char('/') + key + QStringLiteral("/saved_model.pb"), "the peer's copy"));
        QVERIFY(done.wait(30000));
        const PrefetchResult r = done.first().at(1).value<PrefetchResult>();
        QCOMPARE(r.phase, PrefetchPhase::Done);
        QVERIFY(r.alreadyCached);
        QCOMPARE(treeOf(root + QLatin1Char('/') + key),
            (QMap<QString, QByteArray> { { QStringLiteral("saved_model.pb"), "the peer's copy" } }));
        QVERIFY(!QFileInfo::exists(root + QLatin1Char('/') + key + QStringLiteral(".manifest.json")));
        QCOMPARE(namesIn(root), (QStringList { key, key + QStringLiteral(".descriptor.txt") }));
    }
};

QTEST_GUILESS_MAIN(TestPrefetch)
#include "tst_prefetch.moc"
