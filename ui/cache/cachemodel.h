#pragma once

#include "core/cache/cacheentry.h"
#include "core/maintenance/verifymarks.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QList>
#include <QSet>
#include <QStringList>

#include <limits>

namespace tfhub::ui {

/// The entries of one cache root as a table. Rows are keyed by CacheEntry::key, so incremental
/// scan results update rows in place instead of resetting the view.
class CacheModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        HandleColumn,
        SizeColumn,
        FilesColumn,
        FormatColumn,
        StateColumn,
        DownloadedColumn,
        LastUsedColumn,
        PinnedColumn,
        ColumnCount
    };

    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw value: qint64 for sizes, counts and times, QString otherwise
        EntryRole, ///< the whole CacheEntry
        KeyRole, ///< the entry's key
        PinnedRole, ///< bool: no cleanup rule selects the entry
        HandleRole, ///< the full handle; empty when unknown
        VerifyMarkRole, ///< what the last Verify found changed; empty when it is not marked
    };

    /// SortRole of a time nobody knows (a last use on a noatime mount): after every real one.
    static constexpr qint64 UnknownTime = std::numeric_limits<qint64>::max();

    explicit CacheModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setEntries(const QList<CacheEntry> &entries);
    /// Replaces rows whose key is known and appends the others, with one insert and batched
    /// dataChanged signals per call.
    void upsertEntries(const QList<CacheEntry> &entries);
    void removeKeys(const QStringList &keys);
    void clear();
    /// Shows these keys as pinned (the pin column, PinnedRole).
    void setPinnedKeys(const QSet<QString> &keys);
    bool isPinned(const QString &key) const { return m_pinned.contains(key); }
    /// The entries are in Cloud Storage: "Last used" says it is not available there rather than unknown.
    void setCloudStorage(bool cloud);
    bool isCloudStorage() const { return m_cloudStorage; }
    /// Marks these entries as changed since their download (a Verify found it), until a Verify
    /// passes or the folder is replaced: the State column says so.
    void setVerifyMarks(const QHash<QString, VerifyMark> &marks);
    const QHash<QString, VerifyMark> &verifyMarks() const { return m_marks; }

    const CacheEntry &entryAt(int row) const;
    const QList<CacheEntry> &entries() const { return m_entries; }
    /// The row of `key`, or -1.
    int rowOfKey(const QString &key) const;
    QStringList keys() const;
    qint64 totalDiskBytes() const { return m_totalDiskBytes; }

    /// Display text of the model column: the handle's model path (modelname::path), or a readable
    /// stand-in when the handle is unknown.
    static QString displayName(const CacheEntry &entry);
    static QIcon stateIcon(EntryState state);
    /// The State column's word for a state: stateLabel() made short where it is long
    /// ("Abandoned" for "Abandoned download"); the tooltip says it in full.
    static QString shortStateLabel(EntryState state);
    /// The longest texts a column shows (every state, every format, the longest relative time),
    /// for sizing it so nothing is cut; empty for the model column, which stretches.
    static QStringList widestTexts(int column);

private:
    void rebuildIndex();

    QList<CacheEntry> m_entries;
    /// displayName() of each row, kept with it: sorting 10,000 rows by name asks for it at every
    /// comparison, and working a handle's path out each time cost more than the sort.
    QStringList m_names;
    QHash<QString, int> m_rowOfKey;
    qint64 m_totalDiskBytes = 0;
    QSet<QString> m_pinned;
    QHash<QString, VerifyMark> m_marks;
    bool m_cloudStorage = false;
};

} // namespace tfhub::ui
