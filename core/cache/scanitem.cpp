#include "core/cache/scanitem.h"

#include "core/cache/artifactfacts.h"
#include "core/cache/entrystate.h"
#include "core/cache/lock.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "core/util/fsutil.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub::cache {

namespace {

// Our own small files (descriptor, lock, manifest): read without moving their access time where
// the kernel allows it; they are not what "last used" is about, so elsewhere they are read anyway.
// Plain read(2) relative to the root's descriptor: no stat of the file, which QFile would add.
// `listedSize`: the size its lstat told a moment ago; once that much is read, the read that would
// only find the end is not made (a thousand descriptors, a thousand system calls).
QByteArray readSmallFile(int rootFd, const QString &name, qint64 cap = 64 * 1024, qint64 listedSize = -1)
{
    const QByteArray native = QFile::encodeName(name);
    int fd = ::openat(rootFd, native.constData(), O_RDONLY | O_NOATIME | O_CLOEXEC);
    if (fd < 0 && errno == EPERM)
        fd = ::openat(rootFd, native.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return QByteArray();
    QByteArray data;
    char buf[16 * 1024];
    while (data.size() < cap && (listedSize < 0 || data.size() < listedSize)) {
        const ssize_t n = ::read(fd, buf, static_cast<size_t>(qMin<qint64>(sizeof buf, cap - data.size())));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        data.append(buf, n);
    }
    ::close(fd);
    return data;
}

Artifact measureArtifact(
    const ItemScan &scan, const QString &name, Artifact::Kind kind, util::TreeStats *stats)
{
    Artifact a;
    a.kind = kind;
    a.name = name;
    // The model folder's first two levels are kept: they tell its format and its last use; its
    // folders' stamps let the index tell later that nothing in it changed.
    const bool folder = kind == Artifact::Kind::Folder;
    static const QStringList second { QStringLiteral("variables") }; // what inspect() reads below the top
    *stats = util::measureAt(scan.rootFd, name, scan.root + QLatin1Char('/') + name,
        util::MeasureOptions { folder ? 1 : -1, second, folder });
    a.diskBytes = stats->diskBytes;
    a.bytes = stats->bytes;
    a.files = stats->files;
    a.modified = stats->newestMTime;
    return a;
}

// Everything named after one key, read once: the entry's artifacts and the facts its state needs.
struct Collected final
{
    CacheEntry entry;
    EntryFacts facts;
    QDateTime lockMTime;
    QMap<QString, Artifact> tmpFolders; // by uid
    QList<util::ListedName> folderListing; // K/'s first two levels
    QDateTime folderMTime;
};

void noteFolder(Collected &c, const util::TreeStats &stats)
{
    CacheEntry &e = c.entry;
    e.hasFolder = true;
    c.facts.hasFolder = true;
    c.facts.folderIsDir = stats.isDir;
    c.facts.folderEmpty
        = stats.isDir && stats.files == 0 && stats.dirs == 0 && stats.others == 0 && stats.problems.isEmpty();
    c.facts.folderProblems = !stats.problems.isEmpty();
    e.folderNonEmpty = stats.isDir && stats.files + stats.dirs + stats.others > 0;
    e.files = stats.files;
    e.lastModified = stats.newestMTime.toLocalTime();
    c.folderMTime = stats.mtime;
    c.folderListing = stats.listed;
}

void noteDescriptor(CacheEntry &e, const Descriptor &d)
{
    e.hasDescriptor = true;
    e.handle = d.handle;
    e.downloaded = d.downloadTime;
    e.downloaderHost = d.host;
    e.downloaderPid = d.pid;
}

void noteArtifact(Collected &c, const ItemScan &scan, const QString &name, Artifact::Kind kind,
    const util::TreeStats &stats, const Artifact &a)
{
    noteArtifactKind(kind, &c.entry, &c.facts);
    switch (kind) {
    case Artifact::Kind::Folder:
        noteFolder(c, stats);
        break;
    case Artifact::Kind::Descriptor:
        noteDescriptor(c.entry, Descriptor::parse(readSmallFile(scan.rootFd, name, 64 * 1024, stats.bytes)));
        break;
    case Artifact::Kind::Lock:
        c.entry.lock = parseLock(readSmallFile(scan.rootFd, name, 4096));
        c.facts.lock = c.entry.lock;
        c.lockMTime = stats.mtime; // progress on a local disk: the lock's own mtime
        break;
    case Artifact::Kind::TmpFolder:
        c.tmpFolders.insert(name.mid(41, 32), a);
        break;
    default:
        break;
    }
}

// Judges the lock's owner (this needs the process table, so it is not part of decideState).
void judgeLockOwner(Collected &c, const QString &localHost)
{
    if (!c.facts.hasLock)
        return;
    QDateTime lastProgress = c.lockMTime;
    const LockOwner &lock = c.entry.lock;
    if (lock.valid && c.tmpFolders.contains(lock.uid)) {
        const QDateTime t = c.tmpFolders.value(lock.uid).modified;
        if (t.isValid() && (!lastProgress.isValid() || t > lastProgress))
            lastProgress = t;
    }
    c.facts.lastProgress = lastProgress;
    c.facts.liveness
        = judgeLock(lock, c.lockMTime, lastProgress, localHost, c.facts.noProgressSecs, c.facts.now);
}

// The format our manifest records (a file of ours: reading it moves no time that matters).
ModelFormat manifestFormat(int rootFd, const QString &name)
{
    const QString format = QJsonDocument::fromJson(readSmallFile(rootFd, name, 16 * 1024 * 1024))
                               .object()
                               .value(QStringLiteral("format"))
                               .toString();
    for (const ModelFormat f : allFormats()) {
        if (formatName(f) == format)
            return f;
    }
    return ModelFormat::Unknown;
}

// The model folder's format and what it needs, from its listing.
ModelInfo inspectFolder(const Collected &c, const ItemScan &scan)
{
    const CacheEntry &e = c.entry;
    ModelInfo m = inspect(scan.root + QLatin1Char('/') + e.key, c.folderListing);
    if (m.formatUnread && e.hasManifest)
        m.format = manifestFormat(scan.rootFd, e.key + QStringLiteral(".manifest.json"));
    return m;
}

// The rules every item goes through, however its facts were gathered: the lock's owner, the state,
// the leftovers. `model` is what the folder holds; `lastUsed` (UTC) its last use.
CacheEntry decide(Collected &c, const ItemScan &scan, const ModelInfo &model, const QDateTime &lastUsed)
{
    CacheEntry &e = c.entry;
    c.facts.graceSecs = scan.options.graceSecs;
    c.facts.noProgressSecs = scan.options.noProgressSecs;
    c.facts.now = QDateTime::currentDateTimeUtc();
    judgeLockOwner(c, scan.localHost);
    if (e.hasFolder && c.facts.folderIsDir) {
        e.format = model.format;
        e.loadable = model.loadable;
        e.missingFiles = model.missingFiles;
        c.facts.missingFiles = model.missingFiles;
        e.lastAccessed = scan.atimes && lastUsed.isValid() ? lastUsed.toLocalTime() : QDateTime();
    }
    c.facts.loadable = e.loadable;
    if (!e.downloaded.isValid() && e.hasFolder)
        e.downloaded = c.folderMTime.toLocalTime();

    applyDecision(&e, decideState(c.facts));
    return e;
}

// The newest access time of the files hub.load() always reads, never of folders (listing one, as
// every scan does, moves its access time).
QDateTime lastUseFromListing(const QList<util::ListedName> &listing, const QStringList &loadFiles)
{
    QDateTime newest;
    for (const util::ListedName &n : listing) {
        if (loadFiles.contains(n.path) && (!newest.isValid() || n.atime > newest))
            newest = n.atime;
    }
    return newest;
}

bool publishedOnly(const QList<Artifact> &artifacts)
{
    return std::all_of(artifacts.cbegin(), artifacts.cend(), [](const Artifact &a) {
        return a.kind == Artifact::Kind::Folder || a.kind == Artifact::Kind::Descriptor
            || a.kind == Artifact::Kind::Manifest;
    });
}

// Fills the index record of a walked entry; false when it may not be indexed.
bool record(const Collected &c, const ModelInfo &model, const QList<util::Stamp> &folders,
    const QList<FileStamp> &files, const ItemScan &scan, IndexedEntry *r)
{
    const CacheEntry &e = c.entry;
    if (!e.problems.isEmpty() || !publishedOnly(e.artifacts) || (e.hasFolder && !c.facts.folderIsDir))
        return false;
    for (const util::Stamp &s : folders) {
        if (s.ctimeNs >= scan.settledBeforeNs)
            return false;
    }
    for (const FileStamp &f : files) {
        if (f.ctimeNs >= scan.settledBeforeNs)
            return false;
    }
    r->key = e.key;
    r->names.clear();
    for (const Artifact &a : e.artifacts)
        r->names << a.name;
    r->names.sort();
    r->folders = folders;
    r->stampedFiles = files;
    r->artifacts = e.artifacts;
    r->hasFolder = e.hasFolder;
    r->folderIsDir = c.facts.folderIsDir;
    r->folderEmpty = c.facts.folderEmpty;
    r->folderNonEmpty = e.folderNonEmpty;
    r->files = e.files;
    r->newestMTime = e.lastModified.toUTC();
    r->folderMTime = c.folderMTime;
    r->format = model.format;
    r->loadable = model.loadable;
    r->missingFiles = model.missingFiles;
    r->loadFiles = model.loadFiles;
    r->hasDescriptor = e.hasDescriptor;
    r->handle = e.handle;
    r->downloaded = e.downloaded;
    r->downloaderHost = e.downloaderHost;
    r->downloaderPid = e.downloaderPid;
    r->hasManifest = e.hasManifest;
    return true;
}

// The Collected of an index record, in the order `names` lists the artifacts.
Collected restore(const IndexedEntry &r, const QStringList &names)
{
    Collected c;
    CacheEntry &e = c.entry;
    e.key = r.key;
    c.facts.key = r.key;
    for (const QString &name : names) {
        const auto it = std::find_if(
            r.artifacts.cbegin(), r.artifacts.cend(), [&name](const Artifact &a) { return a.name == name; });
        if (it == r.artifacts.cend())
            continue;
        e.artifacts << *it;
        e.diskBytes += it->diskBytes;
        e.bytes += it->bytes;
    }
    if (r.hasFolder) {
        e.hasFolder = true;
        c.facts.hasFolder = true;
        c.facts.folderIsDir = r.folderIsDir;
        c.facts.folderEmpty = r.folderEmpty;
        e.folderNonEmpty = r.folderNonEmpty;
        e.files = r.files;
        e.lastModified = r.newestMTime.toLocalTime();
        c.folderMTime = r.folderMTime;
    }
    if (r.hasDescriptor)
        noteDescriptor(
            e, Descriptor { r.handle, r.downloaded, QString(), r.downloaderHost, r.downloaderPid });
    e.hasManifest = r.hasManifest;
    return c;
}

ModelInfo modelOf(const IndexedEntry &r)
{
    ModelInfo m;
    m.format = r.format;
    m.loadable = r.loadable;
    m.missingFiles = r.missingFiles;
    m.loadFiles = r.loadFiles;
    return m;
}

} // namespace

bool classifySuffix(const QString &suffix, Artifact::Kind *kind)
{
    static const QRegularExpression tmpFolder(QStringLiteral("^\\.[0-9a-f]{32}\\.tmp$"));
    static const QRegularExpression atomicTemp(
        QStringLiteral("^\\.(lock|descriptor\\.txt|manifest\\.json)\\.tmp[0-9a-f]{32}$"));
    if (suffix.isEmpty())
        *kind = Artifact::Kind::Folder;
    else if (suffix == QLatin1String(".descriptor.txt"))
        *kind = Artifact::Kind::Descriptor;
    else if (suffix == QLatin1String(".lock"))
        *kind = Artifact::Kind::Lock;
    else if (suffix == QLatin1String(".manifest.json"))
        *kind = Artifact::Kind::Manifest;
    else if (tmpFolder.match(suffix).hasMatch())
        *kind = Artifact::Kind::TmpFolder;
    else if (atomicTemp.match(suffix).hasMatch())
        *kind = Artifact::Kind::AtomicTemp;
    else
        return false;
    return true;
}

CacheEntry walkGroup(const ItemScan &scan, const QString &key, const QStringList &names,
    IndexedEntry *indexRecord, bool *indexable)
{
    Collected c;
    c.entry.key = key;
    c.facts.key = key;
    QList<util::Stamp> folders;
    QList<FileStamp> files;
    for (const QString &name : names) {
        Artifact::Kind kind = Artifact::Kind::Foreign;
        classifySuffix(name.mid(40), &kind);
        util::TreeStats stats;
        const Artifact a = measureArtifact(scan, name, kind, &stats);
        if (!stats.exists)
            continue; // vanished since the folder was listed
        c.entry.problems += stats.problems;
        c.entry.diskBytes += a.diskBytes;
        c.entry.bytes += a.bytes;
        noteArtifact(c, scan, name, kind, stats, a);
        c.entry.artifacts << a;
        if (kind == Artifact::Kind::Folder)
            folders = stats.folders;
        else
            files.append({ name, stats.stamp.inode, stats.stamp.mtimeNs, stats.stamp.ctimeNs, stats.bytes });
    }
    ModelInfo model;
    if (c.entry.hasFolder && c.facts.folderIsDir)
        model = inspectFolder(c, scan);
    const QDateTime lastUsed = lastUseFromListing(c.folderListing, model.loadFiles);
    const CacheEntry e = decide(c, scan, model, lastUsed);
    *indexable = indexRecord && record(c, model, folders, files, scan, indexRecord);
    if (*indexable)
        indexRecord->lastAccessed = scan.atimes ? lastUsed : QDateTime();
    return e;
}

bool indexedGroup(const ItemScan &scan, const QStringList &names, IndexedEntry *r, CacheEntry *entry)
{
    QDateTime lastUsed;
    if (scan.atimes && r->hasFolder && r->folderIsDir) {
        for (const QString &file : std::as_const(r->loadFiles)) {
            struct stat st
            {
            };
            const QByteArray rel = QFile::encodeName(r->key + QLatin1Char('/') + file);
            if (::fstatat(scan.rootFd, rel.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                return false;
            const QDateTime t = QDateTime::fromMSecsSinceEpoch(
                static_cast<qint64>(st.st_atim.tv_sec) * 1000 + st.st_atim.tv_nsec / 1000000, Qt::UTC);
            if (!lastUsed.isValid() || t > lastUsed)
                lastUsed = t;
        }
    }
    r->lastAccessed = lastUsed;
    Collected c = restore(*r, names);
    *entry = decide(c, scan, modelOf(*r), lastUsed);
    return true;
}

CacheEntry entryFromIndex(const IndexedEntry &r, const ScanOptions &options)
{
    ItemScan scan;
    scan.options = options;
    scan.localHost = QStringLiteral("localhost"); // indexed entries hold no lock
    Collected c = restore(r, r.names);
    return decide(c, scan, modelOf(r), r.lastAccessed);
}

CacheEntry walkForeign(const ItemScan &scan, const QString &name)
{
    CacheEntry e;
    e.key = name;
    e.state = EntryState::Foreign;
    util::TreeStats stats;
    const Artifact a = measureArtifact(scan, name, Artifact::Kind::Foreign, &stats);
    if (!stats.exists)
        return e; // vanished since the folder was listed
    e.artifacts << a;
    e.diskBytes = stats.diskBytes;
    e.bytes = stats.bytes;
    e.files = stats.files;
    e.lastModified = stats.newestMTime.toLocalTime();
    e.lastAccessed = scan.atimes ? stats.newestATime.toLocalTime() : QDateTime();
    e.problems = stats.problems;
    return e;
}

} // namespace tfhub::cache
