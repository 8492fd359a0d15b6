#include "ui/cleanup/cleanupplanmodel.h"
#include "ui/widgets/modelname.h"

#include <QLocale>

namespace tfhub::ui {

namespace {

// Rule rows have internal id 0; item rows carry their group's row + 1.
constexpr quintptr GroupId = 0;

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes);
}

} // namespace

CleanupPlanModel::CleanupPlanModel(QObject *parent) : QAbstractItemModel(parent) { }

QString CleanupPlanModel::itemId(const CleanupItem &item)
{
    return ruleName(item.rule) + QLatin1Char('/') + item.key;
}

void CleanupPlanModel::setPlan(const CleanupPlan &plan)
{
    beginResetModel();
    m_plan = plan;
    m_groups.clear();
    for (const CleanupRule rule : allRules()) {
        const QList<CleanupItem> items = plan.itemsFor(rule);
        if (!items.isEmpty())
            m_groups.append(Group { rule, items });
    }
    endResetModel();
    Q_EMIT checkedChanged();
}

CleanupPlan CleanupPlanModel::checkedPlan() const
{
    CleanupPlan checked = m_plan;
    checked.items.clear();
    for (const CleanupItem &item : m_plan.items) {
        if (isChecked(item))
            checked.items.append(item);
    }
    return checked;
}

qint64 CleanupPlanModel::checkedBytes() const
{
    qint64 total = 0;
    for (const Group &g : m_groups)
        total += checkedBytes(g.rule);
    return total;
}

int CleanupPlanModel::checkedCount() const
{
    int n = 0;
    for (const CleanupItem &item : m_plan.items)
        n += isChecked(item) ? 1 : 0;
    return n;
}

qint64 CleanupPlanModel::checkedBytes(CleanupRule rule) const
{
    qint64 total = 0;
    for (const CleanupItem &item : m_plan.items) {
        if (item.rule == rule && isChecked(item))
            total += item.bytes;
    }
    return total;
}

QModelIndex CleanupPlanModel::groupIndex(CleanupRule rule) const
{
    for (int i = 0; i < m_groups.size(); ++i) {
        if (m_groups.at(i).rule == rule)
            return index(i, 0);
    }
    return QModelIndex();
}

QModelIndex CleanupPlanModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return QModelIndex();
    if (!parent.isValid())
        return createIndex(row, column, GroupId);
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex CleanupPlanModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == GroupId)
        return QModelIndex();
    return createIndex(int(child.internalId() - 1), 0, GroupId);
}

int CleanupPlanModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (parent.column() != 0 || parent.internalId() != GroupId)
        return 0;
    return int(m_groups.at(parent.row()).items.size());
}

int CleanupPlanModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

Qt::CheckState CleanupPlanModel::groupState(const Group &group) const
{
    int checked = 0;
    for (const CleanupItem &item : group.items)
        checked += isChecked(item) ? 1 : 0;
    if (checked == 0)
        return Qt::Unchecked;
    return checked == group.items.size() ? Qt::Checked : Qt::PartiallyChecked;
}

QVariant CleanupPlanModel::groupData(const Group &group, int column, int role) const
{
    const qint64 bytes = checkedBytes(group.rule);
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return tr("%1 (%2)").arg(ruleLabel(group.rule)).arg(group.items.size());
        if (column == SizeColumn)
            return sizeText(bytes);
        return QVariant();
    case Qt::CheckStateRole:
        return column == NameColumn ? QVariant(groupState(group)) : QVariant();
    case SortRole:
        return column == SizeColumn ? QVariant(bytes) : QVariant(ruleLabel(group.rule));
    case RuleRole:
        return ruleName(group.rule);
    case KeyRole:
        return QString();
    case Qt::TextAlignmentRole:
        return column == SizeColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    default:
        return QVariant();
    }
}

QVariant CleanupPlanModel::cellData(const CleanupItem &item, int column, int role) const
{
    const QString name = item.handle.isEmpty() ? item.key : item.handle;
    switch (role) {
    case Qt::DisplayRole:
        // The model path, as on the Cache page: the host is the delegate's badge.
        if (column == NameColumn)
            return item.handle.isEmpty() ? item.key : modelname::path(item.handle);
        if (column == ReasonColumn)
            return item.reason;
        return sizeText(item.bytes);
    case Qt::ToolTipRole:
        if (column == NameColumn) {
            const QString keyAndNames
                = tr("Key %1\nRemoves: %2").arg(item.key, item.names.join(QStringLiteral(", ")));
            return item.handle.isEmpty() ? keyAndNames : item.handle + QLatin1Char('\n') + keyAndNames;
        }
        // The whole reason, which a narrow column cuts, and for a duplicate what it served.
        if (column == ReasonColumn && !item.servedHandles.isEmpty())
            return QString(item.reason + QLatin1Char('\n')
                + tr("This copy served %1; deleting it means tensorflow_hub downloads again for those "
                     "spellings.")
                      .arg(item.servedHandles.join(QStringLiteral(", "))));
        if (column == ReasonColumn)
            return item.reason;
        return QVariant();
    case Qt::CheckStateRole:
        return column == NameColumn ? QVariant(isChecked(item) ? Qt::Checked : Qt::Unchecked) : QVariant();
    case SortRole:
        if (column == SizeColumn)
            return item.bytes;
        return column == NameColumn ? name : item.reason;
    case KeyRole:
        return item.key;
    case HandleRole:
        return item.handle;
    case RuleRole:
        return ruleName(item.rule);
    case Qt::TextAlignmentRole:
        return column == SizeColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    default:
        return QVariant();
    }
}

QVariant CleanupPlanModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return QVariant();
    if (index.internalId() == GroupId)
        return groupData(m_groups.at(index.row()), index.column(), role);
    const Group &group = m_groups.at(int(index.internalId() - 1));
    return cellData(group.items.at(index.row()), index.column(), role);
}

void CleanupPlanModel::setGroupChecked(int group, bool checked)
{
    for (const CleanupItem &item : std::as_const(m_groups.at(group).items)) {
        if (checked)
            m_unchecked.remove(itemId(item));
        else
            m_unchecked.insert(itemId(item));
    }
    const QModelIndex parent = index(group, 0);
    Q_EMIT dataChanged(parent, index(group, ColumnCount - 1));
    if (rowCount(parent) > 0)
        Q_EMIT dataChanged(index(0, 0, parent), index(rowCount(parent) - 1, ColumnCount - 1, parent));
}

bool CleanupPlanModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (role != Qt::CheckStateRole || !checkIndex(index, CheckIndexOption::IndexIsValid)
        || index.column() != NameColumn)
        return false;
    const bool checked = value.value<Qt::CheckState>() != Qt::Unchecked;
    if (index.internalId() == GroupId) {
        setGroupChecked(index.row(), checked);
    } else {
        const QString id = itemId(m_groups.at(int(index.internalId() - 1)).items.at(index.row()));
        if (checked)
            m_unchecked.remove(id);
        else
            m_unchecked.insert(id);
        Q_EMIT dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
        const QModelIndex group = index.parent();
        Q_EMIT dataChanged(group, group.siblingAtColumn(ColumnCount - 1));
    }
    Q_EMIT checkedChanged();
    return true;
}

Qt::ItemFlags CleanupPlanModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == NameColumn)
        f |= Qt::ItemIsUserCheckable;
    if (index.internalId() == GroupId && index.column() == NameColumn)
        f |= Qt::ItemIsAutoTristate;
    return f;
}

QVariant CleanupPlanModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case NameColumn:
        return tr("Model");
    case ReasonColumn:
        return tr("Why");
    case SizeColumn:
        return tr("Frees");
    default:
        return QVariant();
    }
}

} // namespace tfhub::ui
