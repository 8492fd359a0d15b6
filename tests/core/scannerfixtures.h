#pragma once

// Fixtures shared by the scanner suites (tst_cachescanner, tst_cachescannerwalk, tst_scanindex):
// access times set as a user's loads leave them, and the coarse clock that stamps files.

#include "core/util/fsutil.h"

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QTest>

#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>

namespace tfhub::test::scanner {

/// Sets only the access time (the modification time stays), as a user's loads leave it.
inline bool setATime(const QString &path, qint64 secsSinceEpoch)
{
    const struct timespec times[2] = { { static_cast<time_t>(secsSinceEpoch), 0 }, { 0, UTIME_OMIT } };
    return ::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, AT_SYMLINK_NOFOLLOW) == 0;
}

/// Every file and folder of a tree, the tree's own folder included.
inline bool setTreeATime(const QString &root, qint64 secsSinceEpoch)
{
    bool ok = setATime(root, secsSinceEpoch);
    QDirIterator it(
        root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        ok = setATime(it.next(), secsSinceEpoch) && ok;
    return ok;
}

inline qint64 aTimeOf(const QString &path)
{
    return util::stat(path).atime.toSecsSinceEpoch();
}

inline const qint64 k2020 = QDateTime(QDate(2020, 6, 1), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

/// The clock the kernel stamps files with.
inline qint64 coarseNowNs()
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return util::toNs(now);
}

/// Lets that clock move past every change made so far: only then may an entry be indexed. Some
/// ticks past, not one: with multigrain timestamps a file's ctime may be a fine-grained time ahead
/// of the coarse clock, and a loaded machine (the sanitizer build, tests in parallel) once left
/// entries of a fresh cache unindexed after a single tick.
inline void settle()
{
    const qint64 mark = coarseNowNs() + 20 * 1000 * 1000;
    QTRY_VERIFY_WITH_TIMEOUT(coarseNowNs() > mark, 2000);
}

} // namespace tfhub::test::scanner
