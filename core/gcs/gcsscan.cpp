#include "core/gcs/gcsscan.h"

#include "core/cache/artifactfacts.h"
#include "core/cache/entrystate.h"
#include "core/cache/lock.h"
#include "core/cache/modelformat.h"
#include "core/cache/scanitem.h"
#include "core/hub/descriptor.h"

#include <QJsonDocument>
#include <QJsonObject>
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
    Artifact::Kind kind = Artifact::Kind::AtomicTemp;
    cache::classifySuffix(itemName.mid(40), &kind);
    return kind;
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
    QString lockObject, descriptorObject, manifestObject;
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
    cache::noteArtifactKind(kind, &c.entry, &c.facts);
    switch (kind) {
    case Artifact::Kind::Folder:
        if (!under)
            c.facts.folderIsDir = false; // an object named K itself, not a folder
        else
            addToListing(c.listing, relative.mid(item.size() + 1), o);
        break;
    case Artifact::Kind::Descriptor:
        c.descriptorObject = o.name;
        break;
    case Artifact::Kind::Lock:
        c.lockObject = o.name;
        c.lockUpdated = o.updated; // progress on Cloud Storage: the object's `updated`
        break;
    case Artifact::Kind::Manifest:
        c.manifestObject = o.name;
        break;
    default:
        break;
    }
}

// The format our manifest records, when the model's own files leave it unread.
ModelFormat manifestFormat(const QByteArray &json)
{
    const QString name = QJsonDocument::fromJson(json).object().value(QStringLiteral("format")).toString();
    ModelFormat f = ModelFormat::Unknown;
    return cache::formatFromName(name, &f) ? f : ModelFormat::Unknown;
}

void inspectFolder(Collected &c, const GcsUrl &root, const ObjectReader &read)
{
    CacheEntry &e = c.entry;
    const Artifact folder = c.artifacts.value(e.key);
    e.files = folder.files;
    e.lastModified = folder.modified.toLocalTime();
    c.facts.folderEmpty = c.facts.folderIsDir && folder.files == 0 && c.listing.isEmpty();
    e.folderNonEmpty = c.facts.folderIsDir && !c.facts.folderEmpty;
    if (!c.facts.folderIsDir || c.facts.folderEmpty)
        return;
    // Whole objects only, up to the cap: a larger one (or a TFLite header in a large file) is
    // left unread rather than downloaded.
    const QString base = root.objectName(e.key + QLatin1Char('/'));
    cache::ModelInfo m = cache::inspect(
        c.listing.values(), [&](const QString &relative, qint64 cap) -> std::optional<QByteArray> {
            if (c.listing.value(relative).size > cap)
                return std::nullopt;
            return read(base + relative, cap);
        });
    if (m.formatUnread && e.hasManifest) {
        const std::optional<QByteArray> json = read(c.manifestObject, 16 * 1024 * 1024);
        m.format = json ? manifestFormat(*json) : ModelFormat::Unknown;
    }
    e.format = m.format;
    e.loadable = m.loadable;
    e.missingFiles = m.missingFiles;
    c.facts.loadable = m.loadable;
    c.facts.missingFiles = m.missingFiles;
}

void readLockAndDescriptor(Collected &c, const ObjectReader &read)
{
    CacheEntry &e = c.entry;
    if (e.hasDescriptor) {
        const Descriptor d = Descriptor::parse(read(c.descriptorObject, 64 * 1024).value_or(QByteArray()));
        e.handle = d.handle;
        e.downloaded = d.downloadTime;
        e.downloaderHost = d.host;
        e.downloaderPid = d.pid;
    }
    if (c.facts.hasLock) {
        e.lock = cache::parseLock(read(c.lockObject, 4096).value_or(QByteArray()));
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

CacheEntry entryFromObjects(const GcsUrl &root, const EntryObjects &item, const ObjectReader &read,
    const ScanOptions &options, const QDateTime &now)
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
        inspectFolder(c, root, read);
    if (!e.downloaded.isValid() && e.hasFolder)
        e.downloaded = c.artifacts.value(e.key).modified.toLocalTime();
    cache::applyDecision(&e, cache::decideState(c.facts));
    return e;
}

CacheEntry entryFromObjects(const GcsUrl &root, const EntryObjects &item,
    const std::function<QByteArray(const QString &)> &read, const ScanOptions &options, const QDateTime &now)
{
    const ObjectReader capped = [&read](const QString &name, qint64 cap) -> std::optional<QByteArray> {
        const QByteArray data = read(name);
        if (data.isEmpty())
            return std::nullopt;
        return data.left(cap);
    };
    return entryFromObjects(root, item, capped, options, now);
}

ObjectReader objectReader(GcsClient &client, const GcsUrl &root, QStringList *problems)
{
    return [&client, root, problems](const QString &name, qint64 cap) -> std::optional<QByteArray> {
        const Result<QByteArray> data = client.read(root.bucket, name, cap);
        if (!data) {
            if (problems)
                *problems << data.error();
            return std::nullopt;
        }
        return *data;
    };
}

Result<QList<CacheEntry>> scanAll(GcsClient &client, const GcsUrl &root, const ScanOptions &options)
{
    const Result<QList<ObjectInfo>> listed = client.list(root.bucket, root.objectPrefix());
    if (!listed)
        return Error { listed.error() };
    const QHash<QString, EntryObjects> groups = groupListing(root, *listed);
    QStringList problems;
    const ObjectReader read = objectReader(client, root, &problems);
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
