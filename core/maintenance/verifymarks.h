#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

namespace tfhub {

/// What tells one download of an entry from the next: its model folder's device, inode and
/// modification time. A download (ours or tensorflow_hub's) renames a new folder into place, so a
/// fresh download has another identity, while repairing files inside keeps it.
struct FolderIdentity final
{
    quint64 device = 0;
    quint64 inode = 0;
    qint64 mtimeNs = 0;

    bool isValid() const { return inode != 0; }
    bool operator==(const FolderIdentity &other) const = default;
};

/// A verify that found an entry's files different from what was downloaded (or missing what
/// hub.load() needs). It holds until a verify passes or the folder is replaced or removed.
struct VerifyMark final
{
    QString key;
    QString handle; ///< for display; may be empty
    QString summary; ///< what the verify found, in plain words
    QDateTime checked; ///< when (UTC)
    FolderIdentity folder; ///< the folder that was verified
};

/// The outcome of verifying one entry, as recordVerifyResults() takes it.
struct VerifyOutcome final
{
    QString key;
    QString handle;
    bool changed = false; ///< the verify found changes; false: it passed
    QString summary; ///< what it found (for a change)
};

namespace maintenance {

/// `$XDG_STATE_HOME/tfhub-cache-manager/verify-results.json` ($HOME/.local/state when unset).
/// Kept outside the cache: tensorflow_hub's folder holds only what downloads put there.
QString verifyMarksPath();

/// The identity of `folder` now; invalid when it does not exist or is no folder.
FolderIdentity folderIdentity(const QString &folder);

/// The marks of the cache at `root` that still hold: their model folder is the one that was
/// verified. A missing or damaged file reads as no marks (marks are a reminder, not data).
QHash<QString, VerifyMark> currentVerifyMarks(const QString &root, const QString &path = verifyMarksPath());

/// Those of `marks` that still hold at `root` (their folder was neither replaced nor removed).
QHash<QString, VerifyMark> holdingMarks(const QString &root, const QHash<QString, VerifyMark> &marks);

/// Records verify results for the cache at `root`: a change marks the entry (with its folder's
/// identity now), a pass removes its mark. Marks of that root whose folder is gone or replaced are
/// dropped on the way. Writers in other processes (the app, the CLI) wait for each other.
Status recordVerifyResults(
    const QString &root, const QList<VerifyOutcome> &outcomes, const QString &path = verifyMarksPath());

} // namespace maintenance

} // namespace tfhub
