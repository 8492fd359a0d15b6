#include "core/maintenance/entrycopy.h"

#include "core/util/fsutil.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace tfhub::maintenance {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheMover", text);
}

constexpr qint64 ChunkBytes = 1 << 20;

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

QString kindOf(mode_t mode)
{
    if (S_ISFIFO(mode))
        return tr("a named pipe (FIFO)");
    if (S_ISSOCK(mode))
        return tr("a socket");
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return tr("a device");
    return tr("not a regular file, folder or link");
}

} // namespace

bool renameNoReplace(const QString &from, const QString &to)
{
    const QByteArray a = QFile::encodeName(from);
    const QByteArray b = QFile::encodeName(to);
    if (::renameat2(AT_FDCWD, a.constData(), AT_FDCWD, b.constData(), RENAME_NOREPLACE) == 0)
        return true;
    if (errno != EINVAL && errno != ENOSYS)
        return false;
    // A file system without RENAME_NOREPLACE: check, then rename (a narrow window, but no worse).
    struct stat st
    {
    };
    if (::lstat(b.constData(), &st) == 0) {
        errno = EEXIST;
        return false;
    }
    return ::rename(a.constData(), b.constData()) == 0;
}

EntryCopier::EntryCopier(std::function<bool()> cancelled, std::function<void(qint64)> advance)
    : m_cancelled(std::move(cancelled)), m_advance(std::move(advance))
{
}

QString EntryCopier::findUncopyable(const QString &path)
{
    struct stat st
    {
    };
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0)
        return tr("Cannot read %1: %2").arg(path, util::errnoText(errno));
    if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
        return QString();
    if (!S_ISDIR(st.st_mode))
        return tr("Cannot copy %1: it is %2, which cannot be copied to another volume.")
            .arg(path, kindOf(st.st_mode));
    QDirIterator it(path, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    while (it.hasNext()) {
        if (const QString problem = findUncopyable(it.next()); !problem.isEmpty())
            return problem;
    }
    return QString();
}

QByteArray EntryCopier::copyFile(const QString &from, const QString &to, unsigned mode)
{
    QFile in(from);
    QFile out(to);
    if (!in.open(QIODevice::ReadOnly)) {
        m_error = tr("Cannot read %1: %2").arg(from, in.errorString());
        return {};
    }
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        m_error = tr("Cannot write %1: %2").arg(to, out.errorString());
        return {};
    }
    Sha256 hash;
    while (!in.atEnd()) {
        if (m_cancelled()) {
            m_stopped = true;
            return {};
        }
        const QByteArray chunk = in.read(ChunkBytes);
        if (chunk.isEmpty() && in.error() != QFile::NoError) {
            m_error = tr("Cannot read %1: %2").arg(from, in.errorString());
            return {};
        }
        hash.addData(chunk);
        if (out.write(chunk) != chunk.size()) {
            m_error = tr("Cannot write %1: %2").arg(to, out.errorString());
            return {};
        }
        m_advance(chunk.size());
    }
    // The data must be on disk before the source may ever be deleted.
    if (!out.flush() || ::fdatasync(out.handle()) != 0) {
        m_error = tr("Cannot write %1: %2").arg(to, util::errnoText(errno));
        return {};
    }
    out.close();
    ::chmod(QFile::encodeName(to).constData(), mode & 07777);
    return hash.result();
}

bool EntryCopier::copyTree(const QString &from, const QString &to)
{
    struct stat st
    {
    };
    if (::lstat(QFile::encodeName(from).constData(), &st) != 0) {
        m_error = tr("Cannot read %1: %2").arg(from, util::errnoText(errno));
        return false;
    }
    if (S_ISDIR(st.st_mode)) {
        if (::mkdir(QFile::encodeName(to).constData(), 0700) != 0) {
            m_error = tr("Cannot create %1: %2").arg(to, util::errnoText(errno));
            return false;
        }
        const QStringList names
            = QDir(from).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
        for (const QString &name : names) {
            if (!copyTree(from + QLatin1Char('/') + name, to + QLatin1Char('/') + name))
                return false;
        }
        ::chmod(QFile::encodeName(to).constData(), st.st_mode & 07777);
        if (Status s = util::syncDir(to); !s) {
            m_error = s.error();
            return false;
        }
        return true;
    }
    if (S_ISLNK(st.st_mode)) {
        char buf[4096] = {};
        const ssize_t n = ::readlink(QFile::encodeName(from).constData(), buf, sizeof buf - 1);
        if (n < 0 || ::symlink(buf, QFile::encodeName(to).constData()) != 0) {
            m_error = tr("Cannot copy the link %1: %2").arg(from, util::errnoText(errno));
            return false;
        }
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        m_error = tr("Cannot copy %1: it is %2, which cannot be copied to another volume.")
                      .arg(from, kindOf(st.st_mode));
        return false;
    }
    const QByteArray sourceHash = copyFile(from, to, st.st_mode);
    if (sourceHash.isEmpty())
        return false;
    if (hashOf(to) != sourceHash) {
        m_error = tr("The copy %1 differs from %2 after writing.").arg(to, from);
        return false;
    }
    return true;
}

bool EntryCopier::copyEntry(
    const QString &fromRoot, const QString &toRoot, const QStringList &names, const QString &uid)
{
    const QString key = names.value(0).section(QLatin1Char('.'), 0, 0);
    const bool hasFolder = !names.isEmpty() && names.first() == key;
    const QString tmp = toRoot + QLatin1Char('/') + key + QLatin1Char('.') + uid + QStringLiteral(".tmp");
    QStringList created;
    bool ok = !hasFolder || copyTree(fromRoot + QLatin1Char('/') + key, tmp);
    for (qsizetype i = hasFolder ? 1 : 0; ok && i < names.size(); ++i) {
        QFile in(fromRoot + QLatin1Char('/') + names.at(i));
        const QString target = toRoot + QLatin1Char('/') + names.at(i);
        if (util::stat(target).exists) {
            m_error = tr("Cannot copy %1: %2 already exists.").arg(in.fileName(), target);
            ok = false;
        } else if (!in.open(QIODevice::ReadOnly)) {
            m_error = tr("Cannot read %1: %2").arg(in.fileName(), in.errorString());
            ok = false;
        } else if (Status s = util::atomicWrite(target, in.readAll()); !s) {
            m_error = s.error();
            ok = false;
        } else {
            created << target;
        }
    }
    if (ok && hasFolder && !renameNoReplace(tmp, toRoot + QLatin1Char('/') + key)) {
        m_error = tr("Cannot move %1 into place: %2").arg(tmp, util::errnoText(errno));
        ok = false;
    }
    if (ok) {
        if (Status s = util::syncDir(toRoot); !s) {
            m_error = s.error();
            ok = false;
            if (hasFolder)
                created << toRoot + QLatin1Char('/') + key;
        }
    }
    if (!ok) {
        (void)util::removeTree(tmp);
        for (const QString &f : std::as_const(created))
            (void)util::removeTree(f);
    }
    return ok;
}

} // namespace tfhub::maintenance
