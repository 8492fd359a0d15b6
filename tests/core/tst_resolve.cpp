#include "core/cache/lock.h"
#include "core/cache/resolve.h"
#include "core/hub/handle.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"

#include <QCoreApplication>
#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

Q_DECLARE_METATYPE(tfhub::Resolution::Kind)

namespace {

const QString kHandle = QStringLiteral("https://tfhub.dev/google/resolve/1");
const QString kUid = QStringLiteral("0123456789abcdef0123456789abcdef");

// What lies in the cache for the key, built by one row.
enum Part {
    CompleteFolder = 1,
    UnloadableFolder = 2,
    EmptyFolder = 4,
    FileNotFolder = 8,
    LiveLock = 16, ///< held by this test process, written now
    StaleLock = 32, ///< held by a dead local PID, an hour without progress
    TmpFolder = 64,
};

bool build(const QString &root, const QString &key, int parts)
{
    const QString folder = root + QLatin1Char('/') + key;
    const QString lock = folder + QStringLiteral(".lock");
    const QString tmp = folder + QLatin1Char('.') + kUid + QStringLiteral(".tmp");
    bool ok = true;
    if (parts & CompleteFolder)
        ok = ok
            && test::makeEntry(root, kHandle, test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"))
                == key;
    if (parts & UnloadableFolder)
        ok = ok && test::writeFile(folder + QStringLiteral("/notes.txt"), "not a model");
    if (parts & EmptyFolder)
        ok = ok && QDir().mkpath(folder);
    if (parts & FileNotFolder)
        ok = ok && test::writeFile(folder, "a file");
    if (parts & TmpFolder)
        ok = ok && test::writeFile(tmp + QStringLiteral("/saved_model.pb"), "partial");
    if (parts & LiveLock)
        ok = ok
            && test::writeFile(
                lock, cache::lockContent(util::hostName(), QCoreApplication::applicationPid(), kUid));
    if (parts & StaleLock) {
        const qint64 hourAgo = QDateTime::currentSecsSinceEpoch() - 3600;
        ok = ok && test::writeFile(lock, cache::lockContent(util::hostName(), test::deadPid(), kUid))
            && test::setMTime(lock, hourAgo);
        if (parts & TmpFolder)
            ok = ok && test::setMTime(tmp + QStringLiteral("/saved_model.pb"), hourAgo)
                && test::setMTime(tmp, hourAgo);
    }
    return ok;
}

} // namespace

class TestResolve final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // resolve answers what hub.resolve() does: a non-empty K/ is returned before any lock is
    // looked at; the rest is said in the message.
    void cacheEntry_data()
    {
        QTest::addColumn<int>("parts");
        QTest::addColumn<Resolution::Kind>("kind");
        QTest::addColumn<QStringList>("message"); // parts of the message

        using K = Resolution::Kind;
        QTest::newRow("nothing") << 0 << K::NotCached << QStringList { QStringLiteral("Not cached") };
        QTest::newRow("complete") << int(CompleteFolder) << K::Cached
                                  << QStringList { QStringLiteral("Cached.") };
        QTest::newRow("complete beside live lock")
            << (CompleteFolder | LiveLock) << K::Cached
            << QStringList { QStringLiteral("Cached; another process holds a lock"),
                   QString::number(QCoreApplication::applicationPid()) };
        QTest::newRow("complete beside stale lock")
            << (CompleteFolder | StaleLock | TmpFolder) << K::Cached
            << QStringList { QStringLiteral("Cached; a stale lock is left over") };
        QTest::newRow("unloadable") << int(UnloadableFolder) << K::Cached
                                    << QStringList { QStringLiteral("no loadable model") };
        QTest::newRow("unloadable beside stale lock")
            << (UnloadableFolder | StaleLock) << K::Cached
            << QStringList { QStringLiteral("no loadable model"), QStringLiteral("stale lock") };
        QTest::newRow("unloadable beside live lock") << (UnloadableFolder | LiveLock) << K::Cached
                                                     << QStringList { QStringLiteral("no loadable model"),
                                                            QStringLiteral("another process holds a lock") };
        QTest::newRow("empty folder")
            << int(EmptyFolder) << K::NotCached << QStringList { QStringLiteral("Not cached") };
        QTest::newRow("empty folder beside live lock")
            << (EmptyFolder | LiveLock | TmpFolder) << K::NotCached
            << QStringList { QStringLiteral("Not cached"), QStringLiteral("wait") };
        QTest::newRow("live lock") << (LiveLock | TmpFolder) << K::NotCached
                                   << QStringList { QStringLiteral("Not cached"), QStringLiteral("wait") };
        QTest::newRow("stale lock") << (StaleLock | TmpFolder) << K::NotCached
                                    << QStringList { QStringLiteral("Not cached"),
                                           QStringLiteral("stale lock") };
        QTest::newRow("file, not folder")
            << int(FileNotFolder) << K::Failure << QStringList { QStringLiteral("not a folder") };
    }

    void cacheEntry()
    {
        QFETCH(int, parts);
        QFETCH(Resolution::Kind, kind);
        QFETCH(QStringList, message);
        QTemporaryDir tmp;
        const Result<Handle> handle = Handle::parse(kHandle);
        QVERIFY(handle);
        QVERIFY(build(tmp.path(), handle->cacheKey(), parts));
        HubSettings settings;
        settings.cacheDir = tmp.path();
        const Resolution r = resolveHandle(*handle, settings);
        QCOMPARE(r.kind, kind);
        if (kind != Resolution::Kind::Failure)
            QCOMPARE(r.path, tmp.filePath(handle->cacheKey()));
        for (const QString &m : message)
            QVERIFY2(r.message.contains(m), qPrintable(r.message));
    }
};

QTEST_GUILESS_MAIN(TestResolve)
#include "tst_resolve.moc"
