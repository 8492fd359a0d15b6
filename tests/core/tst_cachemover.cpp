#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/maintenance/cachemover.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "tests/support/privilege.h"
#include "tests/support/testdata.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <cstring>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tfhub;

namespace {

// Set up in main() before any thread exists: a namespace only applies to the thread that asks for
// it, and every thread of the test must see the tmpfs.
QString g_tmpfs;
QString g_tmpfsError;

constexpr int TmpfsBytes = 8 * 1024 * 1024;

// Relative path -> content of every regular file under `root` (a FIFO is never opened: it would
// block), leaving out the move journal.
QMap<QString, QByteArray> contents(const QString &root)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (it.fileName() == maintenance::MoveJournal::fileName())
            continue;
        QFile f(path);
        files.insert(QDir(root).relativeFilePath(path),
            !util::stat(path).isFile          ? QByteArray("(not a file)")
                : f.open(QIODevice::ReadOnly) ? f.readAll()
                                              : QByteArray("?"));
    }
    return files;
}

QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

const auto noProgress = [](const MoveProgress &) {};
const auto never = [] { return false; };

bool hasJournal(const QString &dir)
{
    return QFileInfo::exists(dir + QLatin1Char('/') + maintenance::MoveJournal::fileName());
}

} // namespace

class TestCacheMover final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void renameWithinVolume();
    void pinsTravelWithTheCache();
    void copyAcrossVolumes();
    void notEnoughRoom();
    void fifoStopsTheMoveBeforeAnything();
    void failureMidWayUndoesEveryCopy();
    void cancelledHalfWayLosesNothing_data();
    void cancelledHalfWayLosesNothing();
    void liveLockStopsTheMoveUnlessLeftBehind();
    void staleLockIsTakenOver();
    void interruptedMoveIsFinished_data();
    void interruptedMoveIsFinished();
    void interruptedMoveIsUndone_data();
    void interruptedMoveIsUndone();
    void cutShortWhileCopyingCanOnlyBeUndone();
    void destinationChecks();
    void moverObjectReportsProgress();
    void moverObjectInSteps();

private:
    /// Five real entries, one with a manifest, plus a foreign file.
    void makeCache(const QString &root);
    QString destination(bool otherVolume, const QString &name) const;

    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_src;
    QStringList m_keys;
};

void TestCacheMover::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_src = m_tmp->filePath(QStringLiteral("source cache"));
    makeCache(m_src);
}

void TestCacheMover::cleanup()
{
    m_tmp.reset();
    if (!g_tmpfs.isEmpty()) {
        for (const QString &name : namesIn(g_tmpfs))
            QDir(g_tmpfs + QLatin1Char('/') + name).removeRecursively();
    }
}

void TestCacheMover::makeCache(const QString &root)
{
    m_keys.clear();
    const QString sm = test::savedModelsDir();
    for (int i = 0; i < 5; ++i) {
        const QString model
            = sm + (i % 2 ? QStringLiteral("/half_plus_two_cpu") : QStringLiteral("/half_plus_two_tf2_cpu"));
        m_keys << test::makeEntry(root, QStringLiteral("https://tfhub.dev/test/model-%1/1").arg(i), model);
    }
    QVERIFY(
        test::writeFile(root + QLatin1Char('/') + m_keys.first() + QStringLiteral(".manifest.json"), "{}"));
    QVERIFY(test::writeFile(root + QStringLiteral("/notes.txt"), "mine"));
}

QString TestCacheMover::destination(bool otherVolume, const QString &name) const
{
    return (otherVolume ? g_tmpfs : m_tmp->path()) + QLatin1Char('/') + name;
}

void TestCacheMover::renameWithinVolume()
{
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(false, QStringLiteral("new \"cache\" é"));
    const MoveReport r = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY2(r.switchable(), qPrintable(r.error));
    QVERIFY(!r.crossVolume);
    QCOMPARE(r.moved.size(), 5);
    QCOMPARE(r.leftBehind.size(), 1); // notes.txt is not ours to move
    QVERIFY(hasJournal(to));
    QVERIFY(hasJournal(m_src));
    const MoveReport f = maintenance::finishMove(to);
    QVERIFY2(f.sourcesRemoved, qPrintable(f.error));
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QMap<QString, QByteArray> expected = before;
    expected.remove(QStringLiteral("notes.txt"));
    QCOMPARE(contents(to), expected);
    QCOMPARE(namesIn(to).size(), 5 * 2 + 1); // folders, descriptors, one manifest; no journal
    QString error;
    for (const CacheEntry &e : cache::scanAll(to, ScanOptions(), &error))
        QCOMPARE(e.state, EntryState::Complete);
}

// The pins file is carried (merged with the destination's), not left behind as a foreign item.
void TestCacheMover::pinsTravelWithTheCache()
{
    QVERIFY(
        maintenance::pin(m_src, m_keys.at(1), QStringLiteral("https://tfhub.dev/test/model-1/1")).value());
    const QString to = destination(false, QStringLiteral("pinned"));
    QVERIFY(QDir().mkpath(to));
    const QString already = QStringLiteral("0123456789012345678901234567890123456789");
    QVERIFY(maintenance::pin(to, already, QString()).value());
    const MoveReport r = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY2(r.switchable(), qPrintable(r.error));
    QCOMPARE(r.leftBehind.size(), 1); // notes.txt only
    const MoveReport f = maintenance::finishMove(to);
    QVERIFY2(f.sourcesRemoved, qPrintable(f.error));
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    const Result<PinSet> pins = maintenance::readPins(to);
    QVERIFY(pins.ok());
    QCOMPARE(pins->byKey.keys(), (QStringList { already, m_keys.at(1) }));
    QCOMPARE(pins->byKey.value(m_keys.at(1)).handle, QStringLiteral("https://tfhub.dev/test/model-1/1"));
}

void TestCacheMover::copyAcrossVolumes()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    QVERIFY(util::volumeInfo(g_tmpfs).totalBytes <= TmpfsBytes);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("moved cache"));
    QList<MoveProgress> seen;
    const MoveReport r = maintenance::moveCache(
        m_src, to, MoveOptions(), [&seen](const MoveProgress &p) { seen << p; }, never);
    QVERIFY2(r.switchable(), qPrintable(r.error));
    QVERIFY(r.crossVolume);
    QCOMPARE(r.moved.size(), 5);
    QMap<QString, QByteArray> expected = before;
    expected.remove(QStringLiteral("notes.txt"));
    QCOMPARE(contents(to), expected);
    // Copied, verified, synced: the sources stay whole until the caller saved the setting.
    QCOMPARE(contents(m_src), before);
    QVERIFY(!seen.isEmpty());
    QCOMPARE(seen.last().doneBytes, seen.last().totalBytes);
    QCOMPARE(seen.last().doneEntries, 5);
    for (qsizetype i = 1; i < seen.size(); ++i)
        QVERIFY(seen.at(i).doneBytes >= seen.at(i - 1).doneBytes);

    const MoveReport f = maintenance::finishMove(to);
    QVERIFY2(f.sourcesRemoved, qPrintable(f.error));
    QCOMPARE(f.moved.size(), 5);
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QCOMPARE(contents(to), expected);
    QVERIFY(!hasJournal(to));
    QVERIFY(!maintenance::pendingMove(to)->has_value());
}

void TestCacheMover::notEnoughRoom()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    // A cache larger than the tmpfs is refused before anything is copied.
    const QString big = m_tmp->filePath(QStringLiteral("big"));
    const QString key = test::makeEntry(big, QStringLiteral("https://tfhub.dev/test/big/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QVERIFY(test::writeFile(big + QLatin1Char('/') + key + QStringLiteral("/variables/huge.bin"),
        QByteArray(TmpfsBytes + 1024, 'x')));
    const QString to = destination(true, QStringLiteral("full"));
    const MoveReport full = maintenance::moveCache(big, to, MoveOptions(), noProgress, never);
    QVERIFY(!full.switchable());
    QVERIFY2(full.error.contains(QStringLiteral("Not enough room")), qPrintable(full.error));
    QVERIFY(QFileInfo::exists(big + QLatin1Char('/') + key + QStringLiteral("/variables/huge.bin")));
    QVERIFY(namesIn(to).isEmpty());
}

void TestCacheMover::fifoStopsTheMoveBeforeAnything()
{
    // The reported case: a FIFO inside the second entry, a move to another volume.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QString fifo = m_src + QLatin1Char('/') + m_keys.at(1) + QStringLiteral("/assets.fifo");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("fifo"));
    const MoveReport r = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY(!r.switchable());
    QVERIFY2(r.error.contains(fifo) && r.error.contains(QStringLiteral("FIFO"))
            && r.error.contains(QStringLiteral("model-1")),
        qPrintable(r.error));
    QVERIFY(r.moved.isEmpty());
    QCOMPARE(contents(m_src), before);
    QVERIFY(namesIn(to).isEmpty());
    QVERIFY(!hasJournal(m_src));
}

void TestCacheMover::failureMidWayUndoesEveryCopy()
{
    // Something that cannot be copied appears in the third entry once two are copied already.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("midway"));
    QString fifo;
    const auto progress = [&](const MoveProgress &p) {
        if (p.doneEntries == 2 && fifo.isEmpty()) {
            QString error;
            const QList<CacheEntry> entries = cache::scanAll(m_src, ScanOptions(), &error);
            // The order of the move is the order of the scan; pick the next entry's folder.
            fifo = m_src + QLatin1Char('/') + entries.at(2).key + QStringLiteral("/late.fifo");
            QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        }
    };
    const MoveReport r = maintenance::moveCache(m_src, to, MoveOptions(), progress, never);
    QVERIFY(!fifo.isEmpty());
    QVERIFY(!r.switchable());
    QVERIFY2(
        r.error.contains(fifo) && r.error.contains(QStringLiteral("Nothing was moved")), qPrintable(r.error));
    QVERIFY(r.moved.isEmpty());
    QFile::remove(fifo);
    QCOMPARE(contents(m_src), before);
    QVERIFY2(namesIn(to).isEmpty(), qPrintable(namesIn(to).join(QLatin1Char(' '))));
    QVERIFY(!hasJournal(m_src));
    for (const QString &key : std::as_const(m_keys))
        QVERIFY(!QFileInfo::exists(m_src + QLatin1Char('/') + key + QStringLiteral(".lock")));
}

void TestCacheMover::cancelledHalfWayLosesNothing_data()
{
    QTest::addColumn<bool>("otherVolume");
    QTest::addColumn<bool>("midEntry");
    QTest::newRow("same volume, between entries") << false << false;
    QTest::newRow("across volumes, between entries") << true << false;
    QTest::newRow("across volumes, inside an entry") << true << true;
}

void TestCacheMover::cancelledHalfWayLosesNothing()
{
    QFETCH(bool, otherVolume);
    QFETCH(bool, midEntry);
    TFHUB_REQUIRE(!otherVolume || !g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(otherVolume, QStringLiteral("half"));
    bool cancel = false;
    qint64 afterSecond = -1;
    const auto progress = [&](const MoveProgress &p) {
        if (p.doneEntries == 2 && afterSecond < 0)
            afterSecond = p.doneBytes;
        // Right after the second entry, or once the first file of the third is copied.
        if (p.doneEntries == 2 && (!midEntry || p.doneBytes > afterSecond))
            cancel = true;
    };
    const MoveReport r
        = maintenance::moveCache(m_src, to, MoveOptions(), progress, [&cancel] { return cancel; });
    QVERIFY(r.cancelled);
    QVERIFY(!r.switchable());
    QVERIFY(r.moved.isEmpty());
    // A split cache is never left: everything is back in the source, nothing in the destination.
    QCOMPARE(contents(m_src), before);
    QVERIFY2(namesIn(to).isEmpty(), qPrintable(namesIn(to).join(QLatin1Char(' '))));
    QVERIFY(!hasJournal(m_src));
    for (const QString &key : std::as_const(m_keys))
        QVERIFY(!QFileInfo::exists(m_src + QLatin1Char('/') + key + QStringLiteral(".lock")));
    // Moving again does the whole job.
    const MoveReport again = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY2(again.switchable(), qPrintable(again.error));
    QCOMPARE(again.moved.size(), 5);
    QVERIFY(maintenance::finishMove(to).sourcesRemoved);
}

void TestCacheMover::liveLockStopsTheMoveUnlessLeftBehind()
{
    // A download in progress by this very (live) process: its entry must stay.
    const QString key = m_keys.at(2);
    const EntryPaths paths { m_src, key };
    const QByteArray lockContent = cache::lockContent(util::hostName(), QCoreApplication::applicationPid(),
        QStringLiteral("0123456789abcdef0123456789abcdef"));
    QVERIFY(test::writeFile(paths.lock(), lockContent));
    QVERIFY(QDir().mkpath(paths.tmpFolder(QStringLiteral("0123456789abcdef0123456789abcdef"))));
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(false, QStringLiteral("dest"));

    const MoveReport refused = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY(!refused.switchable());
    QVERIFY(refused.moved.isEmpty());
    QCOMPARE(refused.skippedKeys, QStringList { key });
    QVERIFY2(refused.error.contains(QStringLiteral("model-2")), qPrintable(refused.error));
    QCOMPARE(contents(m_src), before);

    MoveOptions leave;
    leave.leaveBehind = true;
    const MoveReport r = maintenance::moveCache(m_src, to, leave, noProgress, never);
    QVERIFY2(r.switchable(), qPrintable(r.error));
    QCOMPARE(r.moved.size(), 4);
    QVERIFY(!r.moved.contains(key));
    QCOMPARE(r.skipped.size(), 1);
    QVERIFY2(r.skipped.first().contains(QStringLiteral("model-2")), qPrintable(r.skipped.first()));
    QVERIFY(maintenance::finishMove(to).sourcesRemoved);
    QVERIFY(QFileInfo::exists(paths.folder()));
    QCOMPARE(cache::readLock(paths), lockContent);
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + key));
}

void TestCacheMover::staleLockIsTakenOver()
{
    // A lock whose owner is dead, long untouched: `list` calls it stale, so the mover takes it over.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QString key = m_keys.at(3);
    const EntryPaths paths { m_src, key };
    QVERIFY(test::writeFile(paths.lock(),
        cache::lockContent(
            util::hostName(), test::deadPid(), QStringLiteral("fedcba9876543210fedcba9876543210"))));
    QVERIFY(test::setMTime(paths.lock(), QDateTime::currentSecsSinceEpoch() - 3600));
    QString error;
    QVERIFY(cache::scanKey(m_src, key, ScanOptions()).state != EntryState::Downloading);
    const QString to = destination(true, QStringLiteral("stale"));
    const MoveReport r = maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never);
    QVERIFY2(r.switchable(), qPrintable(r.error));
    QCOMPARE(r.moved.size(), 5);
    QVERIFY(r.skipped.isEmpty());
    QVERIFY(maintenance::finishMove(to).sourcesRemoved);
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QCOMPARE(cache::scanKey(to, key, ScanOptions()).state, EntryState::Complete);
}

void TestCacheMover::interruptedMoveIsFinished_data()
{
    QTest::addColumn<bool>("otherVolume");
    QTest::addColumn<bool>("fromSource");
    QTest::newRow("same volume, setting still old") << false << true;
    QTest::newRow("across volumes, setting still old") << true << true;
    QTest::newRow("across volumes, setting switched") << true << false;
}

void TestCacheMover::interruptedMoveIsFinished()
{
    // A crash right after the copy: the journal is found from either folder and finishes the move.
    QFETCH(bool, otherVolume);
    QFETCH(bool, fromSource);
    TFHUB_REQUIRE(!otherVolume || !g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(otherVolume, QStringLiteral("crash"));
    QVERIFY(maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never).switchable());
    const QString dir = fromSource ? m_src : to;
    const auto pending = maintenance::pendingMove(dir);
    QVERIFY2(pending.ok(), pending.ok() ? "" : qPrintable(pending.error()));
    QVERIFY(pending->has_value());
    QCOMPARE((*pending)->from, QDir::cleanPath(m_src));
    QCOMPARE((*pending)->to, QDir::cleanPath(to));
    QCOMPARE((*pending)->phase, maintenance::MoveJournal::Phase::Copied);
    QCOMPARE((*pending)->items.size(), 5);
    // A second move is refused while this one is pending.
    QVERIFY(!maintenance::moveCache(
        m_src, destination(false, QStringLiteral("other")), MoveOptions(), noProgress, never)
                 .switchable());

    const MoveReport f = maintenance::finishMove(dir);
    QVERIFY2(f.sourcesRemoved, qPrintable(f.error));
    QCOMPARE(f.moved.size(), 5);
    QMap<QString, QByteArray> expected = before;
    expected.remove(QStringLiteral("notes.txt"));
    QCOMPARE(contents(to), expected);
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QVERIFY(!maintenance::pendingMove(dir)->has_value());
}

void TestCacheMover::interruptedMoveIsUndone_data()
{
    QTest::addColumn<bool>("otherVolume");
    QTest::newRow("same volume") << false;
    QTest::newRow("across volumes") << true;
}

void TestCacheMover::interruptedMoveIsUndone()
{
    QFETCH(bool, otherVolume);
    TFHUB_REQUIRE(!otherVolume || !g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(otherVolume, QStringLiteral("undo"));
    QVERIFY(maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never).switchable());
    const MoveReport u = maintenance::undoMove(m_src);
    QVERIFY2(u.undone, qPrintable(u.error));
    QCOMPARE(contents(m_src), before);
    QVERIFY2(namesIn(to).isEmpty(), qPrintable(namesIn(to).join(QLatin1Char(' '))));
    QVERIFY(!hasJournal(m_src));
    QVERIFY(!maintenance::pendingMove(m_src)->has_value());
}

void TestCacheMover::cutShortWhileCopyingCanOnlyBeUndone()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("copying"));
    QVERIFY(maintenance::moveCache(m_src, to, MoveOptions(), noProgress, never).switchable());
    // As a kill during the copy leaves it: the journal still says "copying".
    for (const QString &dir : { m_src, to }) {
        const QString path = dir + QLatin1Char('/') + maintenance::MoveJournal::fileName();
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QByteArray text = f.readAll();
        f.close();
        QVERIFY(text.contains("\"copied\""));
        QVERIFY(util::atomicWrite(path, text.replace("\"copied\"", "\"copying\"")).ok());
    }
    const MoveReport f = maintenance::finishMove(to);
    QVERIFY(!f.sourcesRemoved);
    QVERIFY2(f.error.contains(QStringLiteral("undo")), qPrintable(f.error));
    QCOMPARE(contents(m_src), before);
    const MoveReport u = maintenance::undoMove(to);
    QVERIFY2(u.undone, qPrintable(u.error));
    QCOMPARE(contents(m_src), before);
    QVERIFY(namesIn(to).isEmpty());
}

void TestCacheMover::destinationChecks()
{
    QVERIFY(!maintenance::checkMoveDestination(m_src, m_src, 0).ok());
    QVERIFY(!maintenance::checkMoveDestination(m_src, m_src + QStringLiteral("/inner"), 0).ok());
    // A read-only mount: access() would say yes to root, the probe file says no.
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    const QString ro = g_tmpfs + QStringLiteral("/ro");
    QVERIFY(QDir().mkpath(ro));
    QVERIFY(::mount(QFile::encodeName(ro).constData(), QFile::encodeName(ro).constData(), nullptr, MS_BIND,
                nullptr)
        == 0);
    QVERIFY(::mount(nullptr, QFile::encodeName(ro).constData(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                nullptr)
        == 0);
    const Status s = maintenance::checkMoveDestination(m_src, ro, 0);
    ::umount2(QFile::encodeName(ro).constData(), MNT_DETACH);
    QVERIFY(!s.ok());
    QVERIFY2(s.error().contains(ro) && s.error().contains(QStringLiteral("ead-only")), qPrintable(s.error()));
    QVERIFY(maintenance::checkMoveDestination(m_src, destination(false, QStringLiteral("fine")), 0).ok());
}

void TestCacheMover::moverObjectReportsProgress()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    // The one-shot form: copy and delete the sources in one go.
    CacheMover mover;
    QSignalSpy progress(&mover, &CacheMover::progressChanged);
    QSignalSpy finished(&mover, &CacheMover::finished);
    const QString to = destination(true, QStringLiteral("threaded"));
    mover.start(m_src, to);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(1).toString(), QString());
    const MoveReport report = finished.first().at(0).value<MoveReport>();
    QCOMPARE(report.moved.size(), 5);
    QVERIFY(report.sourcesRemoved);
    QVERIFY(!progress.isEmpty());
    QVERIFY(!mover.isRunning());
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
}

void TestCacheMover::moverObjectInSteps()
{
    // As a settings page uses it: copy, (save the setting,) then finish.
    CacheMover mover;
    QSignalSpy finished(&mover, &CacheMover::finished);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("steps"));
    mover.start(m_src, to, MoveOptions());
    QVERIFY(finished.wait(30000));
    const MoveReport copied = finished.takeFirst().at(0).value<MoveReport>();
    QVERIFY2(copied.switchable(), qPrintable(copied.error));
    QVERIFY(!copied.sourcesRemoved);
    QCOMPARE(contents(m_src), before);
    mover.finishMove();
    QVERIFY(finished.wait(30000));
    const MoveReport done = finished.takeFirst().at(0).value<MoveReport>();
    QVERIFY2(done.sourcesRemoved, qPrintable(done.error));
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
}

int main(int argc, char **argv)
{
    g_tmpfsError = test::mountPrivateTmpfs("tst_cachemover", TmpfsBytes, &g_tmpfs);
    int status = 0;
    {
        QCoreApplication app(argc, argv);
        TestCacheMover test;
        status = QTest::qExec(&test, argc, argv);
    }
    if (!g_tmpfs.isEmpty()) {
        ::umount2(QFile::encodeName(g_tmpfs).constData(), MNT_DETACH);
        ::rmdir(QFile::encodeName(g_tmpfs).constData());
    }
    return status;
}

#include "tst_cachemover.moc"
