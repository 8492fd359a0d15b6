#include "core/cache/cachescanner.h"

#include "core/cache/entrystate.h"
#include "core/cache/lock.h"
#include "core/cache/modelformat.h"
#include "core/hub/descriptor.h"
#include "core/util/fsutil.h"
#include "core/util/progressmeter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheScanner", text);
}

// Classifies the suffix after a 40-hex key. Returns false when the name is not a cache artifact.
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

// Our own small files (descriptor, lock, manifest): read without moving their access time where
// the kernel allows it; they are not what "last used" is about, so elsewhere they are read anyway.
// Plain read(2): no stat of the file, which QFile would add.
QByteArray readSmallFile(const QString &path, qint64 cap = 64 * 1024)
{
    int fd = util::openNoAtime(path);
    if (fd < 0 && errno == EPERM)
        fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return QByteArray();
    QByteArray data;
    char buf[16 * 1024];
    while (data.size() < cap) {
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

// Lists the names in `root`; `ok` false with `error` when the folder cannot be read.
QStringList listNames(const QString &root, bool *exists, QString *error)
{
    QStringList names;
    *exists = true;
    DIR *dir = ::opendir(QFile::encodeName(root).constData());
    if (!dir) {
        const int err = errno;
        if (err == ENOENT) {
            *exists = false;
        } else if (err == ENOTDIR) {
            *error = tr("The cache folder %1 is not a folder.").arg(root);
        } else {
            *error = tr("Cannot read the cache folder %1: %2").arg(root, util::errnoText(err));
        }
        return names;
    }
    while (dirent *de = ::readdir(dir)) {
        const QString name = QFile::decodeName(de->d_name);
        if (name != QLatin1String(".") && name != QLatin1String("..") && !cache::isOwnFile(name))
            names << name;
    }
    ::closedir(dir);
    return names;
}

Artifact measureArtifact(
    const QString &root, const QString &name, Artifact::Kind kind, util::TreeStats *stats)
{
    Artifact a;
    a.kind = kind;
    a.name = name;
    // The model folder's first two levels are kept: they tell its format and its last use.
    *stats = util::measure(root + QLatin1Char('/') + name, kind == Artifact::Kind::Folder ? 1 : -1);
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
    cache::EntryFacts facts;
    QDateTime lockMTime;
    QMap<QString, Artifact> tmpFolders; // by uid
    QList<util::ListedName> folderListing; // K/'s first two levels
    QDateTime folderMTime;
};

void noteArtifact(Collected &c, const QString &root, const QString &name, Artifact::Kind kind,
    const util::TreeStats &stats, const Artifact &a)
{
    CacheEntry &e = c.entry;
    switch (kind) {
    case Artifact::Kind::Folder:
        e.hasFolder = true;
        c.facts.hasFolder = true;
        c.facts.folderIsDir = stats.isDir;
        c.facts.folderEmpty = stats.isDir && stats.files == 0 && stats.dirs == 0 && stats.others == 0
            && stats.problems.isEmpty();
        c.facts.folderProblems = !stats.problems.isEmpty();
        e.folderNonEmpty = stats.isDir && stats.files + stats.dirs + stats.others > 0;
        e.files = stats.files;
        e.lastModified = stats.newestMTime.toLocalTime();
        c.folderMTime = stats.mtime;
        c.folderListing = stats.listed;
        break;
    case Artifact::Kind::Descriptor: {
        e.hasDescriptor = true;
        const Descriptor d = Descriptor::parse(readSmallFile(root + QLatin1Char('/') + name));
        e.handle = d.handle;
        e.downloaded = d.downloadTime;
        e.downloaderHost = d.host;
        e.downloaderPid = d.pid;
        break;
    }
    case Artifact::Kind::Lock:
        e.lock = cache::parseLock(readSmallFile(root + QLatin1Char('/') + name, 4096));
        c.facts.hasLock = true;
        c.facts.lock = e.lock;
        c.lockMTime = stats.mtime;
        break;
    case Artifact::Kind::TmpFolder:
        c.tmpFolders.insert(name.mid(41, 32), a);
        c.facts.hasTmpFolders = true;
        break;
    case Artifact::Kind::Manifest:
        e.hasManifest = true;
        break;
    case Artifact::Kind::AtomicTemp:
        c.facts.hasAtomicTemps = true;
        break;
    case Artifact::Kind::Foreign:
        break;
    }
}

// Measures every artifact of one key and reads its descriptor and lock.
Collected collect(const QString &root, const QString &key, const QStringList &names)
{
    Collected c;
    c.entry.key = key;
    c.facts.key = key;
    for (const QString &name : names) {
        Artifact::Kind kind = Artifact::Kind::Foreign;
        classifySuffix(name.mid(40), &kind);
        util::TreeStats stats;
        const Artifact a = measureArtifact(root, name, kind, &stats);
        if (!stats.exists)
            continue; // vanished since the folder was listed
        c.entry.problems += stats.problems;
        c.entry.diskBytes += a.diskBytes;
        c.entry.bytes += a.bytes;
        noteArtifact(c, root, name, kind, stats, a);
        c.entry.artifacts << a;
    }
    return c;
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
        = cache::judgeLock(lock, c.lockMTime, lastProgress, localHost, c.facts.noProgressSecs, c.facts.now);
}

// Bytes never used again: tmp folders not owned by a live lock, atomic-write temps, a stale lock.
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

// The format our manifest records (a file of ours: reading it moves no time that matters).
ModelFormat manifestFormat(const QString &path)
{
    const QString name = QJsonDocument::fromJson(readSmallFile(path, 16 * 1024 * 1024))
                             .object()
                             .value(QStringLiteral("format"))
                             .toString();
    for (const ModelFormat f : allFormats()) {
        if (formatName(f) == name)
            return f;
    }
    return ModelFormat::Unknown;
}

// The model folder's format, and its last use: the newest access time of the files hub.load()
// always reads, never of folders (listing one, as every scan does, moves its access time), and
// none at all where the mount records no access times (`atimes` false).
void inspectFolder(Collected &c, const QString &root, bool atimes)
{
    CacheEntry &e = c.entry;
    if (!e.hasFolder || !c.facts.folderIsDir)
        return;
    const QString folder = root + QLatin1Char('/') + e.key;
    const cache::ModelInfo m = cache::inspect(folder, c.folderListing);
    e.format = m.format;
    e.loadable = m.loadable;
    e.missingFiles = m.missingFiles;
    c.facts.missingFiles = m.missingFiles;
    if (m.formatUnread && e.hasManifest)
        e.format = manifestFormat(folder + QStringLiteral(".manifest.json"));
    if (!atimes)
        return;
    for (const util::ListedName &n : std::as_const(c.folderListing)) {
        if (m.loadFiles.contains(n.path) && (!e.lastAccessed.isValid() || n.atime > e.lastAccessed))
            e.lastAccessed = n.atime;
    }
    e.lastAccessed = e.lastAccessed.toLocalTime();
}

CacheEntry scanGroup(const QString &root, const QString &key, const QStringList &names,
    const ScanOptions &options, bool atimes)
{
    Collected c = collect(root, key, names);
    CacheEntry &e = c.entry;
    c.facts.graceSecs = options.graceSecs;
    c.facts.noProgressSecs = options.noProgressSecs;
    c.facts.now = QDateTime::currentDateTimeUtc();
    judgeLockOwner(c, options.localHost.isEmpty() ? util::hostName() : options.localHost);

    inspectFolder(c, root, atimes);
    c.facts.loadable = e.loadable;
    if (!e.downloaded.isValid() && e.hasFolder)
        e.downloaded = c.folderMTime.toLocalTime();

    const cache::StateDecision d = cache::decideState(c.facts);
    e.state = d.state;
    e.stateDetail = d.detail;
    if (d.state == EntryState::Complete)
        e.reclaimableBytes = leftoverBytes(e, d.lock);
    else if (d.state != EntryState::Downloading)
        e.reclaimableBytes = e.diskBytes;
    return e;
}

CacheEntry scanForeign(const QString &root, const QString &name, bool atimes)
{
    CacheEntry e;
    e.key = name;
    e.state = EntryState::Foreign;
    util::TreeStats stats;
    const Artifact a = measureArtifact(root, name, Artifact::Kind::Foreign, &stats);
    if (!stats.exists)
        return e; // vanished since the folder was listed
    e.artifacts << a;
    e.diskBytes = stats.diskBytes;
    e.bytes = stats.bytes;
    e.files = stats.files;
    e.lastModified = stats.newestMTime.toLocalTime();
    e.lastAccessed = atimes ? stats.newestATime.toLocalTime() : QDateTime();
    e.problems = stats.problems;
    return e;
}

} // namespace

namespace cache {

bool scanRoot(const QString &root, const ScanOptions &options,
    const std::function<void(const CacheEntry &)> &onEntry, const std::function<bool()> &cancelled,
    QString *error)
{
    bool exists = true;
    QString err;
    const QStringList names = listNames(root, &exists, &err);
    if (!err.isEmpty()) {
        if (error)
            *error = err;
        return false;
    }
    if (!exists)
        return true; // nothing cached yet: the library creates the folder on first download

    const bool atimes = util::recordsAccessTimes(root);
    QMap<QString, QStringList> groups;
    QStringList foreign;
    for (const QString &name : names) {
        const QString item = itemKey(name);
        if (isCacheKey(item))
            groups[item] << name;
        else
            foreign << name;
    }
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        if (cancelled && cancelled())
            return true;
        const CacheEntry e = scanGroup(root, it.key(), it.value(), options, atimes);
        if (!e.artifacts.isEmpty())
            onEntry(e);
    }
    std::sort(foreign.begin(), foreign.end());
    for (const QString &name : std::as_const(foreign)) {
        if (cancelled && cancelled())
            return true;
        const CacheEntry e = scanForeign(root, name, atimes);
        if (!e.artifacts.isEmpty())
            onEntry(e);
    }
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
    bool exists = true;
    QString err;
    QHash<QString, QStringList> names;
    for (const QString &name : listNames(root, &exists, &err))
        names[itemKey(name)] << name;
    const bool atimes = !names.isEmpty() && util::recordsAccessTimes(root);
    QList<CacheEntry> out;
    for (const QString &item : itemKeys) {
        const QStringList mine = names.value(item);
        if (mine.isEmpty()) {
            CacheEntry e;
            e.key = item;
            out << e; // gone (or never there): no artifacts
        } else if (isCacheKey(item)) {
            out << scanGroup(root, item, mine, options, atimes);
        } else {
            out << scanForeign(root, item, atimes);
        }
    }
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
            QString error;
            const bool ok = cache::scanRoot(
                root, options,
                [&](const CacheEntry &e) {
                    batch << e;
                    if (flushPace.claimReport(batch.size() >= 200))
                        flush();
                },
                stale, &error);
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
