#include "ui/browse/browsemodel.h"
#include "ui/widgets/modelname.h"

#include <QApplication>
#include <QPalette>

namespace tfhub::ui {

BrowseModel::BrowseModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_cachedIcon(QIcon(QStringLiteral(":/icons/state-complete.svg")))
    , m_otherIcon(QIcon(QStringLiteral(":/icons/state-empty.svg")))
{
}

void BrowseModel::setCatalog(std::shared_ptr<const Catalog> catalog)
{
    beginResetModel();
    m_catalog = std::move(catalog);
    endResetModel();
}

void BrowseModel::setCachedKeys(QSet<QString> keys)
{
    if (keys == m_cachedKeys)
        return;
    m_cachedKeys = std::move(keys);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

CacheState BrowseModel::cacheState(int row) const
{
    return m_catalog->cacheState(row, m_cachedKeys);
}

int BrowseModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_catalog ? 0 : int(m_catalog->size());
}

int BrowseModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString BrowseModel::cacheStateLabel(CacheState state)
{
    switch (state) {
    case CacheState::Cached:
        return tr("cached");
    case CacheState::OtherVersionCached:
        return tr("other version cached");
    case CacheState::NotCached:
        return QString();
    case CacheState::NotLoadable:
        return tr("not loadable");
    }
    return QString();
}

QStringList BrowseModel::columnTexts(int column) const
{
    QSet<QString> texts;
    for (int row = 0; row < rowCount(); ++row)
        texts.insert(data(index(row, column)).toString());
    return QStringList(texts.cbegin(), texts.cend());
}

QVariant BrowseModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CatalogEntry &e = m_catalog->at(index.row());
    switch (role) {
    case EntryIndexRole:
        return qlonglong(index.row());
    case CacheStateRole:
        return int(cacheState(index.row()));
    case LoadableRole:
        return e.isLoadable();
    case HandleRole:
        return e.handle;
    case Qt::DisplayRole:
        switch (index.column()) {
        case HandleColumn:
            return modelname::path(e.handle);
        case TaskColumn:
            // The first task and a count of the others: the column stays narrow and its text whole
            // (the tooltip lists them all).
            if (e.tasks.size() > 1)
                return tr("%1 +%2").arg(modelname::taskLabel(e.tasks.constFirst())).arg(e.tasks.size() - 1);
            return e.tasks.isEmpty() ? QString() : modelname::taskLabel(e.tasks.constFirst());
        case FormatColumn:
            return e.isLoadable() ? modelname::catalogFormatLabel(e.format) : catalog::kindLabel(e.kind);
        case VersionColumn:
            return e.version > 0 ? QVariant(e.version) : QVariant();
        case CachedColumn:
            return cacheStateLabel(cacheState(index.row()));
        }
        return {};
    case RawRole:
        switch (index.column()) {
        case HandleColumn:
            return e.handle;
        case TaskColumn:
            return e.tasks.value(0);
        case FormatColumn:
            return e.isLoadable() ? e.format : catalog::kindName(e.kind);
        case VersionColumn:
            return e.version;
        case CachedColumn:
            return int(cacheState(index.row()));
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == CachedColumn) {
            const CacheState s = cacheState(index.row());
            if (s == CacheState::Cached)
                return m_cachedIcon;
            if (s == CacheState::OtherVersionCached)
                return m_otherIcon;
        }
        return {};
    case Qt::ForegroundRole:
        // Variants, placeholders, collections and publishers are listed for finding the model;
        // dimmed because hub.load() cannot use them.
        if (!e.isLoadable())
            return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::ToolTipRole:
        if (!e.isLoadable()) {
            if (!e.parentModel.isEmpty())
                return tr("%1\n%2 of %3: not loadable by tensorflow_hub")
                    .arg(e.handle, catalog::kindLabel(e.kind), e.parentModel);
            return tr("%1\n%2: not loadable by tensorflow_hub").arg(e.handle, catalog::kindLabel(e.kind));
        }
        if (index.column() == TaskColumn && !e.tasks.isEmpty()) {
            QStringList tasks;
            for (const QString &t : e.tasks)
                tasks << modelname::taskLabel(t);
            return tasks.join(u'\n');
        }
        if (index.column() == CachedColumn) {
            switch (cacheState(index.row())) {
            case CacheState::Cached:
                return tr("In the cache: hub.load() uses it without a download");
            case CacheState::OtherVersionCached:
                return tr("Another version of this model is in the cache");
            default:
                return tr("Not in the cache");
            }
        }
        return e.handle;
    case Qt::TextAlignmentRole:
        if (index.column() == VersionColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant BrowseModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case HandleColumn:
        return tr("Model");
    case TaskColumn:
        return tr("Task");
    case FormatColumn:
        return tr("Format");
    case VersionColumn:
        return tr("Version");
    case CachedColumn:
        return tr("Cache");
    }
    return {};
}

} // namespace tfhub::ui
