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
#include <condition_variable>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

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

// One key's work: what the disk told, before it is handed over.
struct GroupWork final
{
    QString key;
    QStringList names;
    CacheEntry entry;
    cache::IndexedEntry record;
    bool fromIndex = false; ///< the stored record held: the entry was rebuilt from it
    bool indexable = false; ///< `record` may go into the next index
};

// One key: from the index when its stamps hold, else walked (and indexed when it may be). Reads
// only `scan` and `index`: several threads run it at once.
void computeGroup(const cache::ItemScan &scan, const IndexFile &index, GroupWork *w)
{
    const bool indexing = scan.options.index != ScanIndexUse::None;
    const auto it = index.stored.entries.constFind(w->key);
    if (index.trusted && it != index.stored.entries.cend()) {
        QStringList sorted = w->names;
        sorted.sort();
        if (cache::stillHolds(scan.rootFd, *it, sorted, !index.filesVouched)) {
            w->record = *it;
            w->fromIndex = cache::indexedGroup(scan, w->names, &w->record, &w->entry);
        }
    }
    if (w->fromIndex) {
        w->indexable = true;
        return;
    }
    w->record = cache::IndexedEntry();
    w->entry = cache::walkGroup(scan, w->key, w->names, indexing ? &w->record : nullptr, &w->indexable);
}

// What a key's work changes in the next index, which starts as the stored one (sharing its data:
// an index that still holds is neither copied nor written); in key order, on one thread.
void commitGroup(const ScanOptions &options, const GroupWork &w, IndexFile *index)
{
    if (w.fromIndex && w.record.lastAccessed == index->stored.entries.constFind(w.key)->lastAccessed)
        return; // the stored record, as it is
    index->changed = true;
    if (options.index != ScanIndexUse::None && w.indexable)
        index->next.entries.insert(w.key, w.record);
    else
        index->next.entries.remove(w.key);
}

// Entries of the stored index no longer in the root leave the next one.
void dropGone(const QMap<QString, QStringList> &groups, IndexFile *index)
{
    QStringList gone;
    for (auto it = index->next.entries.cbegin(); it != index->next.entries.cend(); ++it) {
        if (!groups.contains(it.key()))
            gone << it.key();
    }
    for (const QString &key : std::as_const(gone))
        index->next.entries.remove(key);
    index->changed = index->changed || !gone.isEmpty();
}

CacheEntry scanGroup(
    const cache::ItemScan &scan, const QString &key, const QStringList &names, IndexFile *index)
{
    GroupWork w;
    w.key = key;
    w.names = names;
    computeGroup(scan, *index, &w);
    commitGroup(scan.options, w, index);
    return w.entry;
}

int scanThreads(const ScanOptions &options, qsizetype items)
{
    const int wanted = options.threads > 0 ? options.threads : qBound(1, QThread::idealThreadCount(), 4);
    return int(qBound(qsizetype(1), items / 16, qsizetype(wanted))); // a few items are not worth a thread
}

// Works on every key with `threads` threads (the calling one among them, which also hands each
// entry over in key order as soon as it is done). False when cancelled.
bool scanGroups(const cache::ItemScan &scan, std::vector<GroupWork> &work, int threads, IndexFile *index,
    const std::function<void(const CacheEntry &)> &onEntry, const std::function<bool()> &cancelled)
{
    std::atomic<size_t> next { 0 };
    std::atomic<bool> stop { false };
    std::vector<std::atomic<bool>> done(work.size());
    std::mutex mutex;
    std::condition_variable finished;
    // Helpers take a block of keys at a time: one hand-over per block, not per key (a warm key
    // costs a few stat calls, no more than waking a thread). The calling thread takes one at a
    // time, so that alone it measures each key just before handing it over.
    const auto take = [&](size_t block) {
        const size_t first = next.fetch_add(block);
        if (first >= work.size() || stop.load())
            return false;
        const size_t end = std::min(work.size(), first + block);
        for (size_t i = first; i < end; ++i)
            computeGroup(scan, *index, &work[i]);
        {
            const std::lock_guard<std::mutex> lock(mutex);
            for (size_t i = first; i < end; ++i)
                done[i].store(true);
        }
        finished.notify_all();
        return true;
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t)
        helpers.emplace_back([&take] {
            while (take(16)) { }
        });
    bool complete = true;
    for (size_t i = 0; i < work.size() && complete; ++i) {
        while (!done[i].load() && take(1)) { }
        {
            std::unique_lock<std::mutex> lock(mutex);
            finished.wait(lock, [&] { return done[i].load(); });
        }
        if (cancelled && cancelled()) {
            complete = false;
            break;
        }
        commitGroup(scan.options, work[i], index);
        if (!work[i].entry.artifacts.isEmpty())
            onEntry(work[i].entry);
        work[i] = GroupWork(); // handed over: its memory is not kept to the end
    }
    stop.store(true);
    for (std::thread &h : helpers)
        h.join();
    return complete;
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
    std::vector<GroupWork> work(static_cast<size_t>(groups.size()));
    size_t n = 0;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it, ++n) {
        work[n].key = it.key();
        work[n].names = it.value();
    }
    index.next.entries = index.stored.entries;
    if (!scanGroups(scan, work, scanThreads(options, groups.size()), &index, onEntry, cancelled))
        return true;
    dropGone(groups, &index);
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
