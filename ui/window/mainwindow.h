#pragma once

#include <QMainWindow>
#include <QStringList>

class QAction;
class QLabel;
class QListWidget;
class QProgressBar;
class QStackedWidget;
class QTimer;

namespace tfhub {
struct HubSettings;
struct PolicyReport;
class DownloadQueue;
struct PrefetchResult;
} // namespace tfhub

namespace tfhub::ui {

class BrowsePage;
class BundleActions;
class CachePage;
class CleanupPage;
class StartupCleanup;
class GcsBadge;
class DownloadsPage;
class FirstRunBar;
class PendingMoveBar;
class LiveCache;
class MessageBar;
class SettingsPage;
class UsagePage;

/// The application window: a navigation list of pages (Browse, Cache, Downloads, Usage, Settings)
/// and a status bar that always shows the cache folder, its source, the total size, the free space
/// and, while models download, how many and how fast. It owns the one DownloadQueue and the one
/// LiveCache of the application; every page shows that LiveCache, so a new cache folder applies
/// in place.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    /// `sourceLabel` says where `cacheRoot` came from (see tfhub::sourceLabel()).
    MainWindow(const QString &cacheRoot, const QString &sourceLabel, QWidget *parent = nullptr);
    ~MainWindow() override;

    QString cacheRoot() const;
    LiveCache *liveCache() const { return m_live; }
    CachePage *cachePage() const { return m_cachePage; }
    DownloadsPage *downloadsPage() const { return m_downloadsPage; }
    SettingsPage *settingsPage() const { return m_settingsPage; }
    UsagePage *usagePage() const { return m_usagePage; }
    BrowsePage *browsePage() const { return m_browsePage; }
    CleanupPage *cleanupPage() const { return m_cleanupPage; }
    StartupCleanup *startupCleanup() const { return m_startupCleanup; }
    BundleActions *bundleActions() const { return m_bundle; }
    MessageBar *windowMessageBar() const { return m_topBar; }

    /// Shows the first-run warnings (a cache folder cleared on restart, an invalid load format)
    /// for the settings as the environment and the --cache-dir option give them.
    void checkFirstRun(const tfhub::HubSettings &settings);
    /// Shows `dir` on every page from now on, and downloads go there; `sourceLabel` says where
    /// the value came from. Nothing happens when it is the folder shown already.
    void switchCacheRoot(const QString &dir, const QString &sourceLabel);
    DownloadQueue *downloadQueue() const { return m_queue; }

    /// The About box's text: what the program is, and the libraries it is built with and their
    /// licences.
    static QString aboutText();

    /// Names for showPage(): "browse", "cache", "downloads", "usage", "cleanup", "settings".
    static QStringList pageNames();
    /// Shows the page called `name`; false when there is none.
    bool showPage(const QString &name);

public Q_SLOTS:
    /// Rescans the cache folder off the GUI thread; rows update in place as results arrive.
    void refresh();

Q_SIGNALS:
    /// A scan ended; `complete` is false when it failed.
    void scanFinished(bool complete);

protected:
    void closeEvent(QCloseEvent *event) override;
    /// A dropped .zip bundle or model archive is imported (an archive asks for its handle).
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void createActions();
    void createPages();
    void createMenus();
    void createStatusBar();
    void updateFolderLabel();
    /// Pages plug in here: one navigation entry (icon + word) per stacked page.
    void addPage(QWidget *page, const QIcon &icon, const QString &title);

    void restoreSettings();
    /// Offers to finish or undo a cache move cut short by a crash (maintenance::pendingMove()).
    void checkPendingMove();
    void saveSettings() const;

    void onScanStarted();
    void onScanFinished();
    void updateTotals(qint64 diskBytes, int entries);
    void updateSelectionTotal(int entries, qint64 diskBytes);
    void updateFreeSpace();
    void showAbout();
    void onJobFinished(int id, const tfhub::PrefetchResult &result);
    void updateDownloadStatus();
    void prefetchAgain(const QStringList &handles);
    void showOnCachePage(const QStringList &keys);
    /// The automatic cleanup policy ran at start: the window bar says what it freed.
    void showStartupCleanup(const tfhub::PolicyReport &report);
    void createBundleActions();
    QStringList catalogHandles() const;

    QString m_sourceLabel;
    LiveCache *m_live = nullptr;

    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    CachePage *m_cachePage = nullptr;
    DownloadsPage *m_downloadsPage = nullptr;
    SettingsPage *m_settingsPage = nullptr;
    UsagePage *m_usagePage = nullptr;
    BrowsePage *m_browsePage = nullptr;
    CleanupPage *m_cleanupPage = nullptr;
    StartupCleanup *m_startupCleanup = nullptr;
    MessageBar *m_topBar = nullptr;
    BundleActions *m_bundle = nullptr;
    FirstRunBar *m_firstRun = nullptr;
    PendingMoveBar *m_pendingMove = nullptr;
    bool m_pendingMoveShown = false;
    QList<QAction *> m_pageActions;
    DownloadQueue *m_queue = nullptr;
    QTimer *m_rescanTimer = nullptr;
    QTimer *m_downloadStatusTimer = nullptr;

    QLabel *m_folderLabel = nullptr;
    GcsBadge *m_cloudBadge = nullptr; // beside the folder label on a gs:// cache
    QLabel *m_totalLabel = nullptr;
    QLabel *m_freeLabel = nullptr;
    QLabel *m_selectionLabel = nullptr;
    QLabel *m_scanLabel = nullptr;
    QLabel *m_downloadsLabel = nullptr;
    QProgressBar *m_scanProgress = nullptr;

    QAction *m_refreshAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_findAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_aboutQtAction = nullptr;
};

} // namespace tfhub::ui
