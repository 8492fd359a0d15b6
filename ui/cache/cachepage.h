#pragma once

#include "core/cache/cacheentry.h"
#include "core/maintenance/verifymarks.h"

#include <QHash>
#include <QStringList>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QMenu;
class QSettings;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTimer;
class QToolBar;

namespace tfhub {
class CacheWatcher;
}

namespace tfhub::ui {

class CacheActions;
class CacheFilterBar;
class CacheFilterProxy;
class CacheModel;
class CachePins;
class DetailsPane;
class GcsAutoRefresh;
class GcsBadge;
class LiveCache;
class MessageBar;

/// The Cache page: what the cache folder holds, as a filterable table with a details pane. It
/// shows the shared LiveCache's model, which scans off the GUI thread and follows the disk; when
/// the LiveCache switches folders, the page follows.
class CachePage final : public QWidget
{
    Q_OBJECT
public:
    explicit CachePage(LiveCache *live, QWidget *parent = nullptr);
    ~CachePage() override;

    QString cacheRoot() const;
    bool isScanning() const;
    qint64 totalDiskBytes() const;
    int entryCount() const;

    /// Actions on the selected entries, for the window's menus.
    QList<QAction *> entryActions() const;
    /// "Scan Again": reads every file again instead of trusting the scan index.
    QAction *scanAgainAction() const { return m_scanAgainAction; }
    void focusSearch();

    CacheModel *model() const { return m_model; }
    CacheActions *actions() const { return m_actions; }
    /// The keys of the selected entries (what Export Selected exports).
    QStringList selectedKeys() const;
    /// Actions the window adds below the entry actions in the table's context menu (Export).
    void addTableMenuActions(const QList<QAction *> &actions);
    /// What the table's context menu shows: entryActions(), then the added ones.
    QList<QAction *> tableMenuActions() const;
    /// Clears the filters and selects the rows of these keys (the first becomes current).
    void selectKeys(const QStringList &keys);
    /// The CacheWatcher that keeps the table live (tests shorten its intervals).
    CacheWatcher *watcher() const;
    /// Lists a gs:// cache again while the page is shown (tests shorten its interval).
    GcsAutoRefresh *autoRefresh() const { return m_autoRefresh; }

    void saveState(QSettings &settings) const;
    void restoreState(const QSettings &settings);

public Q_SLOTS:
    void refresh();
    /// refresh() that reads every file again (LiveCache::scanAgain).
    void scanAgain();
    /// Rescans only these items off the GUI thread and updates or removes their rows.
    void rescanKeys(const QStringList &keys);
    /// Stops a running scan without reporting it as a failure.
    void stopScan();

Q_SIGNALS:
    void totalsChanged(qint64 diskBytes, int entries);
    void selectionTotalChanged(int entries, qint64 diskBytes);
    /// The user asked to download these handles again ("Prefetch Again").
    void prefetchRequested(const QStringList &handles);
    /// The user asked for the Clean Up page.
    void cleanupRequested();

private:
    void createActions();
    QToolBar *createToolBar();
    void createTable();
    QWidget *createEmptyState();

    void setUpCloud();
    /// The cloud badge, the "Last used" wording and the timed listing follow the root's kind.
    void showLocation();
    /// Disables what does not work on a gs:// cache from the app yet, saying why in the tooltip.
    void limitActionsForCloud();
    /// On a local folder, enables the added actions that limitActionsForCloud() disabled.
    void releaseAddedActions();
    void onRootChanged();
    void onScanFinished(bool complete);
    void showScanProblems(bool failed);

    void updateView();
    void updateEmptyState();
    void updateSelection();
    void updateDetails();
    /// Shows the details column at the remembered width, or hides it (nothing selected), so the
    /// list has the whole width when there are no details to show.
    void showDetailsColumn(bool show);
    void fitDetailsColumn();
    /// The table's marks of entries a Verify found changed: read from the file when `reread`,
    /// else only dropped where the folder was replaced or removed since.
    void updateVerifyMarks(bool reread);

    QList<int> selectedSourceRows() const;
    QList<CacheEntry> selectedEntries() const;
    void copyHandles();
    void openFolder();
    void prefetchAgain();
    void showTableMenu(const QPoint &pos);
    void showHeaderMenu(const QPoint &pos);

    LiveCache *m_live = nullptr;
    CacheActions *m_actions = nullptr;

    CacheModel *m_model = nullptr;
    CacheFilterProxy *m_proxy = nullptr;
    QTimer *m_viewUpdate = nullptr;

    MessageBar *m_messageBar = nullptr;
    GcsBadge *m_gcsBadge = nullptr;
    GcsAutoRefresh *m_autoRefresh = nullptr;
    CacheFilterBar *m_filterBar = nullptr;
    QStackedWidget *m_stack = nullptr;
    QSplitter *m_splitter = nullptr;
    QWidget *m_detailsColumn = nullptr;
    int m_detailsWidth = 0;
    QHash<QString, VerifyMark> m_verifyMarks; ///< as read; the model shows those that still hold
    QTableView *m_table = nullptr;
    DetailsPane *m_details = nullptr;
    QLabel *m_emptyText = nullptr;

    QAction *m_copyAction = nullptr;
    QAction *m_openFolderAction = nullptr;
    QAction *m_prefetchAgainAction = nullptr;
    QAction *m_cleanupAction = nullptr;
    QAction *m_scanAgainAction = nullptr;
    CachePins *m_pins = nullptr;
    QList<QAction *> m_addedMenuActions;
};

} // namespace tfhub::ui
