#include "ui/cache/cachefilterbar.h"

#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMouseEvent>
#include <QSet>
#include <QStandardItemModel>
#include <QStyledItemDelegate>
#include <QToolButton>
#include <QWidgetAction>

namespace tfhub::ui {

CacheFilterBar::CacheFilterBar(CacheFilterProxy *proxy, QWidget *parent) : QWidget(parent), m_proxy(proxy)
{
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Filter by handle, key or publisher (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Filter"));
    m_search->addAction(QIcon::fromTheme(QStringLiteral("edit-find")), QLineEdit::LeadingPosition);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &CacheFilterProxy::setFilterText);

    createStateMenu();
    m_formatMenu = new QMenu(this);
    for (const ModelFormat format : allFormats()) {
        QAction *action = m_formatMenu->addAction(formatLabel(format));
        action->setCheckable(true);
        action->setData(static_cast<int>(format));
        connect(action, &QAction::toggled, this, &CacheFilterBar::applyFilters);
    }
    m_stateButton = createChip(tr("State"), m_stateMenu);
    m_stateButton->setObjectName(QStringLiteral("stateFilterButton"));
    m_formatButton = createChip(tr("Format"), m_formatMenu);
    m_formatButton->setObjectName(QStringLiteral("formatFilterButton"));

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search, 1);
    layout->addWidget(m_stateButton);
    layout->addWidget(m_formatButton);
}

namespace {

// A click anywhere on a row toggles its check box, not only on the box; Space does as well.
class CheckRowDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
        const QModelIndex &index) override
    {
        if (event->type() == QEvent::MouseButtonDblClick)
            return true; // the press and release toggled already
        if (event->type() == QEvent::MouseButtonRelease) {
            const auto *mouse = static_cast<QMouseEvent *>(event);
            if (mouse->button() != Qt::LeftButton || !option.rect.contains(mouse->position().toPoint()))
                return false;
            const bool checked = index.data(Qt::CheckStateRole).toInt() == Qt::Checked;
            return model->setData(index, checked ? Qt::Unchecked : Qt::Checked, Qt::CheckStateRole);
        }
        return QStyledItemDelegate::editorEvent(event, model, option, index);
    }
};

} // namespace

void CacheFilterBar::createStateMenu()
{
    m_stateModel = new QStandardItemModel(this);
    for (const EntryState state : allStates()) {
        auto *item = new QStandardItem(CacheModel::stateIcon(state), stateLabel(state));
        item->setEditable(false);
        item->setCheckable(true);
        item->setCheckState(Qt::Unchecked);
        item->setData(static_cast<int>(state), StateRole);
        item->setToolTip(stateExplanation(state));
        m_stateModel->appendRow(item);
    }
    connect(m_stateModel, &QStandardItemModel::itemChanged, this, &CacheFilterBar::applyFilters);

    m_stateList = new QListView;
    m_stateList->setObjectName(QStringLiteral("stateFilterList"));
    m_stateList->setAccessibleName(tr("Show entries in these states"));
    m_stateList->setModel(m_stateModel);
    m_stateList->setItemDelegate(new CheckRowDelegate(m_stateList));
    m_stateList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_stateList->setSelectionMode(QAbstractItemView::NoSelection);
    m_stateList->setFrameShape(QFrame::NoFrame);
    m_stateList->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_stateList->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_stateList->setMouseTracking(true);
    // Every state in view at once: the list is as tall and wide as its rows.
    m_stateList->setFixedSize(m_stateList->sizeHintForColumn(0) + 8,
        m_stateList->sizeHintForRow(0) * m_stateModel->rowCount() + 2 * m_stateList->frameWidth());

    m_stateMenu = new QMenu(this);
    auto *list = new QWidgetAction(m_stateMenu);
    list->setDefaultWidget(m_stateList);
    m_stateMenu->addAction(list);
    connect(m_stateMenu, &QMenu::aboutToShow, m_stateList, [this] { m_stateList->setFocus(); });
}

QToolButton *CacheFilterBar::createChip(const QString &text, QMenu *menu)
{
    auto *button = new QToolButton(this);
    button->setText(text);
    button->setMenu(menu);
    button->setPopupMode(QToolButton::InstantPopup);
    button->setToolButtonStyle(Qt::ToolButtonTextOnly);
    return button;
}

void CacheFilterBar::clear()
{
    m_search->clear();
    for (QAction *action : m_formatMenu->actions())
        action->setChecked(false);
    for (int row = 0; row < m_stateModel->rowCount(); ++row)
        m_stateModel->item(row)->setCheckState(Qt::Unchecked);
}

void CacheFilterBar::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void CacheFilterBar::applyFilters()
{
    QSet<EntryState> states;
    for (int row = 0; row < m_stateModel->rowCount(); ++row) {
        const QStandardItem *item = m_stateModel->item(row);
        if (item->checkState() == Qt::Checked)
            states.insert(static_cast<EntryState>(item->data(StateRole).toInt()));
    }
    QSet<ModelFormat> formats;
    for (const QAction *action : m_formatMenu->actions()) {
        if (action->isChecked())
            formats.insert(static_cast<ModelFormat>(action->data().toInt()));
    }
    m_proxy->setStateFilter(states);
    m_proxy->setFormatFilter(formats);
    m_stateButton->setText(states.isEmpty() ? tr("State") : tr("State (%1)").arg(states.size()));
    m_formatButton->setText(formats.isEmpty() ? tr("Format") : tr("Format (%1)").arg(formats.size()));
    Q_EMIT filtersChanged();
}

} // namespace tfhub::ui
