#pragma once

#include <QWidget>

class QLineEdit;
class QMenu;
class QToolButton;

namespace tfhub::ui {

class CacheFilterProxy;

/// The Cache page's filter row: a search field and the State and Format chips (menus of
/// checkable values, the count of checked ones in the chip's text). It sets the filters of a
/// CacheFilterProxy.
class CacheFilterBar final : public QWidget
{
    Q_OBJECT
public:
    CacheFilterBar(CacheFilterProxy *proxy, QWidget *parent = nullptr);

    /// Clears the search and unchecks every chip.
    void clear();
    void focusSearch();

Q_SIGNALS:
    /// The chips changed (the search text goes straight to the proxy).
    void filtersChanged();

private:
    QToolButton *createChip(const QString &text, QMenu *menu);
    void applyFilters();

    CacheFilterProxy *m_proxy;
    QLineEdit *m_search = nullptr;
    QMenu *m_stateMenu = nullptr;
    QMenu *m_formatMenu = nullptr;
    QToolButton *m_stateButton = nullptr;
    QToolButton *m_formatButton = nullptr;
};

} // namespace tfhub::ui
