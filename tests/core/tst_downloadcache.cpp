// The cache side of a download: taking a lock over, publishing the entry, and what the real CLI
// does on disk and on the network (durability, proxies, TLS).
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/prefetch/downloadqueue.h"
#include "core/util/fsutil.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/testdata.h"
#include "tests/support/testhub.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <functional>
#include <sys/stat.h>

using namespace tfhub;
using test::TestHub;

namespace {

using test::prefetchfixtures::makeTarGz;
using test::prefetchfixtures::randomBytes;
using test::prefetchfixtures::treeOf;

qulonglong inodeOf(const QString &path)
{
    struct stat st
    {
    };
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_ino : 0;
}

// The CLI's prefetch under strace: the syscalls that make the publish durable, in order.
QStringList tracedPrefetch(const QString &root, const QString &h)
{
    if (!QFileInfo::exists(QStringLiteral("/usr/bin/strace")))
        return {};
    QTemporaryDir out;
    QProcess p;
    p.start(QStringLiteral("/usr/bin/strace"),
        { QStringLiteral("-f"), QStringLiteral("-y"), QStringLiteral("-o"),
            out.filePath(QStringLiteral("trace")), QStringLiteral("-e"),
            QStringLiteral("trace=fsync,fdatasync,syncfs,rename,renameat,renameat2"),
            qEnvironmentVariable("TFHUB_CLI"), QStringLiteral("--cache-dir"), root,
            QStringLiteral("prefetch"), h });
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning() << p.readAllStandardError();
        return {};
    }
    QFile f(out.filePath(QStringLiteral("trace")));
    f.open(QIODevice::ReadOnly);
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
}

qsizetype indexOf(
    const QStringList &lines, const std::function<bool(const QString &)> &match, qsizetype from = 0)
{
    for (qsizetype i = from; i < lines.size(); ++i) {
        if (match(lines[i]))
            return i;
    }
    return -1;
}

bool isSync(const QString &line)
{
    return line.contains(QLatin1String("fsync(")) || line.contains(QLatin1String("fdatasync("));
}

} // namespace

class TestDownloadCache final : public QObject
{
    Q_OBJECT
private:
    TestHub m_hub;
    QMap<QString, QByteArray> m_files;
    QByteArray m_archive;

    PrefetchOptions options(const QString &root) const
    {
        PrefetchOptions o;
        o.cacheRoot = root;
        o.lockPollMs = 100;
        o.graceSecs = 1;
        o.noProgressSecs = 2;
        o.stallSecs = 5;
        o.retries = 3;
        o.backoffMs = 50;
        return o;
    }

    QString handle(const QString &path) const { return m_hub.url(path).toString(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_hub.start());
        m_files.insert(QStringLiteral("saved_model.pb"), randomBytes(20000, 1));
        m_files.insert(QStringLiteral("variables/variables.index"), QByteArray(300, 'i'));
        m_files.insert(QStringLiteral("variables/variables.data-00000-of-00001"), randomBytes(600000, 2));
        m_archive = makeTarGz(m_files);
    }

    void init()
    {
        m_hub.clearFaults();
        m_hub.clearRequests();
    }

    void emptyFolderPublishedMeanwhileIsReplaced()
    {
        // An empty K/ is not a model: the library's rename replaces it, and so do we.
        QTemporaryDir tmp;
        const QString path = QStringLiteral("/empty-race/1");
        m_hub.addArchive(path, m_archive);
        TestHub::Fault slow;
        slow.bytesPerSecond = 512 * 1024;
        m_hub.setFault(path, slow);
        const QString root = tmp.filePath(QStringLiteral("cache"));
        DownloadQueue queue(options(root));
        QSignalSpy done(&queue, &DownloadQueue::jobFinished);
        QVERIFY(queue.enqueue(handle(path)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(queue.progressOf(1).received > 100000, 20000);
        const QString folder = root + QLatin1Char('/') + Handle::cacheKeyOf(handle(path));
        QVERIFY(QDir().mkdir(folder));
        QVERIFY(done.wait(30000));
        const PrefetchResult r = done.first().at(1).value<PrefetchResult>();
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        QVERIFY(!r.alreadyCached);
        QCOMPARE(treeOf(folder), m_files);
        QVERIFY(QFileInfo::exists(folder + QStringLiteral(".manifest.json")));
    }

    void takeOverRemovesOnlyTheLockItJudged()
    {
        QTemporaryDir tmp;
        const EntryPaths paths { tmp.path(), QStringLiteral("k") };
        const QByteArray dead = cache::lockContent(
            util::hostName(), test::deadPid(), QStringLiteral("0123456789abcdef0123456789abcdef"));
        QVERIFY(test::writeFile(paths.lock(), dead));
        LockWatcher watcher(paths, util::hostName(), 0, 600);
        QCOMPARE(watcher.check(), LockWatcher::Verdict::TakeOver);
        // Another waiter takes it over meanwhile and, by chance, writes the same content (a lock
        // is compared by content AND identity): ours must not delete theirs.
        const qulonglong judged = inodeOf(paths.lock());
        // (The new file is made while the old one exists, so that the two cannot share an inode.)
        QVERIFY(test::writeFile(paths.lock() + QStringLiteral(".other"), dead));
        QCOMPARE(::rename(QFile::encodeName(paths.lock() + QStringLiteral(".other")).constData(),
                     QFile::encodeName(paths.lock()).constData()),
            0);
        QVERIFY(inodeOf(paths.lock()) != judged);
        QVERIFY(!watcher.removeIfUnchanged());
        QCOMPARE(cache::readLock(paths), dead);
        // Another content: kept too.
        QVERIFY(QFile::remove(paths.lock()));
        QVERIFY(test::writeFile(paths.lock(), "someone.else.1.ffffffffffffffffffffffffffffffff"));
        QVERIFY(!watcher.removeIfUnchanged());
        QVERIFY(QFileInfo::exists(paths.lock()));
        // The very lock judged goes.
        LockWatcher again(paths, util::hostName(), 0, 600);
        QVERIFY(QFile::remove(paths.lock()));
        QVERIFY(test::writeFile(paths.lock(), dead));
        QCOMPARE(again.check(), LockWatcher::Verdict::TakeOver);
        QVERIFY(again.removeIfUnchanged());
        QVERIFY(!QFileInfo::exists(paths.lock()));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
            QStringList());
    }

    void manifestNamesOnlyFilesInsideTheFolder_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("plain") << QStringLiteral("variables/variables.index") << true;
        QTest::newRow("dotdot") << QStringLiteral("../../etc/shadow") << false;
        QTest::newRow("inner dotdot") << QStringLiteral("variables/../../x") << false;
        QTest::newRow("absolute") << QStringLiteral("/etc/shadow") << false;
        QTest::newRow("dot") << QStringLiteral("./saved_model.pb") << false;
        QTest::newRow("empty part") << QStringLiteral("variables//x") << false;
        QTest::newRow("empty") << QString() << false;
    }

    void manifestNamesOnlyFilesInsideTheFolder()
    {
        // Found by fuzz_manifest: verify hashed whatever path a manifest in a shared cache named.
        QFETCH(QString, path);
        QFETCH(bool, accepted);
        QJsonObject file { { QStringLiteral("path"), path }, { QStringLiteral("size"), 1 } };
        const QJsonObject o { { QStringLiteral("schema"), 1 },
            { QStringLiteral("files"), QJsonArray { file } } };
        const Result<Manifest> m
            = Manifest::fromJson(QJsonDocument(o).toJson(), QStringLiteral("K.manifest.json"));
        QCOMPARE(m.ok(), accepted);
        if (!accepted) {
            QVERIFY2(m.error().contains(QStringLiteral("K.manifest.json")), qPrintable(m.error()));
            QVERIFY2(m.error().contains(QStringLiteral("outside")), qPrintable(m.error()));
        }
    }

    void deadLocalHolderIdleOnDiskIsTakenOverAtOnce()
    {
        // The grace a dead holder gets counts from its leftovers' last change on disk, as the
        // scanner judges them: a prefetch after a crash need not watch old leftovers for the grace.
        QTemporaryDir tmp;
        const EntryPaths paths { tmp.path(), QStringLiteral("k") };
        const QString uid = QStringLiteral("0123456789abcdef0123456789abcdef");
        QVERIFY(test::writeFile(paths.lock(), cache::lockContent(util::hostName(), test::deadPid(), uid)));
        QVERIFY(test::writeFile(paths.tmpFolder(uid) + QStringLiteral("/saved_model.pb"), "part"));
        LockWatcher fresh(paths, util::hostName(), 30, 600);
        QCOMPARE(fresh.check(), LockWatcher::Verdict::Wait);
        const struct timespec old[2] = { { ::time(nullptr) - 120, 0 }, { ::time(nullptr) - 120, 0 } };
        for (const QString &path : { paths.lock(),
                 QString(paths.tmpFolder(uid) + QStringLiteral("/saved_model.pb")), paths.tmpFolder(uid) })
            QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), old, 0), 0);
        LockWatcher idle(paths, util::hostName(), 30, 600);
        QCOMPARE(idle.check(), LockWatcher::Verdict::TakeOver);
        QVERIFY2(idle.reason().contains(QStringLiteral("no longer running")), qPrintable(idle.reason()));
    }

    void liveLocalHolderWithoutProgressIsTakenOver()
    {
        // The library takes over any lock whose download made no progress for its whole window,
        // whoever holds it; a live holder here gets the same window, never a shorter one.
        QTemporaryDir tmp;
        const EntryPaths paths { tmp.path(), QStringLiteral("k") };
        const QString uid = QStringLiteral("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        QVERIFY(test::writeFile(
            paths.lock(), cache::lockContent(util::hostName(), QCoreApplication::applicationPid(), uid)));
        QVERIFY(test::writeFile(paths.tmpFolder(uid) + QStringLiteral("/a"), "1"));
        LockWatcher watcher(paths, util::hostName(), 1, 10);
        const QDateTime t0 = QDateTime::currentDateTime();
        QCOMPARE(watcher.check(t0), LockWatcher::Verdict::Wait);
        QCOMPARE(watcher.check(t0.addSecs(9)), LockWatcher::Verdict::Wait);
        // Progress (the tmp folder grew) restarts the window.
        QVERIFY(test::writeFile(paths.tmpFolder(uid) + QStringLiteral("/b"), "22"));
        QCOMPARE(watcher.check(t0.addSecs(9)), LockWatcher::Verdict::Wait);
        QCOMPARE(watcher.check(t0.addSecs(18)), LockWatcher::Verdict::Wait);
        QVERIFY(watcher.reason().contains(QStringLiteral("pid %1").arg(QCoreApplication::applicationPid())));
        QCOMPARE(watcher.check(t0.addSecs(19)), LockWatcher::Verdict::TakeOver);
        QVERIFY2(watcher.reason().contains(QStringLiteral("no progress")), qPrintable(watcher.reason()));
    }

    void publishIsDurable()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString path = QStringLiteral("/durable/1");
        m_hub.addArchive(path, m_archive);
        const QStringList trace = tracedPrefetch(root, handle(path));
        QVERIFY2(!trace.isEmpty(), "strace or the CLI failed");
        const QString folder = root + QLatin1Char('/') + Handle::cacheKeyOf(handle(path));
        // rename("…/K.<uid>.tmp", "…/K")
        const qsizetype published = indexOf(trace, [&](const QString &l) {
            return l.contains(QLatin1String("rename")) && l.contains(QLatin1String(".tmp\""))
                && l.contains(QStringLiteral(", \"") + folder + QStringLiteral("\")"));
        });
        QVERIFY2(published >= 0, qPrintable(trace.join(QLatin1Char('\n'))));
        // Then the cache folder itself is synced, so that the rename survives a crash.
        const QString rootFd = QLatin1Char('<') + root + QStringLiteral(">)");
        QVERIFY2(indexOf(
                     trace, [&](const QString &l) { return isSync(l) && l.contains(rootFd); }, published + 1)
                > 0,
            qPrintable(trace.join(QLatin1Char('\n'))));
        // The descriptor: its data synced before its rename, the folder after it.
        const QString descriptor = folder + QStringLiteral(".descriptor.txt");
        const qsizetype descRename = indexOf(trace, [&](const QString &l) {
            return l.contains(QLatin1String("rename"))
                && l.contains(QStringLiteral(", \"") + descriptor + QStringLiteral("\")"));
        });
        QVERIFY(descRename >= 0);
        const qsizetype descSync = indexOf(trace, [&](const QString &l) {
            return isSync(l) && l.contains(QLatin1Char('<') + descriptor + QStringLiteral(".tmp"));
        });
        QVERIFY(descSync >= 0 && descSync < descRename);
        QVERIFY(indexOf(
                    trace, [&](const QString &l) { return isSync(l) && l.contains(rootFd); }, descRename + 1)
            > 0);
    }

    void publishSyncsEveryFileBeforeTheRename()
    {
        // Every extracted file's data is on disk before the folder becomes K (the extractor's
        // writer threads sync each file as they close it).
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        const QString path = QStringLiteral("/durable/2");
        m_hub.addArchive(path, m_archive);
        const QStringList trace = tracedPrefetch(root, handle(path));
        QVERIFY2(!trace.isEmpty(), "strace or the CLI failed");
        const QString folder = root + QLatin1Char('/') + Handle::cacheKeyOf(handle(path));
        const qsizetype published = indexOf(trace, [&](const QString &l) {
            return l.contains(QLatin1String("rename")) && l.contains(QLatin1String(".tmp\""))
                && l.contains(QStringLiteral(", \"") + folder + QStringLiteral("\")"));
        });
        QVERIFY(published >= 0);
        for (const QString &file : m_files.keys()) {
            const qsizetype synced = indexOf(trace, [&](const QString &l) {
                return isSync(l) && l.contains(QStringLiteral(".tmp/") + file + QLatin1Char('>'));
            });
            QVERIFY2(synced >= 0 && synced < published, qPrintable(file));
        }
    }

    void proxiesFromTheEnvironment()
    {
        // As urllib: http_proxy carries the request (the proxy gets the absolute URL), and a host
        // in no_proxy is reached directly (here: it does not resolve, so the prefetch fails).
        TestHub proxy;
        QVERIFY(proxy.start());
        const QString h = QStringLiteral("http://models.example.invalid/m/1");
        proxy.addArchive(h, m_archive);
        QTemporaryDir tmp;
        const auto prefetch = [&](const QString &noProxy) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("http_proxy"), proxy.baseUrl().toString());
            env.insert(QStringLiteral("no_proxy"), noProxy);
            p.setProcessEnvironment(env);
            p.start(qEnvironmentVariable("TFHUB_CLI"),
                { QStringLiteral("--cache-dir"), tmp.filePath(QStringLiteral("cache")),
                    QStringLiteral("prefetch"), h });
            p.waitForFinished(60000);
            return p.exitCode();
        };
        QCOMPARE(prefetch(QStringLiteral("models.example.invalid")), 1);
        QCOMPARE(proxy.requestCount(h), 0);
        QCOMPARE(prefetch(QStringLiteral("localhost")), 0);
        QCOMPARE(proxy.requestCount(h), 1);
        QCOMPARE(proxy.requests().first().target,
            QByteArray("http://models.example.invalid/m/1?tf-hub-format=compressed"));
    }
};

QTEST_GUILESS_MAIN(TestDownloadCache)
#include "tst_downloadcache.moc"
