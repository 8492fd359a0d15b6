#include "core/bundle/archiveadopt.h"

#include "core/archive/archiveextractor.h"
#include "core/bundle/entrylock.h"
#include "core/bundle/zipio.h"
#include "core/hub/handle.h"
#include "core/prefetch/entrypublisher.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUrl>
#include <QUuid>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::ArchiveAdopt", text);
}

// Feeds the archive to the extractor block by block; memory stays the extractor's bound.
Status feedArchive(const QString &path, ArchiveExtractor &extractor, const BundleProgressFn &progress,
    const BundleCancelFn &cancelled, BundleProgress *p)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) };
    QByteArray buffer(zipio::kBlockSize, Qt::Uninitialized);
    Status s;
    for (;;) {
        if (cancelled && cancelled()) {
            extractor.cancel();
            s = Error { tr("Cancelled.") };
            break;
        }
        const qint64 n = zipio::readFull(fd, buffer.data(), buffer.size());
        if (n < 0) {
            s = Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) };
            break;
        }
        if (n == 0)
            break;
        if (!extractor.feed(buffer.constData(), n))
            break; // finish() tells why
        p->bytesDone += n;
        p->filesDone = extractor.stats().filesWritten;
        if (progress)
            progress(*p);
    }
    ::close(fd);
    return s;
}

Status checkHandle(const AdoptRequest &request, Handle *out)
{
    const Result<Handle> h = Handle::parse(request.handle);
    if (!h)
        return Error { h.error() };
    if (!h->isCached(LoadFormat::Compressed))
        return Error { tr("tensorflow_hub does not cache '%1' (it reads it in place): only a model URL or a "
                          "gs:// tarball can be adopted.")
                           .arg(request.handle) };
    *out = *h;
    return {};
}

} // namespace

namespace bundle {

Result<AdoptSummary> adoptArchive(const AdoptRequest &request, const BundleProgressFn &progress,
    const BundleCancelFn &cancelled, const std::function<void(const QString &)> &waiting)
{
    Handle handle;
    if (Status s = checkHandle(request, &handle); !s)
        return Error { s.error() };
    const QFileInfo archive(request.archivePath);
    if (!archive.isFile())
        return Error { tr("%1 is not a file.").arg(request.archivePath) };
    const EntryPaths paths { request.options.cacheRoot, handle.cacheKey() };
    AdoptSummary summary;
    summary.key = paths.key;
    summary.path = paths.folder();
    // The library's fast path: a non-empty folder is complete and stays as it is.
    if (EntryPublisher::isPublished(paths)) {
        summary.alreadyCached = true;
        return summary;
    }
    if (!QDir().mkpath(paths.root))
        return Error { tr("Cannot create the cache folder %1.").arg(paths.root) };
    const QString uid = QUuid::createUuid().toString(QUuid::Id128);
    EntryLock lock(paths, request.options, uid);
    if (Status s = lock.acquire(cancelled, waiting); !s)
        return Error { s.error() };
    if (EntryPublisher::isPublished(paths)) {
        summary.alreadyCached = true;
        return summary;
    }
    if (util::stat(paths.folder()).isDir) {
        if (Status s = util::removeTree(paths.folder()); !s) // an empty folder, as the library does
            return Error { s.error() };
    }
    EntryPublisher publisher(paths, uid);
    if (Status s = publisher.prepare(); !s)
        return Error { s.error() };
    Status s;
    {
        ArchiveExtractor extractor(publisher.tmpFolder(), handle.text());
        BundleProgress p;
        p.bytesTotal = archive.size();
        p.current = archive.fileName();
        s = feedArchive(request.archivePath, extractor, progress, cancelled, &p);
        if (s)
            s = extractor.finish();
        if (s) {
            const EntryPublisher::Extracted extracted = publisher.describeExtracted(extractor, handle.text(),
                QUrl::fromLocalFile(archive.absoluteFilePath()).toString(), archive.size(),
                request.options.localHost.isEmpty() ? util::hostName() : request.options.localHost);
            const Result<EntryPublisher::Outcome> published
                = publisher.publish(extracted.manifest, extracted.descriptor);
            if (published) {
                summary.alreadyCached = published->alreadyCached;
                summary.warnings = published->warnings;
                summary.files = extractor.stats().filesWritten;
                summary.bytes = extractor.stats().writtenBytes;
            } else {
                s = Error { published.error() };
            }
        }
    }
    if (Status d = publisher.discard(); !d)
        summary.warnings << d.error();
    lock.release();
    if (!s)
        return Error { s.error() };
    return summary;
}

} // namespace bundle

} // namespace tfhub
