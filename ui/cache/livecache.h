#pragma once

#include "core/cache/cacheentry.h"
#include "core/cache/cachescanner.h"
#include "core/cache/entrynaming.h"
#include "core/util/result.h"

#include <QFutureWatcher>
#include <QObject>
#include <QSet>
#include <QStringList>

namespace tfhub {
class CacheWatcher;
class DownloadQueue;
} // namespace tfhub

namespace tfhub::ui {

class CacheModel;
class GcsCacheSource;

/// The one live view of the cache folder that every page shares: it owns the CacheScanner (full
/// scans off the GUI thread), the CacheWatcher (changes by other processes), the rescans of
/// single items, and the CacheModel they keep up to date. The main window creates it once;
/// pages show its model and never scan themselves. setRoot() switches to another folder in
/// place, so a new cache folder needs no restart. Its scans use the scan index: the model shows the
/// indexed entries at once, then each as its quick check confirms or corrects it.
class LiveCache final : public QObject
{
    Q_OBJECT
public:
    explicit LiveCache(const QString &root, QObject *parent = nullptr);
    ~LiveCache() override;

    QString root() const { return m_root; }
    CacheModel *model() const { return m_model; }
    /// Tests shorten its intervals.
    CacheWatcher *watcher() const { return m_watcher; }
    bool isScanning() const { return m_scanning; }
    /// The last full scan did not complete (the folder could not be read).
    bool scanFailed() const { return m_scanFailed; }
    /// What went wrong during the last full scan, in words for the user.
    QStringList scanProblems() const { return m_scanProblems; }
    /// The keys of the entries that are complete (what tensorflow_hub loads without a download).
    QSet<QString> completeKeys() const;

    /// The pinned keys of this folder (its pins file), as last read.
    QSet<QString> pinnedKeys() const { return m_pinned; }
    /// Pins or unpins `keys` (`handles` for display, same order) in the folder's pins file.
    Status setPinned(const QStringList &keys, const QStringList &handles, bool pinned);
    /// A change of pins is being written to Cloud Storage (setPinned() there runs on a worker: a
    /// read and a write of the pins object, which could keep the window from answering); pinsChanged()
    /// or pinsFailed() follows, then pinWriteFinished().
    bool isWritingPins() const { return m_writingPins; }
    /// Reads the pins file again and shows it in the model (a gs:// cache's pins come with its listing).
    void reloadPins();

    /// Options for every scan; the index use is the live cache's own (refresh() or scanAgain()).
    void setScanOptions(const ScanOptions &options);
    /// What a scan of this folder needs, without the scan index (for cleanup and the like).
    const ScanOptions &scanOptions() const { return m_options; }

    /// Names entries without a descriptor (cache::nameEntries) from the catalog's handles too.
    void setCatalogHandles(const QHash<QString, QString> &byKey);
    /// Names the entries of this queue's downloads, which have no descriptor until they finish.
    void setDownloadQueue(DownloadQueue *queue);
    const cache::KnownHandles &knownHandles() const { return m_known; }

    /// Shows `root` from now on: empties the model, drops the work on the old folder, then scans
    /// and watches the new one. Nothing happens when it is the folder shown already.
    void setRoot(const QString &root);

public Q_SLOTS:
    /// Scans the whole folder again; rows update in place as batches arrive. Entries the scan index
    /// holds are shown at once and only checked (a few stats each), not walked.
    void refresh();
    /// refresh() that reads every file again and rebuilds the scan index ("Scan Again"): finds a
    /// file edited in place inside an entry, which changes no folder time.
    void scanAgain();
    /// Rescans only these items (keys, or foreign names) and updates or removes their rows.
    void rescanKeys(const QStringList &keys);
    /// Stops a running scan and the watcher without reporting a failure.
    void stop();

Q_SIGNALS:
    void rootChanged(const QString &root);
    void scanStarted();
    /// The entries of the scan index are in the model, not yet checked (a scan with no index, or
    /// an empty one, sends nothing).
    void indexViewShown(int entries);
    void scanProblem(const QString &message);
    /// `complete` is false when the scan failed; a superseded scan reports nothing.
    void scanFinished(bool complete);
    /// The pinned keys changed (here or by reloadPins()).
    void pinsChanged();
    /// A change of pins on Cloud Storage could not be written (the message names the bucket and cause).
    void pinsFailed(const QString &message);
    void pinWriteFinished();

private:
    void startScan(ScanIndexUse index);
    void onIndexView(const QList<tfhub::CacheEntry> &indexed);
    void applyPins(const QSet<QString> &keys);
    void onPinWriteFinished();
    void onEntriesFound(const QList<tfhub::CacheEntry> &found);
    void onScanProblem(const QString &message);
    void onScanFinished(bool complete);
    void onWatcherReady();
    void reconcileWithBaseline();
    void onKeysRescanned();
    /// Names the model's entries again after a source of names changed.
    void renameEntries();

    QString m_root;
    ScanOptions m_options;
    CacheScanner *m_scanner = nullptr;
    GcsCacheSource *m_gcs = nullptr; ///< scans a gs:// root instead of m_scanner and m_watcher
    CacheWatcher *m_watcher = nullptr;
    CacheModel *m_model = nullptr;
    bool m_scanning = false;
    bool m_watching = false; ///< the watcher runs on m_root (since a scan started it)
    bool m_reconcileAfterScan = false;
    bool m_scanFailed = false;
    QSet<QString> m_seenKeys;
    QSet<QString> m_pinned;
    QStringList m_scanProblems;
    QStringList m_pendingRescan;
    QString m_rescanningRoot;
    QFutureWatcher<QList<CacheEntry>> *m_rescan = nullptr;
    QFutureWatcher<Result<QSet<QString>>> *m_pinWrite = nullptr;
    bool m_writingPins = false; ///< until the write's result is taken (not when the worker ends)
    cache::KnownHandles m_known;
};

} // namespace tfhub::ui
