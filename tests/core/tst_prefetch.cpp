#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/fsutil.h"
#include "core/util/sha256.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;
using test::TestHub;

namespace {

// Builds a .tar.gz of `files` with the system tar, names relative ("./a/b").
QByteArray makeTarGz(const QMap<QString, QByteArray> &files, const QString &flags = QStringLiteral("-czf"))
{
    QTemporaryDir dir;
    for (auto it = files.cbegin(); it != files.cend(); ++it)
        test::writeFile(dir.filePath(QStringLiteral("src/") + it.key()), it.value());
    QProcess tar;
    tar.start(QStringLiteral("tar"),
        { flags, dir.filePath(QStringLiteral("a.tar")), QStringLiteral("-C"),
            dir.filePath(QStringLiteral("src")), QStringLiteral(".") });
    tar.waitForFinished(30000);
    QFile f(dir.filePath(QStringLiteral("a.tar")));
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(b.data()), n / 4);
    return b;
}

// Every file below `dir`: relative path -> content.
QMap<QString, QByteArray> treeOf(const QString &dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        out.insert(QDir(dir).relativeFilePath(path), f.readAll());
    }
    return out;
}

QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

} // namespace

class TestPrefetch final : public QObject
{
    Q_OBJECT
private:
    TestHub m_hub;
    QMap<QString, QByteArray> m_bigFiles;
    QByteArray m_bigArchive;

    PrefetchOptions options(const QString &root) const
    {
        PrefetchOptions o;
        o.cacheRoot = root;
        o.lockPollMs = 100;
        o.graceSecs = 1;
        o.noProgressSecs = 2;
        o.stallSecs = 1;
        o.retries = 3;
        o.backoffMs = 50;
        return o;
    }

    QString handle(const QString &path) const { return m_hub.url(path).toString(); }

    PrefetchResult run(const QString &root, const QString &h, PrefetchOptions o = {})
    {
        if (o.cacheRoot.isEmpty())
            o = options(root);
        DownloadQueue queue(o);
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        const Result<int> id = queue.enqueue(h);
        if (!id)
            return PrefetchResult { PrefetchPhase::Failed, id.error(), {}, false, {}, {} };
        if (!done.wait(60000))
            return PrefetchResult { PrefetchPhase::Failed, QStringLiteral("test: no result in time"), {},
                false, {}, {} };
        return done.first().at(1).value<PrefetchResult>();
    }

    // Nothing of ours may remain after a failure: no folder, no tmp folder, no lock, no descriptor.
    static void expectNothingPublished(const QString &root)
    {
        QVERIFY2(namesIn(root).isEmpty(), qPrintable(namesIn(root).join(QLatin1Char(' '))));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_hub.start());
        // A SavedModel-shaped archive big enough to be cut mid-way: incompressible weights.
        m_bigFiles.insert(QStringLiteral("saved_model.pb"), randomBytes(20000, 1));
        m_bigFiles.insert(QStringLiteral("variables/variables.index"), QByteArray(300, 'i'));
        m_bigFiles.insert(QStringLiteral("variables/variables.data-00000-of-00002"), randomBytes(400000, 2));
        m_bigFiles.insert(QStringLiteral("variables/variables.data-00001-of-00002"), randomBytes(300000, 3));
        m_bigFiles.insert(QStringLiteral("assets/vocab with space é.txt"), "one\ntwo\n");
        m_bigArchive = makeTarGz(m_bigFiles);
        QVERIFY(m_bigArchive.size() > 700000);
        m_hub.addArchive(QStringLiteral("/google/big/1"), m_bigArchive);
    }

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

    void faultsRecovered_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("truncate") << 0;
        QTest::newRow("reset") << 1;
        QTest::newRow("stall") << 2;
        QTest::newRow("503-then-ok") << 3;
        QTest::newRow("429-then-ok") << 4;
        QTest::newRow("range-ignored") << 5;
    }
    void faultsRecovered()
    {
        // Each fault once; the download resumes or restarts and the result is byte-identical.
        QFETCH(int, kind);
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/fault/%1").arg(kind);
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault f;
        switch (kind) {
        case 0:
            f.truncateAt = 300000;
            f.failFirst = 0;
            break;
        case 1:
            f.resetAt = 250000;
            break;
        case 2:
            f.stallAt = 200000;
            f.stallMs = 5000;
            break;
        case 3:
            f.failFirst = 2;
            f.failStatus = 503;
            break;
        case 4:
            f.failFirst = 1;
            f.failStatus = 429;
            f.retryAfter = 1;
            break;
        case 5:
            f.truncateAt = 300000;
            f.ignoreRange = true;
            break;
        }
        m_hub.setFault(path, f);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        PrefetchOptions o = options(root);
        o.retries = 6; // a persistent fault cuts every response: resuming still gets there
        DownloadQueue queue(o);
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(path)).ok());
        if (kind == 5) {
            // A server that ignores Range can only recover once the fault is gone.
            QTRY_VERIFY_WITH_TIMEOUT(m_hub.requestCount(path) >= 2, 20000);
            m_hub.clearFaults();
        }
        QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), 60000);
        const PrefetchResult r = done.first().at(1).value<PrefetchResult>();
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QCOMPARE(treeOf(r.path), m_bigFiles);
        const QList<TestHub::Request> reqs = m_hub.requests();
        QVERIFY(reqs.size() >= 2);
        if (kind == 0 || kind == 1 || kind == 2) {
            // Resumed from where the stream stopped, guarded by the validator. (Qt itself may
            // resend a request whose connection closed before any byte arrived: look for ranges.)
            int resumed = 0;
            for (const TestHub::Request &q : reqs) {
                if (q.header("Range").isEmpty())
                    continue;
                ++resumed;
                QVERIFY2(q.header("Range").startsWith("bytes=") && q.header("Range") != "bytes=0-",
                    q.header("Range").constData());
                QCOMPARE(q.header("If-Range"), m_hub.etag(path));
            }
            QVERIFY(resumed >= 1);
        }
        const Result<Manifest> m = Manifest::load(r.path + QStringLiteral(".manifest.json"));
        QVERIFY(m);
        QCOMPARE(m->archiveSha256, Sha256::hashHex(m_bigArchive));
    }

    void failures_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("messagePart");
        QTest::addColumn<int>("expectedRequests");
        QTest::newRow("403") << "/f/403" << 403 << "HTTP 403" << 1;
        QTest::newRow("404") << "/f/404" << 404 << "HTTP 404" << 1;
        QTest::newRow("500-always") << "/f/500" << 500 << "after 4 attempts" << 4;
        QTest::newRow("503-always") << "/f/503" << 503 << "HTTP 503" << 4;
    }
    void failures()
    {
        QFETCH(QString, path);
        QFETCH(int, status);
        QFETCH(QString, messagePart);
        QFETCH(int, expectedRequests);
        QTemporaryDir tmp;
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault f;
        f.status = status;
        m_hub.setFault(path, f);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, handle(path));
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(messagePart), qPrintable(r.message));
        QCOMPARE(m_hub.requestCount(path), expectedRequests);
        expectNothingPublished(root);
    }

    void corruptStreams_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("html-page") << 0 << "does not appear to be a valid module";
        QTest::newRow("content-length-too-big") << 1 << "announced";
        QTest::newRow("content-length-too-small") << 2 << "";
        QTest::newRow("truncated-always") << 3 << "after 4 attempts";
    }
    void corruptStreams()
    {
        QFETCH(int, kind);
        QFETCH(QString, messagePart);
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/corrupt/%1").arg(kind);
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault f;
        if (kind == 0)
            f.body = QByteArray("<html><body>Not a model</body></html>");
        else if (kind == 1)
            f.announcedLength = m_bigArchive.size() + 1000;
        else if (kind == 2)
            f.announcedLength = m_bigArchive.size() - 1000;
        else
            f.truncateAt = 100000;
        f.ignoreRange = kind == 3;
        m_hub.setFault(path, f);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, handle(path));
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(messagePart), qPrintable(r.message));
        expectNothingPublished(root);
    }

    void redirects()
    {
        QTemporaryDir tmp;
        m_hub.addArchive(QStringLiteral("/storage/m.tar.gz"), m_bigArchive);
        m_hub.addRedirect(QStringLiteral("/r/1"), QStringLiteral("/r/2"), 301);
        m_hub.addRedirect(QStringLiteral("/r/2"), QStringLiteral("/storage/m.tar.gz"), 302);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, handle(QStringLiteral("/r/1")));
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        const Result<Manifest> m = Manifest::load(r.path + QStringLiteral(".manifest.json"));
        QVERIFY(m);
        QVERIFY2(
            m->url.startsWith(m_hub.url(QStringLiteral("/storage/m.tar.gz")).toString()), qPrintable(m->url));

        m_hub.addRedirect(QStringLiteral("/loop/a"), QStringLiteral("/loop/b"), 302);
        m_hub.addRedirect(QStringLiteral("/loop/b"), QStringLiteral("/loop/a"), 307);
        const QString root2 = tmp.filePath(QStringLiteral("cache2"));
        const PrefetchResult loop = run(root2, handle(QStringLiteral("/loop/a")));
        QCOMPARE(loop.phase, PrefetchPhase::Failed);
        QVERIFY2(loop.message.contains(QStringLiteral("Too many redirects")), qPrintable(loop.message));
        QCOMPARE(
            m_hub.requestCount(QStringLiteral("/loop/a")) + m_hub.requestCount(QStringLiteral("/loop/b")),
            11);
        expectNothingPublished(root2);
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

    void malformedHandleIsRejected()
    {
        DownloadQueue queue(options(QStringLiteral("/nonexistent")));
        const Result<int> id = queue.enqueue(QStringLiteral("ftp://x/y"));
        QVERIFY(!id);
        QVERIFY(id.error().contains(QStringLiteral("ftp")));
        QVERIFY(queue.ids().isEmpty());
    }

    void unreachableServer()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        PrefetchOptions o = options(root);
        o.retries = 1;
        // A port nothing listens on: bind one, note it, close it.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        const PrefetchResult r = run(root, QStringLiteral("http://127.0.0.1:%1/m/1").arg(port), o);
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("refused")), qPrintable(r.message));
        expectNothingPublished(root);
    }

    void diskFullPublishesNothing()
    {
        // A 256 KiB tmpfs in a private mount namespace; the CLI runs there. Refusal fails the test.
        QTemporaryDir tmp;
        const QString mnt = tmp.filePath(QStringLiteral("small"));
        QVERIFY(QDir().mkpath(mnt));
        const QString script = QStringLiteral(
            "mount -t tmpfs -o size=256k tfhub-test \"$1\" || { echo 'mount refused' >&2; exit 99; }; "
            "\"$2\" --cache-dir \"$1/cache\" prefetch \"$3\"; rc=$?; "
            "echo \"LEFT:$(ls -A \"$1/cache\" 2>/dev/null | tr '\\n' ' ')\"; exit $rc");
        TFHUB_REQUIRE_PRIVATE_MOUNT();
        const QStringList ns = test::privateMountPrefix();
        QProcess p;
        p.start(ns.first(),
            ns.mid(1)
                + QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh"), mnt,
                    qEnvironmentVariable("TFHUB_CLI"), handle(QStringLiteral("/google/big/1")) });
        QVERIFY(p.waitForFinished(60000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(p.exitCode() != 99, qPrintable(err));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(
            err.contains(QStringLiteral("No space left on device"), Qt::CaseInsensitive), qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("free")), qPrintable(err)); // the early warning
        QVERIFY2(out.trimmed().endsWith(QStringLiteral("LEFT:")), qPrintable(out));
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

    void cliInterruptCancelsCleanly()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString path = QStringLiteral("/slow/cli");
        m_hub.addArchive(path, m_bigArchive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 50 * 1024;
        m_hub.setFault(path, slow);
        QProcess p;
        p.start(qEnvironmentVariable("TFHUB_CLI"),
            { QStringLiteral("--cache-dir"), root, QStringLiteral("prefetch"), handle(path) });
        QVERIFY(p.waitForStarted());
        // Once its download runs (a tmp folder exists), interrupt it as Ctrl-C would.
        QTRY_VERIFY_WITH_TIMEOUT(namesIn(root).size() >= 2, 20000);
        QVERIFY(::kill(static_cast<pid_t>(p.processId()), SIGINT) == 0);
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
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

    void expiredRedirectTargetRestartsFromHandle()
    {
        // The handle redirects to a signed URL; the download is cut, and by the time it resumes
        // the signed URL has expired (403): the job goes back to the handle for a fresh target.
        QTemporaryDir tmp;
        m_hub.addArchive(QStringLiteral("/signed/a"), m_bigArchive);
        m_hub.addRedirect(QStringLiteral("/expiring/1"), QStringLiteral("/signed/a"), 302);
        TestHub::Fault cut;
        cut.truncateAt = 300000;
        m_hub.setFault(QStringLiteral("/signed/a"), cut);
        PrefetchOptions o = options(tmp.filePath(QStringLiteral("cache")));
        o.backoffMs = 1500; // time for the test to expire the URL before the retry
        DownloadQueue queue(o);
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(QStringLiteral("/expiring/1"))).ok());
        QTRY_VERIFY_WITH_TIMEOUT(queue.progressOf(1).attempt == 2, 20000);
        TestHub::Fault expired;
        expired.status = 403;
        m_hub.setFault(QStringLiteral("/signed/a"), expired);
        m_hub.addArchive(QStringLiteral("/signed/b"), m_bigArchive);
        m_hub.addRedirect(QStringLiteral("/expiring/1"), QStringLiteral("/signed/b"), 302);
        QVERIFY(done.wait(30000));
        const PrefetchResult r = done.first().at(1).value<PrefetchResult>();
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QCOMPARE(treeOf(r.path), m_bigFiles);
        QVERIFY(m_hub.requestCount(QStringLiteral("/signed/b")) >= 1);
        bool resumedAtA = false;
        for (const TestHub::Request &q : m_hub.requests())
            resumedAtA = resumedAtA || (q.path == "/signed/a" && !q.header("Range").isEmpty());
        QVERIFY(resumedAtA);
        const Result<Manifest> m = Manifest::load(r.path + QStringLiteral(".manifest.json"));
        QVERIFY(m && m->url.contains(QStringLiteral("/signed/b")));
    }

    void hostileArchivesPublishNothing_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("traversal") << "traversal"
                                   << "Relative path '../evil.txt' is invalid.";
        QTest::newRow("symlink") << "symlink"
                                 << "Unexpected object type in tar archive";
        QTest::newRow("fifo") << "fifo"
                              << "Unexpected object type in tar archive";
        QTest::newRow("truncated-gzip") << "truncated"
                                        << "";
        QTest::newRow("no-tar-end") << "noend"
                                    << "end-of-archive";
    }
    void hostileArchivesPublishNothing()
    {
        QFETCH(QString, kind);
        QFETCH(QString, messagePart);
        QTemporaryDir tmp;
        const QString src = tmp.filePath(QStringLiteral("src"));
        QVERIFY(test::writeFile(src + QStringLiteral("/saved_model.pb"), randomBytes(50000, 7)));
        QStringList args { QStringLiteral("-czf"), tmp.filePath(QStringLiteral("a.tgz")),
            QStringLiteral("-C"), src };
        if (kind == QLatin1String("traversal")) {
            QVERIFY(test::writeFile(src + QStringLiteral("/evil.txt"), "x"));
            args = { QStringLiteral("-czPf"), tmp.filePath(QStringLiteral("a.tgz")), QStringLiteral("-C"),
                src, QStringLiteral("--transform"), QStringLiteral("s,^evil,../evil,"),
                QStringLiteral("saved_model.pb"), QStringLiteral("evil.txt") };
        } else if (kind == QLatin1String("symlink")) {
            QVERIFY(QFile::link(QStringLiteral("/etc/passwd"), src + QStringLiteral("/link")));
            args << QStringLiteral(".");
        } else if (kind == QLatin1String("fifo")) {
            QProcess mkfifo;
            mkfifo.start(QStringLiteral("mkfifo"), { src + QStringLiteral("/pipe") });
            QVERIFY(mkfifo.waitForFinished() && mkfifo.exitCode() == 0);
            args << QStringLiteral(".");
        } else {
            args << QStringLiteral(".");
        }
        QProcess tar;
        tar.start(QStringLiteral("tar"), args);
        QVERIFY(tar.waitForFinished() && tar.exitCode() == 0);
        QFile f(tmp.filePath(QStringLiteral("a.tgz")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray bytes = f.readAll();
        if (kind == QLatin1String("truncated"))
            bytes.chop(bytes.size() / 3);
        if (kind == QLatin1String("noend")) {
            // Re-compress the plain tar without its two zero end blocks (and the record padding).
            QProcess gz;
            gz.start(QStringLiteral("sh"),
                { QStringLiteral("-c"),
                    QStringLiteral(
                        "gzip -dc \"$1\" | head -c $((512 + (50000 + 511) / 512 * 512 + 512)) | gzip -c"),
                    QStringLiteral("sh"), f.fileName() });
            QVERIFY(gz.waitForFinished());
            bytes = gz.readAllStandardOutput();
        }
        const QString path = QStringLiteral("/hostile/") + kind;
        m_hub.addArchive(path, bytes);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const PrefetchResult r = run(root, handle(path));
        QCOMPARE(r.phase, PrefetchPhase::Failed);
        QVERIFY2(r.message.contains(messagePart), qPrintable(r.message));
        expectNothingPublished(root);
        QVERIFY(!QFileInfo::exists(tmp.filePath(QStringLiteral("evil.txt"))));
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
