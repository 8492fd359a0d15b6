#include "tests/core/cleanupfixtures.h"

#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/entryremoval.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QCoreApplication>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <cstring>
#include <sys/mount.h>
#include <unistd.h>

using namespace tfhub;
using namespace tfhub::test::cleanupfixtures;

namespace {

// A tmpfs of our own (in a private mount namespace), so that the free space it reports moves only
// with what this test removes.
QString g_tmpfs;
QString g_tmpfsError;

} // namespace

/// Executing cleanup plans: re-checks, cancel, freed figures, and the safety rules.
class TestCleanupExec final : public QObject, public CleanupFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(startLiveOwner()); }
    void cleanupTestCase() { stopLiveOwner(); }

    // Foreign items are listed, never touched; a link inside an entry goes as a link, its target stays.
    void foreignAndSymlinks()
    {
        QTemporaryDir tmp;
        QTemporaryDir outside;
        const QString root = tmp.path();
        const QString target = outside.filePath(QStringLiteral("precious.bin"));
        QVERIFY(test::writeFile(target, "keep me"));
        const QString k = entry(root, QStringLiteral("https://tfhub.dev/a/linked/1"));
        QVERIFY(QFile::link(target, root + QLatin1Char('/') + k + QStringLiteral("/assets/link")));
        QVERIFY(QFile::link(outside.path(), root + QLatin1Char('/') + k + QStringLiteral("/assets/dirlink")));
        QVERIFY(test::writeFile(root + QStringLiteral("/notes.txt"), "mine"));
        CleanupRules rules;
        rules.selected = { k, QStringLiteral("notes.txt") };
        const CleanupPlan p = plan(root, rules);
        QCOMPARE(keysOf(p.items), QStringList { k });
        QVERIFY(keptReason(p, QStringLiteral("notes.txt")).contains(QStringLiteral("never removed")));
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Delete);
        QCOMPARE(r.removed.size(), 1);
        QVERIFY(!QFile::exists(root + QLatin1Char('/') + k));
        QVERIFY(QFile::exists(target));
        QVERIFY(QFile::exists(root + QStringLiteral("/notes.txt")));
    }

    void refusesHomeLikeAndForeignRoots()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString stale = keyOf(QStringLiteral("https://tfhub.dev/a/stale/1"));
        tmpFolder(root, stale, m_now - 3600);
        QVERIFY(test::writeFile(root + QStringLiteral("/.bashrc"), "alias ll='ls -l'\n"));
        CleanupRules rules;
        rules.stale = true;
        CleanupPlan p = plan(root, rules);
        QVERIFY(p.refused());
        QVERIFY(p.items.isEmpty());
        QVERIFY2(p.refusals.constFirst().reason.contains(QStringLiteral("home folder")),
            qPrintable(p.refusals.constFirst().reason));
        rules.force = true;
        p = plan(root, rules);
        QVERIFY(!p.refused());
        QCOMPARE(keysOf(p.items), QStringList { stale });
        // Without the start-up file but with two foreign items for one entry: refused too.
        QVERIFY(QFile::remove(root + QStringLiteral("/.bashrc")));
        QVERIFY(test::writeFile(root + QStringLiteral("/a.txt"), "a"));
        QVERIFY(test::writeFile(root + QStringLiteral("/b.txt"), "b"));
        rules.force = false;
        p = plan(root, rules);
        QVERIFY(p.refused());
        QVERIFY(p.refusals.constFirst().reason.contains(
            QStringLiteral("more items that are not cache entries (2)")));
    }

    // A download that starts between plan and execution is skipped, its files intact.
    void downloadStartingAfterThePlanIsSkipped()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString k = keyOf(QStringLiteral("https://tfhub.dev/a/again/1"));
        tmpFolder(root, k, m_now - 3600);
        CleanupRules rules;
        rules.stale = true;
        const CleanupPlan p = plan(root, rules);
        QCOMPARE(keysOf(p.items), QStringList { k });
        lock(root, k, util::hostName(), m_liveOwner.processId(), m_now);
        QVERIFY(test::writeFile(
            root + QLatin1Char('/') + k + QLatin1Char('.') + kUid + QStringLiteral(".tmp/saved_model.pb"),
            "new"));
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Delete);
        QVERIFY(r.removed.isEmpty());
        QCOMPARE(r.skipped.size(), 1);
        QVERIFY2(r.skipped.constFirst().reason.contains(QStringLiteral("a download started")),
            qPrintable(r.skipped.constFirst().reason));
        QCOMPARE(r.freedBytes, 0);
        QVERIFY(QFile::exists(
            root + QLatin1Char('/') + k + QLatin1Char('.') + kUid + QStringLiteral(".tmp/saved_model.pb")));
    }

    // Stopping from the progress callback after item k leaves every later item intact.
    void cancelAfterItemK()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QStringList keys;
        for (int i = 0; i < 4; ++i)
            keys << entry(root, QStringLiteral("https://tfhub.dev/a/c%1/1").arg(i));
        CleanupRules rules;
        rules.selected = keys;
        const CleanupPlan p = plan(root, rules);
        QCOMPARE(p.items.size(), 4);
        QList<int> seen;
        const CleanupReport r
            = maintenance::executeCleanup(p, CleanupMode::Delete, [&](const CleanupProgress &pr) {
                  seen << pr.done;
                  return pr.done < 2;
              });
        QCOMPARE(seen, (QList<int> { 1, 2 }));
        QVERIFY(r.cancelled);
        QCOMPARE(r.removed.size(), 2);
        QCOMPARE(r.freedBytes, p.items[0].bytes + p.items[1].bytes);
        for (int i = 0; i < 4; ++i) {
            const CacheEntry e = cache::scanKey(root, p.items[i].key, m_options);
            if (i < 2) {
                QVERIFY(e.artifacts.isEmpty());
            } else {
                QCOMPARE(e.state, EntryState::Complete);
                QCOMPARE(e.diskBytes, p.items[i].bytes);
            }
        }
    }

    // The freed figure is what the volume gains: statvfs before and after, on a tmpfs of our own.
    void freedFigureMatchesTheVolume()
    {
        TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
        const QString root = g_tmpfs + QStringLiteral("/cache");
        const QString a = entry(root, QStringLiteral("https://tfhub.dev/a/one/1"));
        const QString b = entry(root, QStringLiteral("https://tfhub.dev/a/two/1"));
        const QString stale = keyOf(QStringLiteral("https://tfhub.dev/a/stale/1"));
        tmpFolder(root, stale, m_now - 3600);
        CleanupRules rules;
        rules.stale = true;
        rules.selected = { a };
        const CleanupPlan p = plan(root, rules);
        QCOMPARE(keysOf(p.items), sorted({ a, stale }));
        const qint64 before = util::volumeInfo(root).freeBytes;
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Delete);
        const qint64 after = util::volumeInfo(root).freeBytes;
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(QLatin1Char('\n'))));
        QVERIFY(r.freedBytes > 0);
        QCOMPARE(r.freedBytes, p.totalBytes());
        QCOMPARE(after - before, r.freedBytes);
        QCOMPARE(entryKeys(scan(root)), QStringList { b });
        QDir(root).removeRecursively();
    }

    // Where the mount records no access times, "unused" cannot be told: the rule refuses, saying why.
    void unusedRefusedOnNoatimeMount()
    {
        TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
        const QString root = g_tmpfs + QStringLiteral("/noatime");
        QVERIFY(QDir().mkpath(root));
        QCOMPARE(::mount("tmpfs", QFile::encodeName(root).constData(), "tmpfs", MS_NOATIME, "size=4m"), 0);
        const QString old = entry(root, QStringLiteral("https://tfhub.dev/a/old/1"));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + old, m_now - 100 * kDay));
        CleanupRules rules;
        rules.unusedDays = 30;
        rules.stale = true;
        const CleanupPlan p = plan(root, rules);
        ::umount2(QFile::encodeName(root).constData(), MNT_DETACH);
        QVERIFY(p.items.isEmpty());
        QCOMPARE(p.refusals.size(), 1);
        QCOMPARE(p.refusals.constFirst().rule, QStringLiteral("unused"));
        QVERIFY2(p.refusals.constFirst().reason.contains(QStringLiteral("noatime")),
            qPrintable(p.refusals.constFirst().reason));
        QVERIFY(!p.refusals.constFirst().forcible);
        QVERIFY(!p.refused()); // the other rules still run
    }
};

int main(int argc, char **argv)
{
    g_tmpfsError = test::mountPrivateTmpfs("tst_cleanupexec", 16 * 1024 * 1024, &g_tmpfs);
    int status = 0;
    {
        QCoreApplication app(argc, argv);
        TestCleanupExec test;
        status = QTest::qExec(&test, argc, argv);
    }
    if (!g_tmpfs.isEmpty()) {
        ::umount2(QFile::encodeName(g_tmpfs).constData(), MNT_DETACH);
        ::rmdir(QFile::encodeName(g_tmpfs).constData());
    }
    return status;
}

#include "tst_cleanupexec.moc"
