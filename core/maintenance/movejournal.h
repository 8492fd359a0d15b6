#pragma once

#include "core/util/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace tfhub::maintenance {

/// The record of a cache move in progress, kept in the destination (and, as a pointer, in the
/// source) so that a move cut short by a crash or a kill can be finished or undone later.
struct MoveJournal final
{
    enum class Phase {
        Copying, ///< entries are being copied or renamed; the setting still names `from`
        Copied, ///< every entry is in `to`; across volumes the sources are still whole
        Removing, ///< the setting names `to`; the sources are being deleted
    };
    struct Item final
    {
        QString key;
        QString label; ///< the handle when known, else the key
        QStringList names; ///< the artifacts that move: folder, descriptor, manifest
    };

    QString id; ///< 32 hex digits; also the uid of the locks the move takes
    QString from;
    QString to;
    bool crossVolume = false;
    Phase phase = Phase::Copying;
    QList<Item> items;
    QDateTime started;
    QString host;
    qint64 pid = 0;

    /// The journal's file name: `.tfhub-cache-manager-move.json`.
    static QString fileName();
    static QString phaseName(Phase phase);
};

/// Writes the journal durably to `to`, then the same text to `from` (the pointer a user whose
/// setting still names `from` is found by). Fails when either cannot be written.
Status writeJournal(const MoveJournal &journal);

/// Removes the pointer in `from`, then the journal in `to`.
void removeJournal(const MoveJournal &journal);

/// The move recorded in `dir`, whether `dir` is its source or its destination. The destination's
/// journal is authoritative: a pointer whose destination holds no journal is no pending move.
/// An unreadable journal is an error that names the file.
Result<std::optional<MoveJournal>> readPendingMove(const QString &dir);

} // namespace tfhub::maintenance
