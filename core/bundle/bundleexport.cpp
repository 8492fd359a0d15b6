#include "core/bundle/bundleexport.h"

#include "core/bundle/zipio.h"
#include "core/cache/cachelocation.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "core/hub/handle.h"
#include "core/prefetch/entrypublisher.h"
#include "core/util/fsutil.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QSet>

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipnewinfo.h>

#include <zlib.h>

#include <algorithm>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::BundleExport", text);
}

struct KnownDigest
{
    qint64 size = 0;
    QByteArray sha256;
};

// One entry to export: its manifest row (digests filled while writing) and what we know already.
struct EntryPlan
{
    BundleManifest::Entry entry;
    QString folder;
    QByteArray descriptor;
    QHash<QString, KnownDigest> known; ///< from our prefetch manifest, trusted for older files
    struct timespec manifestTime
    {
    };
};

bool olderThan(const struct timespec &a, const struct timespec &b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

// A prefetch manifest's digests are trusted for files whose size matches and whose inode changed
// (ctime) before the manifest was written: nothing touched their content since it was hashed.
void loadKnownDigests(const EntryPaths &paths, EntryPlan *plan)
{
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(paths.manifest()).constData(), &st) != 0)
        return;
    const Result<Manifest> m = Manifest::load(paths.manifest());
    if (!m || m->key != paths.key)
        return;
    plan->manifestTime = st.st_mtim;
    for (const Manifest::File &f : m->files)
        plan->known.insert(f.path, { f.size, f.sha256 });
}

Status listFolder(const QString &folder, BundleManifest::Entry *entry)
{
    QDirIterator it(folder, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        const QString rel = path.mid(folder.size() + 1);
        if (info.isSymLink())
            return Error { tr("%1 is a symbolic link, which a bundle cannot carry.").arg(path) };
        if (info.isDir())
            entry->folders << rel;
        else if (info.isFile())
            entry->files.append({ rel, info.size(), QByteArray() });
        else
            return Error { tr("%1 is not a regular file or folder.").arg(path) };
    }
    std::sort(entry->folders.begin(), entry->folders.end());
    std::sort(entry->files.begin(), entry->files.end(),
        [](const BundleManifest::File &a, const BundleManifest::File &b) { return a.path < b.path; });
    return {};
}

Result<EntryPlan> planEntry(const QString &root, const QString &key)
{
    const EntryPaths paths { root, key };
    if (!isCacheKey(key))
        return Error { tr("'%1' is not a cache key.").arg(key) };
    if (!EntryPublisher::isPublished(paths))
        return Error { tr("%1 holds no model to export.").arg(paths.folder()) };
    EntryPlan plan;
    plan.folder = paths.folder();
    plan.entry.key = key;
    QFile descriptor(paths.descriptor());
    if (descriptor.open(QIODevice::ReadOnly)) {
        const QByteArray data = descriptor.read(64 * 1024);
        const QString handle = Descriptor::parse(data).handle;
        // A descriptor that names another handle is not carried: the entry goes by its key alone.
        if (!handle.isEmpty() && Handle::cacheKeyOf(handle) == key && Handle::parse(handle)) {
            plan.entry.handle = handle;
            plan.descriptor = data;
            plan.entry.hasDescriptor = true;
        }
    }
    const ModelFormat format = cache::detect(paths.folder());
    if (format != ModelFormat::Unknown)
        plan.entry.format = formatName(format);
    if (Status s = listFolder(paths.folder(), &plan.entry); !s)
        return Error { s.error() };
    loadKnownDigests(paths, &plan);
    return plan;
}

// An entry of a location that is not a local folder: its listing and descriptor (no prefetch
// digests are reused: nothing tells that an object is unchanged since our manifest).
Result<EntryPlan> planEntryAt(CacheLocation &location, const QString &key)
{
    if (!isCacheKey(key))
        return Error { tr("'%1' is not a cache key.").arg(key) };
    const Result<CacheEntry> e = location.scanKey(key, ScanOptions());
    if (!e)
        return Error { e.error() };
    if (!e->folderNonEmpty || e->state == EntryState::Downloading)
        return Error { tr("%1 holds no model to export.").arg(location.entryPath(key)) };
    EntryPlan plan;
    plan.entry.key = key;
    const Result<std::optional<QByteArray>> descriptor
        = location.readSmall(key + QStringLiteral(".descriptor.txt"), 64 * 1024);
    if (descriptor && descriptor->has_value()) {
        const QString handle = Descriptor::parse(**descriptor).handle;
        if (!handle.isEmpty() && Handle::cacheKeyOf(handle) == key && Handle::parse(handle)) {
            plan.entry.handle = handle;
            plan.descriptor = **descriptor;
            plan.entry.hasDescriptor = true;
        }
    }
    if (e->format != ModelFormat::Unknown)
        plan.entry.format = formatName(e->format);
    const Result<QList<LocationFile>> files = location.entryFiles(key);
    if (!files)
        return Error { files.error() };
    QSet<QString> folders;
    for (const LocationFile &f : *files) {
        plan.entry.files.append({ f.path, f.size, QByteArray() });
        for (qsizetype i = f.path.indexOf(QLatin1Char('/')); i > 0;
             i = f.path.indexOf(QLatin1Char('/'), i + 1))
            folders.insert(f.path.left(i));
    }
    plan.entry.folders = QStringList(folders.cbegin(), folders.cend());
    std::sort(plan.entry.folders.begin(), plan.entry.folders.end());
    return plan;
}

// Writes the zip; owns the progress and the cancel test.
class Writer
{
public:
    Writer(const QString &path, const BundleProgressFn &progress, const BundleCancelFn &cancelled)
        : m_zip(path), m_report(progress), m_cancelled(cancelled)
    {
    }

    Status open()
    {
        m_zip.setZip64Enabled(true);
        m_zip.setUtf8Enabled(true);
        if (!m_zip.open(QuaZip::mdCreate))
            return Error {
                tr("Cannot create %1 (zip error %2).").arg(m_zip.getZipName()).arg(m_zip.getZipError())
            };
        return {};
    }

    Status close()
    {
        m_zip.close();
        if (m_zip.getZipError() != ZIP_OK)
            return Error {
                tr("Cannot finish %1 (zip error %2).").arg(m_zip.getZipName()).arg(m_zip.getZipError())
            };
        return {};
    }

    BundleProgress progress;
    BundleExportSummary summary;

    Status addData(const QString &name, const QByteArray &data)
    {
        QuaZipFile out(&m_zip);
        if (!out.open(QIODevice::WriteOnly, newInfo(name, false, QDateTime::currentDateTime()), nullptr, 0,
                Z_DEFLATED, Z_BEST_SPEED)
            || out.write(data) != data.size()) {
            return zipError(name);
        }
        out.close();
        return out.getZipError() == ZIP_OK ? Status() : zipError(name);
    }

    Status addFolder(const QString &name)
    {
        QuaZipFile out(&m_zip);
        if (!out.open(QIODevice::WriteOnly,
                newInfo(name + QLatin1Char('/'), true, QDateTime::currentDateTime()), nullptr, 0, 0, 0))
            return zipError(name);
        out.close();
        return out.getZipError() == ZIP_OK ? Status() : zipError(name);
    }

    Status addFile(
        const QString &name, const QString &path, BundleManifest::File *file, const EntryPlan &plan);
    Status addStream(
        const QString &name, CacheLocation &location, const QString &key, BundleManifest::File *file);

private:
    static QuaZipNewInfo newInfo(const QString &name, bool folder, const QDateTime &time)
    {
        QuaZipNewInfo info(name);
        info.dateTime = time;
        // Plain modes: a bundle never carries set-id bits or symlinks.
        info.setPermissions(folder ? QFile::Permissions(0x7755) : QFile::Permissions(0x6644));
        return info;
    }

    Status zipError(const QString &name) const
    {
        return Error { tr("Cannot write %1 into %2 (zip error %3).")
                           .arg(name, m_zip.getZipName())
                           .arg(m_zip.getZipError()) };
    }

    Status writeBlocks(QuaZipFile *out, int fd, const QString &path, BundleManifest::File *file, Sha256 *sha);

    QuaZip m_zip;
    const BundleProgressFn &m_report;
    const BundleCancelFn &m_cancelled;
    QByteArray m_buffer = QByteArray(zipio::kBlockSize, Qt::Uninitialized);
};

Status Writer::addFile(
    const QString &name, const QString &path, BundleManifest::File *file, const EntryPlan &plan)
{
    int fd = util::openNoAtime(path);
    if (fd < 0 && errno == EPERM) // not our file: reading it is what the user asked for
        fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) };
    struct stat st
    {
    };
    ::fstat(fd, &st);
    const auto known = plan.known.constFind(file->path);
    const bool reuse
        = known != plan.known.cend() && known->size == st.st_size && olderThan(st.st_ctim, plan.manifestTime);
    progress.current = name;
    QuaZipFile out(&m_zip);
    Sha256 sha;
    const qint64 head = zipio::readFull(fd, m_buffer.data(), zipio::kBlockSize);
    Status s
        = head < 0 ? Status(Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) }) : Status();
    const bool deflate = s && bundle::worthDeflating(QByteArray::fromRawData(m_buffer.constData(), head));
    if (s
        && !out.open(QIODevice::WriteOnly, newInfo(name, false, QFileInfo(path).lastModified()), nullptr, 0,
            deflate ? Z_DEFLATED : 0, deflate ? Z_BEST_SPEED : 0))
        s = zipError(name);
    file->size = 0;
    if (s && head > 0)
        s = out.write(m_buffer.constData(), head) == head ? Status() : zipError(name);
    if (s) {
        if (!reuse)
            sha.addData(m_buffer.constData(), head);
        file->size = head;
        s = writeBlocks(&out, fd, path, file, reuse ? nullptr : &sha);
    }
    ::close(fd);
    if (out.isOpen())
        out.close();
    if (s && out.getZipError() != ZIP_OK)
        s = zipError(name);
    if (s && file->size != st.st_size)
        s = Error { tr("%1 changed while it was exported.").arg(path) };
    if (!s)
        return s;
    file->sha256 = reuse ? known->sha256 : sha.resultHex();
    summary.reusedHashes += reuse ? 1 : 0;
    summary.deflatedFiles += deflate ? 1 : 0;
    progress.filesDone += 1;
    if (m_report)
        m_report(progress);
    return {};
}

// A file read from a location as a stream: the first block decides on deflating, as for a local
// file, and the rest goes into the zip as it arrives.
Status Writer::addStream(
    const QString &name, CacheLocation &location, const QString &key, BundleManifest::File *file)
{
    QuaZipFile out(&m_zip);
    Sha256 sha;
    QByteArray head;
    Status s;
    const qint64 expected = file->size;
    file->size = 0;
    progress.current = name;
    const auto start = [&]() {
        const bool deflate = bundle::worthDeflating(head);
        summary.deflatedFiles += deflate ? 1 : 0;
        if (!out.open(QIODevice::WriteOnly, newInfo(name, false, QDateTime::currentDateTime()), nullptr, 0,
                deflate ? Z_DEFLATED : 0, deflate ? Z_BEST_SPEED : 0))
            return zipError(name);
        return out.write(head) == head.size() ? Status() : zipError(name);
    };
    const Result<qint64> read = location.readEntryFile(key, file->path, [&](const char *data, qint64 n) {
        sha.addData(data, n);
        file->size += n;
        progress.bytesDone += n;
        if (!out.isOpen() && head.size() + n < zipio::kBlockSize) {
            head.append(data, n);
            return true;
        }
        if (!out.isOpen()) {
            head.append(data, n);
            s = start();
        } else if (out.write(data, n) != n) {
            s = zipError(name);
        }
        if (m_report)
            m_report(progress);
        return s.ok() && !(m_cancelled && m_cancelled());
    });
    if (s && !read)
        s = Error { m_cancelled && m_cancelled() ? tr("Cancelled.") : read.error() };
    if (s && !out.isOpen())
        s = start();
    if (out.isOpen())
        out.close();
    if (s && out.getZipError() != ZIP_OK)
        s = zipError(name);
    if (s && file->size != expected)
        s = Error { tr("%1 changed while it was exported.")
                        .arg(location.entryPath(key) + QLatin1Char('/') + file->path) };
    if (!s)
        return s;
    file->sha256 = sha.resultHex();
    progress.filesDone += 1;
    if (m_report)
        m_report(progress);
    return {};
}

Status Writer::writeBlocks(
    QuaZipFile *out, int fd, const QString &path, BundleManifest::File *file, Sha256 *sha)
{
    progress.bytesDone += file->size;
    for (;;) {
        if (m_cancelled && m_cancelled())
            return Error { tr("Cancelled.") };
        if (m_report)
            m_report(progress);
        const qint64 n = zipio::readFull(fd, m_buffer.data(), zipio::kBlockSize);
        if (n < 0)
            return Error { tr("Cannot read %1: %2").arg(path, util::errnoText(errno)) };
        if (n == 0)
            return {};
        if (sha)
            sha->addData(m_buffer.constData(), n);
        if (out->write(m_buffer.constData(), n) != n)
            return Error { tr("Cannot write %1 into %2 (zip error %3).")
                               .arg(path, m_zip.getZipName())
                               .arg(out->getZipError()) };
        file->size += n;
        progress.bytesDone += n;
    }
}

Status writeEntries(Writer &w, QList<EntryPlan> &plans, CacheLocation *location)
{
    for (EntryPlan &plan : plans) {
        const QString key = plan.entry.key;
        if (Status s = w.addFolder(key); !s)
            return s;
        for (const QString &folder : std::as_const(plan.entry.folders)) {
            if (Status s = w.addFolder(key + QLatin1Char('/') + folder); !s)
                return s;
        }
        for (BundleManifest::File &f : plan.entry.files) {
            const QString name = key + QLatin1Char('/') + f.path;
            const Status s = location ? w.addStream(name, *location, key, &f)
                                      : w.addFile(name, plan.folder + QLatin1Char('/') + f.path, &f, plan);
            if (!s)
                return s;
            w.summary.bytes += f.size;
        }
        if (plan.entry.hasDescriptor) {
            if (Status s = w.addData(key + QStringLiteral(".descriptor.txt"), plan.descriptor); !s)
                return s;
        }
        w.summary.files += plan.entry.files.size();
        w.summary.entries += 1;
    }
    return {};
}

} // namespace

namespace bundle {

bool worthDeflating(const QByteArray &sample)
{
    if (sample.isEmpty())
        return false;
    uLongf size = compressBound(static_cast<uLong>(sample.size()));
    QByteArray out(static_cast<qsizetype>(size), Qt::Uninitialized);
    if (compress2(reinterpret_cast<Bytef *>(out.data()), &size,
            reinterpret_cast<const Bytef *>(sample.constData()), static_cast<uLong>(sample.size()),
            Z_BEST_SPEED)
        != Z_OK)
        return false;
    return static_cast<double>(size) <= 0.9 * static_cast<double>(sample.size());
}

Result<BundleExportSummary> exportBundle(
    const BundleExportRequest &request, const BundleProgressFn &progress, const BundleCancelFn &cancelled)
{
    QList<EntryPlan> plans;
    BundleProgress totals;
    for (const QString &key : request.keys) {
        Result<EntryPlan> plan
            = request.location ? planEntryAt(*request.location, key) : planEntry(request.cacheRoot, key);
        if (!plan)
            return Error { plan.error() };
        totals.filesTotal += plan->entry.files.size();
        totals.bytesTotal += plan->entry.bytes();
        plans << std::move(plan).value();
    }
    if (plans.isEmpty())
        return Error { tr("Nothing to export.") };
    const QString temp = request.zipPath + QStringLiteral(".%1.part").arg(util::randomHex32().left(12));
    Writer w(temp, progress, cancelled);
    w.progress = totals;
    Status s = w.open();
    if (s)
        s = writeEntries(w, plans, request.location);
    BundleManifest manifest;
    manifest.appVersion = request.appVersion;
    manifest.created = QDateTime::currentDateTime();
    for (const EntryPlan &p : std::as_const(plans))
        manifest.entries << p.entry;
    if (s)
        s = w.addData(QString::fromLatin1(BundleManifest::kFileName), manifest.toJson());
    const Status closed = w.close();
    if (s && !closed)
        s = closed;
    if (s)
        s = zipio::lowerVersionNeeded(temp);
    if (s)
        s = util::syncFile(temp);
    if (s
        && ::rename(QFile::encodeName(temp).constData(), QFile::encodeName(request.zipPath).constData()) != 0)
        s = Error { tr("Cannot rename %1 to %2: %3").arg(temp, request.zipPath, util::errnoText(errno)) };
    if (!s) {
        QFile::remove(temp);
        return Error { s.error() };
    }
    BundleExportSummary summary = w.summary;
    summary.zipBytes = QFileInfo(request.zipPath).size();
    summary.manifest = manifest;
    return summary;
}

} // namespace bundle

} // namespace tfhub
