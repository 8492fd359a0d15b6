#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QTreeView>

namespace tfhub::ui {

/// Rows of (group, entries, bytes), largest first: one breakdown of the cache (by publisher,
/// format or age).
class BreakdownModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, CountColumn, SizeColumn, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw value
        FractionRole, ///< double: bytes / the largest group's bytes, for the bar
    };
    struct Row
    {
        QString name;
        int count = 0;
        qint64 bytes = 0;
    };

    explicit BreakdownModel(const QString &groupTitle, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Replaces the rows; they are kept sorted by bytes, largest first.
    void setRows(QList<Row> rows);
    const QList<Row> &rows() const { return m_rows; }

private:
    QString m_groupTitle;
    QList<Row> m_rows;
    qint64 m_largest = 0;
};

/// A small table whose size column carries a bar proportional to the largest row.
class BreakdownView final : public QTreeView
{
    Q_OBJECT
public:
    explicit BreakdownView(BreakdownModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override;
};

} // namespace tfhub::ui
