#pragma once

#include "core/catalog/catalog.h"

#include <QAbstractTableModel>
#include <QIcon>
#include <QSet>

#include <memory>

namespace tfhub::ui {

/// Every entry of a catalog as a row (handle, task, format, version, cached badge). The catalog
/// is shared and immutable; the cache state comes from the set of complete cache keys.
class BrowseModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { HandleColumn, TaskColumn, FormatColumn, VersionColumn, CachedColumn, ColumnCount };
    enum Role {
        RawRole = Qt::UserRole + 1, ///< the sort value of a cell
        EntryIndexRole, ///< the row's index in the catalog (qlonglong)
        CacheStateRole, ///< CacheState as int
        LoadableRole, ///< bool
        HandleRole, ///< the full handle (the model column shows its path)
    };

    explicit BrowseModel(QObject *parent = nullptr);

    void setCatalog(std::shared_ptr<const Catalog> catalog);
    const Catalog *catalog() const { return m_catalog.get(); }
    std::shared_ptr<const Catalog> sharedCatalog() const { return m_catalog; }

    /// The keys of the complete entries of the cache; updates the badges (one dataChanged).
    void setCachedKeys(QSet<QString> keys);
    const QSet<QString> &cachedKeys() const { return m_cachedKeys; }
    CacheState cacheState(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString cacheStateLabel(CacheState state);
    /// The distinct texts `column` shows over the whole catalog (for sizing the column).
    QStringList columnTexts(int column) const;

private:
    std::shared_ptr<const Catalog> m_catalog;
    QSet<QString> m_cachedKeys;
    QIcon m_cachedIcon;
    QIcon m_otherIcon;
};

} // namespace tfhub::ui
