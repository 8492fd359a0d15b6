#include "ui/cache/livecache.h"

#include "core/maintenance/pins.h"

#include "core/cache/cachewatcher.h"
#include "core/hub/handle.h"
#include "core/hub/handlehistory.h"
#include "core/prefetch/downloadqueue.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcscachesource.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <utility>

namespace tfhub::ui {

namespace {

bool sameArtifacts(const QList<Artifact> &a, const QList<Artifact> &b)
{
    return std::equal(a.cbegin(), a.cend(), b.cbegin(), b.cend(), [](const Artifact &x, const Artifact &y) {
        return x.kind == y.kind && x.name == y.name && x.diskBytes == y.diskBytes && x.bytes == y.bytes
            && x.files == y.files && x.modified == y.modified;
    });
}

// Whether a scanned entry is exactly the row shown: the check of an indexed view sends every entry
// again, and rows that would not change must not cost a dataChanged (and the proxy a re-sort) each.
bool sameEntry(const CacheEntry &a, const CacheEntry &b)
{
    return a.key == b.key && a.handle == b.handle && a.handleSource == b.handleSource && a.state == b.state
        && a.format == b.format && a.stateDetail == b.stateDetail && a.diskBytes == b.diskBytes
        && a.bytes == b.bytes && a.files == b.files && a.reclaimableBytes == b.reclaimableBytes
        && a.downloaded == b.downloaded && a.downloaderHost == b.downloaderHost
        && a.downloaderPid == b.downloaderPid && a.lastModified == b.lastModified
        && a.lastAccessed == b.lastAccessed && a.hasFolder == b.hasFolder
        && a.folderNonEmpty == b.folderNonEmpty && a.loadable == b.loadable
        && a.hasDescriptor == b.hasDescriptor && a.hasManifest == b.hasManifest
        && a.lock.valid == b.lock.valid && a.lock.host == b.lock.host && a.lock.pid == b.lock.pid
        && a.lock.uid == b.lock.uid && a.lock.raw == b.lock.raw && sameArtifacts(a.artifacts, b.artifacts)
        && a.problems == b.problems && a.missingFiles == b.missingFiles;
}

} // namespace

LiveCache::LiveCache(const QString &root, QObject *parent)
    : QObject(parent)
    , m_root(gcscache::cleanRoot(root))
    , m_scanner(new CacheScanner(this))
    , m_gcs(new GcsCacheSource(this))
    , m_watcher(new CacheWatcher(this))
    , m_model(new CacheModel(this))
    , m_rescan(new QFutureWatcher<QList<CacheEntry>>(this))
    , m_pinWrite(new QFutureWatcher<Result<QSet<QString>>>(this))
{
    connect(m_pinWrite, &QFutureWatcherBase::finished, this, &LiveCache::onPinWriteFinished);
    connect(m_scanner, &CacheScanner::indexViewFound, this, &LiveCache::onIndexView);
    connect(m_scanner, &CacheScanner::entriesFound, this, &LiveCache::onEntriesFound);
    connect(m_scanner, &CacheScanner::problem, this, &LiveCache::onScanProblem);
    connect(m_scanner, &CacheScanner::finished, this, &LiveCache::onScanFinished);
    connect(m_gcs, &GcsCacheSource::entriesFound, this, &LiveCache::onEntriesFound);
    connect(m_gcs, &GcsCacheSource::pinsFound, this, &LiveCache::applyPins);
    connect(m_gcs, &GcsCacheSource::problem, this, &LiveCache::onScanProblem);
    connect(m_gcs, &GcsCacheSource::finished, this, &LiveCache::onScanFinished);
    // Changes by other processes (a download, a terminal rm) reach the model without a refresh.
    connect(m_watcher, &CacheWatcher::keysChanged, this, &LiveCache::rescanKeys);
    connect(m_watcher, &CacheWatcher::ready, this, &LiveCache::onWatcherReady);
    connect(m_rescan, &QFutureWatcherBase::finished, this, &LiveCache::onKeysRescanned);
}

LiveCache::~LiveCache()
{
    // The model is a child too: the last results must not reach it while the children go.
    disconnect(m_scanner, nullptr, this, nullptr);
    disconnect(m_gcs, nullptr, this, nullptr);
    disconnect(m_watcher, nullptr, this, nullptr);
    disconnect(m_rescan, nullptr, this, nullptr);
    m_watcher->stop();
    m_scanner->cancel();
    m_rescan->waitForFinished();
}

QSet<QString> LiveCache::completeKeys() const
{
    QSet<QString> keys;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const CacheEntry &e = m_model->entryAt(row);
        if (e.state == EntryState::Complete)
            keys.insert(e.key);
    }
    return keys;
}

void LiveCache::setScanOptions(const ScanOptions &options)
{
    m_options = options;
    m_options.index = ScanIndexUse::None;
}

void LiveCache::setCatalogHandles(const QHash<QString, QString> &byKey)
{
    m_known.catalog = byKey;
    renameEntries();
}

void LiveCache::setDownloadQueue(DownloadQueue *queue)
{
    connect(queue, &DownloadQueue::jobAdded, this, [this, queue](int id) {
        const QString handle = queue->handleOf(id);
        m_known.queue.insert(Handle::cacheKeyOf(handle), handle);
        m_known.history = hub::readHandleHistory(); // the queue recorded it there too
        renameEntries();
    });
}

void LiveCache::renameEntries()
{
    QList<CacheEntry> renamed;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const CacheEntry &e = m_model->entryAt(row);
        if (e.handleSource == QLatin1String("descriptor") || e.state == EntryState::Foreign)
            continue;
        CacheEntry copy = e;
        cache::nameEntry(&copy, m_root, m_known);
        if (copy.handle != e.handle || copy.handleSource != e.handleSource)
            renamed.append(copy);
    }
    if (!renamed.isEmpty())
        m_model->upsertEntries(renamed);
}

void LiveCache::setRoot(const QString &root)
{
    const QString clean = gcscache::cleanRoot(root);
    if (clean == m_root)
        return;
    stop();
    m_root = clean;
    // Rows of the old folder must not linger while the new one is scanned; a rescan of the old
    // folder still running is dropped when it ends (see onKeysRescanned).
    m_pendingRescan.clear();
    m_model->clear();
    Q_EMIT rootChanged(m_root);
    refresh();
}

void LiveCache::reloadPins()
{
    if (gcscache::isCloudRoot(m_root))
        return; // read with each listing, off the GUI thread
    const Result<PinSet> pins = maintenance::readPins(m_root);
    QSet<QString> keys;
    if (pins) {
        for (auto it = pins->byKey.cbegin(); it != pins->byKey.cend(); ++it)
            keys.insert(it.key());
    }
    applyPins(keys);
}

void LiveCache::applyPins(const QSet<QString> &keys)
{
    if (keys == m_pinned)
        return;
    m_pinned = keys;
    m_model->setPinnedKeys(m_pinned);
    Q_EMIT pinsChanged();
}

Status LiveCache::setPinned(const QStringList &keys, const QStringList &handles, bool pinned)
{
    if (gcscache::isCloudRoot(m_root)) {
        if (m_writingPins)
            return Error { tr("The last change of pins is still being written to %1.").arg(m_root) };
        m_writingPins = true;
        m_pinWrite->setFuture(QtConcurrent::run([root = m_root, keys, handles, pinned] {
            return gcscache::setPinned(root, keys, handles, pinned);
        }));
        return Status();
    }
    Status status;
    for (int i = 0; i < keys.size() && status; ++i) {
        const Result<bool> r = pinned ? maintenance::pin(m_root, keys.at(i), handles.value(i))
                                      : maintenance::unpin(m_root, keys.at(i));
        if (!r)
            status = Error { r.error() };
    }
    reloadPins();
    return status;
}

void LiveCache::onPinWriteFinished()
{
    m_writingPins = false;
    const Result<QSet<QString>> after = m_pinWrite->result();
    if (after)
        applyPins(*after);
    else
        Q_EMIT pinsFailed(after.error());
    Q_EMIT pinWriteFinished();
}

void LiveCache::refresh()
{
    startScan(ScanIndexUse::Use);
}

void LiveCache::scanAgain()
{
    startScan(ScanIndexUse::Rebuild);
}

void LiveCache::startScan(ScanIndexUse index)
{
    reloadPins();
    // The scanner reports a superseded scan as finished(false) at once; that is no failure.
    m_scanning = false;
    m_reconcileAfterScan = false;
    m_scanner->cancel();
    m_scanProblems.clear();
    m_scanFailed = false;
    const bool cloud = gcscache::isCloudRoot(m_root);
    // A missing folder is the normal state before the first download, not an error; one stat
    // decides it without starting a worker.
    if (!cloud && !QFileInfo::exists(m_root)) {
        m_watcher->start(m_root);
        m_watching = true;
        Q_EMIT scanStarted();
        m_model->clear();
        Q_EMIT scanFinished(true);
        return;
    }
    m_seenKeys.clear();
    m_known.history = hub::readHandleHistory();
    m_scanning = true;
    if (cloud) {
        m_gcs->start(m_root, m_options); // a bucket has no watcher: the pages scan again on a timer
        Q_EMIT scanStarted();
        return;
    }
    // The watcher's baseline is taken while the scan runs: whatever changes after it is rescanned.
    // One that watches this folder already keeps its baseline: taking another walks every folder of
    // the cache a second time beside the scan (as long as the scan itself, with 10,000 entries).
    if (!m_watching || m_watcher->root() != m_root)
        m_watcher->start(m_root);
    m_watching = true;
    ScanOptions options = m_options;
    options.index = index;
    m_scanner->setOptions(options);
    m_scanner->start(m_root);
    Q_EMIT scanStarted();
}

void LiveCache::stop()
{
    m_scanning = false;
    m_scanner->cancel();
    m_gcs->cancel();
    m_watcher->stop();
    m_watching = false;
}

void LiveCache::onIndexView(const QList<CacheEntry> &indexed)
{
    if (!m_scanning)
        return;
    // Shown, not seen: an entry the check does not find again is removed when the scan finishes.
    QList<CacheEntry> entries = indexed;
    cache::nameEntries(&entries, m_root, m_known);
    m_model->upsertEntries(entries);
    Q_EMIT indexViewShown(int(entries.size()));
}

void LiveCache::onEntriesFound(const QList<CacheEntry> &found)
{
    if (!m_scanning)
        return;
    QList<CacheEntry> entries = found;
    cache::nameEntries(&entries, m_root, m_known);
    for (const CacheEntry &entry : std::as_const(entries))
        m_seenKeys.insert(entry.key);
    entries.removeIf([this](const CacheEntry &entry) {
        const int row = m_model->rowOfKey(entry.key);
        return row >= 0 && sameEntry(m_model->entryAt(row), entry);
    });
    if (!entries.isEmpty())
        m_model->upsertEntries(entries);
}

void LiveCache::onScanProblem(const QString &message)
{
    m_scanProblems.append(message);
    Q_EMIT scanProblem(message);
}

void LiveCache::onScanFinished(bool complete)
{
    if (!m_scanning)
        return;
    m_scanning = false;
    if (complete) {
        // Whatever the finished scan did not see is gone from the disk.
        QStringList gone;
        const QStringList keys = m_model->keys();
        for (const QString &key : keys) {
            if (!m_seenKeys.contains(key))
                gone.append(key);
        }
        m_model->removeKeys(gone);
    }
    m_scanFailed = !complete;
    if (!complete && m_scanProblems.isEmpty())
        m_scanProblems.append(tr("The scan of %1 did not complete.").arg(QDir::toNativeSeparators(m_root)));
    m_seenKeys.clear();
    Q_EMIT scanFinished(complete);
    if (std::exchange(m_reconcileAfterScan, false))
        reconcileWithBaseline();
}

// The watcher's baseline and the scan run side by side: an item that appears or goes after the
// scan listed the folder but before the baseline was taken is in one and not the other, and the
// watcher, comparing with its baseline, would never report it. Rescan those items once both are done.
void LiveCache::onWatcherReady()
{
    if (m_scanning)
        m_reconcileAfterScan = true;
    else
        reconcileWithBaseline();
}

void LiveCache::reconcileWithBaseline()
{
    const QStringList baseline = m_watcher->baselineKeys();
    const QSet<QString> onDisk(baseline.cbegin(), baseline.cend());
    const QStringList shown = m_model->keys();
    const QSet<QString> inModel(shown.cbegin(), shown.cend());
    QStringList differ;
    for (const QString &key : onDisk) {
        if (!inModel.contains(key))
            differ.append(key);
    }
    for (const QString &key : inModel) {
        if (!onDisk.contains(key))
            differ.append(key);
    }
    if (!differ.isEmpty())
        rescanKeys(differ);
}

void LiveCache::rescanKeys(const QStringList &keys)
{
    // One listing of a bucket costs what a rescan of one key would.
    if (gcscache::isCloudRoot(m_root)) {
        refresh();
        return;
    }
    for (const QString &key : keys) {
        if (!m_pendingRescan.contains(key))
            m_pendingRescan.append(key);
    }
    if (m_rescan->isRunning() || m_pendingRescan.isEmpty())
        return;
    const QStringList batch = m_pendingRescan;
    m_pendingRescan.clear();
    m_rescanningRoot = m_root;
    m_rescan->setFuture(QtConcurrent::run([root = m_root, batch, options = m_options] {
        ScanOptions indexed = options;
        indexed.index = ScanIndexUse::Use; // keeps the index of the changed items up to date
        return cache::scanItems(root, batch, indexed);
    }));
}

void LiveCache::onKeysRescanned()
{
    const QList<CacheEntry> entries
        = m_rescan->future().resultCount() > 0 ? m_rescan->result() : QList<CacheEntry>();
    // Items of a folder that is no longer shown must not become rows of the new one.
    if (m_rescanningRoot == m_root) {
        QList<CacheEntry> present;
        QStringList gone;
        for (const CacheEntry &entry : entries) {
            if (entry.artifacts.isEmpty()) {
                gone.append(entry.key);
            } else {
                present.append(entry);
                // A full scan that runs meanwhile may have listed the folder before this item appeared.
                if (m_scanning)
                    m_seenKeys.insert(entry.key);
            }
        }
        cache::nameEntries(&present, m_root, m_known);
        m_model->upsertEntries(present);
        m_model->removeKeys(gone);
    }
    rescanKeys({});
}

} // namespace tfhub::ui
