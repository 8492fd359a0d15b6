#include "tests/core/cleanupfixtures.h"

#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/entryremoval.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "tests/core/prefetchfixtures.h"
#include "tests/support/testdata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace tfhub;
using namespace tfhub::test::cleanupfixtures;

/// The cleanup planner's rules on real caches: what each selects, why, and how many bytes.
class TestCleanup final : public QObject,
                          public CleanupFixture,
                          public test::prefetchfixtures::PrefetchFixture
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(startLiveOwner());
        QVERIFY(startHub());
        m_hub.addArchive(QStringLiteral("/kaggle/big/1"), m_bigArchive);
    }

    void cleanupTestCase() { stopLiveOwner(); }

    // Every stale kind is selected with its reason; live downloads (a running local holder, another
    // host still making progress) never are; a complete entry loses only its leftovers.
    void staleKinds()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const qint64 hourAgo = m_now - 3600;
        const qint64 deadPid = test::deadPid();
        const QString dead = keyOf(QStringLiteral("https://tfhub.dev/a/dead/1"));
        tmpFolder(root, dead, hourAgo);
        lock(root, dead, util::hostName(), deadPid, hourAgo);
        const QString live = keyOf(QStringLiteral("https://tfhub.dev/a/live/1"));
        tmpFolder(root, live, hourAgo);
        lock(root, live, util::hostName(), m_liveOwner.processId(), m_now);
        const QString frozen = keyOf(QStringLiteral("https://tfhub.dev/a/frozen/1"));
        tmpFolder(root, frozen, hourAgo);
        lock(root, frozen, QStringLiteral("other.host.example"), 77, hourAgo);
        const QString growing = keyOf(QStringLiteral("https://tfhub.dev/a/growing/1"));
        tmpFolder(root, growing, m_now - 5); // it changed seconds ago: the other host is still at it
        lock(root, growing, QStringLiteral("other.host.example"), 77, hourAgo);
        const QString orphan = keyOf(QStringLiteral("https://tfhub.dev/a/orphan/1"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + orphan + QStringLiteral(".descriptor.txt"),
            "Module: https://tfhub.dev/a/orphan/1\n"));
        const QString manifest = keyOf(QStringLiteral("https://tfhub.dev/a/manifest/1"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + manifest + QStringLiteral(".manifest.json"), "{}"));
        const QString empty = keyOf(QStringLiteral("https://tfhub.dev/a/empty/1"));
        QVERIFY(QDir().mkpath(root + QLatin1Char('/') + empty));
        const QString temp = keyOf(QStringLiteral("https://tfhub.dev/a/temp/1"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + temp + QStringLiteral(".lock.tmp") + kUid, "x"));
        QVERIFY(test::setMTime(root + QLatin1Char('/') + temp + QStringLiteral(".lock.tmp") + kUid, hourAgo));
        const QString complete = entry(root, QStringLiteral("https://tfhub.dev/a/complete/1"));
        tmpFolder(root, complete, hourAgo);
        lock(root, complete, util::hostName(), test::deadPid(), hourAgo);

        const QList<CacheEntry> entries = scan(root);
        CleanupRules rules;
        rules.stale = true;
        const CleanupPlan p = maintenance::planCleanup(root, entries, PinSet(), rules, m_options);
        QVERIFY(p.refusals.isEmpty());
        QCOMPARE(keysOf(p.items), sorted({ dead, frozen, orphan, manifest, empty, temp, complete }));
        for (const CleanupItem &i : p.items) {
            QCOMPARE(i.rule, CleanupRule::Stale);
            if (i.key != complete)
                QCOMPARE(i.bytes, entryOf(entries, i.key).diskBytes);
        }
        QVERIFY2(itemFor(p, dead)->reason.contains(
                     QStringLiteral("abandoned by PID %1 on this host 1 hour ago").arg(deadPid)),
            qPrintable(itemFor(p, dead)->reason));
        QVERIFY2(
            itemFor(p, frozen)->reason.contains(QStringLiteral("other.host.example made no progress for 60")),
            qPrintable(itemFor(p, frozen)->reason));
        const CleanupItem *c = itemFor(p, complete);
        QVERIFY(!c->wholeEntry);
        QCOMPARE(sorted(c->names),
            sorted({ complete + QStringLiteral(".lock"),
                complete + QLatin1Char('.') + kUid + QStringLiteral(".tmp") }));
        QCOMPARE(c->bytes, entryOf(entries, complete).reclaimableBytes);
        QVERIFY(keptReason(p, live).contains(QStringLiteral("being downloaded")));
        QVERIFY(keptReason(p, growing).contains(QStringLiteral("being downloaded")));

        const qint64 before = util::measure(root).diskBytes;
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Delete, {}, m_options);
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(QLatin1Char('\n'))));
        QCOMPARE(r.removed.size(), p.items.size());
        QCOMPARE(r.freedBytes, p.totalBytes());
        QCOMPARE(before - util::measure(root).diskBytes, r.freedBytes);
        const QList<CacheEntry> after = scan(root);
        QCOMPARE(entryKeys(after), sorted({ live, growing, complete }));
        QCOMPARE(entryOf(after, complete).state, EntryState::Complete);
        QCOMPARE(entryOf(after, complete).reclaimableBytes, 0);
    }

    void brokenEntries()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString broken = entry(root, QStringLiteral("https://tfhub.dev/a/broken/1"));
        QVERIFY(QFile::remove(
            root + QLatin1Char('/') + broken + QStringLiteral("/variables/variables.data-00000-of-00001")));
        const QString junk = keyOf(QStringLiteral("https://tfhub.dev/a/junk/1"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + junk + QStringLiteral("/notes.txt"), "no model"));
        const QString good = entry(root, QStringLiteral("https://tfhub.dev/a/good/1"));
        CleanupRules rules;
        rules.broken = true;
        const CleanupPlan p = plan(root, rules);
        QCOMPARE(keysOf(p.items), sorted({ broken, junk }));
        QVERIFY2(
            itemFor(p, broken)->reason.contains(QStringLiteral("variables/variables.data-00000-of-00001")),
            qPrintable(itemFor(p, broken)->reason));
        QVERIFY(itemFor(p, junk)->reason.contains(QStringLiteral("no model")));
        QVERIFY(itemFor(p, broken)->wholeEntry);
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Delete);
        QCOMPARE(r.freedBytes, p.totalBytes());
        QCOMPARE(scan(root).size(), 1);
        QCOMPARE(scan(root).constFirst().key, good);
    }

    void unusedByAccessTime()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString old = entry(root, QStringLiteral("https://tfhub.dev/a/old/1"));
        const QString recent = entry(root, QStringLiteral("https://tfhub.dev/a/recent/1"));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + old, m_now - 100 * kDay));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + recent, m_now - 2 * kDay));
        CleanupRules rules;
        rules.unusedDays = 30;
        const CleanupPlan p = plan(root, rules);
        if (!util::recordsAccessTimes(root)) {
            QCOMPARE(p.refusals.size(), 1);
            QVERIFY(p.refusals.constFirst().reason.contains(QStringLiteral("noatime")));
            QSKIP("The test folder's file system records no access times.");
        }
        QCOMPARE(keysOf(p.items), QStringList { old });
        QCOMPARE(itemFor(p, old)->reason, QStringLiteral("not used for 100 days"));
        // Planning read the access times without moving them.
        const QString pb = root + QLatin1Char('/') + old + QStringLiteral("/saved_model.pb");
        QCOMPARE(util::stat(pb).atime.toSecsSinceEpoch(), m_now - 100 * kDay);
    }

    void budgetEvictsLeastRecentlyUsed()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        QStringList keys;
        for (int i = 0; i < 4; ++i) {
            keys << entry(root, QStringLiteral("https://tfhub.dev/a/m%1/1").arg(i));
            QVERIFY(setTreeATime(root + QLatin1Char('/') + keys.last(), m_now - (10 - i) * kDay));
        }
        const QList<CacheEntry> entries = scan(root);
        const qint64 one = entryOf(entries, keys[0]).diskBytes;
        qint64 total = 0;
        for (const CacheEntry &e : entries)
            total += e.diskBytes;
        CleanupRules rules;
        rules.maxBytes = total - one - 1; // one entry is not enough: the two oldest go
        CleanupPlan p = maintenance::planCleanup(root, entries, PinSet(), rules, m_options);
        QCOMPARE(keysOf(p.items), sorted({ keys[0], keys[1] }));
        QCOMPARE(p.cacheBytes, total);
        QVERIFY(p.notes.isEmpty());
        // The oldest pinned: the next two oldest go instead.
        PinSet pins;
        pins.byKey.insert(keys[0], Pin { keys[0], QString(), {} });
        p = maintenance::planCleanup(root, entries, pins, rules, m_options);
        QCOMPARE(keysOf(p.items), sorted({ keys[1], keys[2] }));
        QCOMPARE(keptReason(p, keys[0]), QStringLiteral("pinned"));
        // Pins alone over the budget: said so, and everything else selected.
        rules.maxBytes = 1;
        p = maintenance::planCleanup(root, entries, pins, rules, m_options);
        QCOMPARE(keysOf(p.items), sorted({ keys[1], keys[2], keys[3] }));
        QCOMPARE(p.notes.size(), 1);
        QVERIFY(p.notes.constFirst().contains(QStringLiteral("more than the budget")));
    }

    // No rule ever selects a pinned entry; the pins file survives every execution.
    void pinsUnderEveryRule()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString stale = keyOf(QStringLiteral("https://tfhub.dev/a/stale/1"));
        tmpFolder(root, stale, m_now - 3600);
        const QString broken = keyOf(QStringLiteral("https://tfhub.dev/a/junk/1"));
        QVERIFY(test::writeFile(root + QLatin1Char('/') + broken + QStringLiteral("/notes.txt"), "no model"));
        const QString old = entry(root, QStringLiteral("https://tfhub.dev/a/old/1"));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + old, m_now - 100 * kDay));
        const QString twin = entry(root, QStringLiteral("https://tfhub.dev/a/twin/1"));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + twin, m_now - 200 * kDay));
        for (const QString &k : { stale, broken, old, twin })
            QVERIFY(maintenance::pin(root, k, QString()).value());
        QVERIFY(!maintenance::pin(root, old, QString()).value()); // already pinned
        CleanupRules rules;
        rules.stale = rules.broken = rules.duplicates = true;
        rules.unusedDays = 1;
        rules.maxBytes = 0;
        const CleanupPlan p = plan(root, rules);
        QVERIFY2(p.items.isEmpty(), qPrintable(keysOf(p.items).join(QLatin1Char(' '))));
        for (const QString &k : { stale, broken, old, twin })
            QCOMPARE(keptReason(p, k), QStringLiteral("pinned"));
        // Unpinned, the same rules take them all; the pins file is never an item.
        for (const QString &k : { stale, broken, old, twin })
            QVERIFY(maintenance::unpin(root, k).value());
        QVERIFY(maintenance::pin(
            root, keyOf(QStringLiteral("https://tfhub.dev/a/elsewhere/1")), QStringLiteral("x"))
                    .value());
        const CleanupPlan all = plan(root, rules);
        QCOMPARE(keysOf(all.items), sorted({ stale, broken, old, twin }));
        QCOMPARE(itemFor(all, twin)->rule, CleanupRule::Duplicate);
        QVERIFY(itemFor(all, twin)->reason.contains(QStringLiteral("https://tfhub.dev/a/old/1")));
        QCOMPARE(
            itemFor(all, twin)->servedHandles, QStringList { QStringLiteral("https://tfhub.dev/a/twin/1") });
        const CleanupReport r = maintenance::executeCleanup(all, CleanupMode::Delete);
        QCOMPARE(r.removed.size(), 4);
        QVERIFY(QFile::exists(maintenance::pinsPath(root)));
        QCOMPARE(maintenance::readPins(root)->byKey.size(), 1);
    }

    // The same archive prefetched under two handles: the copy used longer ago goes, the reason
    // names the copy kept, and the handle it served is listed (the library downloads it again).
    void duplicatesUnderTwoHandles()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString google = handle(QStringLiteral("/google/big/1"));
        const QString kaggle = handle(QStringLiteral("/kaggle/big/1"));
        for (const QString &h : { google, kaggle }) {
            const PrefetchResult r = run(root, h);
            QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        }
        const QString g = keyOf(google);
        const QString k = keyOf(kaggle);
        // Both downloaded long ago; the Google copy was loaded 3 days ago, the Kaggle one 40 days ago.
        for (const QString &key : { g, k }) {
            const QString path = root + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt");
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QString text = QString::fromUtf8(f.readAll());
            f.close();
            text.replace(QRegularExpression(QStringLiteral("Download Time: [^\\n]*")),
                QStringLiteral("Download Time: 2024-01-29 17:51:07.123456"));
            QVERIFY(test::writeFile(path, text.toUtf8()));
        }
        QVERIFY(setTreeATime(root + QLatin1Char('/') + g, m_now - 3 * kDay));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + k, m_now - 40 * kDay));
        const QString other = entry(root, QStringLiteral("https://tfhub.dev/a/other/1"));
        CleanupRules rules;
        rules.duplicates = true;
        const QList<CacheEntry> entries = scan(root);
        CleanupPlan p = maintenance::planCleanup(root, entries, PinSet(), rules, m_options);
        QCOMPARE(keysOf(p.items), QStringList { k });
        const CleanupItem *i = itemFor(p, k);
        QCOMPARE(i->rule, CleanupRule::Duplicate);
        QVERIFY2(i->reason.contains(google), qPrintable(i->reason));
        QCOMPARE(i->servedHandles, QStringList { kaggle });
        QCOMPARE(i->bytes, entryOf(entries, k).diskBytes);
        QVERIFY(i->names.contains(k + QStringLiteral(".manifest.json")));
        // Pinning the older copy keeps both.
        PinSet pins;
        pins.byKey.insert(k, Pin { k, kaggle, {} });
        p = maintenance::planCleanup(root, entries, pins, rules, m_options);
        QVERIFY(p.items.isEmpty());
        QCOMPARE(keptReason(p, k), QStringLiteral("pinned"));
        // Trash: nothing freed, everything moved.
        test::isolateHome(tmp.filePath(QStringLiteral("home")));
        p = maintenance::planCleanup(root, entries, PinSet(), rules, m_options);
        const CleanupReport r = maintenance::executeCleanup(p, CleanupMode::Trash);
        QVERIFY2(r.errors.isEmpty(), qPrintable(r.errors.join(QLatin1Char('\n'))));
        QCOMPARE(r.freedBytes, 0);
        QCOMPARE(r.trashedBytes, p.totalBytes());
        QVERIFY(!QFile::exists(root + QLatin1Char('/') + k));
        QVERIFY(QFile::exists(maintenance::homeTrash() + QStringLiteral("/files/") + k));
        QCOMPARE(cache::scanKey(root, g, m_options).state, EntryState::Complete);
        QCOMPARE(cache::scanKey(root, other, m_options).state, EntryState::Complete);
    }

    // With verify, a prefetched entry whose files no longer match our manifest is broken.
    void verifyFindsChangedFiles()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString h = handle(QStringLiteral("/google/big/1"));
        const PrefetchResult r = run(root, h);
        QVERIFY2(r.phase == PrefetchPhase::Done, qPrintable(r.message));
        const QString k = keyOf(h);
        CleanupRules rules;
        rules.broken = true;
        rules.verify = true;
        QVERIFY(plan(root, rules).items.isEmpty());
        QVERIFY(test::writeFile(root + QLatin1Char('/') + k + QStringLiteral("/variables/variables.index"),
            QByteArray(300, 'X'))); // same size, other bytes
        QCOMPARE(keysOf(plan(root, rules).items), QStringList { k });
        QVERIFY2(plan(root, rules).items.constFirst().reason.contains(QStringLiteral("1 changed")),
            qPrintable(plan(root, rules).items.constFirst().reason));
        rules.verify = false;
        QVERIFY(plan(root, rules).items.isEmpty());
    }

    // The automatic policy's guard: an entry open by a process, or read in the last 24 hours, stays.
    void policyKeepsWhatIsInUse()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString open = entry(root, QStringLiteral("https://tfhub.dev/a/open/1"));
        const QString recent = entry(root, QStringLiteral("https://tfhub.dev/a/recent/1"));
        const QString old = entry(root, QStringLiteral("https://tfhub.dev/a/old/1"));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + open, m_now - 10 * kDay));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + recent, m_now - 3600));
        QVERIFY(setTreeATime(root + QLatin1Char('/') + old, m_now - 10 * kDay));
        QProcess holder;
        holder.start(QStringLiteral("sh"),
            { QStringLiteral("-c"), QStringLiteral("exec 3<\"$1\"; echo ready; exec sleep 600"),
                QStringLiteral("sh"), root + QLatin1Char('/') + open + QStringLiteral("/saved_model.pb") });
        QVERIFY(holder.waitForReadyRead(10000));
        CleanupRules rules;
        rules.maxBytes = 0;
        rules.protectRecentlyUsed = true;
        const CleanupPlan p = plan(root, rules);
        holder.kill();
        holder.waitForFinished();
        QCOMPARE(keysOf(p.items), QStringList { old });
        QCOMPARE(keptReason(p, open), QStringLiteral("open by a running process"));
        QVERIFY2(keptReason(p, recent).startsWith(QStringLiteral("read in the last 24 hours")),
            qPrintable(keptReason(p, recent)));
    }

    void parseSize_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes"); // -1: an error
        QTest::newRow("bare") << QStringLiteral("1234") << qint64(1234);
        QTest::newRow("500M") << QStringLiteral("500M") << qint64(500'000'000);
        QTest::newRow("20G") << QStringLiteral("20G") << qint64(20'000'000'000);
        QTest::newRow("20GB") << QStringLiteral("20GB") << qint64(20'000'000'000);
        QTest::newRow("1.5k") << QStringLiteral("1.5k") << qint64(1500);
        QTest::newRow("500MiB") << QStringLiteral("500MiB") << qint64(500LL * 1024 * 1024);
        QTest::newRow("1.5TiB") << QStringLiteral("1.5TiB") << qint64(1649267441664LL);
        QTest::newRow("spaces") << QStringLiteral(" 2 GiB ") << qint64(2LL << 30);
        QTest::newRow("bytes") << QStringLiteral("10B") << qint64(10);
        QTest::newRow("fraction of a byte") << QStringLiteral("1.5") << qint64(-1);
        QTest::newRow("unknown unit") << QStringLiteral("3X") << qint64(-1);
        QTest::newRow("negative") << QStringLiteral("-1G") << qint64(-1);
        QTest::newRow("empty") << QString() << qint64(-1);
        QTest::newRow("too large") << QStringLiteral("100EiB") << qint64(-1);
    }

    void parseSize()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        const Result<qint64> r = util::parseSize(text);
        QCOMPARE(r.ok(), bytes >= 0);
        if (bytes >= 0)
            QCOMPARE(*r, bytes);
        else
            QVERIFY(r.error().contains(text.isEmpty() ? QStringLiteral("''") : text));
    }

    void planJson()
    {
        QTemporaryDir tmp;
        const QString root = tmp.path();
        const QString k = entry(root, QStringLiteral("https://tfhub.dev/a/json/1"));
        CleanupRules rules;
        rules.selected = { k };
        const CleanupPlan p = plan(root, rules);
        const QJsonObject o = QJsonDocument::fromJson(maintenance::planToJson(p)).object();
        QCOMPARE(o.value(QStringLiteral("schema")).toInt(), 1);
        const QJsonObject item = o.value(QStringLiteral("items")).toArray().at(0).toObject();
        QCOMPARE(item.value(QStringLiteral("rule")).toString(), QStringLiteral("selected"));
        QCOMPARE(item.value(QStringLiteral("key")).toString(), k);
        QCOMPARE(
            item.value(QStringLiteral("handle")).toString(), QStringLiteral("https://tfhub.dev/a/json/1"));
        QCOMPARE(item.value(QStringLiteral("bytes")).toInteger(), p.items.constFirst().bytes);
        QVERIFY(!item.value(QStringLiteral("reason")).toString().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCleanup)
#include "tst_cleanup.moc"
