#include "core/cache/cachescanner.h"

#include "core/cache/scanindex.h"
#include "core/cache/scanitem.h"
#include "core/util/fsutil.h"
#include "core/util/progressmeter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QMap>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheScanner", text);
}

// The root, open for the whole scan (every item is measured relative to it), and its names.
struct RootListing final
{
    int fd = -1;
    bool exists = true;
    QString error;
    QStringList names;
    struct stat st
    {
    };

    RootListing() = default;
    RootListing(const RootListing &) = delete;
    RootListing &operator=(const RootListing &) = delete;
    ~RootListing()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

QString rootError(const QString &root, int err)
{
    if (err == ENOTDIR)
        return tr("The cache folder %1 is not a folder.").arg(root);
    return tr("Cannot read the cache folder %1: %2").arg(root, util::errnoText(err));
}

// Lists the names in `root` with getdents64 on its descriptor, which stays open.
void listRoot(const QString &root, RootListing *l)
{
    l->fd = ::open(QFile::encodeName(root).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (l->fd < 0 || ::fstat(l->fd, &l->st) != 0) {
        const int err = errno;
        if (err == ENOENT)
            l->exists = false;
        else
            l->error = rootError(root, err);
        return;
    }
    const int error = util::forEachName(l->fd, [l](const char *name, unsigned char) {
        const QString decoded = QFile::decodeName(name);
        if (!cache::isOwnFile(decoded))
            l->names << decoded;
    });
    if (error != 0)
        l->error = rootError(root, error);
}

cache::ItemScan itemScan(const QString &root, const RootListing &l, const ScanOptions &options)
{
    cache::ItemScan scan;
    scan.root = root;
    scan.rootFd = l.fd;
    scan.options = options;
    scan.localHost = options.localHost.isEmpty() ? util::hostName() : options.localHost;
    scan.atimes = util::recordsAccessTimes(root);
    // The kernel stamps files from the coarse clock: read the same clock.
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
    scan.settledBeforeNs = util::toNs(now) - qint64(options.indexSettleMs) * 1000000;
    return scan;
}

// The root's index file: what it held, whether that may be trusted, and what will be written.
struct IndexFile final
{
    QString path;
    cache::ScanIndex stored;
    bool trusted = false; ///< ScanIndexUse::Use: the stored entries are reused where their stamps hold
    /// The root's stamp is the stored one: no descriptor or manifest was replaced since.
    bool filesVouched = false;
    cache::ScanIndex next;
    /// Something of `next` differs from `stored` besides the entries left out of it.
    bool changed = false;
};

// `keepOthers`: the stored entries are read even for a rebuild, to be written back untouched.
IndexFile openIndex(const QString &root, const RootListing &l, const cache::ItemScan &scan, bool keepOthers)
{
    IndexFile f;
    const ScanIndexUse use = scan.options.index;
    if (use == ScanIndexUse::None)
        return f;
    f.path = cache::ScanIndex::pathFor(root);
    const QString id = QDir::cleanPath(QDir(root).absolutePath()); // "cache/" and "cache" share one index
    const auto device = static_cast<quint64>(l.st.st_dev);
    const auto inode = static_cast<quint64>(l.st.st_ino);
    f.trusted = use == ScanIndexUse::Use;
    // A rebuild trusts nothing stored: it needs the old bytes only to leave them unwritten if equal.
    if (f.trusted || keepOthers)
        f.stored = cache::ScanIndex::read(f.path, id, device, inode);
    else
        f.stored.readBytes = cache::ScanIndex::readBytesOf(f.path);
    f.next.root = id;
    f.next.rootDevice = device;
    f.next.rootInode = inode;
    f.next.readBytes = f.stored.readBytes;
    const qint64 mtimeNs = util::toNs(l.st.st_mtim);
    const qint64 ctimeNs = util::toNs(l.st.st_ctim);
    f.filesVouched = f.trusted && f.stored.rootCtimeNs != 0 && f.stored.rootMtimeNs == mtimeNs
        && f.stored.rootCtimeNs == ctimeNs;
    if (ctimeNs < scan.settledBeforeNs) {
        f.next.rootMtimeNs = mtimeNs;
        f.next.rootCtimeNs = ctimeNs;
    }
    f.changed = f.next.rootMtimeNs != f.stored.rootMtimeNs || f.next.rootCtimeNs != f.stored.rootCtimeNs;
    return f;
}

// A missing index (an unwritable folder) only makes the next scan slower: not worth a message.
void saveIndex(const IndexFile &index)
{
    // Every entry taken as stored and none left out: the same bytes again, not worth serializing.
    if (!index.changed && !index.stored.readBytes.isEmpty()
        && index.next.entries.size() == index.stored.entries.size())
        return;
    const Status saved = index.next.write(index.path);
    Q_UNUSED(saved)
}

// One key: from the index when its stamps hold, else walked (and indexed when it may be).
CacheEntry scanGroup(
    const cache::ItemScan &scan, const QString &key, const QStringList &names, IndexFile *index)
{
    const bool indexing = scan.options.index != ScanIndexUse::None;
    cache::IndexedEntry record;
    CacheEntry e;
    bool ok = false;
    const auto it = index->stored.entries.constFind(key);
    if (index->trusted && it != index->stored.entries.cend()) {
        QStringList sorted = names;
        sorted.sort();
        if (cache::stillHolds(scan.rootFd, *it, sorted, !index->filesVouched)) {
            record = *it;
            ok = cache::indexedGroup(scan, names, &record, &e);
        }
    }
    if (ok) {
        index->changed = index->changed || record.lastAccessed != it->lastAccessed;
    } else {
        e = cache::walkGroup(scan, key, names, indexing ? &record : nullptr, &ok);
        index->changed = true;
    }
    if (indexing && ok)
        index->next.entries.insert(key, record);
    else
        index->next.entries.remove(key);
    return e;
}

} // namespace

namespace cache {

bool scanRoot(const QString &root, const ScanOptions &options,
    const std::function<void(const CacheEntry &)> &onEntry, const std::function<bool()> &cancelled,
    QString *error, const std::function<void(const QList<CacheEntry> &)> &onIndexView)
{
    RootListing listing;
    listRoot(root, &listing);
    if (!listing.error.isEmpty()) {
        if (error)
            *error = listing.error;
        return false;
    }
    if (!listing.exists)
        return true; // nothing cached yet: the library creates the folder on first download

    const ItemScan scan = itemScan(root, listing, options);
    QMap<QString, QStringList> groups;
    QStringList foreign;
    for (const QString &name : std::as_const(listing.names)) {
        const QString item = itemKey(name);
        if (isCacheKey(item))
            groups[item] << name;
        else
            foreign << name;
    }
    IndexFile index = openIndex(root, listing, scan, false);
    if (onIndexView && index.trusted && !index.stored.entries.isEmpty()) {
        QList<CacheEntry> view;
        for (const IndexedEntry &r : std::as_const(index.stored.entries)) {
            if (groups.contains(r.key))
                view << entryFromIndex(r, options);
        }
        onIndexView(view);
    }
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        if (cancelled && cancelled())
            return true;
        const CacheEntry e = scanGroup(scan, it.key(), it.value(), &index);
        if (!e.artifacts.isEmpty())
            onEntry(e);
    }
    std::sort(foreign.begin(), foreign.end());
    for (const QString &name : std::as_const(foreign)) {
        if (cancelled && cancelled())
            return true;
        const CacheEntry e = walkForeign(scan, name);
        if (!e.artifacts.isEmpty())
            onEntry(e);
    }
    if (options.index != ScanIndexUse::None)
        saveIndex(index);
    return true;
}

CacheEntry scanKey(const QString &root, const QString &key, const ScanOptions &options)
{
    return scanItems(root, { key }, options).constFirst();
}

QString moveJournalName()
{
    return QStringLiteral(".tfhub-cache-manager-move.json");
}

QString pinsFileName()
{
    return QStringLiteral(".tfhub-cache-manager-pins.json");
}

bool isOwnFile(const QString &name)
{
    // Each file, and the temporary its atomic rewrite leaves for a moment.
    for (const QString &own : { moveJournalName(), pinsFileName() }) {
        if (name == own || (name.startsWith(own) && name.mid(own.size()).startsWith(QLatin1String(".tmp"))))
            return true;
    }
    return false;
}

QString itemKey(const QString &name)
{
    Artifact::Kind kind;
    if (name.size() >= 40 && isCacheKey(name.left(40)) && classifySuffix(name.mid(40), &kind))
        return name.left(40);
    return name;
}

CacheEntry scanItem(const QString &root, const QString &itemKey, const ScanOptions &options)
{
    return scanItems(root, { itemKey }, options).constFirst();
}

QList<CacheEntry> scanItems(const QString &root, const QStringList &itemKeys, const ScanOptions &options)
{
    RootListing listing;
    listRoot(root, &listing);
    QHash<QString, QStringList> names;
    for (const QString &name : std::as_const(listing.names))
        names[itemKey(name)] << name;
    const bool any = !names.isEmpty();
    ItemScan scan = any ? itemScan(root, listing, options) : ItemScan();
    IndexFile index = any ? openIndex(root, listing, scan, true) : IndexFile();
    index.next.entries = index.stored.entries; // only these items change: the others are kept as read
    if (!index.filesVouched) {
        // The entries kept as read were checked against an older root: the new stamp cannot vouch
        // for their descriptors and manifests.
        index.next.rootMtimeNs = 0;
        index.next.rootCtimeNs = 0;
        index.changed = index.changed || index.stored.rootCtimeNs != 0;
    }
    QList<CacheEntry> out;
    for (const QString &item : itemKeys) {
        const QStringList mine = names.value(item);
        if (mine.isEmpty()) {
            CacheEntry e;
            e.key = item;
            out << e; // gone (or never there): no artifacts
            index.next.entries.remove(item);
        } else if (isCacheKey(item)) {
            out << scanGroup(scan, item, mine, &index);
        } else {
            out << walkForeign(scan, item);
        }
    }
    if (any && options.index != ScanIndexUse::None)
        saveIndex(index);
    return out;
}

QList<CacheEntry> scanAll(const QString &root, const ScanOptions &options, QString *error)
{
    QList<CacheEntry> out;
    scanRoot(
        root, options, [&out](const CacheEntry &e) { out << e; }, {}, error);
    return out;
}

} // namespace cache

CacheScanner::CacheScanner(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<CacheEntry>();
    qRegisterMetaType<QList<CacheEntry>>();
    m_worker = new QObject;
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.setObjectName(QStringLiteral("CacheScanner"));
    m_thread.start();
}

CacheScanner::~CacheScanner()
{
    ++m_generation; // makes a running scan stop at its next entry
    m_thread.quit();
    m_thread.wait();
}

void CacheScanner::setOptions(const ScanOptions &options)
{
    m_options = options;
}

void CacheScanner::cancel()
{
    if (!m_running)
        return;
    ++m_generation;
    m_running = false;
    Q_EMIT finished(false);
}

bool CacheScanner::isRunning() const
{
    return m_running;
}

void CacheScanner::start(const QString &root)
{
    cancel();
    const quint64 generation = ++m_generation;
    const ScanOptions options = m_options;
    m_running = true;
    Q_EMIT scanStarted(root);
    QMetaObject::invokeMethod(
        m_worker,
        [this, root, options, generation] {
            const auto stale = [this, generation] { return m_generation.load() != generation; };
            QList<CacheEntry> batch;
            util::ProgressMeter flushPace;
            flushPace.claimReport(); // the first batch waits a full interval too
            const auto flush = [this, &batch, generation] {
                if (batch.isEmpty())
                    return;
                QMetaObject::invokeMethod(
                    this,
                    [this, batch, generation] {
                        if (m_generation.load() == generation)
                            Q_EMIT entriesFound(batch);
                    },
                    Qt::QueuedConnection);
                batch.clear();
            };
            const auto indexView = [this, generation](const QList<CacheEntry> &entries) {
                QMetaObject::invokeMethod(
                    this,
                    [this, entries, generation] {
                        if (m_generation.load() == generation)
                            Q_EMIT indexViewFound(entries);
                    },
                    Qt::QueuedConnection);
            };
            QString error;
            const bool ok = cache::scanRoot(
                root, options,
                [&](const CacheEntry &e) {
                    batch << e;
                    if (flushPace.claimReport(batch.size() >= 200))
                        flush();
                },
                stale, &error, indexView);
            flush();
            const bool complete = ok && !stale();
            QMetaObject::invokeMethod(
                this,
                [this, error, complete, generation] {
                    if (m_generation.load() != generation)
                        return;
                    m_running = false;
                    if (!error.isEmpty())
                        Q_EMIT problem(error);
                    Q_EMIT finished(complete);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

} // namespace tfhub
