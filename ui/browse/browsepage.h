#pragma once

#include "core/catalog/catalog.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QWidget>

#include <memory>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLayout;
class QLineEdit;
class QPlainTextEdit;
class QSettings;
class QSplitter;
class QTimer;
class QToolButton;
class QTreeView;

namespace tfhub {
class Catalog;
class DownloadQueue;
} // namespace tfhub

namespace tfhub::ui {

class BrowseDetails;
class BrowseModel;
class BrowseProxy;
class LiveCache;
class MessageBar;

/// The Browse page: search the bundled tfhub.dev catalog and the user's extra catalogs offline,
/// filter by facets with counts, see whether each handle (or another version) is cached, and
/// prefetch one or many through the download queue.
class BrowsePage final : public QWidget
{
    Q_OBJECT

public:
    explicit BrowsePage(QWidget *parent = nullptr);
    ~BrowsePage() override;

    /// Prefetch hands handles to this queue; without one, Prefetch is disabled.
    void setDownloadQueue(DownloadQueue *queue);
    /// The cache to show badges for: they follow its model (scans, changes on disk, a switch of
    /// folder) and a finished download rescans its entry.
    void setLiveCache(LiveCache *live);
    /// Loads the bundled catalog and the extra sources kept in QSettings, off the GUI thread.
    void reloadCatalog();
    /// Adds a folder (tfhub.dev format) or handle list as an extra catalog, kept in QSettings.
    void addCatalogSource(const QString &path);
    /// Takes the badges from the live cache's entries now.
    void refreshCacheState();
    void focusSearch();

    void saveState(QSettings &settings) const;
    void restoreState(const QSettings &settings);

    BrowseModel *model() const { return m_model; }
    BrowseProxy *proxy() const { return m_proxy; }
    QTreeView *view() const { return m_view; }
    BrowseDetails *details() const { return m_details; }
    MessageBar *messageBar() const { return m_messages; }
    QLineEdit *searchField() const { return m_search; }
    QComboBox *facetCombo(Facet facet) const;
    QCheckBox *latestOnlyBox() const { return m_latestOnly; }
    QPlainTextEdit *pasteBox() const { return m_paste; }
    QAction *prefetchAction() const { return m_prefetch; }
    /// The catalog indexes of the selected rows, in view order.
    QList<qsizetype> selectedEntries() const;

public Q_SLOTS:
    void prefetchSelected();
    void prefetchPasted();
    void copyHandles();
    void copySnippet();

Q_SIGNALS:
    /// The catalog finished (re)loading.
    void catalogLoaded();
    /// The badges were updated from the live cache.
    void cacheStateRefreshed();
    /// Handles were handed to the download queue.
    void prefetchQueued(int count);

private:
    void buildUi();
    QLayout *createSearchRow();
    void createFiltersPanel();
    void createView();
    QLayout *createActionRow();
    void createPastePanel();
    void showCatalog(std::shared_ptr<const Catalog> catalog);
    void applyQuery();
    void updateFacets();
    void updateActions();
    void showCurrent();
    int enqueue(const QStringList &handles, QStringList *problems);
    void chooseCatalogSource();

    BrowseModel *m_model = nullptr;
    BrowseProxy *m_proxy = nullptr;
    MessageBar *m_messages = nullptr;
    QLineEdit *m_search = nullptr;
    QToolButton *m_filtersButton = nullptr;
    QWidget *m_filtersPanel = nullptr;
    QList<QPair<Facet, QComboBox *>> m_facets;
    QCheckBox *m_latestOnly = nullptr;
    QSplitter *m_splitter = nullptr;
    bool m_sortingByRelevance = false;
    QTreeView *m_view = nullptr;
    BrowseDetails *m_details = nullptr;
    QLabel *m_count = nullptr;
    QPlainTextEdit *m_paste = nullptr;
    QToolButton *m_pasteToggle = nullptr;
    QWidget *m_pastePanel = nullptr;
    QAction *m_prefetch = nullptr;
    QAction *m_copyHandle = nullptr;
    QAction *m_copySnippet = nullptr;
    QPointer<DownloadQueue> m_queue;
    QPointer<LiveCache> m_live;
    QTimer *m_badgeUpdate = nullptr;
    quint64 m_loadGeneration = 0;
    QHash<int, int> m_fittedWidths; ///< what the last catalog load sized each column to
    QSet<int> m_userSizedColumns; ///< dragged by the user since: no reload refits them
    bool m_updatingFacets = false;
};

} // namespace tfhub::ui
