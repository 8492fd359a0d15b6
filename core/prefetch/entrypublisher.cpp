#include "core/prefetch/entrypublisher.h"

#include "core/archive/archiveextractor.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::EntryPublisher", text);
}

bool isEmptyDir(const QString &path)
{
    return QDir(path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
}

Status syncFolder(const QString &folder)
{
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int err = errno;
        if (fd >= 0)
            ::close(fd);
        return Error { tr("Cannot sync %1: %2").arg(folder, util::errnoText(err)) };
    }
    ::close(fd);
    return {};
}

// The names inside every folder of the tree (the files' data is synced by the extractor).
Status syncFolders(const QString &root)
{
    QDirIterator it(root, QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden | QDir::NoSymLinks,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        if (Status s = syncFolder(it.next()); !s)
            return s;
    }
    return syncFolder(root);
}

} // namespace

EntryPublisher::EntryPublisher(EntryPaths paths, QString uid)
    : m_paths(std::move(paths)), m_uid(std::move(uid))
{
}

bool EntryPublisher::isPublished(const EntryPaths &paths)
{
    return util::stat(paths.folder()).isDir && !isEmptyDir(paths.folder());
}

Status EntryPublisher::prepare()
{
    if (Status s = util::removeTree(tmpFolder()); !s)
        return s;
    if (!QDir().mkdir(tmpFolder()))
        return Error { tr("Cannot create %1: %2").arg(tmpFolder(), util::errnoText(errno)) };
    return {};
}

Status EntryPublisher::discard()
{
    return util::removeTree(tmpFolder());
}

Result<EntryPublisher::Outcome> EntryPublisher::publish(
    const Manifest &manifest, const QByteArray &descriptor, FolderSync folders)
{
    const QString tmp = tmpFolder();
    if (isEmptyDir(tmp))
        return Error {
            tr("%1 does not appear to be a valid module: the archive is empty.").arg(manifest.handle)
        };
    Outcome outcome;
    // The library writes the descriptor before the rename; so do we, plus our manifest.
    if (!descriptor.isEmpty()) {
        if (Status s = util::atomicWrite(m_paths.descriptor(), descriptor); !s)
            return Error { s.error() };
    }
    // Someone else published meanwhile: keep their copy, as the library does. An empty folder
    // is no copy: rename(2) replaces it, as the library's rename does.
    const util::PathInfo existing = util::stat(m_paths.folder());
    if (existing.exists && !(existing.isDir && isEmptyDir(m_paths.folder()))) {
        outcome.alreadyCached = true;
        return outcome;
    }
    // The manifest describes our files: it is written only for the copy we publish (a folder
    // another process published meanwhile keeps whatever manifest it has, if any).
    const QString manifestTemp = m_paths.manifest() + QStringLiteral(".tmp") + m_uid;
    if (Status s = util::writeNewFile(manifestTemp, manifest.toJson()); !s)
        return Error { s.error() };
    // Durable publish: everything inside is on disk before the rename makes it K, and the
    // cache folder is synced after it (a crash never leaves a K/ with missing or empty files).
    // Each folder sync waits for the disk, so a second pass over what the writer synced would
    // add its latency to every publish for nothing.
    if (Status s = folders == FolderSync::Needed ? syncFolders(tmp) : Status(); !s) {
        QFile::remove(manifestTemp);
        return Error { s.error() };
    }
    if (::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(m_paths.folder()).constData()) != 0) {
        const int err = errno;
        QFile::remove(manifestTemp);
        if (err == ENOTEMPTY || err == EEXIST) { // the empty folder was filled meanwhile
            outcome.alreadyCached = true;
            return outcome;
        }
        return Error { tr("Cannot rename %1 to %2: %3").arg(tmp, m_paths.folder(), util::errnoText(err)) };
    }
    if (::rename(
            QFile::encodeName(manifestTemp).constData(), QFile::encodeName(m_paths.manifest()).constData())
        != 0) {
        const int err = errno;
        QFile::remove(manifestTemp);
        outcome.warnings << tr("The model is in place, but its manifest could not be written: %1")
                                .arg(util::errnoText(err));
    }
    if (Status s = syncFolder(m_paths.root); !s)
        outcome.warnings << s.error();
    return outcome;
}

EntryPublisher::Extracted EntryPublisher::describeExtracted(const ArchiveExtractor &extractor,
    const QString &handle, const QString &url, qint64 archiveBytes, const QString &localHost) const
{
    Extracted out;
    Manifest &manifest = out.manifest;
    manifest.handle = handle;
    manifest.key = m_paths.key;
    manifest.url = url;
    manifest.archiveBytes = archiveBytes;
    manifest.archiveSha256 = extractor.archiveSha256();
    manifest.downloaded = QDateTime::currentDateTime();
    const ModelFormat format = cache::detect(tmpFolder());
    if (format != ModelFormat::Unknown)
        manifest.format = formatName(format);
    for (const ArchiveExtractor::FileRecord &f : extractor.manifest())
        manifest.files.append({ f.path, f.size, f.sha256 });
    out.descriptor
        = Descriptor::serialize(handle, manifest.downloaded, localHost, QCoreApplication::applicationPid());
    return out;
}

} // namespace tfhub
