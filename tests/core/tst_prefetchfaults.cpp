// Prefetching when things go wrong: server faults and redirects, corrupt or hostile archives,
// bad handles, unreachable servers and a full disk. Either a faithful copy or nothing is published.
#include "core/cache/manifest.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/sha256.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::test::prefetchfixtures;
using test::TestHub;

class TestPrefetchFaults final : public QObject, private PrefetchFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(startHub()); }

    void init()
    {
        m_hub.clearFaults();
        m_hub.clearRequests();
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
        QVERIFY2(p.exitCode() == 1, qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(err)));
        QVERIFY2(
            err.contains(QStringLiteral("No space left on device"), Qt::CaseInsensitive), qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("free")), qPrintable(err)); // the early warning
        QVERIFY2(out.trimmed().endsWith(QStringLiteral("LEFT:")), qPrintable(out));
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
};

QTEST_GUILESS_MAIN(TestPrefetchFaults)
#include "tst_prefetchfaults.moc"
