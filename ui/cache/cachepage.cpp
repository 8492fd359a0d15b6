#include "ui/cache/cachepage.h"

#include "core/settings/appsettings.h"

#include "ui/cache/cacheactions.h"
#include "ui/cache/cachefilterbar.h"
#include "ui/cache/cachefilterproxy.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/cachepins.h"
#include "ui/cache/detailspane.h"
#include "ui/cache/gcsbadge.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"
#include "ui/widgets/columnfit.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace tfhub::ui {

namespace {

enum StackPage { TablePage, EmptyPage };

// A model path needs this much to be told from its neighbours (it loses its start when cut).
constexpr int ModelColumnMinimum = 200;
constexpr int DetailsMinimum = 180;

} // namespace

CachePage::CachePage(LiveCache *live, QWidget *parent)
    : QWidget(parent)
    , m_live(live)
    , m_model(live->model())
    , m_proxy(new CacheFilterProxy(this))
    , m_viewUpdate(new QTimer(this))
{
    setObjectName(QStringLiteral("cachePage"));
    m_proxy->setSourceModel(m_model);

    createActions();
    m_filterBar = new CacheFilterBar(m_proxy, this);
    connect(m_filterBar, &CacheFilterBar::filtersChanged, this, &CachePage::updateSelection);

    createTable();
    m_details = new DetailsPane(this);
    m_details->setCacheRoot(m_live->root());

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("cacheSplitter"));
    m_splitter->addWidget(m_table);
    auto *detailsColumn = new QWidget(this);
    auto *detailsLayout = new QVBoxLayout(detailsColumn);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_pins->createButton(detailsColumn), 0, Qt::AlignLeft);
    detailsLayout->addWidget(m_details, 1);
    m_splitter->addWidget(detailsColumn);
    m_detailsColumn = detailsColumn;
    m_detailsColumn->setObjectName(QStringLiteral("detailsColumn"));
    m_detailsColumn->hide();
    // Its values elide, so it may be narrow; its contents' wishes must not widen the window.
    m_detailsColumn->setMinimumWidth(DetailsMinimum);
    m_detailsWidth = settings::CachePageDetailsWidth.defaultValue;
    // A wider window widens the list, not the details (whose width the user sets and the
    // settings keep).
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    m_splitter->setChildrenCollapsible(false);
    whenResized(m_splitter, [this] { fitDetailsColumn(); });
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] {
        if (!m_detailsColumn->isHidden())
            m_detailsWidth = m_splitter->sizes().value(1, m_detailsWidth);
    });

    m_stack = new QStackedWidget(this);
    m_stack->insertWidget(TablePage, m_splitter);
    m_stack->insertWidget(EmptyPage, createEmptyState());

    setUpCloud();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_messageBar);
    layout->addWidget(m_gcsBadge);
    layout->addWidget(createToolBar());
    layout->addWidget(m_filterBar);
    layout->addWidget(m_actions->progressWidget());
    layout->addWidget(m_stack, 1);

    connect(m_actions, &CacheActions::verifyRecorded, this, [this] { updateVerifyMarks(true); });
    connect(m_live, &LiveCache::rootChanged, this, &CachePage::onRootChanged);
    connect(m_live, &LiveCache::scanStarted, this, [this] {
        m_messageBar->dismiss();
        updateView();
    });
    connect(m_live, &LiveCache::scanProblem, this, [this] { showScanProblems(false); });
    connect(m_live, &LiveCache::scanFinished, this, &CachePage::onScanFinished);
    // A full scan also reads what a Verify elsewhere (the CLI, another window) found.
    connect(m_live, &LiveCache::scanFinished, this, [this] { updateVerifyMarks(true); });

    // Scan results arrive in bursts; totals and details follow once per burst, not once per row.
    m_viewUpdate->setSingleShot(true);
    m_viewUpdate->setInterval(0);
    connect(m_viewUpdate, &QTimer::timeout, this, &CachePage::updateView);
    connect(m_model, &QAbstractItemModel::rowsInserted, m_viewUpdate, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::rowsRemoved, m_viewUpdate, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::dataChanged, m_viewUpdate, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::modelReset, m_viewUpdate, qOverload<>(&QTimer::start));
    // Filtering drops selected rows without a selectionChanged signal; the selection total follows.
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, m_viewUpdate, qOverload<>(&QTimer::start));
    connect(m_proxy, &QAbstractItemModel::layoutChanged, m_viewUpdate, qOverload<>(&QTimer::start));
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateSelection();
        updateDetails();
    });
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CachePage::updateDetails);

    updateVerifyMarks(true);
    updateView();
}

CachePage::~CachePage()
{
    // Children outlive this destructor body; none of their last signals may reach a
    // half-destroyed page.
    m_viewUpdate->stop();
    disconnect(m_viewUpdate, nullptr, this, nullptr);
    disconnect(m_live, nullptr, this, nullptr);
    disconnect(m_model, nullptr, this, nullptr);
    disconnect(m_table->selectionModel(), nullptr, this, nullptr);
}

QString CachePage::cacheRoot() const
{
    return m_live->root();
}

bool CachePage::isScanning() const
{
    return m_live->isScanning();
}

CacheWatcher *CachePage::watcher() const
{
    return m_live->watcher();
}

qint64 CachePage::totalDiskBytes() const
{
    return m_model->totalDiskBytes();
}

int CachePage::entryCount() const
{
    return m_model->rowCount();
}

QList<QAction *> CachePage::entryActions() const
{
    return { m_openFolderAction, m_copyAction, m_actions->copyPathAction(), m_actions->copySnippetAction(),
        m_prefetchAgainAction, m_pins->action(), m_actions->verifyAction(), m_actions->deleteAction(),
        m_actions->trashAction() };
}

void CachePage::focusSearch()
{
    m_filterBar->focusSearch();
}

void CachePage::createActions()
{
    m_copyAction = new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("&Copy Handle"), this);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyAction, &QAction::triggered, this, &CachePage::copyHandles);
    m_openFolderAction
        = new QAction(QIcon::fromTheme(QStringLiteral("document-open-folder")), tr("&Open Folder"), this);
    m_openFolderAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    m_openFolderAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_openFolderAction->setToolTip(tr("Open the model's folder in the file manager"));
    connect(m_openFolderAction, &QAction::triggered, this, &CachePage::openFolder);
    m_prefetchAgainAction
        = new QAction(QIcon::fromTheme(QStringLiteral("download")), tr("&Prefetch Again"), this);
    m_prefetchAgainAction->setObjectName(QStringLiteral("prefetchAgainAction"));
    m_prefetchAgainAction->setToolTip(tr("Download the selected models again into the cache"));
    connect(m_prefetchAgainAction, &QAction::triggered, this, &CachePage::prefetchAgain);
    m_messageBar = new MessageBar(this);
    m_actions = new CacheActions(
        m_live->root(), [this] { return selectedEntries(); }, m_messageBar, this);
    connect(m_actions, &CacheActions::entriesChanged, this, &CachePage::rescanKeys);
    m_pins = new CachePins(
        m_live, [this] { return selectedEntries(); }, m_messageBar, this);
    m_cleanupAction = new QAction(QIcon(QStringLiteral(":/icons/cleanup.svg")), tr("C&lean Up…"), this);
    m_cleanupAction->setObjectName(QStringLiteral("cleanupAction"));
    m_cleanupAction->setToolTip(
        tr("Plan what can go by rules (stale, broken, duplicates, unused, size budget)"));
    connect(m_cleanupAction, &QAction::triggered, this, &CachePage::cleanupRequested);
    m_scanAgainAction
        = new QAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Scan Again"), this);
    m_scanAgainAction->setObjectName(QStringLiteral("scanAgainAction"));
    m_scanAgainAction->setToolTip(tr("Read every file of the cache folder again, not only what changed "
                                     "(finds a file edited inside a model)"));
    connect(m_scanAgainAction, &QAction::triggered, this, &CachePage::scanAgain);
    addActions({ m_copyAction, m_openFolderAction, m_actions->copyPathAction(),
        m_actions->copySnippetAction(), m_pins->action(), m_actions->verifyAction(),
        m_actions->deleteAction(), m_actions->trashAction() });
}

QToolBar *CachePage::createToolBar()
{
    auto *toolBar = new QToolBar(tr("Cache actions"), this);
    toolBar->setObjectName(QStringLiteral("cacheToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(16, 16));
    toolBar->addAction(m_openFolderAction);
    toolBar->addAction(m_copyAction);
    toolBar->addAction(m_prefetchAgainAction);
    toolBar->addAction(m_actions->verifyAction());
    toolBar->addSeparator();
    toolBar->addAction(m_actions->deleteAction());
    toolBar->addAction(m_actions->trashAction());
    toolBar->addSeparator();
    toolBar->addAction(m_pins->action());
    toolBar->addAction(m_cleanupAction);
    toolBar->addSeparator();
    toolBar->addAction(m_scanAgainAction);

    return toolBar;
}

void CachePage::createTable()
{
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("cacheTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setItemDelegateForColumn(
        CacheModel::HandleColumn, new ModelNameDelegate(CacheModel::HandleRole, m_table));
    m_table->verticalHeader()->hide();
    // Fixed row heights keep the table fast with thousands of rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    QHeaderView *header = m_table->horizontalHeader();
    header->setSectionsMovable(true);
    header->setHighlightSections(false);
    // The handle takes whatever the other columns leave.
    header->setStretchLastSection(false);
    header->setMinimumSectionSize(40);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->setSectionResizeMode(CacheModel::HandleColumn, QHeaderView::Stretch);
    // Each column as wide as its longest value (the pin column: its icon), the model name at
    // least ModelColumnMinimum: the details pane gives way rather than a column being cut.
    for (int column = CacheModel::SizeColumn; column < CacheModel::ColumnCount; ++column) {
        header->resizeSection(column,
            widthForLabels(m_table, header, column, CacheModel::widestTexts(column),
                column == CacheModel::StateColumn || column == CacheModel::PinnedColumn));
    }
    // The details pane shows the file count and the download time; the model name needs the
    // room more at 1024 pixels (the header's context menu brings the columns back).
    header->setSectionHidden(CacheModel::FilesColumn, true);
    header->setSectionHidden(CacheModel::DownloadedColumn, true);
    m_table->sortByColumn(CacheModel::SizeColumn, Qt::DescendingOrder);
    connect(m_table, &QWidget::customContextMenuRequested, this, &CachePage::showTableMenu);
    connect(header, &QWidget::customContextMenuRequested, this, &CachePage::showHeaderMenu);
    connect(m_table, &QAbstractItemView::activated, this, &CachePage::openFolder);
}

QWidget *CachePage::createEmptyState()
{
    auto *empty = new QWidget(this);
    empty->setObjectName(QStringLiteral("emptyState"));

    auto *icon = new QLabel(empty);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/app.svg")).pixmap(96, 96));
    icon->setAlignment(Qt::AlignCenter);

    auto *title = new QLabel(tr("No models cached yet"), empty);
    title->setObjectName(QStringLiteral("emptyTitle"));
    title->setAlignment(Qt::AlignCenter);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.5);
    title->setFont(titleFont);

    m_emptyText = new QLabel(empty);
    m_emptyText->setObjectName(QStringLiteral("emptyText"));
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    m_emptyText->setTextFormat(Qt::PlainText);

    auto *rescan = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Scan Again"), empty);
    connect(rescan, &QPushButton::clicked, this, &CachePage::scanAgain);

    auto *layout = new QVBoxLayout(empty);
    layout->addStretch(1);
    layout->addWidget(icon);
    layout->addWidget(title);
    layout->addWidget(m_emptyText);
    layout->addSpacing(12);
    layout->addWidget(rescan, 0, Qt::AlignHCenter);
    layout->addStretch(2);
    return empty;
}

void CachePage::saveState(QSettings &settings) const
{
    // The width the user dragged to, not one a small window squeezed it to.
    settings::CachePageDetailsWidth.write(settings, m_detailsWidth);
    settings.setValue(settings::CachePageHeader.name(), m_table->horizontalHeader()->saveState());
}

void CachePage::restoreState(const QSettings &settings)
{
    m_detailsWidth = settings::CachePageDetailsWidth.read(settings);
    fitDetailsColumn();
    m_table->horizontalHeader()->restoreState(settings.value(settings::CachePageHeader.name()).toByteArray());
}

void CachePage::showDetailsColumn(bool show)
{
    if (show == !m_detailsColumn->isHidden())
        return;
    if (!show) {
        m_detailsColumn->hide();
        return;
    }
    m_detailsColumn->show();
    fitDetailsColumn();
}

void CachePage::fitDetailsColumn()
{
    if (m_detailsColumn->isHidden())
        return;
    // The width the user gave the pane, less what the list's columns need to be read whole; a
    // window too small for both keeps a narrow pane (and the list scrolls sideways).
    const int total = m_splitter->width() - m_splitter->handleWidth();
    const int room = total
        - columnsWidth(m_table, m_table->horizontalHeader(), CacheModel::HandleColumn, ModelColumnMinimum);
    const int width = std::max(DetailsMinimum, std::min(m_detailsWidth, room));
    m_splitter->setSizes({ total - width, width });
}

void CachePage::updateVerifyMarks(bool reread)
{
    if (reread)
        m_verifyMarks = maintenance::currentVerifyMarks(m_live->root());
    // A rescan may show a folder downloaded again or deleted: its mark no longer holds.
    m_verifyMarks = maintenance::holdingMarks(m_live->root(), m_verifyMarks);
    m_model->setVerifyMarks(m_verifyMarks);
}

void CachePage::refresh()
{
    m_live->refresh();
}

void CachePage::scanAgain()
{
    m_live->scanAgain();
}

void CachePage::stopScan()
{
    m_live->stop();
}

void CachePage::onRootChanged()
{
    showLocation();
    m_actions->setRoot(m_live->root());
    m_details->setCacheRoot(m_live->root());
    m_messageBar->dismiss();
    updateVerifyMarks(true);
    updateView();
}

void CachePage::onScanFinished(bool complete)
{
    if (!m_live->scanProblems().isEmpty())
        showScanProblems(!complete);
    updateView();
}

void CachePage::showScanProblems(bool failed)
{
    const QStringList problems = m_live->scanProblems();
    if (problems.isEmpty())
        return;
    QString text = problems.constFirst();
    if (problems.size() > 1)
        text += u' ' + tr("(and %n more problem(s))", nullptr, static_cast<int>(problems.size() - 1));
    m_messageBar->showMessage(
        failed ? MessageBar::Kind::Error : MessageBar::Kind::Warning, text, problems.join(u'\n'));
}

void CachePage::updateView()
{
    if (!m_verifyMarks.isEmpty())
        updateVerifyMarks(false);
    updateEmptyState();
    Q_EMIT totalsChanged(m_model->totalDiskBytes(), m_model->rowCount());
    updateSelection();
    updateDetails();
}

void CachePage::updateEmptyState()
{
    const bool empty = m_model->rowCount() == 0 && !m_live->isScanning();
    if (empty) {
        const QString root = m_live->root();
        const QString folder = QDir::toNativeSeparators(root);
        if (m_live->scanFailed())
            m_emptyText->setText(tr("The cache folder %1 could not be read.").arg(folder));
        else if (gcscache::isCloudRoot(root))
            m_emptyText->setText(tr(
                "Nothing is cached in %1 yet. Models that tensorflow_hub downloads there will show up here.")
                                     .arg(root));
        else if (QFileInfo::exists(root))
            m_emptyText->setText(
                tr("Models that tensorflow_hub downloads into %1 will show up here.").arg(folder));
        else
            m_emptyText->setText(tr(
                "The cache folder %1 does not exist yet. tensorflow_hub creates it with its first download.")
                                     .arg(folder));
    }
    m_stack->setCurrentIndex(empty ? EmptyPage : TablePage);
}

QList<int> CachePage::selectedSourceRows() const
{
    QList<int> rows;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    rows.reserve(selected.size());
    for (const QModelIndex &index : selected)
        rows.append(m_proxy->mapToSource(index).row());
    return rows;
}

QStringList CachePage::selectedKeys() const
{
    QStringList keys;
    for (const CacheEntry &e : selectedEntries())
        keys << e.key;
    return keys;
}

QList<CacheEntry> CachePage::selectedEntries() const
{
    QList<CacheEntry> entries;
    for (const int row : selectedSourceRows())
        entries.append(m_model->entryAt(row));
    return entries;
}

void CachePage::selectKeys(const QStringList &keys)
{
    m_filterBar->clear();
    QItemSelection selection;
    QModelIndex first;
    for (const QString &key : keys) {
        const int row = m_model->rowOfKey(key);
        if (row < 0)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
        if (!index.isValid())
            continue;
        selection.select(index, index);
        if (!first.isValid() || index.row() < first.row())
            first = index;
    }
    QItemSelectionModel *model = m_table->selectionModel();
    model->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (first.isValid()) {
        model->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
        m_table->scrollTo(first);
    }
    m_table->setFocus(Qt::OtherFocusReason);
}

void CachePage::rescanKeys(const QStringList &keys)
{
    m_live->rescanKeys(keys);
}

void CachePage::updateSelection()
{
    const QList<int> rows = selectedSourceRows();
    qint64 bytes = 0;
    for (const int row : rows)
        bytes += m_model->entryAt(row).diskBytes;
    m_copyAction->setEnabled(!rows.isEmpty());
    // Entries whose handle is unknown (no descriptor) cannot be fetched again.
    const bool anyHandle = std::any_of(
        rows.cbegin(), rows.cend(), [this](int row) { return !m_model->entryAt(row).handle.isEmpty(); });
    m_prefetchAgainAction->setEnabled(anyHandle);
    m_openFolderAction->setEnabled(rows.size() == 1);
    m_actions->updateEnabled(selectedEntries());
    m_pins->update();
    releaseAddedActions(); // before the signal: the window's handler sets Export Selected
    Q_EMIT selectionTotalChanged(static_cast<int>(rows.size()), bytes);
    // After the signal: the window's export actions follow the selection in its handler.
    limitActionsForCloud();
}

void CachePage::updateDetails()
{
    QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || !m_table->selectionModel()->isRowSelected(current.row(), current.parent())) {
        const QModelIndexList selected = m_table->selectionModel()->selectedRows();
        current = selected.isEmpty() ? QModelIndex() : selected.constFirst();
    }
    showDetailsColumn(current.isValid());
    if (current.isValid()) {
        const QModelIndex source = m_proxy->mapToSource(current);
        m_details->setEntry(m_model->entryAt(source.row()));
        m_details->setVerifyMark(source.data(CacheModel::VerifyMarkRole).toString());
    } else {
        m_details->clear();
    }
}

void CachePage::copyHandles()
{
    QStringList lines;
    for (const int row : selectedSourceRows()) {
        const CacheEntry &entry = m_model->entryAt(row);
        lines.append(entry.handle.isEmpty() ? entry.key : entry.handle);
    }
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(u'\n'));
}

void CachePage::openFolder()
{
    const QList<int> rows = selectedSourceRows();
    if (rows.size() != 1 || gcscache::isCloudRoot(m_live->root()))
        return;
    const CacheEntry &entry = m_model->entryAt(rows.constFirst());
    const QString path = entry.hasFolder ? entry.folderPath(m_live->root()) : m_live->root();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(path))) {
        m_messageBar->showMessage(MessageBar::Kind::Warning,
            tr("Cannot open %1: no file manager is available.").arg(QDir::toNativeSeparators(path)));
    }
}

void CachePage::prefetchAgain()
{
    QStringList handles;
    for (const int row : selectedSourceRows()) {
        const QString &handle = m_model->entryAt(row).handle;
        if (!handle.isEmpty() && !handles.contains(handle))
            handles.append(handle);
    }
    if (!handles.isEmpty())
        Q_EMIT prefetchRequested(handles);
}

} // namespace tfhub::ui
