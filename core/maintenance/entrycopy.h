#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

namespace tfhub::maintenance {

/// Copies cache entries from one volume to another, verifying and syncing every file.
/// Used by moveCache(); a copy is complete and on disk before any source is deleted.
class EntryCopier final
{
public:
    EntryCopier(std::function<bool()> cancelled, std::function<void(qint64)> advance);

    /// The first item under `path` that cannot be copied (a FIFO, socket or device), with the
    /// cause; empty when everything can be.
    static QString findUncopyable(const QString &path);

    /// Copies the artifacts `names` (the folder first) of one entry from `fromRoot` to `toRoot`:
    /// the folder to `<key>.<uid>.tmp`, verified by SHA-256 and synced, the descriptor and
    /// manifest written atomically, then the folder renamed into place and `toRoot` synced. On
    /// failure or cancel nothing of it is left in `toRoot`. Never replaces anything.
    bool copyEntry(
        const QString &fromRoot, const QString &toRoot, const QStringList &names, const QString &uid);

    QString error() const { return m_error; }
    bool stopped() const { return m_stopped; }

private:
    QByteArray copyFile(const QString &from, const QString &to, unsigned mode);
    bool copyTree(const QString &from, const QString &to);

    std::function<bool()> m_cancelled;
    std::function<void(qint64)> m_advance;
    QString m_error;
    bool m_stopped = false;
};

/// rename(2) that fails with EEXIST instead of replacing what is at `to`.
bool renameNoReplace(const QString &from, const QString &to);

} // namespace tfhub::maintenance
