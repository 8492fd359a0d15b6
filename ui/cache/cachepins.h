#pragma once

#include "core/cache/cacheentry.h"

#include <QObject>

#include <functional>

class QAction;
class QToolButton;
class QWidget;

namespace tfhub::ui {

class LiveCache;
class MessageBar;

/// Pin and unpin on the Cache page: one checkable action (context menu, toolbar, Ctrl+Shift+P)
/// and a button for the details pane, both following the selection. A pinned entry is never
/// selected by a cleanup rule; the pins live in the cache folder's pins file (LiveCache).
class CachePins final : public QObject
{
    Q_OBJECT
public:
    CachePins(
        LiveCache *live, std::function<QList<CacheEntry>()> selection, MessageBar *bar, QObject *parent);

    QAction *action() const { return m_action; }
    /// A button showing the action, for the details pane.
    QToolButton *createButton(QWidget *parent) const;
    /// Follows the selection: checked when every selected entry is pinned.
    void update();

private:
    void toggle(bool pin);

    LiveCache *m_live;
    std::function<QList<CacheEntry>()> m_selection;
    MessageBar *m_bar;
    QAction *m_action;
};

} // namespace tfhub::ui
