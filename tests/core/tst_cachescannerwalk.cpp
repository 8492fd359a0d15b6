#include "core/cache/cachescanner.h"
#include "core/util/fsutil.h"
#include "tests/core/scannerfixtures.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>

using namespace tfhub;
using namespace tfhub::test::scanner;

namespace {

// The stat calls (stat, lstat, fstat, newfstatat, statx) of one CLI run under strace; -1 when
// strace is missing or may not trace here.
qint64 statCalls(const QString &home, const QStringList &args)
{
    QTemporaryDir out;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/.cache"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    env.remove(QStringLiteral("TFHUB_CACHE_DIR"));
    // LeakSanitizer stops under ptrace (the sanitizer build): leaks are checked by every other run.
    env.insert(QStringLiteral("ASAN_OPTIONS"),
        env.value(QStringLiteral("ASAN_OPTIONS")) + QStringLiteral(":detect_leaks=0"));
    p.setProcessEnvironment(env);
    const QString log = out.filePath(QStringLiteral("strace.txt"));
    p.start(QStringLiteral("strace"),
        QStringList { QStringLiteral("-f"), QStringLiteral("-c"), QStringLiteral("-e"),
            QStringLiteral("trace=%stat,%lstat,%fstat"), QStringLiteral("-o"), log,
            qEnvironmentVariable("TFHUB_CLI") }
            + args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return -1;
    QFile f(log);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    qint64 calls = 0;
    // "% time seconds usecs/call calls [errors] syscall"
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() >= 5 && fields.constLast().contains("stat"))
            calls += fields.at(3).toLongLong();
    }
    return calls;
}

QString describe(const CacheEntry &e)
{
    QStringList artifacts;
    for (const Artifact &a : e.artifacts)
        artifacts << QStringLiteral("%1:%2:%3:%4").arg(a.name).arg(a.bytes).arg(a.diskBytes).arg(a.files);
    return QStringList { e.key, stateName(e.state), formatName(e.format), e.handle, QString::number(e.bytes),
        QString::number(e.files), e.lastAccessed.toString(Qt::ISODateWithMs), artifacts.join(u',') }
        .join(u'|');
}

QStringList scanned(const QString &root, ScanOptions options, int threads)
{
    options.threads = threads;
    QStringList out;
    QString error;
    for (const CacheEntry &e : cache::scanAll(root, options, &error))
        out << describe(e);
    out << error;
    return out;
}

} // namespace

/// The scanner's tree walk (one stat per name, folder stamps) and its threaded use of the scan index.
class TestCacheScannerWalk final : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_tmp;
    ScanOptions m_options;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        test::isolateHome(m_tmp.filePath(QStringLiteral("home"))); // where scan indexes go
        m_options.localHost = util::hostName();
    }

    void measureStampsEveryFolder()
    {
        QTemporaryDir tmp;
        const QString model = tmp.filePath(QStringLiteral("m"));
        QVERIFY(test::copyTree(test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"), model));
        QVERIFY(test::writeFile(model + QStringLiteral("/assets/deep/x.txt"), "x"));
        QVERIFY(util::measure(model).folders.isEmpty()); // only when asked
        const util::TreeStats s
            = util::measureAt(AT_FDCWD, model, model, util::MeasureOptions { 1, {}, true });
        QStringList paths;
        for (const util::Stamp &f : s.folders) {
            paths << f.path;
            struct stat st
            {
            };
            const QString path = f.path.isEmpty() ? model : model + QLatin1Char('/') + f.path;
            QVERIFY(::lstat(QFile::encodeName(path).constData(), &st) == 0);
            QCOMPARE(f.inode, quint64(st.st_ino));
            QCOMPARE(f.mtimeNs, util::toNs(st.st_mtim));
            QCOMPARE(f.ctimeNs, util::toNs(st.st_ctim));
        }
        QCOMPARE(paths.value(0), QString()); // the folder itself first
        paths.sort();
        QCOMPARE(paths,
            QStringList({ QString(), QStringLiteral("assets"), QStringLiteral("assets/deep"),
                QStringLiteral("variables") }));
        QCOMPARE(s.dirs, 3);
    }

    // The index path reads no file: what it reports as last used stays what hub.load() left.
    void lastUsedIsNotMovedByIndexedScans()
    {
        QTemporaryDir tmp;
        const QString key = test::makeEntry(tmp.path(), QStringLiteral("https://tfhub.dev/a/indexed/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        const QString folder = tmp.filePath(key);
        QVERIFY(setTreeATime(folder, k2020));
        if (!util::recordsAccessTimes(tmp.path()))
            QSKIP("The test folder's mount records no access times (noatime).");
        ScanOptions options = m_options;
        options.index = ScanIndexUse::Use;
        options.indexSettleMs = 0;
        settle();
        for (int scan = 0; scan < 3; ++scan)
            QCOMPARE(cache::scanKey(tmp.path(), key, options).lastAccessed.toSecsSinceEpoch(), k2020);
        QVERIFY(setATime(folder + QStringLiteral("/variables/variables.index"), k2020 + 86400));
        QCOMPARE(cache::scanKey(tmp.path(), key, options).lastAccessed.toSecsSinceEpoch(), k2020 + 86400);
        QCOMPARE(aTimeOf(folder + QStringLiteral("/saved_model.pb")), k2020);
    }

    void scannerShowsIndexViewFirst()
    {
        QTemporaryDir tmp;
        for (const char *handle : { "https://tfhub.dev/a/one/1", "https://tfhub.dev/a/two/1" })
            QVERIFY(!test::makeEntry(tmp.path(), QString::fromLatin1(handle),
                test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"))
                         .isEmpty());
        ScanOptions options = m_options;
        options.index = ScanIndexUse::Use;
        options.indexSettleMs = 0;
        settle();
        CacheScanner scanner;
        scanner.setOptions(options);
        QStringList events;
        connect(&scanner, &CacheScanner::indexViewFound, this, [&events](const QList<CacheEntry> &entries) {
            events << QStringLiteral("view %1").arg(entries.size());
        });
        connect(&scanner, &CacheScanner::entriesFound, this, [&events](const QList<CacheEntry> &entries) {
            events << QStringLiteral("found %1").arg(entries.size());
        });
        QSignalSpy done(&scanner, &CacheScanner::finished);
        scanner.start(tmp.path());
        QVERIFY(done.wait(10000));
        QCOMPARE(events, QStringList { QStringLiteral("found 2") }); // no index yet
        events.clear();
        scanner.start(tmp.path());
        QVERIFY(done.wait(10000));
        QCOMPARE(events, QStringList({ QStringLiteral("view 2"), QStringLiteral("found 2") }));
        // A full walk shows no index view.
        events.clear();
        options.index = ScanIndexUse::Rebuild;
        scanner.setOptions(options);
        scanner.start(tmp.path());
        QVERIFY(done.wait(10000));
        QCOMPARE(events, QStringList { QStringLiteral("found 2") });
    }

    // Several threads give the same entries, in the same order, as one: walked, indexed anew,
    // and from the index they wrote.
    void threadsGiveTheSameEntries()
    {
        QTemporaryDir tmp;
        const QString root = tmp.filePath(QStringLiteral("cache"));
        QStringList keys;
        for (int i = 0; i < 48; ++i)
            keys << test::makeEntry(root, QStringLiteral("https://tfhub.dev/t/m/%1").arg(i),
                test::savedModelsDir() + QStringLiteral("/half_plus_two_tflite"));
        QVERIFY(!keys.contains(QString()));
        // Leftovers walked fresh every time: a lock with no folder, a half-written tmp folder.
        QVERIFY(QDir(root + QLatin1Char('/') + keys.at(3)).removeRecursively());
        QVERIFY(test::writeFile(root + QLatin1Char('/') + keys.at(3) + QStringLiteral(".lock"), "h 1 x"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + keys.at(7)
                + QStringLiteral(".0123456789abcdef0123456789abcdef.tmp/part"),
            QByteArray(3000, 'p')));
        QVERIFY(test::writeFile(root + QStringLiteral("/notes.txt"), "foreign"));
        settle();
        ScanOptions o = m_options;
        const QStringList one = scanned(root, o, 1);
        QCOMPARE(one.size(), 48 + 2); // the entries, the foreign file, no error
        QCOMPARE(scanned(root, o, 4), one);
        o.index = ScanIndexUse::Rebuild;
        QCOMPARE(scanned(root, o, 3), one);
        o.index = ScanIndexUse::Use;
        QCOMPARE(scanned(root, o, 3), one);
        QCOMPARE(scanned(root, o, 1), one);
    }

    // One stat per name at most: a cache with 1,000 more files and 20 more folders costs a full
    // walk no more than that many more stat calls (and a handful for the entry itself).
    void fullWalkStatsEachNameOnce()
    {
        if (qEnvironmentVariable("TFHUB_CLI").isEmpty())
            QSKIP("TFHUB_CLI is not set (run through ctest)");
        QTemporaryDir tmp;
        const QString small = tmp.filePath(QStringLiteral("small"));
        const QString big = tmp.filePath(QStringLiteral("big"));
        for (const QString &root : { small, big })
            QVERIFY(!test::makeEntry(root, QStringLiteral("https://tfhub.dev/a/base/1"),
                test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"))
                         .isEmpty());
        const QString key = test::makeEntry(big, QStringLiteral("https://tfhub.dev/a/big/1"),
            test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
        for (int d = 0; d < 20; ++d) {
            for (int f = 0; f < 50; ++f)
                QVERIFY(test::writeFile(big + QStringLiteral("/%1/assets/d%2/f%3.txt").arg(key).arg(d).arg(f),
                    QByteArray::number(f)));
        }
        // The files and folders above, K/ and its descriptor, the model's own 7 names.
        const qint64 names = 1000 + 20 + 2 + 7;
        const QString home = tmp.filePath(QStringLiteral("home"));
        const QStringList list { QStringLiteral("list"), QStringLiteral("--json"),
            QStringLiteral("--rescan") };
        const qint64 smallCalls
            = statCalls(home, QStringList { QStringLiteral("--cache-dir"), small } + list);
        if (smallCalls < 0)
            QSKIP("strace is not installed or may not trace here");
        const qint64 bigCalls = statCalls(home, QStringList { QStringLiteral("--cache-dir"), big } + list);
        QVERIFY(bigCalls > smallCalls);
        QVERIFY2(bigCalls - smallCalls <= names + 8,
            qPrintable(QStringLiteral("%1 more stat calls for %2 more names")
                           .arg(bigCalls - smallCalls)
                           .arg(names)));
    }
};

QTEST_GUILESS_MAIN(TestCacheScannerWalk)
#include "tst_cachescannerwalk.moc"
