#include "core/cache/lock.h"

#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cachelock", text);
}

} // namespace

namespace cache {

LockOwner parseLock(const QByteArray &content)
{
    LockOwner owner;
    owner.raw = QString::fromUtf8(content);
    const QString text = owner.raw.trimmed();
    const qsizetype lastDot = text.lastIndexOf(QLatin1Char('.'));
    if (lastDot <= 0)
        return owner;
    const qsizetype pidDot = text.lastIndexOf(QLatin1Char('.'), lastDot - 1);
    if (pidDot <= 0)
        return owner;
    bool pidOk = false;
    const qint64 pid = text.mid(pidDot + 1, lastDot - pidDot - 1).toLongLong(&pidOk);
    const QString uid = text.mid(lastDot + 1);
    static const QRegularExpression uidPattern(QStringLiteral("^[0-9a-f]{32}$"));
    if (!pidOk || pid <= 0 || !uidPattern.match(uid).hasMatch())
        return owner;
    owner.host = text.left(pidDot);
    owner.pid = pid;
    owner.uid = uid;
    owner.valid = true;
    return owner;
}

QByteArray lockContent(const QString &host, qint64 pid, const QString &uid)
{
    return (host + QLatin1Char('.') + QString::number(pid) + QLatin1Char('.') + uid).toUtf8();
}

Liveness judgeLock(const LockOwner &owner, const QDateTime &lockWritten, const QDateTime &lastProgress,
    const QString &localHost, int noProgressSecs, const QDateTime &now)
{
    const bool progressed = lastProgress.isValid() && lastProgress.secsTo(now) < noProgressSecs;
    if (!owner.valid)
        return progressed ? Liveness::Unreadable : Liveness::RemoteStale;
    if (owner.host != localHost)
        return progressed ? Liveness::RemoteActive : Liveness::RemoteStale;
    const util::ProcessInfo p = util::processInfo(owner.pid);
    if (!p.alive)
        return Liveness::Dead;
    // A PID is reused once its process is gone: a process younger than the lock is not its writer.
    // Start times are known to a clock tick; allow a second of slack.
    if (p.started.isValid() && lockWritten.isValid() && p.started > lockWritten.addSecs(1))
        return Liveness::Dead;
    return Liveness::Alive;
}

Result<bool> tryAcquireLock(const EntryPaths &paths, const QByteArray &content)
{
    if (!QDir().mkpath(paths.root))
        return Error { tr("Cannot create the cache folder %1: %2").arg(paths.root, util::errnoText(errno)) };
    const QString temp = paths.lock() + QStringLiteral(".tmp") + util::randomHex32();
    if (Status s = util::writeNewFile(temp, content); !s)
        return Error { s.error() };
    const int rc = ::link(QFile::encodeName(temp).constData(), QFile::encodeName(paths.lock()).constData());
    const int err = errno;
    ::unlink(QFile::encodeName(temp).constData());
    if (rc == 0)
        return true;
    if (err == EEXIST)
        return false;
    return Error { tr("Cannot create the lock %1: %2").arg(paths.lock(), util::errnoText(err)) };
}

QByteArray readLock(const EntryPaths &paths, bool *exists)
{
    QFile f(paths.lock());
    const bool open = f.open(QIODevice::ReadOnly);
    if (exists)
        *exists = open || QFileInfo::exists(paths.lock());
    return open ? f.read(4096) : QByteArray();
}

void releaseLock(const EntryPaths &paths, const QByteArray &content)
{
    bool exists = false;
    if (readLock(paths, &exists) == content && exists)
        QFile::remove(paths.lock());
}

} // namespace cache

LockWatcher::LockWatcher(EntryPaths paths, QString localHost, int graceSecs, int noProgressSecs)
    : m_paths(std::move(paths))
    , m_localHost(std::move(localHost))
    , m_graceSecs(graceSecs)
    , m_noProgressSecs(noProgressSecs)
{
}

bool LockWatcher::removeIfUnchanged()
{
    // Move the lock aside first: from then on nobody can replace what we compare and remove (a
    // plain compare-then-unlink could delete a lock another waiter took in between). The aside
    // name is a library-style temporary, which scanners recognise should we die here.
    const QByteArray lock = QFile::encodeName(m_paths.lock());
    const QByteArray aside = QFile::encodeName(m_paths.lock() + QStringLiteral(".tmp") + util::randomHex32());
    if (m_inode == 0 || ::rename(lock.constData(), aside.constData()) != 0)
        return false;
    struct stat st = {};
    QFile f(QFile::decodeName(aside));
    const bool same = ::lstat(aside.constData(), &st) == 0 && static_cast<quint64>(st.st_ino) == m_inode
        && f.open(QIODevice::ReadOnly) && f.read(4096) == m_content;
    if (!same) {
        // Not the lock we judged: put it back, unless yet another lock has appeared meanwhile.
        ::link(aside.constData(), lock.constData());
    }
    ::unlink(aside.constData());
    return same;
}

QString LockWatcher::holderText() const
{
    if (m_owner.valid)
        return tr("%1 pid %2").arg(m_owner.host).arg(m_owner.pid);
    return tr("an unknown process (lock content \"%1\")").arg(QString::fromUtf8(m_content.left(80)));
}

LockWatcher::Verdict LockWatcher::check(const QDateTime &now)
{
    bool exists = false;
    const QByteArray content = cache::readLock(m_paths, &exists);
    if (!exists)
        return Verdict::Gone;
    const LockOwner owner = cache::parseLock(content);
    const util::TreeStats tmp = owner.valid ? util::measure(m_paths.tmpFolder(owner.uid)) : util::TreeStats();
    const qint64 tmpBytes = tmp.bytes;
    struct stat st = {};
    const quint64 inode = ::lstat(QFile::encodeName(m_paths.lock()).constData(), &st) == 0
        ? static_cast<quint64>(st.st_ino)
        : 0;
    // Progress is what the library compares: the lock's content and the tmp folder's byte size
    // (and a new lock file is a new holder).
    if (content != m_content || tmpBytes != m_tmpBytes || inode != m_inode || !m_lastChange.isValid()) {
        m_content = content;
        m_inode = inode;
        m_owner = owner;
        m_tmpBytes = tmpBytes;
        m_lastChange = now;
    }
    const qint64 still = m_lastChange.secsTo(now);
    const bool local = owner.valid && owner.host == m_localHost;
    // judgeLock holds the PID-reuse rule; only a local holder needs the lock's write time for it.
    const QDateTime written = local ? util::stat(m_paths.lock()).mtime : QDateTime();
    // A dead local holder's leftovers were last touched by this host's clock: how long they have
    // been idle on disk counts towards the grace, as the scanner judges them, so a prefetch after
    // a crash does not watch old leftovers for the whole grace again.
    QDateTime lastWrite = written;
    if (tmp.newestMTime.isValid() && (!lastWrite.isValid() || tmp.newestMTime > lastWrite))
        lastWrite = tmp.newestMTime;
    const qint64 idleOnDisk = lastWrite.isValid() && lastWrite < now ? lastWrite.secsTo(now) : 0;
    const cache::Liveness liveness
        = cache::judgeLock(owner, written, m_lastChange, m_localHost, m_noProgressSecs, now);
    m_holderAlive = liveness == cache::Liveness::Alive;
    if (liveness == cache::Liveness::Dead) {
        const qint64 idle = qMax(still, idleOnDisk);
        if (idle >= m_graceSecs) {
            m_reason = tr("%1 is no longer running").arg(holderText());
            return Verdict::TakeOver;
        }
        m_reason = tr("%1 is not running here; waiting %2 s for its download to show progress")
                       .arg(holderText())
                       .arg(m_graceSecs - idle);
        return Verdict::Wait;
    }
    // Alive but stuck (hung, say), or remote or unreadable without progress: the library's
    // no-progress rule applies to every holder, and we never act sooner than it does.
    if (still >= m_noProgressSecs) {
        m_reason = tr("%1 made no progress for %2 s").arg(holderText()).arg(still);
        return Verdict::TakeOver;
    }
    m_reason = tr("being downloaded by %1").arg(holderText());
    return Verdict::Wait;
}

} // namespace tfhub
