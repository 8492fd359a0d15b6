#include "core/maintenance/cachemover.h"

#include "core/cache/cachescanner.h"
#include "core/cache/lock.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

// rename(2) that fails with EEXIST instead of replacing what is at `to`.
bool renameNoReplace(const QByteArray &from, const QByteArray &to)
{
    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_NOREPLACE) == 0)
        return true;
    if (errno != EINVAL && errno != ENOSYS)
        return false;
    // A file system without RENAME_NOREPLACE: check, then rename (a narrow window, but no worse).
    struct stat st
    {
    };
    if (::lstat(to.constData(), &st) == 0) {
        errno = EEXIST;
        return false;
    }
    return ::rename(from.constData(), to.constData()) == 0;
}

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheMover", text);
}

constexpr qint64 ChunkBytes = 1 << 20;

struct Copier
{
    const std::function<bool()> &cancelled;
    const std::function<void(qint64)> &advance;
    QString error;
    bool stopped = false;

    // Copies one regular file, hashing what it reads; returns the hash (empty on failure or cancel).
    QByteArray copyFile(const QString &from, const QString &to, mode_t mode)
    {
        QFile in(from);
        QFile out(to);
        if (!in.open(QIODevice::ReadOnly)) {
            error = tr("Cannot read %1: %2").arg(from, in.errorString());
            return {};
        }
        if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            error = tr("Cannot write %1: %2").arg(to, out.errorString());
            return {};
        }
        Sha256 hash;
        while (!in.atEnd()) {
            if (cancelled()) {
                stopped = true;
                return {};
            }
            const QByteArray chunk = in.read(ChunkBytes);
            if (chunk.isEmpty() && in.error() != QFile::NoError) {
                error = tr("Cannot read %1: %2").arg(from, in.errorString());
                return {};
            }
            hash.addData(chunk);
            if (out.write(chunk) != chunk.size()) {
                error = tr("Cannot write %1: %2").arg(to, out.errorString());
                return {};
            }
            advance(chunk.size());
        }
        if (!out.flush() || ::fsync(out.handle()) != 0) {
            error = tr("Cannot write %1: %2").arg(to, util::errnoText(errno));
            return {};
        }
        out.close();
        ::chmod(QFile::encodeName(to).constData(), mode & 07777);
        return hash.result();
    }

    QByteArray hashOf(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        Sha256 hash;
        while (!f.atEnd())
            hash.addData(f.read(ChunkBytes));
        return hash.result();
    }

    // Copies a tree and verifies every file by reading the copy back.
    bool copyTree(const QString &from, const QString &to)
    {
        struct stat st
        {
        };
        if (::lstat(QFile::encodeName(from).constData(), &st) != 0) {
            error = tr("Cannot read %1: %2").arg(from, util::errnoText(errno));
            return false;
        }
        if (S_ISDIR(st.st_mode)) {
            if (::mkdir(QFile::encodeName(to).constData(), 0700) != 0) {
                error = tr("Cannot create %1: %2").arg(to, util::errnoText(errno));
                return false;
            }
            const QStringList names
                = QDir(from).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
            for (const QString &name : names) {
                if (!copyTree(from + QLatin1Char('/') + name, to + QLatin1Char('/') + name))
                    return false;
            }
            ::chmod(QFile::encodeName(to).constData(), st.st_mode & 07777);
            return true;
        }
        if (S_ISLNK(st.st_mode)) {
            const QByteArray raw = QFile::encodeName(from);
            char buf[4096] = {};
            const ssize_t n = ::readlink(raw.constData(), buf, sizeof buf - 1);
            if (n < 0 || ::symlink(buf, QFile::encodeName(to).constData()) != 0) {
                error = tr("Cannot copy the link %1: %2").arg(from, util::errnoText(errno));
                return false;
            }
            return true;
        }
        if (!S_ISREG(st.st_mode)) {
            error = tr("Cannot copy %1: it is not a regular file, folder or link.").arg(from);
            return false;
        }
        const QByteArray sourceHash = copyFile(from, to, st.st_mode);
        if (sourceHash.isEmpty())
            return false;
        if (hashOf(to) != sourceHash) {
            error = tr("The copy %1 differs from %2 after writing; the source is kept.").arg(to, from);
            return false;
        }
        return true;
    }
};

dev_t deviceOf(const QString &path)
{
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_dev : 0;
}

bool exists(const QString &path)
{
    return util::stat(path).exists;
}

} // namespace

namespace maintenance {

Status checkMoveDestination(const QString &from, const QString &to, qint64 neededBytes)
{
    const QString cleanFrom = QDir::cleanPath(QFileInfo(from).absoluteFilePath());
    const QString cleanTo = QDir::cleanPath(QFileInfo(to).absoluteFilePath());
    const QString canonFrom = QFileInfo(cleanFrom).canonicalFilePath();
    const QString canonTo = QFileInfo(cleanTo).canonicalFilePath();
    if (cleanFrom == cleanTo || (!canonFrom.isEmpty() && canonFrom == canonTo))
        return Error { tr("The cache is already in %1.").arg(to) };
    if (cleanTo.startsWith(cleanFrom + QLatin1Char('/'))
        || (!canonFrom.isEmpty() && !canonTo.isEmpty() && canonTo.startsWith(canonFrom + QLatin1Char('/'))))
        return Error { tr("Cannot move the cache into %1: it is inside the cache folder %2.").arg(to, from) };
    if (!QDir().mkpath(cleanTo))
        return Error { tr("Cannot create %1: %2").arg(to, util::errnoText(errno)) };
    // access() says yes to root on a read-only mount; creating a file says the truth.
    const QString probe
        = cleanTo + QStringLiteral("/.tfhub-write-probe-") + QUuid::createUuid().toString(QUuid::Id128);
    QFile f(probe);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return Error { tr("Cannot write to %1: %2").arg(to, f.errorString()) };
    f.close();
    f.remove();
    if (neededBytes > 0 && QFileInfo::exists(cleanFrom) && deviceOf(cleanFrom) != deviceOf(cleanTo)) {
        const util::VolumeInfo v = util::volumeInfo(cleanTo);
        if (v.freeBytes >= 0 && v.freeBytes < neededBytes)
            return Error { tr("Not enough room in %1: the cache needs %2, the volume has %3 free.")
                               .arg(to, util::humanSize(neededBytes), util::humanSize(v.freeBytes)) };
    }
    return {};
}

Result<MoveReport> moveCache(const QString &from, const QString &to,
    const std::function<void(const MoveProgress &)> &progress, const std::function<bool()> &cancelled)
{
    MoveReport report;
    report.from = from;
    report.to = to;
    QList<CacheEntry> entries;
    if (QFileInfo::exists(from)) {
        QString error;
        entries = cache::scanAll(from, ScanOptions(), &error);
        if (!error.isEmpty())
            return Error { error };
    }
    QList<CacheEntry> movable;
    MoveProgress p;
    for (const CacheEntry &e : std::as_const(entries)) {
        const QString label = e.handle.isEmpty() ? e.key : e.handle;
        if (e.state == EntryState::Foreign) {
            report.leftBehind << tr("%1: not a cache entry, left in place.").arg(e.key);
            continue;
        }
        if (e.state == EntryState::Downloading) {
            report.skipped << tr(
                "%1: being downloaded (%2); left in place, move it once the download is done.")
                                  .arg(label, e.stateDetail);
            continue;
        }
        if (!e.hasFolder && !e.hasDescriptor && !e.hasManifest) {
            report.leftBehind << tr("%1: only leftovers of a failed download, left in place.").arg(label);
            continue;
        }
        const EntryPaths dst { to, e.key };
        if (exists(dst.folder()) || exists(dst.descriptor()) || exists(dst.manifest())) {
            report.skipped << tr("%1: already in %2; the copy in %3 is kept.").arg(label, to, from);
            continue;
        }
        movable << e;
        p.totalBytes += e.bytes;
    }
    p.totalEntries = static_cast<int>(movable.size());
    if (Status s = checkMoveDestination(from, to, p.totalBytes); !s)
        return Error { s.error() };
    progress(p);

    const QString host = util::hostName();
    for (const CacheEntry &e : std::as_const(movable)) {
        if (cancelled()) {
            report.cancelled = true;
            break;
        }
        const QString label = e.handle.isEmpty() ? e.key : e.handle;
        p.current = label;
        progress(p);
        const EntryPaths src { from, e.key };
        const EntryPaths dst { to, e.key };
        // Holding the entry's lock keeps tensorflow_hub from downloading it again meanwhile.
        const QString uid = QUuid::createUuid().toString(QUuid::Id128);
        const QByteArray lockContent = cache::lockContent(host, QCoreApplication::applicationPid(), uid);
        const Result<bool> locked = cache::tryAcquireLock(src, lockContent);
        if (!locked || !*locked) {
            report.skipped << (locked ? tr("%1: locked by another program (%2); left in place.")
                                            .arg(label, QString::fromUtf8(cache::readLock(src)))
                                      : locked.error());
            continue;
        }
        const auto unlock = qScopeGuard([&] { cache::releaseLock(src, lockContent); });

        QStringList names;
        if (e.hasFolder)
            names << e.key;
        if (e.hasDescriptor)
            names << e.key + QStringLiteral(".descriptor.txt");
        if (e.hasManifest)
            names << e.key + QStringLiteral(".manifest.json");

        // Same volume: one rename per artifact, the folder first (a descriptor alone is harmless).
        // Never over something that appeared at the destination since the plan was made.
        bool renamed = true;
        for (const QString &name : std::as_const(names)) {
            const QByteArray a = QFile::encodeName(from + QLatin1Char('/') + name);
            const QByteArray b = QFile::encodeName(to + QLatin1Char('/') + name);
            if (!renameNoReplace(a, b)) {
                if (errno != EXDEV)
                    return Error {
                        tr("Cannot move %1 to %2: %3").arg(QFile::decodeName(a), to, util::errnoText(errno))
                    };
                Q_ASSERT(name == names.first()); // one volume for all of an entry's artifacts
                renamed = false;
                break;
            }
        }
        if (renamed) {
            p.doneBytes += e.bytes;
        } else {
            report.crossVolume = true;
            const std::function<void(qint64)> advance = [&](qint64 n) {
                p.doneBytes += n;
                progress(p);
            };
            Copier copier { cancelled, advance, QString(), false };
            const QString tmp = dst.tmpFolder(uid);
            const qint64 before = p.doneBytes;
            bool ok = !e.hasFolder || copier.copyTree(src.folder(), tmp);
            QStringList created; // only what we created is undone
            for (qsizetype i = e.hasFolder ? 1 : 0; ok && i < names.size(); ++i) {
                QFile in(from + QLatin1Char('/') + names.at(i));
                const QString target = to + QLatin1Char('/') + names.at(i);
                if (util::stat(target).exists) {
                    copier.error = tr("Cannot move %1: %2 already exists.").arg(in.fileName(), target);
                    ok = false;
                } else if (!in.open(QIODevice::ReadOnly)) {
                    copier.error = tr("Cannot read %1: %2").arg(in.fileName(), in.errorString());
                    ok = false;
                } else if (Status s = util::atomicWrite(target, in.readAll()); !s) {
                    copier.error = s.error();
                    ok = false;
                } else {
                    created << target;
                }
            }
            if (ok && e.hasFolder
                && !renameNoReplace(QFile::encodeName(tmp), QFile::encodeName(dst.folder()))) {
                copier.error = tr("Cannot move %1 into place: %2").arg(tmp, util::errnoText(errno));
                ok = false;
            }
            if (!ok) {
                // Undo the copy: the source is untouched, so nothing is lost and nothing doubled.
                (void)util::removeTree(tmp);
                for (const QString &f : std::as_const(created))
                    QFile::remove(f);
                p.doneBytes = before;
                if (copier.stopped) {
                    report.cancelled = true;
                    break;
                }
                return Error { copier.error };
            }
            p.doneBytes = before + e.bytes; // descriptors and manifests count too
            // The copy is verified and in place: now the source goes, the folder first.
            if (e.hasFolder) {
                if (Status s = util::removeTree(src.folder()); !s)
                    report.leftBehind
                        << tr("%1: copied, but the original could not be removed: %2").arg(label, s.error());
            }
            for (qsizetype i = e.hasFolder ? 1 : 0; i < names.size(); ++i)
                QFile::remove(from + QLatin1Char('/') + names.at(i));
        }
        report.moved << e.key;
        report.bytes += e.bytes;
        ++p.doneEntries;
        progress(p);
    }
    return report;
}

} // namespace maintenance

CacheMover::CacheMover(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<MoveProgress>();
    qRegisterMetaType<MoveReport>();
}

CacheMover::~CacheMover()
{
    cancel();
    m_thread.quit();
    m_thread.wait();
}

void CacheMover::start(const QString &from, const QString &to)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_cancel = false;
    m_thread.start();
    auto *worker = new QObject;
    worker->moveToThread(&m_thread);
    QMetaObject::invokeMethod(worker, [this, worker, from, to] {
        QDeadlineTimer next;
        const auto progress = [this, &next](const MoveProgress &p) {
            // At most about ten updates a second, but always the last one of an entry.
            if (next.hasExpired() || p.doneEntries == p.totalEntries) {
                next.setRemainingTime(100);
                QMetaObject::invokeMethod(
                    this, [this, p] { Q_EMIT progressChanged(p); }, Qt::QueuedConnection);
            }
        };
        const Result<MoveReport> r
            = maintenance::moveCache(from, to, progress, [this] { return m_cancel.load(); });
        const MoveReport report = r ? *r : MoveReport { from, to, false, {}, 0, {}, {}, false };
        const QString error = r ? QString() : r.error();
        worker->deleteLater();
        QMetaObject::invokeMethod(
            this,
            [this, report, error] {
                m_running = false;
                m_thread.quit();
                m_thread.wait();
                Q_EMIT finished(report, error);
            },
            Qt::QueuedConnection);
    });
}

void CacheMover::cancel()
{
    m_cancel = true;
}

} // namespace tfhub
