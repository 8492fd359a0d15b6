#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/maintenance/cachemover.h"
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
#include <unistd.h>

using namespace tfhub;

namespace {

// Set up in main() before any thread exists: a namespace only applies to the thread that asks for
// it, and every thread of the test must see the tmpfs.
QString g_tmpfs;
QString g_tmpfsError;

constexpr int TmpfsBytes = 8 * 1024 * 1024;

QString setUpTmpfs()
{
    char tmpl[] = "/tmp/tst_cachemover-tmpfs-XXXXXX";
    if (!::mkdtemp(tmpl))
        return QStringLiteral("mkdtemp: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    if (const QString error = test::enterPrivateMountNamespace(); !error.isEmpty())
        return error;
    const QByteArray options = "size=" + QByteArray::number(TmpfsBytes) + ",mode=0755";
    if (::mount("tmpfs", tmpl, "tmpfs", 0, options.constData()) != 0)
        return QStringLiteral("mounting a tmpfs on %1 was refused: %2")
            .arg(QString::fromLocal8Bit(tmpl), QString::fromLocal8Bit(std::strerror(errno)));
    g_tmpfs = QString::fromLocal8Bit(tmpl);
    return QString();
}

// Relative path -> content of every file under `root`.
QMap<QString, QByteArray> contents(const QString &root)
{
    QMap<QString, QByteArray> files;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        files.insert(
            QDir(root).relativeFilePath(path), f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("?"));
    }
    return files;
}

QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

} // namespace

class TestCacheMover final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void renameWithinVolume();
    void copyAcrossVolumes();
    void cancelledHalfWayLosesNothing_data();
    void cancelledHalfWayLosesNothing();
    void liveLockIsSkipped();
    void destinationChecks();
    void moverObjectReportsProgress();

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
    const Result<MoveReport> r = maintenance::moveCache(
        m_src, to, [](const MoveProgress &) {}, [] { return false; });
    QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error()));
    QVERIFY(!r->crossVolume);
    QCOMPARE(r->moved.size(), 5);
    QCOMPARE(r->leftBehind.size(), 1); // notes.txt is not ours to move
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QMap<QString, QByteArray> expected = before;
    expected.remove(QStringLiteral("notes.txt"));
    QCOMPARE(contents(to), expected);
    QString error;
    for (const CacheEntry &e : cache::scanAll(to, ScanOptions(), &error))
        QCOMPARE(e.state, EntryState::Complete);
}

void TestCacheMover::copyAcrossVolumes()
{
    TFHUB_REQUIRE(!g_tmpfs.isEmpty(), g_tmpfsError);
    QVERIFY(util::volumeInfo(g_tmpfs).totalBytes <= TmpfsBytes);
    const QMap<QString, QByteArray> before = contents(m_src);
    const QString to = destination(true, QStringLiteral("moved cache"));
    QList<MoveProgress> seen;
    const Result<MoveReport> r = maintenance::moveCache(
        m_src, to, [&seen](const MoveProgress &p) { seen << p; }, [] { return false; });
    QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error()));
    QVERIFY(r->crossVolume);
    QCOMPARE(r->moved.size(), 5);
    QMap<QString, QByteArray> expected = before;
    expected.remove(QStringLiteral("notes.txt"));
    QCOMPARE(contents(to), expected);
    QCOMPARE(namesIn(m_src), QStringList { QStringLiteral("notes.txt") });
    QVERIFY(!seen.isEmpty());
    QCOMPARE(seen.last().doneBytes, seen.last().totalBytes);
    QCOMPARE(seen.last().doneEntries, 5);
    for (qsizetype i = 1; i < seen.size(); ++i)
        QVERIFY(seen.at(i).doneBytes >= seen.at(i - 1).doneBytes);

    // No room: a cache larger than the tmpfs is refused before anything is copied.
    const QString big = m_tmp->filePath(QStringLiteral("big"));
    const QString key = test::makeEntry(big, QStringLiteral("https://tfhub.dev/test/big/1"),
        test::savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QVERIFY(test::writeFile(big + QLatin1Char('/') + key + QStringLiteral("/variables/huge.bin"),
        QByteArray(TmpfsBytes + 1024, 'x')));
    const Result<MoveReport> full = maintenance::moveCache(
        big, destination(true, QStringLiteral("full")), [](const MoveProgress &) {}, [] { return false; });
    QVERIFY(!full.ok());
    QVERIFY2(full.error().contains(QStringLiteral("Not enough room")), qPrintable(full.error()));
    QVERIFY(QFileInfo::exists(big + QLatin1Char('/') + key + QStringLiteral("/variables/huge.bin")));
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
    const Result<MoveReport> r = maintenance::moveCache(m_src, to, progress, [&cancel] { return cancel; });
    QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error()));
    QVERIFY(r->cancelled);
    QCOMPARE(r->moved.size(), 2);
    // Every entry wholly in one place, complete, never in both; no partial copy left behind.
    const QMap<QString, QByteArray> inSource = contents(m_src);
    const QMap<QString, QByteArray> inDestination = contents(to);
    QMap<QString, QByteArray> together = inSource;
    for (auto it = inDestination.cbegin(); it != inDestination.cend(); ++it) {
        QVERIFY2(!together.contains(it.key()), qPrintable(it.key()));
        together.insert(it.key(), it.value());
    }
    QCOMPARE(together, before);
    for (const QString &key : std::as_const(m_keys)) {
        const bool moved = r->moved.contains(key);
        QCOMPARE(QFileInfo::exists(to + QLatin1Char('/') + key), moved);
        QCOMPARE(QFileInfo::exists(m_src + QLatin1Char('/') + key), !moved);
        QVERIFY(!QFileInfo::exists(m_src + QLatin1Char('/') + key + QStringLiteral(".lock")));
    }
    for (const QString &name : namesIn(to))
        QVERIFY2(!name.endsWith(QLatin1String(".tmp")), qPrintable(name));
    // Going on later finishes the job.
    const Result<MoveReport> rest = maintenance::moveCache(
        m_src, to, [](const MoveProgress &) {}, [] { return false; });
    QVERIFY(rest.ok());
    QCOMPARE(rest->moved.size(), 3);
}

void TestCacheMover::liveLockIsSkipped()
{
    // A download in progress by this very (live) process: its entry must stay.
    const QString key = m_keys.at(2);
    const EntryPaths paths { m_src, key };
    const QByteArray lockContent = cache::lockContent(util::hostName(), QCoreApplication::applicationPid(),
        QStringLiteral("0123456789abcdef0123456789abcdef"));
    QVERIFY(test::writeFile(paths.lock(), lockContent));
    QVERIFY(QDir().mkpath(paths.tmpFolder(QStringLiteral("0123456789abcdef0123456789abcdef"))));
    const QString to = destination(false, QStringLiteral("dest"));
    const Result<MoveReport> r = maintenance::moveCache(
        m_src, to, [](const MoveProgress &) {}, [] { return false; });
    QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error()));
    QCOMPARE(r->moved.size(), 4);
    QVERIFY(!r->moved.contains(key));
    QCOMPARE(r->skipped.size(), 1);
    QVERIFY2(r->skipped.first().contains(QStringLiteral("model-2")), qPrintable(r->skipped.first()));
    QVERIFY(QFileInfo::exists(paths.folder()));
    QCOMPARE(cache::readLock(paths), lockContent);
    QVERIFY(!QFileInfo::exists(to + QLatin1Char('/') + key));
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
    CacheMover mover;
    QSignalSpy progress(&mover, &CacheMover::progressChanged);
    QSignalSpy finished(&mover, &CacheMover::finished);
    const QString to = destination(true, QStringLiteral("threaded"));
    mover.start(m_src, to);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().at(1).toString(), QString());
    const MoveReport report = finished.first().at(0).value<MoveReport>();
    QCOMPARE(report.moved.size(), 5);
    QVERIFY(!progress.isEmpty());
    QVERIFY(!mover.isRunning());
}

int main(int argc, char **argv)
{
    g_tmpfsError = setUpTmpfs();
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
