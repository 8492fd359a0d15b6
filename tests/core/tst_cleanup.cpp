#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;

namespace {

const QString kUid = QStringLiteral("0123456789abcdef0123456789abcdef");
const qint64 kDay = 86400;

QString keyOf(const QString &handle)
{
    return Handle::cacheKeyOf(handle);
}

// Sets only the access time of every file and folder of a tree, as a user's loads leave it.
bool setTreeATime(const QString &root, qint64 secs)
{
    const auto set = [](const QString &path, qint64 t) {
        const struct timespec times[2] = { { static_cast<time_t>(t), 0 }, { 0, UTIME_OMIT } };
        return ::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, AT_SYMLINK_NOFOLLOW) == 0;
    };
    bool ok = set(root, secs);
    QDirIterator it(
        root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        ok = set(it.next(), secs) && ok;
    return ok;
}

// Backdates the modification (and access) time of a whole tree.
bool setTreeMTime(const QString &root, qint64 secs)
{
    bool ok = test::setMTime(root, secs);
    QDirIterator it(
        root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        ok = test::setMTime(it.next(), secs) && ok;
    return ok;
}

QStringList keysOf(const QList<CleanupItem> &items)
{
    QStringList keys;
    for (const CleanupItem &i : items)
        keys << i.key;
    keys.sort();
    return keys;
}

QStringList entryKeys(const QList<CacheEntry> &entries)
{
    QStringList keys;
    for (const CacheEntry &e : entries)
        keys << e.key;
    keys.sort();
    return keys;
}

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

const CleanupItem *itemFor(const CleanupPlan &plan, const QString &key)
{
    for (const CleanupItem &i : plan.items) {
        if (i.key == key)
            return &i;
    }
    return nullptr;
}

QString keptReason(const CleanupPlan &plan, const QString &key)
{
    for (const CleanupKept &k : plan.kept) {
        if (k.key == key)
            return k.reason;
    }
    return QString();
}

CacheEntry entryOf(const QList<CacheEntry> &entries, const QString &key)
{
    for (const CacheEntry &e : entries) {
        if (e.key == key)
            return e;
    }
    return CacheEntry();
}

} // namespace

class TestCleanup final : public QObject
{
    Q_OBJECT
private:
    QProcess m_liveOwner;
    ScanOptions m_options; // the library's own rules: 30 s grace, 20 minutes without progress
    qint64 m_now = 0;

    QString model() const { return test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"); }

    QString entry(const QString &root, const QString &handle)
    {
        return test::makeEntry(root, handle, model());
    }

    QList<CacheEntry> scan(const QString &root)
    {
        QString error;
        const QList<CacheEntry> entries = cache::scanAll(root, m_options, &error);
        if (!error.isEmpty())
            qWarning("%s", qPrintable(error));
        return entries;
    }

    CleanupPlan plan(const QString &root, const CleanupRules &rules)
    {
        const Result<PinSet> pins = maintenance::readPins(root);
        return maintenance::planCleanup(root, scan(root), pins ? *pins : PinSet(), rules, m_options);
    }

    // A tmp download folder of `key` whose files last changed at `mtime`.
    void tmpFolder(const QString &root, const QString &key, qint64 mtime)
    {
        const QString dir = root + QLatin1Char('/') + key + QLatin1Char('.') + kUid + QStringLiteral(".tmp");
        QVERIFY(test::writeFile(
            dir + QStringLiteral("/variables/variables.data-00000-of-00001"), QByteArray(20000, 'd')));
        QVERIFY(setTreeMTime(dir, mtime));
    }

    void lock(const QString &root, const QString &key, const QString &host, qint64 pid, qint64 mtime)
    {
        const QString path = root + QLatin1Char('/') + key + QStringLiteral(".lock");
        QVERIFY(test::writeFile(path, cache::lockContent(host, pid, kUid)));
        QVERIFY(test::setMTime(path, mtime));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_now = QDateTime::currentSecsSinceEpoch();
        m_liveOwner.start(QStringLiteral("sleep"), { QStringLiteral("600") });
        QVERIFY(m_liveOwner.waitForStarted());
    }

    void cleanupTestCase()
    {
        m_liveOwner.kill();
        m_liveOwner.waitForFinished();
    }

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
