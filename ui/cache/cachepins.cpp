#include "ui/cache/cachepins.h"

#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"
#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QIcon>
#include <QToolButton>

#include <algorithm>

namespace tfhub::ui {

CachePins::CachePins(
    LiveCache *live, std::function<QList<CacheEntry>()> selection, MessageBar *bar, QObject *parent)
    : QObject(parent), m_live(live), m_selection(std::move(selection)), m_bar(bar)
{
    m_action = new QAction(QIcon(QStringLiteral(":/icons/pinned.svg")), tr("P&in"), this);
    m_action->setObjectName(QStringLiteral("pinAction"));
    m_action->setCheckable(true);
    m_action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_action->setToolTip(
        tr("Pinned models are never removed by a cleanup rule (Clean Up page, automatic cleanup)"));
    connect(m_action, &QAction::triggered, this, &CachePins::toggle);
    m_action->setEnabled(false); // until the page reports a selection (update())
    connect(m_live, &LiveCache::pinsChanged, this, &CachePins::update);
    connect(m_live, &LiveCache::pinWriteFinished, this, &CachePins::update);
    connect(m_live, &LiveCache::pinsFailed, this,
        [this](const QString &message) { m_bar->showMessage(MessageBar::Kind::Error, message); });
}

QToolButton *CachePins::createButton(QWidget *parent) const
{
    auto *button = new QToolButton(parent);
    button->setObjectName(QStringLiteral("detailsPinButton"));
    button->setDefaultAction(m_action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return button;
}

void CachePins::update()
{
    const QList<CacheEntry> entries = m_selection();
    const bool any = std::any_of(
        entries.cbegin(), entries.cend(), [](const CacheEntry &e) { return isCacheKey(e.key); });
    const QSet<QString> pinned = m_live->pinnedKeys();
    const bool all = any && std::all_of(entries.cbegin(), entries.cend(), [&pinned](const CacheEntry &e) {
        return !isCacheKey(e.key) || pinned.contains(e.key);
    });
    m_action->setEnabled(any && !m_live->isWritingPins()); // one write of the pins at a time
    m_action->setChecked(all);
    m_action->setText(all ? tr("Unp&in") : tr("P&in"));
}

void CachePins::toggle(bool pin)
{
    QStringList keys;
    QStringList handles;
    for (const CacheEntry &e : m_selection()) {
        if (isCacheKey(e.key)) {
            keys << e.key;
            handles << e.handle;
        }
    }
    const Status s = m_live->setPinned(keys, handles, pin);
    if (!s)
        m_bar->showMessage(MessageBar::Kind::Error, s.error());
    update();
}

} // namespace tfhub::ui
