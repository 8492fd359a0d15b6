#pragma once

#include "core/cache/cacheentry.h"
#include "core/cache/entrystate.h"

/// What an artifact's kind alone tells about its entry, shared by every scan (a local folder, a
/// Cloud Storage prefix): the same kinds must raise the same facts wherever they were found.
/// What needs the artifact itself (a folder's listing, a descriptor's or lock's content, where a
/// lock's progress time comes from) stays with each scan.
namespace tfhub::cache {

/// Marks `entry` and `facts` for one artifact of `kind`.
void noteArtifactKind(Artifact::Kind kind, CacheEntry *entry, EntryFacts *facts);

/// Bytes never used again: tmp folders not owned by a live lock, atomic-write temps, a stale lock.
qint64 leftoverBytes(const CacheEntry &e, LockStatus lock);

/// The tail of an entry once its state is decided: the state, its detail and what a cleanup can
/// reclaim (leftovers of a complete entry, everything of an entry that is not downloading).
void applyDecision(CacheEntry *e, const StateDecision &d);

} // namespace tfhub::cache
