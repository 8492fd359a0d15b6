#include "core/cache/entrystate.h"

#include <QCoreApplication>

namespace tfhub::cache {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheScanner", text);
}

QString ownerText(const LockOwner &lock)
{
    return lock.valid ? tr("%1 pid %2").arg(lock.host).arg(lock.pid)
                      : tr("an unreadable lock (\"%1\")").arg(lock.raw.left(80));
}

// Whether the lock still belongs to a download, and in words why.
StateDecision judgeLockStatus(const EntryFacts &f)
{
    StateDecision d;
    if (!f.hasLock)
        return d;
    const QString owner = ownerText(f.lock);
    const QString progress = f.lastProgress.toLocalTime().toString(Qt::ISODate);
    switch (f.liveness) {
    case Liveness::Alive:
        // The library takes over any lock whose download made no progress for its two 10-minute
        // checks, live holder or not: so do we, never sooner (noProgressSecs).
        if (f.lastProgress.isValid() && f.lastProgress.secsTo(f.now) >= f.noProgressSecs) {
            d.lock = LockStatus::Stale;
            d.detail = tr("Locked by %1, which is running but made no progress for %2 minutes.")
                           .arg(owner)
                           .arg(f.lastProgress.secsTo(f.now) / 60);
        } else {
            d.lock = LockStatus::Live;
            d.detail = tr("Being downloaded by %1.").arg(owner);
        }
        break;
    case Liveness::RemoteActive:
    case Liveness::Unreadable:
        d.lock = LockStatus::Live;
        d.detail = tr("Being downloaded by %1 (another host; last progress %2).").arg(owner, progress);
        break;
    case Liveness::Dead:
        // A process in a container that shares our host name is invisible here: keep treating
        // the lock as live while its download still grows.
        if (f.lastProgress.isValid() && f.lastProgress.secsTo(f.now) < f.graceSecs) {
            d.lock = LockStatus::Live;
            d.detail = tr("Locked by %1, which is not running here, but the download changed %2 s ago.")
                           .arg(owner)
                           .arg(f.lastProgress.secsTo(f.now));
        } else {
            d.lock = LockStatus::Stale;
            d.detail = tr("Locked by %1, which is no longer running.").arg(owner);
        }
        break;
    case Liveness::RemoteStale:
        d.lock = LockStatus::Stale;
        d.detail = tr("Locked by %1 with no progress since %2.").arg(owner, progress);
        break;
    }
    return d;
}

} // namespace

StateDecision decideState(const EntryFacts &f)
{
    StateDecision d = judgeLockStatus(f);
    const bool staleLock = d.lock == LockStatus::Stale;
    if (d.lock == LockStatus::Live) {
        d.state = EntryState::Downloading;
    } else if (f.hasFolder && !f.folderEmpty && f.folderIsDir && f.loadable && !f.missingFiles.isEmpty()) {
        d.state = EntryState::Broken;
        d.detail = tr("Missing %1.").arg(f.missingFiles.join(QStringLiteral(", ")));
        if (staleLock)
            d.detail += QLatin1Char(' ') + tr("A stale lock is left over.");
    } else if (f.hasFolder && !f.folderEmpty && f.folderIsDir && f.loadable) {
        d.state = EntryState::Complete;
        d.detail = staleLock ? tr("Complete; a stale lock is left over.") : QString();
    } else if (staleLock) {
        d.state = EntryState::StaleLock;
    } else if (f.hasFolder && f.folderEmpty) {
        d.state = EntryState::EmptyFolder;
    } else if (f.hasFolder) {
        d.state = EntryState::NotLoadable;
        if (!f.folderIsDir)
            d.detail = tr("%1 is a file, not a folder.").arg(f.key);
        else if (f.folderProblems)
            d.detail = tr("Parts of the folder cannot be read.");
    } else if (f.hasTmpFolders || f.hasAtomicTemps) {
        d.state = EntryState::AbandonedPartial;
    } else {
        d.state = EntryState::OrphanDescriptor;
    }
    return d;
}

} // namespace tfhub::cache
