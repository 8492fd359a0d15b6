#pragma once

#include "core/cache/cachescanner.h"
#include "core/util/result.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <functional>

namespace tfhub {

class CacheLocation;

/// What deleting (or trashing) one cache entry would touch, decided before anything is touched.
/// The UI shows it in its confirmation; `maintenance::executeRemoval` / `maintenance::moveToTrash` carry it
/// out.
struct RemovalPlan final
{
    QString root;
    QString key;
    QString handle;
    QStringList names; ///< items inside `root`, all named after `key`; the model folder first
    qint64 diskBytes = 0; ///< allocated blocks freed by a delete
    qint64 files = 0;
    QString refusal; ///< translated reason why the entry must not be removed; empty when it may
    bool unreadable = false; ///< the entry could not be read (a Cloud Storage failure): `refusal` says why

    bool canRemove() const { return refusal.isEmpty() && !names.isEmpty(); }
};

/// The outcome of removing one entry.
struct RemovalOutcome final
{
    QString key;
    bool ok = false;
    bool cancelled = false;
    QString error; ///< names the thing and the cause
    qint64 freedBytes = 0; ///< 0 for a move to the trash: nothing is freed until it is emptied
    QStringList trashedPaths; ///< where the items went in the trash
};

namespace maintenance {

/// Plans the removal of everything named after `key` in `root`: the model folder, descriptor,
/// manifest, dead tmp folders, a stale lock and atomic-write temporaries. Refuses while a live
/// process holds the entry's lock, and for anything that is not a cache key (foreign items are
/// never removable).
RemovalPlan planRemoval(const QString &root, const QString &key, const ScanOptions &options = ScanOptions());
/// The same for an entry of any location (a local folder as above).
RemovalPlan planRemoval(
    CacheLocation &location, const QString &key, const ScanOptions &options = ScanOptions());

/// True when `name` is an item the library (or we) could have written for `key`: `K`,
/// `K.descriptor.txt`, `K.manifest.json`, `K.lock`, `K.<32 hex>.tmp`, `K.lock.tmp<32 hex>` or
/// `K.descriptor.txt.tmp<32 hex>`.
bool isNamedAfterKey(const QString &name, const QString &key);

/// Deletes what `plan` lists after checking again that no live download holds the entry. The
/// model folder is first renamed to a dead tmp folder, so an interrupted delete leaves an abandoned
/// partial download (which tensorflow_hub ignores) rather than a damaged model it would load.
/// Symbolic links are removed as links, never followed. `progress` receives freed bytes.
RemovalOutcome executeRemoval(const RemovalPlan &plan, const std::function<bool()> &cancelled = {},
    const std::function<void(qint64)> &progress = {}, const ScanOptions &options = ScanOptions());

/// The XDG trash of this user: `$XDG_DATA_HOME/Trash` (as QStandardPaths reports it).
QString homeTrash();

/// Moves the plan's items to the user's trash with QFile::moveToTrash, after creating the trash's
/// `files/` and `info/` folders (Qt 6.4 otherwise reports success and moves the items into
/// `./files/`). Every returned path is checked to lie inside a trash folder.
RemovalOutcome moveToTrash(const RemovalPlan &plan, const ScanOptions &options = ScanOptions());

} // namespace maintenance

/// Removes or trashes entries one after the other on a thread it owns; cancellable, with
/// progress throttled to about ten reports a second.
class EntryRemover final : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Delete, Trash };

    explicit EntryRemover(QObject *parent = nullptr);
    ~EntryRemover() override;

    void setOptions(const ScanOptions &options) { m_options = options; }
    /// Starts removing `plans`; refused (returns false) while a removal runs.
    bool start(const QList<RemovalPlan> &plans, Mode mode);
    void cancel();
    bool isRunning() const { return m_thread != nullptr; }

Q_SIGNALS:
    void progressChanged(qint64 doneBytes, qint64 totalBytes);
    void entryRemoved(const tfhub::RemovalOutcome &outcome);
    void finished(const QList<tfhub::RemovalOutcome> &outcomes);

private:
    void onThreadDone();

    ScanOptions m_options;
    QThread *m_thread = nullptr;
    std::atomic<bool> m_cancel { false };
    QList<RemovalOutcome> m_outcomes;
};

} // namespace tfhub

Q_DECLARE_METATYPE(tfhub::RemovalOutcome)
