#include "ui/window/mainwindow.h"

#include "core/hub/hubsettings.h"
#include "core/prefetch/downloadqueue.h"
#include "core/settings/appsettings.h"
#include "tfhubversion.h"
#include "ui/browse/browsemodel.h"
#include "ui/browse/browsepage.h"
#include "ui/bundle/bundleactions.h"
#include "ui/cache/cachepage.h"
#include "ui/cache/gcsbadge.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"
#include "ui/cache/volumespace.h"
#include "ui/cleanup/cleanuppage.h"
#include "ui/cleanup/startupcleanup.h"
#include "ui/downloads/downloadspage.h"
#include "ui/settings/firstrunbar.h"
#include "ui/settings/pendingmovebar.h"
#include "ui/settings/settingspage.h"
#include "ui/usage/usagepage.h"
#include "ui/widgets/messagebar.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace tfhub::ui {

namespace {

// Several downloads finishing together cause one rescan, not one each.
constexpr int RescanDelayMs = 300;
// The status bar's download rate follows the jobs at a calm pace.
constexpr int DownloadStatusIntervalMs = 500;

QIcon themeIcon(const QString &name, const QString &fallback = QString())
{
    return QIcon::fromTheme(name, fallback.isEmpty() ? QIcon() : QIcon(fallback));
}

} // namespace

MainWindow::MainWindow(const QString &cacheRoot, const QString &sourceLabel, QWidget *parent)
    : QMainWindow(parent), m_sourceLabel(sourceLabel), m_live(new LiveCache(cacheRoot, this))
{
    setWindowTitle(tr("TF Hub Cache Manager"));

    const HubSettings hub = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), m_live->root());
    m_queue = new DownloadQueue(PrefetchOptions::fromEnvironment(hub), this);
    m_live->setDownloadQueue(m_queue);
    SettingsPage::applyStoredSettings(m_queue);
    m_rescanTimer = new QTimer(this);
    m_rescanTimer->setSingleShot(true);
    m_rescanTimer->setInterval(RescanDelayMs);
    m_downloadStatusTimer = new QTimer(this);
    m_downloadStatusTimer->setInterval(DownloadStatusIntervalMs);

    createActions();

    m_navigation = new QListWidget(this);
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setIconSize(QSize(24, 24));
    m_navigation->setFrameShape(QFrame::NoFrame);
    m_navigation->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
    m_pages = new QStackedWidget(this);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    createPages();

    auto *central = new QWidget(this);
    auto *outer = new QVBoxLayout(central);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(0);
    // Window-wide messages (first run) sit above every page.
    m_topBar = new MessageBar(central);
    m_topBar->setObjectName(QStringLiteral("windowMessageBar"));
    outer->addWidget(m_topBar);
    auto *layout = new QHBoxLayout;
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_navigation);
    auto *separator = new QFrame(central);
    separator->setFrameShape(QFrame::VLine);
    separator->setFrameShadow(QFrame::Sunken);
    layout->addWidget(separator);
    layout->addWidget(m_pages, 1);
    outer->addLayout(layout, 1);
    setCentralWidget(central);

    createBundleActions();
    createMenus();
    createStatusBar();

    connect(m_live, &LiveCache::scanStarted, this, &MainWindow::onScanStarted);
    connect(m_live, &LiveCache::rootChanged, this, [this] { updateFolderLabel(); });
    connect(m_live, &LiveCache::scanFinished, this, &MainWindow::onScanFinished);
    connect(m_live, &LiveCache::scanFinished, this, &MainWindow::scanFinished);
    connect(m_cachePage, &CachePage::totalsChanged, this, &MainWindow::updateTotals);
    connect(m_cachePage, &CachePage::selectionTotalChanged, this, &MainWindow::updateSelectionTotal);
    connect(m_cachePage, &CachePage::prefetchRequested, this, &MainWindow::prefetchAgain);
    connect(m_usagePage, &UsagePage::selectRequested, this, &MainWindow::showOnCachePage);
    connect(m_settingsPage, &SettingsPage::cacheDirChanged, this,
        [this](const QString &dir) { switchCacheRoot(dir, tr("persisted setting")); });

    connect(m_cleanupPage, &CleanupPage::settingsRequested, this,
        [this] { showPage(QStringLiteral("settings")); });
    connect(m_usagePage, &UsagePage::cleanupRequested, this, [this] { showPage(QStringLiteral("cleanup")); });
    connect(m_cachePage, &CachePage::cleanupRequested, this, [this] { showPage(QStringLiteral("cleanup")); });
    m_startupCleanup = new StartupCleanup(m_live, this);
    connect(m_startupCleanup, &StartupCleanup::finished, this, &MainWindow::showStartupCleanup);
    connect(m_live, &LiveCache::scanFinished, m_startupCleanup, [this](bool complete) {
        if (complete)
            m_startupCleanup->start();
    });

    connect(m_queue, &DownloadQueue::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_queue, &DownloadQueue::jobAdded, this, &MainWindow::updateDownloadStatus);
    connect(m_queue, &DownloadQueue::jobProgress, m_downloadStatusTimer, [this] {
        if (!m_downloadStatusTimer->isActive())
            m_downloadStatusTimer->start();
    });
    connect(m_downloadStatusTimer, &QTimer::timeout, this, &MainWindow::updateDownloadStatus);
    connect(m_rescanTimer, &QTimer::timeout, m_live, &LiveCache::refresh);
    // Prefetch from the menu while another page shows: the handles box is on the Downloads page.
    connect(m_downloadsPage->prefetchAction(), &QAction::triggered, this,
        [this] { showPage(QStringLiteral("downloads")); });

    restoreSettings();
    updateTotals(m_cachePage->totalDiskBytes(), m_cachePage->entryCount());
    checkPendingMove();
    connect(VolumeSpace::of(m_live), &VolumeSpace::changed, this, &MainWindow::updateFreeSpace);
    updateFreeSpace();
}

MainWindow::~MainWindow()
{
    // The page outlives this destructor body; its last signals must not reach a half-destroyed window.
    disconnect(m_cachePage, nullptr, this, nullptr);
    disconnect(m_live, nullptr, this, nullptr);
    disconnect(m_queue, nullptr, this, nullptr);
    m_rescanTimer->stop();
    m_downloadStatusTimer->stop();
    // The pages show the LiveCache's model: they go first, while it still exists.
    delete takeCentralWidget();
}

QStringList MainWindow::pageNames()
{
    return { QStringLiteral("browse"), QStringLiteral("cache"), QStringLiteral("downloads"),
        QStringLiteral("usage"), QStringLiteral("cleanup"), QStringLiteral("settings") };
}

bool MainWindow::showPage(const QString &name)
{
    const QList<QWidget *> pages { m_browsePage, m_cachePage, m_downloadsPage, m_usagePage, m_cleanupPage,
        m_settingsPage };
    const qsizetype i = pageNames().indexOf(name.toLower());
    if (i < 0)
        return false;
    m_navigation->setCurrentRow(m_pages->indexOf(pages.at(i)));
    return true;
}

void MainWindow::createPages()
{
    // Browse comes first in the list (ui.md); the window still opens on the Cache page.
    m_browsePage = new BrowsePage(this);
    m_browsePage->setDownloadQueue(m_queue);
    m_browsePage->setLiveCache(m_live);
    m_browsePage->reloadCatalog();
    addPage(m_browsePage, themeIcon(QStringLiteral("edit-find"), QStringLiteral(":/icons/browse.svg")),
        tr("Browse"));
    m_cachePage = new CachePage(m_live, this);
    addPage(m_cachePage, themeIcon(QStringLiteral("drive-harddisk"), QStringLiteral(":/icons/cache.svg")),
        tr("Cache"));
    m_downloadsPage = new DownloadsPage(m_queue, this);
    addPage(m_downloadsPage,
        themeIcon(QStringLiteral("folder-download"), QStringLiteral(":/icons/downloads.svg")),
        tr("Downloads"));
    m_usagePage = new UsagePage(m_live, this);
    addPage(m_usagePage, themeIcon(QStringLiteral("view-statistics"), QStringLiteral(":/icons/usage.svg")),
        tr("Usage"));
    m_cleanupPage = new CleanupPage(m_live, this);
    addPage(m_cleanupPage, themeIcon(QStringLiteral("edit-clear-all"), QStringLiteral(":/icons/cleanup.svg")),
        tr("Clean Up"));
    m_settingsPage = new SettingsPage(m_queue, this);
    addPage(m_settingsPage, themeIcon(QStringLiteral("configure"), QStringLiteral(":/icons/settings.svg")),
        tr("Settings"));
    m_navigation->setCurrentRow(m_pages->indexOf(m_cachePage));
}

void MainWindow::createActions()
{
    m_refreshAction = new QAction(themeIcon(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    m_refreshAction->setShortcut(QKeySequence::Refresh);
    m_refreshAction->setToolTip(tr("Scan the cache folder again"));
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refresh);

    m_quitAction = new QAction(themeIcon(QStringLiteral("application-exit")), tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    // Closing (not quitting) the window lets closeEvent save its layout.
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_findAction = new QAction(themeIcon(QStringLiteral("edit-find")), tr("&Find…"), this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_navigation->setCurrentRow(m_pages->indexOf(m_cachePage));
        m_cachePage->focusSearch();
    });

    m_aboutAction
        = new QAction(themeIcon(QStringLiteral("help-about")), tr("&About TF Hub Cache Manager"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);

    m_aboutQtAction = new QAction(tr("About &Qt"), this);
    m_aboutQtAction->setMenuRole(QAction::AboutQtRole);
    connect(m_aboutQtAction, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::createBundleActions()
{
    m_bundle = new BundleActions(
        this, [this] { return cacheRoot(); }, [this] { return catalogHandles(); });
    connect(m_cachePage, &CachePage::selectionTotalChanged, m_bundle,
        [this] { m_bundle->setSelection(m_cachePage->selectedKeys()); });
    connect(m_bundle, &BundleActions::entriesChanged, m_cachePage, &CachePage::rescanKeys);
    connect(m_bundle, &BundleActions::importRefused, this,
        [this](const QString &why) { m_topBar->showMessage(MessageBar::Kind::Warning, why); });
    connect(m_live, &LiveCache::rootChanged, m_bundle, &BundleActions::updateForRoot);
    m_bundle->updateForRoot();
    m_cachePage->addTableMenuActions({ m_bundle->exportSelectedAction(), m_bundle->exportAllAction() });
    setAcceptDrops(true);
}

QStringList MainWindow::catalogHandles() const
{
    QStringList handles;
    if (const Catalog *catalog = m_browsePage->model()->catalog()) {
        for (const CatalogEntry &e : catalog->entries()) {
            if (e.isLoadable())
                handles << e.handle;
        }
    }
    return handles;
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile()
        && BundleActions::isImportable(urls.first().toLocalFile()))
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() != 1 || !urls.first().isLocalFile()
        || !BundleActions::isImportable(urls.first().toLocalFile()))
        return;
    event->acceptProposedAction();
    const QString path = urls.first().toLocalFile();
    // After the drop returns: an archive opens a modal question, which must not run inside the drag.
    QTimer::singleShot(0, m_bundle, [this, path] { m_bundle->importFile(path); });
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_bundle->importAction());
    file->addAction(m_bundle->exportSelectedAction());
    file->addAction(m_bundle->exportAllAction());
    file->addSeparator();
    file->addAction(m_refreshAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_findAction);
    edit->addSeparator();
    edit->addActions(m_cachePage->entryActions());

    QMenu *downloads = menuBar()->addMenu(tr("&Downloads"));
    downloads->addAction(m_downloadsPage->prefetchAction());
    downloads->addSeparator();
    downloads->addActions(m_downloadsPage->jobActions());

    QMenu *go = menuBar()->addMenu(tr("&Go"));
    go->addActions(m_pageActions);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);
    help->addAction(m_aboutQtAction);
}

void MainWindow::createStatusBar()
{
    m_cloudBadge = new GcsBadge(this);
    m_cloudBadge->setObjectName(QStringLiteral("statusCloudBadge"));
    m_cloudBadge->setCompact(true);
    m_folderLabel = new QLabel(this);
    m_folderLabel->setObjectName(QStringLiteral("folderLabel"));
    m_folderLabel->setTextFormat(Qt::PlainText);
    // A long path must not force the window wider; the full text stays in the tooltip.
    m_folderLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    updateFolderLabel();

    m_selectionLabel = new QLabel(this);
    m_selectionLabel->setObjectName(QStringLiteral("selectionLabel"));
    m_selectionLabel->hide();
    m_totalLabel = new QLabel(this);
    m_totalLabel->setObjectName(QStringLiteral("totalLabel"));
    m_freeLabel = new QLabel(this);
    m_freeLabel->setObjectName(QStringLiteral("freeLabel"));
    m_scanLabel = new QLabel(tr("Scanning…"), this);
    m_scanProgress = new QProgressBar(this);
    m_scanProgress->setRange(0, 0);
    m_scanProgress->setMaximumWidth(80);
    m_scanProgress->setMaximumHeight(m_scanLabel->sizeHint().height());
    m_scanLabel->hide();
    m_scanProgress->hide();
    m_downloadsLabel = new QLabel(this);
    m_downloadsLabel->setObjectName(QStringLiteral("downloadsLabel"));
    m_downloadsLabel->hide();

    statusBar()->addWidget(m_cloudBadge);
    statusBar()->addWidget(m_folderLabel, 1);
    statusBar()->addPermanentWidget(m_downloadsLabel);
    statusBar()->addPermanentWidget(m_scanLabel);
    statusBar()->addPermanentWidget(m_scanProgress);
    statusBar()->addPermanentWidget(m_selectionLabel);
    statusBar()->addPermanentWidget(m_totalLabel);
    statusBar()->addPermanentWidget(m_freeLabel);
}

void MainWindow::updateFolderLabel()
{
    const QString folder = QDir::toNativeSeparators(m_live->root());
    m_folderLabel->setText(tr("Cache: %1 (%2)").arg(folder, m_sourceLabel));
    m_folderLabel->setToolTip(tr("Cache folder: %1\nSet by: %2").arg(folder, m_sourceLabel));
    m_cloudBadge->setRoot(m_live->root());
}

QString MainWindow::cacheRoot() const
{
    return m_live->root();
}

void MainWindow::addPage(QWidget *page, const QIcon &icon, const QString &title)
{
    m_pages->addWidget(page);
    auto *item = new QListWidgetItem(icon, title, m_navigation);
    item->setSizeHint(QSize(0, 36));
    m_navigation->setFixedWidth(std::max(m_navigation->sizeHintForColumn(0) + 24, 120));
    // Every page is one shortcut away (Ctrl+1, Ctrl+2, ...), listed in the Go menu.
    auto *action = new QAction(icon, title, this);
    const int number = static_cast<int>(m_pageActions.size()) + 1;
    if (number <= 9)
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_0 + number)));
    connect(action, &QAction::triggered, this,
        [this, page] { m_navigation->setCurrentRow(m_pages->indexOf(page)); });
    addAction(action);
    m_pageActions.append(action);
}

void MainWindow::showStartupCleanup(const PolicyReport &report)
{
    m_cleanupPage->refreshPolicy();
    if (report.ok() && report.removed.isEmpty())
        return; // nothing to say: the policy found nothing
    m_topBar->showMessage(report.ok() ? MessageBar::Kind::Positive : MessageBar::Kind::Warning,
        maintenance::reportSummary(report));
    auto *details = new QAction(tr("Show Clean Up"), m_topBar);
    connect(details, &QAction::triggered, this, [this] { showPage(QStringLiteral("cleanup")); });
    m_topBar->addAction(details);
}

void MainWindow::showOnCachePage(const QStringList &keys)
{
    m_navigation->setCurrentRow(m_pages->indexOf(m_cachePage));
    m_cachePage->selectKeys(keys);
}

void MainWindow::restoreSettings()
{
    const QSettings settings;
    if (!restoreGeometry(settings.value(settings::MainWindowGeometry.name()).toByteArray())) {
        const QSize available = screen() ? screen()->availableSize() : QSize(1280, 800);
        resize(std::min(1280, available.width() * 9 / 10), std::min(780, available.height() * 9 / 10));
    }
    restoreState(settings.value(settings::MainWindowState.name()).toByteArray());
    m_cachePage->restoreState(settings);
    m_browsePage->restoreState(settings);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(settings::MainWindowGeometry.name(), saveGeometry());
    settings.setValue(settings::MainWindowState.name(), saveState());
    m_cachePage->saveState(settings);
    m_browsePage->saveState(settings);
}

void MainWindow::switchCacheRoot(const QString &dir, const QString &sourceLabel)
{
    // gs://bucket/prefix stays a URL (QDir::cleanPath would make it "gs:/bucket/prefix").
    if (gcscache::cleanRoot(dir) == m_live->root())
        return;
    m_sourceLabel = sourceLabel;
    // Jobs already running finish where they started; new ones download into the new folder.
    PrefetchOptions options = m_queue->options();
    options.cacheRoot = gcscache::cleanRoot(dir);
    m_queue->setOptions(options);
    m_live->setRoot(dir);
    updateFolderLabel();
}

void MainWindow::checkPendingMove()
{
    m_pendingMove = new PendingMoveBar(m_topBar, this);
    connect(m_pendingMove, &PendingMoveBar::cacheDirChanged, this, [this](const QString &dir) {
        m_settingsPage->adoptCacheDir(dir, tr("a finished move, saved"));
        switchCacheRoot(dir, tr("persisted setting"));
        m_live->refresh();
    });
    connect(m_pendingMove, &PendingMoveBar::restored, m_live, &LiveCache::refresh);
    m_pendingMoveShown = m_pendingMove->check(m_live->root());
}

void MainWindow::checkFirstRun(const HubSettings &settings)
{
    // One message at a time: the cut-short move decides where the cache is.
    if (m_pendingMoveShown)
        return;
    if (!m_firstRun) {
        m_firstRun = new FirstRunBar(m_topBar, this);
        connect(m_firstRun, &FirstRunBar::cacheDirChanged, this, [this](const QString &dir) {
            // This process's environment still names the old folder: resolving it again would
            // show that one.
            m_settingsPage->adoptCacheDir(dir, tr("moved here from the message above and saved"));
            switchCacheRoot(dir, tr("persisted setting"));
        });
    }
    m_firstRun->check(settings);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (const int running = m_queue->runningCount(); running > 0) {
        const auto answer = QMessageBox::question(this, tr("Quit"),
            running == 1 ? tr("A download is still running. Cancel it and quit?")
                         : tr("%n downloads are still running. Cancel them and quit?", nullptr, running),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_queue->cancelAll();
    }
    saveSettings();
    m_cachePage->stopScan();
    QMainWindow::closeEvent(event);
}

void MainWindow::refresh()
{
    m_cachePage->refresh();
}

void MainWindow::onScanStarted()
{
    m_scanLabel->setVisible(m_cachePage->isScanning());
    m_scanProgress->setVisible(m_cachePage->isScanning());
}

void MainWindow::onScanFinished()
{
    m_scanLabel->hide();
    m_scanProgress->hide();
}

void MainWindow::updateTotals(qint64 diskBytes, int entries)
{
    const QString size = QLocale().formattedDataSize(diskBytes);
    m_totalLabel->setText(tr("Total: %1").arg(size));
    m_totalLabel->setToolTip(tr("%n cache entries use %1 on disk", nullptr, entries).arg(size));
}

void MainWindow::updateSelectionTotal(int entries, qint64 diskBytes)
{
    m_selectionLabel->setVisible(entries > 0);
    m_selectionLabel->setText(
        tr("%n selected: %1", nullptr, entries).arg(QLocale().formattedDataSize(diskBytes)));
}

void MainWindow::updateFreeSpace()
{
    // The one figure every page shows (the Usage page reads the same VolumeSpace).
    const VolumeSpace *volume = VolumeSpace::of(m_live);
    m_freeLabel->setText(volume->freeBytes() >= 0 ? tr("Free: %1").arg(volume->freeText()) : QString());
    m_freeLabel->setToolTip(volume->toolTip());
}

void MainWindow::onJobFinished(int id, const PrefetchResult &result)
{
    Q_UNUSED(id)
    // Even an "already cached" result may have found an entry the last scan did not see.
    if (result.phase == PrefetchPhase::Done)
        m_rescanTimer->start();
    updateDownloadStatus();
}

void MainWindow::updateDownloadStatus()
{
    const int running = m_queue->runningCount();
    if (running == 0) {
        m_downloadStatusTimer->stop();
        m_downloadsLabel->hide();
        return;
    }
    double bytesPerSec = 0;
    const QList<int> ids = m_queue->ids();
    for (const int id : ids) {
        if (!m_queue->isFinished(id))
            bytesPerSec += m_queue->progressOf(id).bytesPerSec;
    }
    const QString rate = QLocale().formattedDataSize(static_cast<qint64>(bytesPerSec));
    // Without a loaded translation "%n" cannot pick a plural form; English needs two strings.
    m_downloadsLabel->setText(running == 1 ? tr("1 download, %1/s").arg(rate)
                                           : tr("%n downloads, %1/s", nullptr, running).arg(rate));
    m_downloadsLabel->show();
}

void MainWindow::prefetchAgain(const QStringList &handles)
{
    showPage(QStringLiteral("downloads"));
    m_downloadsPage->queueHandles(handles);
}

QString MainWindow::aboutText()
{
    // Every library linked into the program, as the licences ask to be credited.
    return tr("<h3>TF Hub Cache Manager %1</h3>"
              "<p>Browse, prefetch and clean up the model cache shared with the "
              "tensorflow_hub Python library.</p>"
              "<p>Licensed under the Apache License, Version 2.0.</p>"
              "<p>Built with (see THIRD-PARTY.md):</p><ul>"
              "<li>Qt %2 (GNU LGPL version 3)</li>"
              "<li>libarchive (BSD 2-clause licence)</li>"
              "<li>QuaZip (GNU LGPL version 2.1, with a static linking exception)</li>"
              "<li>ISA-L, Intel's Intelligent Storage Acceleration Library (BSD 3-clause licence)</li>"
              "<li>OpenSSL's libcrypto (Apache License 2.0)</li>"
              "<li>zlib (zlib licence)</li></ul>")
        .arg(QStringLiteral(TFHUB_VERSION), QString::fromLatin1(qVersion()));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About TF Hub Cache Manager"), aboutText());
}

} // namespace tfhub::ui
