#include "ui/cache/cachefilterbar.h"

#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMenu>
#include <QSet>
#include <QToolButton>

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

    m_stateMenu = new QMenu(this);
    m_stateMenu->setToolTipsVisible(true);
    for (const EntryState state : allStates()) {
        QAction *action = m_stateMenu->addAction(CacheModel::stateIcon(state), stateLabel(state));
        action->setCheckable(true);
        action->setData(static_cast<int>(state));
        action->setToolTip(stateExplanation(state));
        connect(action, &QAction::toggled, this, &CacheFilterBar::applyFilters);
    }
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
    for (QMenu *menu : { m_stateMenu, m_formatMenu }) {
        for (QAction *action : menu->actions())
            action->setChecked(false);
    }
}

void CacheFilterBar::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void CacheFilterBar::applyFilters()
{
    QSet<EntryState> states;
    for (const QAction *action : m_stateMenu->actions()) {
        if (action->isChecked())
            states.insert(static_cast<EntryState>(action->data().toInt()));
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
