#pragma once

#include "core/maintenance/cleanupplan.h"

#include <QAbstractItemModel>
#include <QSet>

namespace tfhub::ui {

/// A cleanup plan as a two-level tree: one checkable row per rule (its items' count and checked
/// bytes), under it one checkable row per item (handle, reason, bytes). Everything starts checked;
/// what the user unchecks stays unchecked when a new plan of the same items arrives, so the plan
/// can follow the rules live without losing the user's choices.
class CleanupPlanModel final : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, ReasonColumn, SizeColumn, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1, ///< raw value: bytes as qint64, text otherwise
        KeyRole, ///< an item's cache key; empty on a rule row
        RuleRole, ///< the rule's machine name (ruleName())
        HandleRole, ///< an item's full handle (empty when unknown or on a rule row), for the host badge
    };

    explicit CleanupPlanModel(QObject *parent = nullptr);

    void setPlan(const CleanupPlan &plan);
    const CleanupPlan &plan() const { return m_plan; }

    /// The plan with only the checked items (what Run carries out).
    CleanupPlan checkedPlan() const;
    qint64 checkedBytes() const;
    int checkedCount() const;
    /// Bytes of the checked items of `rule`.
    qint64 checkedBytes(CleanupRule rule) const;
    /// The row of `rule`'s group, or an invalid index when the plan has none.
    QModelIndex groupIndex(CleanupRule rule) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    /// The checked items changed (a click, or a new plan).
    void checkedChanged();

private:
    struct Group final
    {
        CleanupRule rule;
        QList<CleanupItem> items;
    };

    static QString itemId(const CleanupItem &item);
    bool isChecked(const CleanupItem &item) const { return !m_unchecked.contains(itemId(item)); }
    Qt::CheckState groupState(const Group &group) const;
    QVariant groupData(const Group &group, int column, int role) const;
    QVariant cellData(const CleanupItem &item, int column, int role) const;
    void setGroupChecked(int group, bool checked);

    CleanupPlan m_plan;
    QList<Group> m_groups;
    QSet<QString> m_unchecked; ///< "rule/key" of the items the user unchecked
};

} // namespace tfhub::ui
