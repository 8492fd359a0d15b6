// The Cache page's context menus (the table's and the header's column menu), apart from the page's
// layout and state in cachepage.cpp.

#include "ui/cache/cachepage.h"

#include "ui/cache/cachemodel.h"

#include <QAction>
#include <QHeaderView>
#include <QMenu>
#include <QTableView>

namespace tfhub::ui {

void CachePage::addTableMenuActions(const QList<QAction *> &actions)
{
    m_addedMenuActions << actions;
}

QList<QAction *> CachePage::tableMenuActions() const
{
    return entryActions() + m_addedMenuActions;
}

void CachePage::showTableMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addActions(entryActions());
    if (!m_addedMenuActions.isEmpty()) {
        menu.addSeparator();
        menu.addActions(m_addedMenuActions);
    }
    menu.addSeparator();
    menu.addAction(m_scanAgainAction);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void CachePage::showHeaderMenu(const QPoint &pos)
{
    QHeaderView *header = m_table->horizontalHeader();
    QMenu menu(this);
    for (int column = 0; column < m_model->columnCount(); ++column) {
        QAction *action
            = menu.addAction(m_model->headerData(column, Qt::Horizontal, Qt::AccessibleTextRole).toString());
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(column));
        // Without the handle column a row cannot be told apart from the others.
        action->setEnabled(column != CacheModel::HandleColumn);
        connect(action, &QAction::toggled, header,
            [header, column](bool shown) { header->setSectionHidden(column, !shown); });
    }
    menu.exec(header->mapToGlobal(pos));
}

} // namespace tfhub::ui
