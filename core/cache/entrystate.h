#pragma once

#include "core/cache/cacheentry.h"
#include "core/cache/lock.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

/// The rule that turns what a scan found for one key into its state: a pure function of the
/// facts, so that every combination can be tested without building it on disk.
namespace tfhub::cache {

/// What a scan found for one key, reduced to what decides its state.
struct EntryFacts final
{
    QString key; ///< for messages

    bool hasFolder = false; ///< `K` exists (as a folder or not)
    bool folderIsDir = true;
    bool folderEmpty = false; ///< `K/` is a folder with nothing in it and nothing unreadable
    bool folderProblems = false; ///< parts of `K/` could not be read
    bool loadable = false; ///< `K/` holds a model hub.load() (or TFLite / TF.js tooling) reads
    QStringList missingFiles; ///< files that model needs but `K/` lacks (a weight shard, the index)

    bool hasLock = false;
    LockOwner lock; ///< `K.lock`'s content, parsed
    Liveness liveness = Liveness::Alive; ///< judgeLock's verdict on the owner (when hasLock)
    QDateTime lastProgress; ///< newest of the lock's mtime and its tmp folder's newest mtime

    bool hasTmpFolders = false; ///< any `K.<uid>.tmp/`
    bool hasAtomicTemps = false; ///< any `K.lock.tmp…` / `K.descriptor.txt.tmp…` / manifest temp

    int graceSecs = 30; ///< ScanOptions::graceSecs
    int noProgressSecs = 20 * 60; ///< ScanOptions::noProgressSecs
    QDateTime now;
};

/// Whether the key's lock, if any, still belongs to a download.
enum class LockStatus {
    None, ///< no lock
    Live, ///< held by a download that is still going: it owns the whole entry
    Stale, ///< its owner is gone or made no progress: a leftover
};

struct StateDecision final
{
    EntryState state = EntryState::OrphanDescriptor;
    QString detail; ///< plain words: why this state; may be empty
    LockStatus lock = LockStatus::None;
};

/// The state of one key. Order: a live lock owns the entry; then a loadable folder (broken when a
/// required file is missing); then a stale lock; then what the folder or the leftovers are.
StateDecision decideState(const EntryFacts &facts);

} // namespace tfhub::cache
