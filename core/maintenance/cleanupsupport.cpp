#include "core/maintenance/cleanupsupport.h"

#include "core/maintenance/cleanupplan.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QMap>

#include <cerrno>
#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cleanup", text);
}

// Newest modification among the leftovers: when the abandoned download last made progress.
QDateTime lastProgress(const CacheEntry &e)
{
    QDateTime newest;
    for (const Artifact &a : e.artifacts) {
        if (a.modified.isValid() && (!newest.isValid() || a.modified > newest))
            newest = a.modified;
    }
    return newest;
}

// The files of a model folder as "path\tsize\tsha256" lines, sorted; empty when a file cannot be
// read without moving its access time (a file we do not own) or the folder cannot be read.
QStringList fingerprint(const QString &folder)
{
    QStringList lines;
    QDirIterator it(folder, QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        if (info.isSymLink())
            return {}; // a link's target is not part of the entry: never call two entries equal by it
        const int fd = util::openNoAtime(path);
        if (fd < 0)
            return {};
        Sha256 hash;
        char buf[256 * 1024];
        ssize_t n = 0;
        while ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
            if (n > 0)
                hash.addData(buf, n);
        }
        ::close(fd);
        if (n < 0)
            return {};
        lines << QDir(folder).relativeFilePath(path) + QLatin1Char('\t') + QString::number(info.size())
                + QLatin1Char('\t') + QString::fromLatin1(hash.resultHex());
    }
    lines.sort();
    return lines;
}

// Whether `dir` looks like somebody's home folder: a passwd home, $HOME, or shell start-up files.
QString homeLikeReason(const QString &dir)
{
    const QString home = QFileInfo(QDir::homePath()).canonicalFilePath();
    if (!home.isEmpty() && dir == home)
        return tr("it is your home folder");
    ::setpwent();
    while (const passwd *pw = ::getpwent()) {
        if (pw->pw_dir && dir == QFileInfo(QFile::decodeName(pw->pw_dir)).canonicalFilePath()
            && dir != QLatin1String("/")) {
            const QString user = QString::fromLocal8Bit(pw->pw_name);
            ::endpwent();
            return tr("it is the home folder of %1").arg(user);
        }
    }
    ::endpwent();
    for (const char *marker : { ".bashrc", ".profile", ".bash_profile", ".zshrc", ".ssh" }) {
        if (util::stat(dir + QLatin1Char('/') + QLatin1String(marker)).exists)
            return tr("it looks like a home folder (it holds %1)").arg(QLatin1String(marker));
    }
    return QString();
}

} // namespace

QDateTime lastUsed(const CacheEntry &e)
{
    QDateTime used = e.lastAccessed;
    if (e.downloaded.isValid() && (!used.isValid() || e.downloaded > used))
        used = e.downloaded;
    if (!used.isValid())
        used = e.lastModified;
    return used;
}

QString staleReason(const CacheEntry &e, const ScanOptions &options, const QDateTime &now)
{
    const QDateTime when = lastProgress(e);
    const QString ago = util::relativeTime(when, now);
    switch (e.state) {
    case EntryState::StaleLock: {
        const QString local = options.localHost.isEmpty() ? util::hostName() : options.localHost;
        if (!e.lock.valid)
            return tr("download abandoned (an unreadable lock), last progress %1").arg(ago);
        if (e.lock.host == local)
            return tr("download abandoned by PID %1 on this host %2").arg(e.lock.pid).arg(ago);
        return tr("download by PID %1 on %2 made no progress for %3 minutes")
            .arg(e.lock.pid)
            .arg(e.lock.host)
            .arg(when.isValid() ? when.secsTo(now) / 60 : 0);
    }
    case EntryState::AbandonedPartial:
        return tr("download abandoned %1, its lock already gone").arg(ago);
    case EntryState::EmptyFolder:
        return tr("empty model folder (tensorflow_hub downloads it again)");
    case EntryState::OrphanDescriptor:
        if (e.hasDescriptor)
            return tr("descriptor left without its model folder");
        if (e.hasManifest)
            return tr("manifest left without its model folder");
        return tr("temporary files of an interrupted write, %1").arg(ago);
    default:
        return e.stateDetail;
    }
}

QString leftoverReason(const CacheEntry &e, const QDateTime &now)
{
    int locks = 0, tmps = 0, temps = 0;
    for (const Artifact &a : e.artifacts) {
        locks += a.kind == Artifact::Kind::Lock;
        tmps += a.kind == Artifact::Kind::TmpFolder;
        temps += a.kind == Artifact::Kind::AtomicTemp;
    }
    QStringList parts;
    if (locks)
        parts << tr("a stale lock");
    if (tmps)
        parts << (tmps == 1 ? tr("an abandoned download folder")
                            : tr("%1 abandoned download folders").arg(tmps));
    if (temps)
        parts << tr("%1 temporary file(s) of interrupted writes").arg(temps);
    return tr("leftovers beside the model (%1), last changed %2")
        .arg(parts.join(QStringLiteral(", ")), util::relativeTime(lastProgress(e), now));
}

QList<QList<const CacheEntry *>> groupByFingerprint(const QList<const CacheEntry *> &entries,
    const std::function<QStringList(const CacheEntry &)> &fingerprint)
{
    // Only entries whose model folders have the same size and file count can hold the same files.
    QMap<QPair<qint64, qint64>, QList<const CacheEntry *>> bySize;
    for (const CacheEntry *e : entries) {
        for (const Artifact &a : e->artifacts) {
            if (a.kind == Artifact::Kind::Folder && a.files > 0)
                bySize[{ a.bytes, a.files }] << e;
        }
    }
    QList<QList<const CacheEntry *>> groups;
    for (const QList<const CacheEntry *> &sameSize : std::as_const(bySize)) {
        if (sameSize.size() < 2)
            continue;
        QMap<QStringList, QList<const CacheEntry *>> byContent;
        for (const CacheEntry *e : sameSize) {
            const QStringList print = fingerprint(*e);
            if (!print.isEmpty())
                byContent[print] << e;
        }
        for (const QList<const CacheEntry *> &same : std::as_const(byContent)) {
            if (same.size() > 1)
                groups << same;
        }
    }
    return groups;
}

QList<QList<const CacheEntry *>> duplicateGroups(
    const QString &root, const QList<const CacheEntry *> &entries)
{
    return groupByFingerprint(
        entries, [&root](const CacheEntry &e) { return fingerprint(root + QLatin1Char('/') + e.key); });
}

QSet<QString> keysOpenByProcesses(const QString &root)
{
    QSet<QString> keys;
    const QString prefix = QFileInfo(root).canonicalFilePath() + QLatin1Char('/');
    DIR *proc = ::opendir("/proc");
    if (!proc)
        return keys;
    while (const dirent *de = ::readdir(proc)) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        const QString fdDir = QStringLiteral("/proc/") + QLatin1String(de->d_name) + QStringLiteral("/fd");
        DIR *fds = ::opendir(QFile::encodeName(fdDir).constData());
        if (!fds)
            continue; // gone, or not ours to look at
        while (const dirent *fd = ::readdir(fds)) {
            char target[4096];
            const QByteArray link = QFile::encodeName(fdDir) + '/' + fd->d_name;
            const ssize_t n = ::readlink(link.constData(), target, sizeof target - 1);
            if (n <= 0)
                continue;
            const QString path = QFile::decodeName(QByteArray(target, n));
            if (path.startsWith(prefix))
                keys.insert(cache::itemKey(path.mid(prefix.size()).section(QLatin1Char('/'), 0, 0)));
        }
        ::closedir(fds);
    }
    ::closedir(proc);
    return keys;
}

QString rootRefusal(const QString &root, const QList<CacheEntry> &entries)
{
    const QString dir = QFileInfo(root).canonicalFilePath();
    const QString shown = QDir::toNativeSeparators(root);
    if (dir == QLatin1String("/"))
        return tr("The cache folder is / itself; cleaning it by rules is refused.");
    if (!dir.isEmpty()) {
        const QString home = homeLikeReason(dir);
        if (!home.isEmpty())
            return tr("The cache folder %1 is refused for cleaning by rules: %2.").arg(shown, home);
    }
    qsizetype foreign = 0;
    qsizetype cached = 0;
    for (const CacheEntry &e : entries)
        (e.state == EntryState::Foreign ? foreign : cached) += 1;
    if (foreign > cached)
        return tr("The cache folder %1 holds more items that are not cache entries (%2) than cache entries "
                  "(%3): it may not be a tensorflow_hub cache, so cleaning it by rules is refused.")
            .arg(shown)
            .arg(foreign)
            .arg(cached);
    return QString();
}

} // namespace tfhub::maintenance
