#pragma once

#include <QWidget>

class QLineEdit;
class QListView;
class QMenu;
class QStandardItemModel;
class QToolButton;

namespace tfhub::ui {

class CacheFilterProxy;

/// The Cache page's filter row: a search field and the State and Format chips (menus of
/// checkable values, the count of checked ones in the chip's text). It sets the filters of a
/// CacheFilterProxy. The states carry icons, and a menu item with an icon shows its check only as
/// a faint frame; so the State chip's menu is a list whose rows show a check box beside the icon.
class CacheFilterBar final : public QWidget
{
    Q_OBJECT
public:
    CacheFilterBar(CacheFilterProxy *proxy, QWidget *parent = nullptr);

    /// Clears the search and unchecks every chip.
    void clear();
    void focusSearch();

    /// The State chip's values: checkable items (Qt::CheckStateRole), the state in StateRole.
    QStandardItemModel *stateModel() const { return m_stateModel; }
    QListView *stateList() const { return m_stateList; }
    static constexpr int StateRole = Qt::UserRole + 1;

Q_SIGNALS:
    /// The chips changed (the search text goes straight to the proxy).
    void filtersChanged();

private:
    QToolButton *createChip(const QString &text, QMenu *menu);
    void createStateMenu();
    void applyFilters();

    CacheFilterProxy *m_proxy;
    QLineEdit *m_search = nullptr;
    QMenu *m_stateMenu = nullptr;
    QStandardItemModel *m_stateModel = nullptr;
    QListView *m_stateList = nullptr;
    QMenu *m_formatMenu = nullptr;
    QToolButton *m_stateButton = nullptr;
    QToolButton *m_formatButton = nullptr;
};

} // namespace tfhub::ui
