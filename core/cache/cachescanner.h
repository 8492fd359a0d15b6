#pragma once

#include "core/cache/cacheentry.h"

#include <QHash>
#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>

namespace tfhub {

/// How a scan uses the persistent scan index of its root (cache::ScanIndex).
enum class ScanIndexUse {
    None, ///< walk every file and keep no index (verify, cleanup, moves: they must see the disk)
    Use, ///< reuse the indexed totals of entries whose folders are unchanged, then update the index
    Rebuild, ///< walk every file and write the index anew (`--rescan`, "Scan Again")
};

/// Tunables of the stale-lock rules (tests shrink them to about a second) and of the scan index.
struct ScanOptions final
{
    /// A lock from another host is stale after this long with no growth (the library's two
    /// 10-minute checks).
    int noProgressSecs = 20 * 60;
    /// A lock of a dead local process is only called stale once its tmp folder has not changed
    /// for this long (a container sharing our hostname has its own PIDs).
    int graceSecs = 30;
    QString localHost; ///< empty: this machine's host name
    ScanIndexUse index = ScanIndexUse::None;
    /// Entries changed less than this long before a scan are not indexed yet: a file system with
    /// coarse timestamps (1-2 s) could otherwise take a change made during the scan for none.
    int indexSettleMs = 2000;
    /// Threads a whole-root scan works on its entries with (0: one per core, at most 4). A walk is
    /// stat calls, which the kernel answers from its caches on every core at once.
    int threads = 0;
};

/// Reads one cache root. Pure functions usable from any thread; CacheScanner runs them off the GUI thread.
namespace cache {

/// Scans every item of the root. `onEntry` is called for each entry as it is found; return false
/// from `cancelled` to go on. Returns false with `error` set when the root itself cannot be read.
/// With ScanIndexUse::Use, `onIndexView` first gets the entries as the index holds them, before
/// anything of them is checked (a view to show at once); the entries then follow as checked.
bool scanRoot(const QString &root, const ScanOptions &options,
    const std::function<void(const CacheEntry &)> &onEntry, const std::function<bool()> &cancelled,
    QString *error, const std::function<void(const QList<CacheEntry> &)> &onIndexView = {});

/// Scans one key (all artifacts named after it). Returns an entry with no artifacts when none exist.
CacheEntry scanKey(const QString &root, const QString &key, const ScanOptions &options);

/// The name of the cache mover's journal in a cache root (`.tfhub-cache-manager-move.json`).
QString moveJournalName();

/// The name of the pins file in a cache root (`.tfhub-cache-manager-pins.json`): the entries no
/// cleanup rule may select. It lives in the cache so pins travel with a shared or moved cache.
QString pinsFileName();

/// Whether a name in a cache root is a file of this app's own (the move journal, the pins file and
/// their atomic-write temporaries): not a cache artifact and not a foreign item, so scans and
/// watchers leave it out.
bool isOwnFile(const QString &name);

/// The item a name of the root belongs to: its 40-hex key when it is a cache artifact, the name
/// itself otherwise (a foreign item). Lets a watcher group changes exactly as a scan groups entries.
QString itemKey(const QString &name);

/// Scans one item as scanRoot would report it: scanKey for a cache key, the foreign item otherwise.
/// Returns an entry with no artifacts when nothing by that name exists.
CacheEntry scanItem(const QString &root, const QString &itemKey, const ScanOptions &options);

/// scanItem for several items, listing the root once (a watcher reports changes in batches).
/// One entry per requested item, in order. The index (options.index) is updated for these items only.
QList<CacheEntry> scanItems(const QString &root, const QStringList &itemKeys, const ScanOptions &options);

/// All entries, sorted by key. Convenience for the CLI and tests.
QList<CacheEntry> scanAll(const QString &root, const ScanOptions &options, QString *error);

} // namespace cache

/// Runs scans on a worker thread it owns, reports entries in batches, can be cancelled.
class CacheScanner final : public QObject
{
    Q_OBJECT
public:
    explicit CacheScanner(QObject *parent = nullptr);
    ~CacheScanner() override;

    void setOptions(const ScanOptions &options);
    /// Starts a scan of `root`; a running scan is cancelled first.
    void start(const QString &root);
    void cancel();
    bool isRunning() const;

Q_SIGNALS:
    void scanStarted(const QString &root);
    /// The entries the scan index holds, before they are checked (ScanIndexUse::Use only).
    void indexViewFound(const QList<tfhub::CacheEntry> &entries);
    void entriesFound(const QList<tfhub::CacheEntry> &entries);
    void problem(const QString &message);
    /// `complete` is false when cancelled or when the root could not be read.
    void finished(bool complete);

private:
    QThread m_thread;
    QObject *m_worker = nullptr;
    ScanOptions m_options;
    std::atomic<quint64> m_generation { 0 };
    bool m_running = false;
};

} // namespace tfhub
