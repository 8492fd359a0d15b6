#include "ui/usage/breakdownview.h"

#include <QHeaderView>
#include <QLocale>
#include <QPainter>
#include <QStyledItemDelegate>

#include <algorithm>

namespace tfhub::ui {

namespace {

// Paints the row's share as a bar behind the size, in the palette's highlight colour so that it
// follows light and dark themes.
class BarDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        const double fraction = index.data(BreakdownModel::FractionRole).toDouble();
        if (fraction > 0) {
            QRectF bar = QRectF(option.rect).adjusted(2, 3, -2, -3);
            bar.setWidth(std::max(1.0, bar.width() * fraction));
            QColor color = option.palette.color(QPalette::Highlight);
            color.setAlphaF(0.35);
            painter->fillRect(bar, color);
        }
        QStyledItemDelegate::paint(painter, option, index);
    }
};

} // namespace

BreakdownModel::BreakdownModel(const QString &groupTitle, QObject *parent)
    : QAbstractTableModel(parent), m_groupTitle(groupTitle)
{
}

int BreakdownModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int BreakdownModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BreakdownModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (index.column()) {
    case NameColumn:
        if (role == Qt::DisplayRole || role == SortRole || role == Qt::ToolTipRole)
            return row.name;
        break;
    case CountColumn:
        if (role == Qt::DisplayRole)
            return QLocale().toString(row.count);
        if (role == SortRole)
            return row.count;
        if (role == Qt::TextAlignmentRole)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case SizeColumn:
        if (role == Qt::DisplayRole)
            return QLocale().formattedDataSize(row.bytes);
        if (role == SortRole)
            return row.bytes;
        if (role == FractionRole)
            return m_largest > 0 ? static_cast<double>(row.bytes) / static_cast<double>(m_largest) : 0.0;
        if (role == Qt::TextAlignmentRole)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant BreakdownModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return m_groupTitle;
    case CountColumn:
        return tr("Entries");
    case SizeColumn:
        return tr("Size");
    }
    return {};
}

void BreakdownModel::setRows(QList<Row> rows)
{
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.bytes > b.bytes; });
    beginResetModel();
    m_rows = std::move(rows);
    m_largest = m_rows.isEmpty() ? 0 : m_rows.constFirst().bytes;
    endResetModel();
}

BreakdownView::BreakdownView(BreakdownModel *model, QWidget *parent) : QTreeView(parent)
{
    setModel(model);
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(false);
    setSelectionMode(QAbstractItemView::NoSelection);
    setItemDelegateForColumn(BreakdownModel::SizeColumn, new BarDelegate(this));
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(BreakdownModel::NameColumn, QHeaderView::Stretch);
    header()->setSectionResizeMode(BreakdownModel::CountColumn, QHeaderView::ResizeToContents);
    header()->setSectionResizeMode(BreakdownModel::SizeColumn, QHeaderView::Fixed);
    header()->resizeSection(BreakdownModel::SizeColumn, fontMetrics().averageCharWidth() * 16);
}

QSize BreakdownView::sizeHint() const
{
    return QSize(300, 180);
}

} // namespace tfhub::ui
