#include "core/gcs/gcsscan.h"

#include "core/cache/entrystate.h"
#include "core/cache/lock.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"

#include <QMap>
#include <QSet>

#include <algorithm>

namespace tfhub::gcs {

namespace {

// Names that cannot be a host: a lock on Cloud Storage is never judged by probing its process.
const QString noLocalHost = QStringLiteral("\x01gcs");

// The artifact a cache item's name (the first part of an object's relative name) stands for.
// cache::itemKey has already told that it is a cache artifact.
Artifact::Kind kindOf(const QString &itemName)
{
    const QString suffix = itemName.mid(40);
    if (suffix.isEmpty())
        return Artifact::Kind::Folder;
    if (suffix == QLatin1String(".descriptor.txt"))
        return Artifact::Kind::Descriptor;
    if (suffix == QLatin1String(".lock"))
        return Artifact::Kind::Lock;
    if (suffix == QLatin1String(".manifest.json"))
        return Artifact::Kind::Manifest;
    if (suffix.endsWith(QLatin1String(".tmp")))
        return Artifact::Kind::TmpFolder;
    return Artifact::Kind::AtomicTemp;
}

bool isPlaceholder(const QString &relative)
{
    return relative.endsWith(QLatin1Char('/'));
}

// K/'s names down to the depth the local scanner keeps (two path parts), for cache::inspect.
void addToListing(QMap<QString, util::ListedName> &listing, const QString &inner, const ObjectInfo &o)
{
    const QStringList parts = inner.split(QLatin1Char('/'));
    const bool placeholder = parts.last().isEmpty();
    const qsizetype dirs = parts.size() - 1;
    for (qsizetype i = 1; i <= qMin<qsizetype>(dirs, 2); ++i) {
        util::ListedName n;
        n.path = parts.mid(0, i).join(QLatin1Char('/'));
        n.isDir = true;
        listing.insert(n.path, n);
    }
    if (!placeholder && parts.size() <= 2) {
        util::ListedName n;
        n.path = inner;
        n.isFile = true;
        n.size = o.size;
        listing.insert(n.path, n);
    }
}

// What one item's objects add up to: the artifacts and the facts the state rule needs.
struct Collected
{
    CacheEntry entry;
    cache::EntryFacts facts;
    QMap<QString, Artifact> artifacts; // by artifact name
    QMap<QString, util::ListedName> listing;
    QDateTime lockUpdated;
    QString lockObject, descriptorObject;
};

void noteObject(Collected &c, const QString &relative, const ObjectInfo &o)
{
    const QString item = relative.section(QLatin1Char('/'), 0, 0);
    const bool under = relative.size() > item.size();
    const Artifact::Kind kind = kindOf(item);
    Artifact &a = c.artifacts[item];
    a.kind = kind;
    a.name = item;
    a.bytes += o.size;
    a.diskBytes += o.size;
    if (!isPlaceholder(relative))
        ++a.files;
    if (!a.modified.isValid() || o.updated > a.modified)
        a.modified = o.updated;
    switch (kind) {
    case Artifact::Kind::Folder:
        c.facts.hasFolder = c.entry.hasFolder = true;
        if (!under)
            c.facts.folderIsDir = false; // an object named K itself, not a folder
        else
            addToListing(c.listing, relative.mid(item.size() + 1), o);
        break;
    case Artifact::Kind::Descriptor:
        c.entry.hasDescriptor = true;
        c.descriptorObject = o.name;
        break;
    case Artifact::Kind::Lock:
        c.facts.hasLock = true;
        c.lockObject = o.name;
        c.lockUpdated = o.updated;
        break;
    case Artifact::Kind::TmpFolder:
        c.facts.hasTmpFolders = true;
        break;
    case Artifact::Kind::Manifest:
        c.entry.hasManifest = true;
        break;
    case Artifact::Kind::AtomicTemp:
        c.facts.hasAtomicTemps = true;
        break;
    case Artifact::Kind::Foreign:
        break;
    }
}

void inspectFolder(Collected &c)
{
    CacheEntry &e = c.entry;
    const Artifact folder = c.artifacts.value(e.key);
    e.files = folder.files;
    e.lastModified = folder.modified.toLocalTime();
    c.facts.folderEmpty = c.facts.folderIsDir && folder.files == 0 && c.listing.isEmpty();
    e.folderNonEmpty = c.facts.folderIsDir && !c.facts.folderEmpty;
    if (!c.facts.folderIsDir || c.facts.folderEmpty)
        return;
    const cache::ModelInfo m = cache::inspect(QString(), c.listing.values());
    e.format = m.format;
    e.loadable = m.loadable;
    e.missingFiles = m.missingFiles;
    c.facts.loadable = m.loadable;
    c.facts.missingFiles = m.missingFiles;
}

void readLockAndDescriptor(Collected &c, const std::function<QByteArray(const QString &)> &read)
{
    CacheEntry &e = c.entry;
    if (e.hasDescriptor) {
        const Descriptor d = Descriptor::parse(read(c.descriptorObject));
        e.handle = d.handle;
        e.downloaded = d.downloadTime;
        e.downloaderHost = d.host;
        e.downloaderPid = d.pid;
    }
    if (c.facts.hasLock) {
        e.lock = cache::parseLock(read(c.lockObject));
        c.facts.lock = e.lock;
    }
}

// Progress of a download on Cloud Storage: the newest `updated` of its lock and its tmp objects.
void judgeLock(Collected &c)
{
    if (!c.facts.hasLock)
        return;
    QDateTime progress = c.lockUpdated;
    const LockOwner &lock = c.entry.lock;
    const QString tmp = c.entry.key + QLatin1Char('.') + lock.uid + QStringLiteral(".tmp");
    if (lock.valid && c.artifacts.contains(tmp)) {
        const QDateTime t = c.artifacts.value(tmp).modified;
        if (t.isValid() && (!progress.isValid() || t > progress))
            progress = t;
    }
    c.facts.lastProgress = progress;
    c.facts.liveness
        = cache::judgeLock(lock, c.lockUpdated, progress, noLocalHost, c.facts.noProgressSecs, c.facts.now);
}

qint64 leftoverBytes(const CacheEntry &e, cache::LockStatus lock)
{
    const bool live = lock == cache::LockStatus::Live;
    qint64 leftovers = 0;
    for (const Artifact &a : e.artifacts) {
        const bool ownedTmp
            = a.kind == Artifact::Kind::TmpFolder && live && e.lock.valid && a.name.mid(41, 32) == e.lock.uid;
        if ((a.kind == Artifact::Kind::TmpFolder && !ownedTmp)
            || (a.kind == Artifact::Kind::AtomicTemp && !live)
            || (a.kind == Artifact::Kind::Lock && lock == cache::LockStatus::Stale))
            leftovers += a.diskBytes;
    }
    return leftovers;
}

CacheEntry foreignEntry(const GcsUrl &root, const EntryObjects &item)
{
    CacheEntry e;
    e.key = item.key;
    e.state = EntryState::Foreign;
    Artifact a;
    a.kind = Artifact::Kind::Foreign;
    a.name = item.key;
    for (const ObjectInfo &o : item.objects) {
        a.bytes += o.size;
        if (!isPlaceholder(o.name.mid(root.objectPrefix().size())))
            ++a.files;
        if (!a.modified.isValid() || o.updated > a.modified)
            a.modified = o.updated;
    }
    a.diskBytes = a.bytes;
    e.artifacts << a;
    e.bytes = e.diskBytes = a.bytes;
    e.files = a.files;
    e.lastModified = a.modified.toLocalTime();
    return e;
}

} // namespace

QHash<QString, EntryObjects> groupListing(const GcsUrl &root, const QList<ObjectInfo> &objects)
{
    QHash<QString, EntryObjects> groups;
    const QString prefix = root.objectPrefix();
    for (const ObjectInfo &o : objects) {
        if (!o.name.startsWith(prefix) || o.name.size() == prefix.size())
            continue; // the prefix's own placeholder
        const QString first = o.name.mid(prefix.size()).section(QLatin1Char('/'), 0, 0);
        if (cache::isOwnFile(first))
            continue;
        const QString key = cache::itemKey(first);
        EntryObjects &g = groups[key];
        g.key = key;
        g.objects << o;
    }
    return groups;
}

CacheEntry entryFromObjects(const GcsUrl &root, const EntryObjects &item,
    const std::function<QByteArray(const QString &)> &read, const ScanOptions &options, const QDateTime &now)
{
    if (!isCacheKey(item.key))
        return foreignEntry(root, item);
    Collected c;
    c.entry.key = c.facts.key = item.key;
    c.facts.graceSecs = options.graceSecs;
    c.facts.noProgressSecs = options.noProgressSecs;
    c.facts.now = now;
    for (const ObjectInfo &o : item.objects)
        noteObject(c, o.name.mid(root.objectPrefix().size()), o);
    CacheEntry &e = c.entry;
    for (const Artifact &a : std::as_const(c.artifacts)) {
        e.artifacts << a;
        e.bytes += a.bytes;
        e.diskBytes += a.diskBytes;
    }
    readLockAndDescriptor(c, read);
    judgeLock(c);
    if (e.hasFolder)
        inspectFolder(c);
    if (!e.downloaded.isValid() && e.hasFolder)
        e.downloaded = c.artifacts.value(e.key).modified.toLocalTime();
    const cache::StateDecision d = cache::decideState(c.facts);
    e.state = d.state;
    e.stateDetail = d.detail;
    if (d.state == EntryState::Complete)
        e.reclaimableBytes = leftoverBytes(e, d.lock);
    else if (d.state != EntryState::Downloading)
        e.reclaimableBytes = e.diskBytes;
    return e;
}

Result<QList<CacheEntry>> scanAll(GcsClient &client, const GcsUrl &root, const ScanOptions &options)
{
    const Result<QList<ObjectInfo>> listed = client.list(root.bucket, root.objectPrefix());
    if (!listed)
        return Error { listed.error() };
    const QHash<QString, EntryObjects> groups = groupListing(root, *listed);
    QStringList problems;
    const auto read = [&](const QString &name) {
        const Result<QByteArray> data = client.read(root.bucket, name, 64 * 1024);
        if (!data) {
            problems << data.error();
            return QByteArray();
        }
        return *data;
    };
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<CacheEntry> out;
    QStringList keys = groups.keys();
    std::sort(keys.begin(), keys.end(), [](const QString &a, const QString &b) {
        return isCacheKey(a) != isCacheKey(b) ? isCacheKey(a) : a < b;
    });
    for (const QString &key : std::as_const(keys)) {
        problems.clear();
        CacheEntry e = entryFromObjects(root, groups.value(key), read, options, now);
        e.problems << problems;
        out << e;
    }
    return out;
}

QList<util::ListedName> folderListing(const GcsUrl &root, const EntryObjects &item)
{
    QMap<QString, util::ListedName> listing;
    const QString folder = root.objectPrefix() + item.key + QLatin1Char('/');
    for (const ObjectInfo &o : item.objects) {
        if (o.name.startsWith(folder))
            addToListing(listing, o.name.mid(folder.size()), o);
    }
    return listing.values();
}

QStringList entryObjectNames(const EntryObjects &item)
{
    QStringList folder, rest;
    for (const ObjectInfo &o : item.objects)
        (o.name.contains(item.key + QLatin1Char('/')) ? folder : rest) << o.name;
    return folder + rest;
}

QStringList objectsOfArtifacts(const GcsUrl &root, const EntryObjects &item, const QStringList &artifactNames)
{
    const QSet<QString> wanted(artifactNames.cbegin(), artifactNames.cend());
    QStringList out;
    for (const ObjectInfo &o : item.objects) {
        if (wanted.contains(o.name.mid(root.objectPrefix().size()).section(QLatin1Char('/'), 0, 0)))
            out << o.name;
    }
    return out;
}

} // namespace tfhub::gcs
