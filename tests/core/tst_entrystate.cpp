#include "core/cache/entrystate.h"

#include <QtTest>

using namespace tfhub;
using namespace tfhub::cache;

Q_DECLARE_METATYPE(tfhub::EntryState)
Q_DECLARE_METATYPE(tfhub::cache::LockStatus)
Q_DECLARE_METATYPE(tfhub::cache::Liveness)

namespace {

const QDateTime kNow = QDateTime::fromSecsSinceEpoch(1'700'000'000);
const QString kKey = QStringLiteral("29abffb443cb0a0ca9c72e8e3863b76d85028490");

// The facts of one key, built by the rows below; every row starts from "nothing there".
struct Facts
{
    EntryFacts f;
    Facts()
    {
        f.key = kKey;
        f.now = kNow;
        f.graceSecs = 30;
        f.noProgressSecs = 20 * 60;
    }
    Facts &folder(bool loadable = true)
    {
        f.hasFolder = true;
        f.loadable = loadable;
        return *this;
    }
    Facts &missing(const QString &path)
    {
        f.missingFiles << path;
        return *this;
    }
    Facts &emptyFolder()
    {
        f.hasFolder = true;
        f.folderEmpty = true;
        return *this;
    }
    Facts &fileNotFolder()
    {
        f.hasFolder = true;
        f.folderIsDir = false;
        return *this;
    }
    Facts &unreadableParts()
    {
        f.folderProblems = true;
        return *this;
    }
    // A lock of `host` pid 42 judged `liveness`, whose download last changed `secsAgo` ago.
    Facts &lock(Liveness liveness, qint64 secsAgo, const QString &host = QStringLiteral("here"))
    {
        f.hasLock = true;
        f.lock.host = host;
        f.lock.pid = 42;
        f.lock.uid = QStringLiteral("0123456789abcdef0123456789abcdef");
        f.lock.valid = true;
        f.liveness = liveness;
        f.lastProgress = kNow.addSecs(-secsAgo);
        return *this;
    }
    Facts &unreadableLock(Liveness liveness, qint64 secsAgo)
    {
        lock(liveness, secsAgo);
        f.lock = LockOwner();
        f.lock.raw = QStringLiteral("garbage");
        return *this;
    }
    Facts &noProgressKnown()
    {
        f.lastProgress = QDateTime();
        return *this;
    }
    Facts &tmp()
    {
        f.hasTmpFolders = true;
        return *this;
    }
    Facts &atomicTemp()
    {
        f.hasAtomicTemps = true;
        return *this;
    }
};

} // namespace

Q_DECLARE_METATYPE(Facts)

class TestEntryState final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decide_data()
    {
        QTest::addColumn<Facts>("facts");
        QTest::addColumn<EntryState>("state");
        QTest::addColumn<LockStatus>("lock");
        QTest::addColumn<QString>("detail"); // a part of the detail; empty: the detail is empty

        using S = EntryState;
        using L = LockStatus;
        using V = Liveness;
        const QString none;
        QTest::newRow("complete") << Facts().folder() << S::Complete << L::None << none;
        QTest::newRow("complete, tmp left over") << Facts().folder().tmp() << S::Complete << L::None << none;
        QTest::newRow("empty folder") << Facts().emptyFolder() << S::EmptyFolder << L::None << none;
        QTest::newRow("not loadable") << Facts().folder(false) << S::NotLoadable << L::None << none;
        QTest::newRow("broken: a shard missing")
            << Facts().folder().missing(QStringLiteral("variables/variables.data-00003-of-00008"))
            << S::Broken << L::None << QStringLiteral("Missing variables/variables.data-00003-of-00008.");
        QTest::newRow("broken beside a stale lock")
            << Facts().folder().missing(QStringLiteral("variables/variables.index")).lock(V::Dead, 3600)
            << S::Broken << L::Stale << QStringLiteral("stale lock");
        QTest::newRow("missing files of no model: not loadable, not broken") << Facts().folder(false).missing(
            QStringLiteral("saved_model.pb")) << S::NotLoadable << L::None << none;
        QTest::newRow("live lock over a broken folder: downloading")
            << Facts().folder().missing(QStringLiteral("variables/variables.index")).lock(V::Alive, 5)
            << S::Downloading << L::Live << QStringLiteral("here pid 42");
        QTest::newRow("not loadable, unreadable parts")
            << Facts().folder(false).unreadableParts() << S::NotLoadable << L::None
            << QStringLiteral("Parts of the folder cannot be read.");
        QTest::newRow("file, not folder") << Facts().fileNotFolder() << S::NotLoadable << L::None
                                          << QStringLiteral("%1 is a file, not a folder.").arg(kKey);
        QTest::newRow("file, not folder, even when called loadable")
            << Facts().fileNotFolder().folder() << S::NotLoadable << L::None
            << QStringLiteral("not a folder");
        QTest::newRow("abandoned tmp") << Facts().tmp() << S::AbandonedPartial << L::None << none;
        QTest::newRow("abandoned atomic temp")
            << Facts().atomicTemp() << S::AbandonedPartial << L::None << none;
        QTest::newRow("orphan descriptor") << Facts() << S::OrphanDescriptor << L::None << none;

        // A live lock owns the entry, whatever else is there.
        QTest::newRow("alive, tmp") << Facts().lock(V::Alive, 5).tmp() << S::Downloading << L::Live
                                    << QStringLiteral("Being downloaded by here pid 42.");
        QTest::newRow("alive beside complete folder") << Facts().folder().lock(V::Alive, 5) << S::Downloading
                                                      << L::Live << QStringLiteral("here pid 42");
        QTest::newRow("remote active") << Facts().lock(V::RemoteActive, 60, QStringLiteral("far.example"))
                                       << S::Downloading << L::Live << QStringLiteral("another host");
        QTest::newRow("unreadable lock, progressing") << Facts().unreadableLock(V::Unreadable,
            60) << S::Downloading << L::Live << QStringLiteral("an unreadable lock (\"garbage\")");
        QTest::newRow("dead within grace") << Facts().lock(V::Dead, 10).tmp() << S::Downloading << L::Live
                                           << QStringLiteral("changed 10 s ago");
        QTest::newRow("dead after grace")
            << Facts().lock(V::Dead, 30).tmp() << S::StaleLock << L::Stale
            << QStringLiteral("Locked by here pid 42, which is no longer running.");
        QTest::newRow("dead, no progress known")
            << Facts().lock(V::Dead, 0).noProgressKnown().tmp() << S::StaleLock << L::Stale
            << QStringLiteral("no longer running");
        QTest::newRow("remote stale") << Facts().lock(V::RemoteStale, 3600, QStringLiteral("far.example"))
                                      << S::StaleLock << L::Stale << QStringLiteral("with no progress since");

        // The library takes over any lock after its no-progress window, live holder or not.
        QTest::newRow("alive, no progress for the window")
            << Facts().lock(V::Alive, 20 * 60).tmp() << S::StaleLock << L::Stale
            << QStringLiteral("Locked by here pid 42, which is running but made no progress for 20 minutes.");
        QTest::newRow("alive, no progress for hours")
            << Facts().lock(V::Alive, 3 * 3600 + 59).tmp() << S::StaleLock << L::Stale
            << QStringLiteral("no progress for 180 minutes");
        QTest::newRow("alive, a second short of the window")
            << Facts().lock(V::Alive, 20 * 60 - 1).tmp() << S::Downloading << L::Live
            << QStringLiteral("Being downloaded");
        QTest::newRow("alive, no progress, beside complete folder") << Facts().folder().lock(V::Alive,
            3600) << S::Complete << L::Stale << QStringLiteral("Complete; a stale lock is left over.");

        // A stale lock beside a folder: a loadable folder wins, anything else is the stale lock.
        QTest::newRow("stale lock beside complete folder") << Facts().folder().lock(V::Dead,
            3600) << S::Complete << L::Stale << QStringLiteral("Complete; a stale lock is left over.");
        QTest::newRow("stale lock beside empty folder") << Facts().emptyFolder().lock(
            V::Dead, 3600) << S::StaleLock << L::Stale << QStringLiteral("no longer");
        QTest::newRow("stale lock beside unloadable folder") << Facts().folder(false).lock(
            V::Dead, 3600) << S::StaleLock << L::Stale << QStringLiteral("no longer");
    }

    void decide()
    {
        QFETCH(Facts, facts);
        QFETCH(EntryState, state);
        QFETCH(LockStatus, lock);
        QFETCH(QString, detail);
        const StateDecision d = decideState(facts.f);
        QCOMPARE(d.state, state);
        QCOMPARE(d.lock, lock);
        if (detail.isEmpty())
            QVERIFY2(d.detail.isEmpty(), qPrintable(d.detail));
        else
            QVERIFY2(d.detail.contains(detail), qPrintable(d.detail));
    }
};

QTEST_GUILESS_MAIN(TestEntryState)
#include "tst_entrystate.moc"
