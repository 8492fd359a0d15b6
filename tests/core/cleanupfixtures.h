#pragma once

// Fixtures shared by the cleanup suites (tst_cleanup: the rules; tst_cleanupexec: execution and
// safety): real caches in a QTemporaryDir with times set explicitly (utimensat), never extra knobs.

#include "core/cache/lock.h"
#include "core/hub/handle.h"
#include "core/maintenance/cleanupplan.h"
#include "core/maintenance/pins.h"
#include "core/util/fsutil.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>

namespace tfhub::test::cleanupfixtures {

inline const QString kUid = QStringLiteral("0123456789abcdef0123456789abcdef");

inline constexpr qint64 kDay = 86400;

inline QString keyOf(const QString &handle)
{
    return Handle::cacheKeyOf(handle);
}

// Sets only the access time of every file and folder of a tree, as a user's loads leave it.
inline bool setTreeATime(const QString &root, qint64 secs)
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
inline bool setTreeMTime(const QString &root, qint64 secs)
{
    bool ok = test::setMTime(root, secs);
    QDirIterator it(
        root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        ok = test::setMTime(it.next(), secs) && ok;
    return ok;
}

inline QStringList keysOf(const QList<CleanupItem> &items)
{
    QStringList keys;
    for (const CleanupItem &i : items)
        keys << i.key;
    keys.sort();
    return keys;
}

inline QStringList entryKeys(const QList<CacheEntry> &entries)
{
    QStringList keys;
    for (const CacheEntry &e : entries)
        keys << e.key;
    keys.sort();
    return keys;
}

inline QStringList sorted(QStringList l)
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

inline QString keptReason(const CleanupPlan &plan, const QString &key)
{
    for (const CleanupKept &k : plan.kept) {
        if (k.key == key)
            return k.reason;
    }
    return QString();
}

inline CacheEntry entryOf(const QList<CacheEntry> &entries, const QString &key)
{
    for (const CacheEntry &e : entries) {
        if (e.key == key)
            return e;
    }
    return CacheEntry();
}

// The suites derive from this beside QObject.
class CleanupFixture
{
protected:
    QProcess m_liveOwner; ///< a running process whose PID live locks name
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

    // For initTestCase.
    bool startLiveOwner()
    {
        m_now = QDateTime::currentSecsSinceEpoch();
        m_liveOwner.start(QStringLiteral("sleep"), { QStringLiteral("600") });
        return m_liveOwner.waitForStarted();
    }

    // For cleanupTestCase.
    void stopLiveOwner()
    {
        m_liveOwner.kill();
        m_liveOwner.waitForFinished();
    }
};

} // namespace tfhub::test::cleanupfixtures
