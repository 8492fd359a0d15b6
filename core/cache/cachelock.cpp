#include "core/cache/cachelock.h"

#include "core/cache/lockinfo.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cachelock", text);
}

QString hex32()
{
    return QUuid::createUuid().toString(QUuid::Id128);
}

Status writeNewFile(const QString &path, const QByteArray &data)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error { tr("Cannot create %1: %2").arg(path, util::errnoText(errno)) };
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, static_cast<size_t>(data.size() - done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            ::unlink(native.constData());
            return Error { tr("Cannot write %1: %2").arg(path, util::errnoText(err)) };
        }
        done += n;
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(native.constData());
        return Error { tr("Cannot write %1: %2").arg(path, util::errnoText(err)) };
    }
    return {};
}
} // namespace

namespace cachelock {

Result<bool> tryAcquire(const EntryPaths &paths, const QByteArray &content)
{
    if (!QDir().mkpath(paths.root))
        return Error { tr("Cannot create the cache folder %1: %2").arg(paths.root, util::errnoText(errno)) };
    const QString temp = paths.lock() + QStringLiteral(".tmp") + hex32();
    if (Status s = writeNewFile(temp, content); !s)
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

QByteArray read(const EntryPaths &paths, bool *exists)
{
    QFile f(paths.lock());
    const bool open = f.open(QIODevice::ReadOnly);
    if (exists)
        *exists = open || QFileInfo::exists(paths.lock());
    return open ? f.read(4096) : QByteArray();
}

void release(const EntryPaths &paths, const QByteArray &content)
{
    bool exists = false;
    if (read(paths, &exists) == content && exists)
        QFile::remove(paths.lock());
}

Status atomicWrite(const QString &path, const QByteArray &data)
{
    const QString temp = path + QStringLiteral(".tmp") + hex32();
    if (Status s = writeNewFile(temp, data); !s)
        return s;
    if (::rename(QFile::encodeName(temp).constData(), QFile::encodeName(path).constData()) != 0) {
        const int err = errno;
        ::unlink(QFile::encodeName(temp).constData());
        return Error { tr("Cannot write %1: %2").arg(path, util::errnoText(err)) };
    }
    return {};
}

Status removeTree(const QString &path)
{
    const util::PathInfo info = util::stat(path);
    if (!info.exists)
        return {};
    if (!info.isDir) {
        if (!QFile::remove(path))
            return Error { tr("Cannot remove %1: %2").arg(path, util::errnoText(errno)) };
        return {};
    }
    if (!QDir(path).removeRecursively())
        return Error { tr("Cannot remove all of %1 (some files could not be deleted).").arg(path) };
    return {};
}

} // namespace cachelock

LockWatcher::LockWatcher(EntryPaths paths, QString localHost, int graceSecs, int noProgressSecs)
    : m_paths(std::move(paths))
    , m_localHost(std::move(localHost))
    , m_graceSecs(graceSecs)
    , m_noProgressSecs(noProgressSecs)
{
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
    const QByteArray content = cachelock::read(m_paths, &exists);
    if (!exists)
        return Verdict::Gone;
    const LockOwner owner = lock::parse(content);
    const qint64 tmpBytes = owner.valid ? util::measure(m_paths.tmpFolder(owner.uid)).bytes : 0;
    // Progress is what the library compares: the lock's content and the tmp folder's byte size.
    if (content != m_content || tmpBytes != m_tmpBytes || !m_lastChange.isValid()) {
        m_content = content;
        m_owner = owner;
        m_tmpBytes = tmpBytes;
        m_lastChange = now;
    }
    const qint64 still = m_lastChange.secsTo(now);
    if (owner.valid && owner.host == m_localHost) {
        const util::ProcessInfo p = util::processInfo(owner.pid);
        const QDateTime written = util::stat(m_paths.lock()).mtime;
        const bool reused
            = p.alive && p.started.isValid() && written.isValid() && p.started > written.addSecs(1);
        if (p.alive && !reused) {
            m_reason = tr("being downloaded by %1").arg(holderText());
            return Verdict::Wait;
        }
        if (still >= m_graceSecs) {
            m_reason = tr("%1 is no longer running").arg(holderText());
            return Verdict::TakeOver;
        }
        m_reason = tr("%1 is not running here; waiting %2 s for its download to show progress")
                       .arg(holderText())
                       .arg(m_graceSecs - still);
        return Verdict::Wait;
    }
    if (still >= m_noProgressSecs) {
        m_reason = tr("%1 made no progress for %2 s").arg(holderText()).arg(still);
        return Verdict::TakeOver;
    }
    m_reason = tr("being downloaded by %1").arg(holderText());
    return Verdict::Wait;
}

} // namespace tfhub
