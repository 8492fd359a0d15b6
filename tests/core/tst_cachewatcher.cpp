#include "core/cache/cachescanner.h"
#include "core/cache/cachewatcher.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;

namespace {
const QString Handle = QStringLiteral("https://tfhub.dev/google/half_plus_two/1");
const QString OtherHandle = QStringLiteral("https://tfhub.dev/google/half_plus_two/2");
constexpr int WaitMs = 10000;
} // namespace

class TestCacheWatcher final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void itemKeyGroupsLikeTheScanner_data();
    void itemKeyGroupsLikeTheScanner();
    void signaturesFollowChanges();
    void reportsOnlyTheChangedKey();
    void reportsRemovalByAnotherProcess();
    void pollSeesChangesDeepInsideAFolder();
    void foreignItemReportedByName();
    void missingRootAppearsLater();

private:
    bool startAndWait(CacheWatcher &watcher);

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_root;
    QString m_key;
    QString m_other;
};

void TestCacheWatcher::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_root = m_tmp->path() + QStringLiteral("/cache");
    QVERIFY(QDir().mkpath(m_root));
    m_key
        = test::makeEntry(m_root, Handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    m_other
        = test::makeEntry(m_root, OtherHandle, test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QVERIFY(!m_key.isEmpty() && !m_other.isEmpty());
}

void TestCacheWatcher::cleanup()
{
    m_tmp.reset();
}

bool TestCacheWatcher::startAndWait(CacheWatcher &watcher)
{
    watcher.setDebounce(20);
    QSignalSpy ready(&watcher, &CacheWatcher::ready);
    watcher.start(m_root);
    return ready.wait(WaitMs);
}

void TestCacheWatcher::itemKeyGroupsLikeTheScanner_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("isKey");
    const QString k = QStringLiteral("29abffb443cb0a0ca9c72e8e3863b76d85028490");
    QTest::newRow("folder") << k << true;
    QTest::newRow("descriptor") << k + QStringLiteral(".descriptor.txt") << true;
    QTest::newRow("tmp") << k + QStringLiteral(".0123456789abcdef0123456789abcdef.tmp") << true;
    QTest::newRow("lock") << k + QStringLiteral(".lock") << true;
    QTest::newRow("look-alike") << k + QStringLiteral(".bak") << false;
    QTest::newRow("foreign") << QStringLiteral("notes.txt") << false;
}

void TestCacheWatcher::itemKeyGroupsLikeTheScanner()
{
    QFETCH(QString, name);
    QFETCH(bool, isKey);
    QCOMPARE(cache::itemKey(name), isKey ? name.left(40) : name);
}

void TestCacheWatcher::signaturesFollowChanges()
{
    const auto before = CacheWatcher::signatures(m_root);
    QCOMPARE(before.size(), 2);
    QCOMPARE(CacheWatcher::signatures(m_root), before);
    QVERIFY(QDir().mkpath(m_root + u'/' + m_key + QStringLiteral("/assets/new")));
    const auto after = CacheWatcher::signatures(m_root);
    QVERIFY(after.value(m_key) != before.value(m_key));
    QCOMPARE(after.value(m_other), before.value(m_other));
}

void TestCacheWatcher::reportsOnlyTheChangedKey()
{
    CacheWatcher watcher;
    QVERIFY(startAndWait(watcher));
    QSignalSpy changed(&watcher, &CacheWatcher::keysChanged);
    const QString added = test::makeEntry(m_root, QStringLiteral("https://tfhub.dev/google/new/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QVERIFY(changed.wait(WaitMs));
    QCOMPARE(changed.constFirst().constFirst().toStringList(), QStringList { added });
}

void TestCacheWatcher::reportsRemovalByAnotherProcess()
{
    CacheWatcher watcher;
    QVERIFY(startAndWait(watcher));
    QSignalSpy changed(&watcher, &CacheWatcher::keysChanged);
    QProcess rm;
    rm.setWorkingDirectory(m_root);
    rm.start(QStringLiteral("sh"),
        { QStringLiteral("-c"), QStringLiteral("rm -rf %1 %1.descriptor.txt").arg(m_key) });
    QVERIFY(rm.waitForFinished(WaitMs));
    QTRY_VERIFY_WITH_TIMEOUT(!changed.isEmpty(), WaitMs);
    QStringList keys;
    for (const auto &args : std::as_const(changed))
        keys += args.constFirst().toStringList();
    keys.removeDuplicates();
    QCOMPARE(keys, QStringList { m_key });
}

void TestCacheWatcher::pollSeesChangesDeepInsideAFolder()
{
    CacheWatcher watcher;
    // Only the poll can see this change: inotify watches the root, not the model folders.
    watcher.setPollInterval(100);
    QVERIFY(startAndWait(watcher));
    QSignalSpy changed(&watcher, &CacheWatcher::keysChanged);
    QVERIFY(QDir(m_root + u'/' + m_other + QStringLiteral("/variables")).removeRecursively());
    QVERIFY(changed.wait(WaitMs));
    QCOMPARE(changed.constFirst().constFirst().toStringList(), QStringList { m_other });
}

void TestCacheWatcher::foreignItemReportedByName()
{
    CacheWatcher watcher;
    QVERIFY(startAndWait(watcher));
    QSignalSpy changed(&watcher, &CacheWatcher::keysChanged);
    QVERIFY(test::writeFile(m_root + QStringLiteral("/notes.txt"), "mine"));
    QVERIFY(changed.wait(WaitMs));
    QCOMPARE(changed.constFirst().constFirst().toStringList(), QStringList { QStringLiteral("notes.txt") });
    const CacheEntry e = cache::scanItem(m_root, QStringLiteral("notes.txt"), ScanOptions());
    QCOMPARE(e.state, EntryState::Foreign);
    QCOMPARE(e.artifacts.size(), 1);
}

void TestCacheWatcher::missingRootAppearsLater()
{
    const QString root = m_tmp->path() + QStringLiteral("/later");
    CacheWatcher watcher;
    watcher.setDebounce(20);
    watcher.setPollInterval(100);
    QSignalSpy ready(&watcher, &CacheWatcher::ready);
    watcher.start(root);
    QVERIFY(ready.wait(WaitMs));
    QSignalSpy changed(&watcher, &CacheWatcher::keysChanged);
    const QString key
        = test::makeEntry(root, Handle, test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QVERIFY(changed.wait(WaitMs));
    QCOMPARE(changed.constFirst().constFirst().toStringList(), QStringList { key });
}

QTEST_GUILESS_MAIN(TestCacheWatcher)
#include "tst_cachewatcher.moc"
