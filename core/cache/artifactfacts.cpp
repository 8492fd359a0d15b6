#include "core/cache/artifactfacts.h"

namespace tfhub::cache {

void noteArtifactKind(Artifact::Kind kind, CacheEntry *entry, EntryFacts *facts)
{
    switch (kind) {
    case Artifact::Kind::Folder:
        entry->hasFolder = true;
        facts->hasFolder = true;
        break;
    case Artifact::Kind::Descriptor:
        entry->hasDescriptor = true;
        break;
    case Artifact::Kind::Lock:
        facts->hasLock = true;
        break;
    case Artifact::Kind::TmpFolder:
        facts->hasTmpFolders = true;
        break;
    case Artifact::Kind::Manifest:
        entry->hasManifest = true;
        break;
    case Artifact::Kind::AtomicTemp:
        facts->hasAtomicTemps = true;
        break;
    case Artifact::Kind::Foreign:
        break;
    }
}

qint64 leftoverBytes(const CacheEntry &e, LockStatus lock)
{
    const bool live = lock == LockStatus::Live;
    qint64 leftovers = 0;
    for (const Artifact &a : e.artifacts) {
        const bool ownedTmp
            = a.kind == Artifact::Kind::TmpFolder && live && e.lock.valid && a.name.mid(41, 32) == e.lock.uid;
        if ((a.kind == Artifact::Kind::TmpFolder && !ownedTmp)
            || (a.kind == Artifact::Kind::AtomicTemp && !live)
            || (a.kind == Artifact::Kind::Lock && lock == LockStatus::Stale))
            leftovers += a.diskBytes;
    }
    return leftovers;
}

void applyDecision(CacheEntry *e, const StateDecision &d)
{
    e->state = d.state;
    e->stateDetail = d.detail;
    if (d.state == EntryState::Complete)
        e->reclaimableBytes = leftoverBytes(*e, d.lock);
    else if (d.state != EntryState::Downloading)
        e->reclaimableBytes = e->diskBytes;
}

} // namespace tfhub::cache
