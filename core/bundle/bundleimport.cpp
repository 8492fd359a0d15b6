#include "core/bundle/bundleimport.h"

#include "core/bundle/entrylock.h"
#include "core/bundle/zipio.h"
#include "core/cache/cacheentry.h"
#include "core/cache/lock.h"
#include "core/cache/manifest.h"
#include "core/hub/descriptor.h"
#include "core/prefetch/entrypublisher.h"
#include "core/util/fsutil.h"
#include "core/util/humanize.h"
#include "core/util/sha256.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QUrl>
#include <QUuid>

#include <quazip/quazip.h>

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::BundleImport", text);
}

constexpr qint64 kMaxSmallMember = 16 * 1024 * 1024; ///< the bundle manifest and descriptors
const QString kDescriptorSuffix = QStringLiteral(".descriptor.txt");

struct EntryWork
{
    const BundleManifest::Entry *entry = nullptr;
    EntryPaths paths;
    QHash<QString, const BundleManifest::File *> files; ///< by path
    QList<int> members; ///< indices of the entry's folder and files
    QByteArray descriptor;
    QString uid = QUuid::createUuid().toString(QUuid::Id128);
    std::unique_ptr<EntryLock> lock;
    std::unique_ptr<EntryPublisher> publisher;
    bool extract = false;
    bool replacing = false;
    BundleEntryOutcome outcome;
};

class Importer
{
public:
    Importer(const BundleImportRequest &request, const BundleProgressFn &progress,
        const BundleCancelFn &cancelled, const std::function<void(const QString &)> &waiting)
        : m_request(request)
        , m_zip(request.zipPath)
        , m_report(progress)
        , m_cancelled(cancelled)
        , m_waiting(waiting)
    {
    }
    ~Importer() { discardAll(); }

    Result<BundleImportSummary> run();

private:
    Status open();
    Status readSmall(int index, QByteArray *out);
    Status forEachMember(const std::function<Status(int)> &visit);
    Status classify();
    Status classifyMember(int index, QHash<QString, EntryWork *> &byKey);
    Status crossCheck();
    Status checkSpace();
    Status decide(EntryWork &w, bool *proceed);
    Status extractEntry(EntryWork &w);
    Status extractFile(EntryWork &w, const zipio::Member &m);
    Status publish(EntryWork &w);
    void discardAll();
    void skipProgress(const EntryWork &w)
    {
        m_progress.bytesDone += w.outcome.bytes;
        m_progress.filesDone += w.outcome.files;
        if (m_report)
            m_report(m_progress);
    }
    bool cancelled() const { return m_cancelled && m_cancelled(); }

    const BundleImportRequest &m_request;
    QuaZip m_zip;
    const BundleProgressFn &m_report;
    const BundleCancelFn &m_cancelled;
    const std::function<void(const QString &)> &m_waiting;
    QList<zipio::Member> m_members;
    BundleManifest m_manifest;
    std::vector<std::unique_ptr<EntryWork>> m_work;
    BundleProgress m_progress;
    BundleImportSummary m_summary;
};

Status Importer::open()
{
    if (!m_zip.open(QuaZip::mdUnzip))
        return Error { tr("%1 is not a readable zip: it is truncated, or its central directory is damaged "
                          "(zip error %2).")
                           .arg(m_request.zipPath)
                           .arg(m_zip.getZipError()) };
    Result<QList<zipio::Member>> members = zipio::survey(&m_zip, m_request.zipPath);
    if (!members)
        return Error { members.error() };
    m_members = std::move(members).value();
    for (int i = 0; i < m_members.size(); ++i) {
        if (m_members.at(i).name != QLatin1String(BundleManifest::kFileName))
            continue;
        QByteArray json;
        if (Status s = readSmall(i, &json); !s)
            return s;
        Result<BundleManifest> manifest = BundleManifest::fromJson(json);
        if (!manifest)
            return Error { tr("%1: %2").arg(m_request.zipPath, manifest.error()) };
        m_manifest = std::move(manifest).value();
        if (Status s = checkSpace(); !s)
            return s;
        return classify();
    }
    return Error { tr("%1 is not a tfhub-cache bundle: it holds no %2.")
                       .arg(m_request.zipPath, QLatin1String(BundleManifest::kFileName)) };
}

Status Importer::forEachMember(const std::function<Status(int)> &visit)
{
    int index = 0;
    for (bool more = m_zip.goToFirstFile(); more; more = m_zip.goToNextFile(), ++index) {
        if (Status s = visit(index); !s)
            return s;
    }
    if (m_zip.getZipError() != UNZ_OK)
        return Error { tr("The central directory of %1 is damaged (zip error %2).")
                           .arg(m_request.zipPath)
                           .arg(m_zip.getZipError()) };
    return {};
}

Status Importer::readSmall(int index, QByteArray *out)
{
    const zipio::Member &m = m_members.at(index);
    if (m.size > kMaxSmallMember)
        return Error { tr("'%1' declares %2 bytes, too many for what it is.").arg(m.name).arg(m.size) };
    return forEachMember([&](int i) -> Status {
        if (i != index)
            return {};
        return zipio::readMember(
            &m_zip, m,
            [out](const char *data, qint64 size) -> Status {
                out->append(data, size);
                return {};
            },
            m_cancelled);
    });
}

Status Importer::classify()
{
    QHash<QString, EntryWork *> byKey;
    for (const BundleManifest::Entry &e : std::as_const(m_manifest.entries)) {
        auto w = std::make_unique<EntryWork>();
        w->entry = &e;
        w->paths = { m_request.options.cacheRoot, e.key };
        for (const BundleManifest::File &f : e.files)
            w->files.insert(f.path, &f);
        w->outcome.key = e.key;
        w->outcome.handle = e.handle;
        w->outcome.files = e.files.size();
        w->outcome.bytes = e.bytes();
        byKey.insert(e.key, w.get());
        m_work.push_back(std::move(w));
    }
    for (int i = 0; i < m_members.size(); ++i) {
        if (Status s = classifyMember(i, byKey); !s)
            return s;
    }
    return crossCheck();
}

// Every member is the manifest, a descriptor, or inside its entry's folder and listed there.
Status Importer::classifyMember(int index, QHash<QString, EntryWork *> &byKey)
{
    const zipio::Member &m = m_members.at(index);
    if (m.name == QLatin1String(BundleManifest::kFileName))
        return {};
    const QString key = m.name.left(40);
    const QString rest = m.name.mid(40);
    const bool descriptor = rest == kDescriptorSuffix && !m.folder;
    if (!isCacheKey(key) || (!descriptor && !rest.startsWith(QLatin1Char('/'))))
        return Error { tr("'%1' lies outside every entry's folder of the bundle.").arg(m.name) };
    EntryWork *w = byKey.value(key);
    if (!w)
        return Error {
            tr("'%1' belongs to the entry %2, which the bundle manifest does not list.").arg(m.name, key)
        };
    if (descriptor) {
        if (!w->entry->hasDescriptor)
            return Error { tr("'%1' is not in the bundle manifest.").arg(m.name) };
        if (Status s = readSmall(index, &w->descriptor); !s)
            return s;
        const QString named = Descriptor::parse(w->descriptor).handle;
        if (named != w->entry->handle)
            return Error { tr("The descriptor of %1 names '%2' but the bundle manifest '%3'.")
                               .arg(key, named, w->entry->handle) };
        return {};
    }
    const QString rel = m.folder ? rest.mid(1).chopped(1) : rest.mid(1);
    if (m.folder) {
        if (!rel.isEmpty() && !w->entry->folders.contains(rel))
            return Error { tr("The folder '%1' is not in the bundle manifest.").arg(m.name) };
    } else {
        const BundleManifest::File *f = w->files.value(rel);
        if (!f)
            return Error { tr("'%1' is not in the bundle manifest.").arg(m.name) };
        if (f->size != m.size)
            return Error { tr("'%1' declares %2 bytes but the bundle manifest says %3.")
                               .arg(m.name)
                               .arg(m.size)
                               .arg(f->size) };
    }
    w->members << index;
    return {};
}

Status Importer::crossCheck()
{
    for (const auto &w : m_work) {
        QSet<QString> present;
        for (int i : std::as_const(w->members))
            present.insert(m_members.at(i).name);
        for (const BundleManifest::File &f : w->entry->files) {
            if (!present.contains(w->entry->key + QLatin1Char('/') + f.path))
                return Error { tr("%1/%2 is listed in the bundle manifest but missing from the zip.")
                                   .arg(w->entry->key, f.path) };
        }
        if (w->entry->hasDescriptor && w->descriptor.isEmpty())
            return Error { tr(
                "The descriptor of %1 is listed in the bundle manifest but missing from the zip.")
                               .arg(w->entry->key) };
    }
    return {};
}

Status Importer::checkSpace()
{
    for (const BundleManifest::Entry &e : std::as_const(m_manifest.entries)) {
        m_progress.filesTotal += e.files.size();
        m_progress.bytesTotal += e.bytes();
    }
    const util::VolumeInfo vol = util::volumeInfo(m_request.options.cacheRoot);
    if (vol.freeBytes >= 0 && m_progress.bytesTotal > vol.freeBytes)
        return Error { tr("The bundle declares %1 of files but %2 has only %3 free: refused.")
                           .arg(util::humanSize(m_progress.bytesTotal), m_request.options.cacheRoot,
                               util::humanSize(vol.freeBytes)) };
    return {};
}

// An entry that exists is compared with the bundle: the same files are skipped, others reported
// (or, with replace, extracted and swapped in).
Status Importer::decide(EntryWork &w, bool *proceed)
{
    *proceed = true;
    if (!EntryPublisher::isPublished(w.paths))
        return {};
    Manifest expected;
    expected.key = w.entry->key;
    for (const BundleManifest::File &f : w.entry->files)
        expected.files.append({ f.path, f.size, f.sha256 });
    const Result<VerifyReport> report = verifyFolder(w.paths.folder(), expected, m_cancelled);
    if (!report)
        return Error { report.error() };
    if (report->ok()) {
        w.outcome.kind = BundleEntryOutcome::Kind::Skipped;
        *proceed = false;
        return {};
    }
    w.outcome.detail = tr("%1 modified, %2 missing, %3 extra")
                           .arg(report->modified.size())
                           .arg(report->missing.size())
                           .arg(report->extra.size());
    w.outcome.kind
        = m_request.replace ? BundleEntryOutcome::Kind::Replaced : BundleEntryOutcome::Kind::Differs;
    w.replacing = m_request.replace;
    *proceed = m_request.replace;
    return {};
}

Status Importer::extractFile(EntryWork &w, const zipio::Member &m)
{
    const QString rel = m.name.mid(41);
    const QString path = w.publisher->tmpFolder() + QLatin1Char('/') + rel;
    if (!QDir().mkpath(QFileInfo(path).path()))
        return Error { tr("Cannot create the folder of %1.").arg(path) };
    const int fd = ::open(
        QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error { tr("Cannot create %1: %2").arg(path, util::errnoText(errno)) };
    m_progress.current = m.name;
    Sha256 sha;
    Status s = zipio::readMember(
        &m_zip, m,
        [&](const char *data, qint64 size) -> Status {
            if (!zipio::writeFull(fd, data, size))
                return Error { tr("Cannot write %1: %2").arg(path, util::errnoText(errno)) };
            sha.addData(data, size);
            m_progress.bytesDone += size;
            if (m_report)
                m_report(m_progress);
            return {};
        },
        m_cancelled);
    if (s && ::fdatasync(fd) != 0)
        s = Error { tr("Cannot sync %1: %2").arg(path, util::errnoText(errno)) };
    ::close(fd);
    if (!s)
        return s;
    if (sha.resultHex() != w.files.value(rel)->sha256)
        return Error { tr("'%1' does not match the bundle manifest: its SHA-256 differs.").arg(m.name) };
    m_progress.filesDone += 1;
    m_summary.files += 1;
    m_summary.bytes += m.size;
    if (m_report)
        m_report(m_progress);
    return {};
}

Status Importer::extractEntry(EntryWork &w)
{
    w.publisher = std::make_unique<EntryPublisher>(w.paths, w.uid);
    if (Status s = w.publisher->prepare(); !s)
        return s;
    for (const QString &folder : w.entry->folders) {
        if (!QDir(w.publisher->tmpFolder()).mkpath(folder))
            return Error { tr("Cannot create %1/%2.").arg(w.publisher->tmpFolder(), folder) };
    }
    const QSet<int> mine(w.members.cbegin(), w.members.cend());
    return forEachMember([&](int i) -> Status {
        const zipio::Member &m = m_members.at(i);
        if (!mine.contains(i) || m.folder)
            return {};
        return extractFile(w, m);
    });
}

Status Importer::publish(EntryWork &w)
{
    Manifest manifest;
    manifest.handle = w.entry->handle;
    manifest.key = w.entry->key;
    manifest.url = QUrl::fromLocalFile(QFileInfo(m_request.zipPath).absoluteFilePath()).toString();
    manifest.archiveBytes = QFileInfo(m_request.zipPath).size();
    manifest.downloaded = QDateTime::currentDateTime();
    manifest.format = w.entry->format;
    for (const BundleManifest::File &f : w.entry->files)
        manifest.files.append({ f.path, f.size, f.sha256 });
    // The old copy goes aside under a tmp name of ours, which the cleanup planner knows if we die
    // here; our lock keeps hub.load() waiting meanwhile instead of downloading.
    const QString aside = w.paths.tmpFolder(QUuid::createUuid().toString(QUuid::Id128));
    if (w.replacing
        && ::rename(QFile::encodeName(w.paths.folder()).constData(), QFile::encodeName(aside).constData())
            != 0)
        return Error { tr("Cannot move %1 aside: %2").arg(w.paths.folder(), util::errnoText(errno)) };
    const Result<EntryPublisher::Outcome> published = w.publisher->publish(manifest, w.descriptor);
    if (!published) {
        if (w.replacing) // put the old copy back: a failed replace changes nothing
            ::rename(QFile::encodeName(aside).constData(), QFile::encodeName(w.paths.folder()).constData());
        return Error { published.error() };
    }
    m_summary.warnings << published->warnings;
    if (published->alreadyCached)
        w.outcome.kind = BundleEntryOutcome::Kind::Skipped;
    if (w.replacing) {
        if (Status s = util::removeTree(aside); !s)
            m_summary.warnings << s.error();
    }
    if (Status s = w.publisher->discard(); !s)
        m_summary.warnings << s.error();
    w.lock->release();
    return {};
}

void Importer::discardAll()
{
    for (const auto &w : m_work) {
        if (w->publisher) {
            [[maybe_unused]] const Status s = w->publisher->discard(); // best effort on the way out
        }
        if (w->lock)
            w->lock->release();
    }
}

Result<BundleImportSummary> Importer::run()
{
    if (!QDir().mkpath(m_request.options.cacheRoot))
        return Error { tr("Cannot create the cache folder %1.").arg(m_request.options.cacheRoot) };
    if (Status s = open(); !s)
        return Error { s.error() };
    for (const auto &w : m_work) {
        bool proceed = false;
        if (Status s = decide(*w, &proceed); !s)
            return Error { s.error() };
        if (!proceed) {
            skipProgress(*w);
            continue;
        }
        w->lock = std::make_unique<EntryLock>(w->paths, m_request.options, w->uid);
        if (Status s = w->lock->acquire(m_cancelled, m_waiting); !s)
            return Error { s.error() };
        // Another process may have published it while we waited.
        if (!w->replacing) {
            if (Status s = decide(*w, &proceed); !s)
                return Error { s.error() };
            if (!proceed) {
                w->lock->release();
                skipProgress(*w);
                continue;
            }
        }
        w->extract = true;
        if (Status s = extractEntry(*w); !s)
            return Error { s.error() };
    }
    if (cancelled())
        return Error { tr("Cancelled.") };
    for (const auto &w : m_work) {
        if (w->extract) {
            if (Status s = publish(*w); !s)
                return Error { s.error() };
        }
        m_summary.entries << w->outcome;
    }
    return m_summary;
}

} // namespace

QString outcomeName(BundleEntryOutcome::Kind kind)
{
    switch (kind) {
    case BundleEntryOutcome::Kind::Imported:
        return QStringLiteral("imported");
    case BundleEntryOutcome::Kind::Replaced:
        return QStringLiteral("replaced");
    case BundleEntryOutcome::Kind::Skipped:
        return QStringLiteral("skipped");
    case BundleEntryOutcome::Kind::Differs:
        return QStringLiteral("differs");
    }
    return QString();
}

namespace bundle {

Result<BundleImportSummary> importBundle(const BundleImportRequest &request, const BundleProgressFn &progress,
    const BundleCancelFn &cancelled, const std::function<void(const QString &)> &waiting)
{
    Importer importer(request, progress, cancelled, waiting);
    return importer.run();
}

} // namespace bundle

} // namespace tfhub
