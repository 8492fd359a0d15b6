#include "ui/browse/browsepage.h"

#include "core/catalog/catalogsources.h"
#include "core/hub/handle.h"
#include "core/prefetch/downloadqueue.h"
#include "core/settings/appsettings.h"
#include "ui/browse/browsedetails.h"
#include "ui/browse/browsemodel.h"
#include "ui/browse/browseproxy.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/livecache.h"
#include "ui/widgets/columnfit.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"
#include "ui/widgets/pythonsnippet.h"

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace tfhub::ui {

namespace {

QString facetLabel(Facet facet)
{
    switch (facet) {
    case Facet::Publisher:
        return BrowsePage::tr("Publisher:");
    case Facet::Task:
        return BrowsePage::tr("Task:");
    case Facet::Format:
        return BrowsePage::tr("Format:");
    case Facet::Kind:
        return BrowsePage::tr("Kind:");
    case Facet::Language:
        return BrowsePage::tr("Language:");
    case Facet::FineTunable:
        return BrowsePage::tr("Fine-tunable:");
    }
    return QString();
}

} // namespace

BrowsePage::BrowsePage(QWidget *parent)
    : QWidget(parent)
    , m_model(new BrowseModel(this))
    , m_proxy(new BrowseProxy(this))
    , m_badgeUpdate(new QTimer(this))
{
    m_proxy->setBrowseModel(m_model);
    // The live cache changes in bursts (a scan's batches); the badges follow once per burst.
    m_badgeUpdate->setSingleShot(true);
    m_badgeUpdate->setInterval(0);
    connect(m_badgeUpdate, &QTimer::timeout, this, &BrowsePage::refreshCacheState);
    buildUi();
    applyQuery();
    updateActions();
}

BrowsePage::~BrowsePage() = default;

void BrowsePage::buildUi()
{
    m_messages = new MessageBar(this);
    QLayout *searchRow = createSearchRow();
    createFiltersPanel();
    createView();
    QLayout *actionRow = createActionRow();
    createPastePanel();

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_messages);
    layout->addLayout(searchRow);
    layout->addWidget(m_splitter, 1);
    layout->addLayout(actionRow);
    layout->addWidget(m_pasteToggle, 0, Qt::AlignLeft);
    layout->addWidget(m_pastePanel);
    setFocusProxy(m_search);
}

QLayout *BrowsePage::createSearchRow()
{
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search handles, publishers, tasks, architectures, datasets"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Search the catalog"));
    connect(m_search, &QLineEdit::textChanged, this, &BrowsePage::applyQuery);

    m_filtersButton = new QToolButton(this);
    m_filtersButton->setText(tr("Filters"));
    m_filtersButton->setCheckable(true);
    m_filtersButton->setChecked(true);
    m_filtersButton->setToolButtonStyle(Qt::ToolButtonTextOnly);

    auto *addCatalog = new QToolButton(this);
    addCatalog->setText(tr("Add Catalog…"));
    addCatalog->setToolTip(
        tr("Add a folder in the tfhub.dev documentation format, or a file with one handle a line"));
    connect(addCatalog, &QToolButton::clicked, this, &BrowsePage::chooseCatalogSource);

    auto *top = new QHBoxLayout;
    top->addWidget(m_search, 1);
    top->addWidget(m_filtersButton);
    top->addWidget(addCatalog);

    return top;
}

void BrowsePage::createFiltersPanel()
{
    m_filtersPanel = new QWidget(this);
    auto *form = new QFormLayout(m_filtersPanel);
    form->setContentsMargins(0, 0, 0, 0);
    for (const Facet f : Catalog::allFacets()) {
        auto *combo = new QComboBox(m_filtersPanel);
        combo->setAccessibleName(facetLabel(f));
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(14);
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            if (!m_updatingFacets)
                applyQuery();
        });
        form->addRow(facetLabel(f), combo);
        m_facets.append({ f, combo });
    }
    m_latestOnly = new QCheckBox(tr("Latest version of each model only"), m_filtersPanel);
    m_latestOnly->setChecked(true);
    connect(m_latestOnly, &QCheckBox::toggled, this, &BrowsePage::applyQuery);
    form->addRow(m_latestOnly);
    connect(m_filtersButton, &QToolButton::toggled, m_filtersPanel, &QWidget::setVisible);
}

void BrowsePage::createView()
{
    m_view = new QTreeView(this);
    m_view->setModel(m_proxy);
    m_view->setRootIsDecorated(false);
    m_view->setTextElideMode(Qt::ElideRight); // the model column's delegate elides paths at their start
    m_view->setItemDelegateForColumn(
        BrowseModel::HandleColumn, new ModelNameDelegate(BrowseModel::HandleRole, m_view));
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(BrowseModel::HandleColumn, Qt::AscendingOrder);
    // A clicked header orders by that column; the view has sorted already, by relevance while a
    // query has words, so sort again now that the proxy orders by the column.
    QHeaderView *header = m_view->header();
    connect(header, &QHeaderView::sortIndicatorChanged, this, [this](int column, Qt::SortOrder order) {
        if (m_sortingByRelevance)
            return;
        m_proxy->sort(column, order);
        m_proxy->setRelevanceOrder(false);
        m_view->header()->setSortIndicatorShown(true);
    });
    header->setSectionResizeMode(BrowseModel::HandleColumn, QHeaderView::Stretch);
    // Short columns take what they need, so the handle keeps the room.
    header->setSectionResizeMode(BrowseModel::VersionColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(BrowseModel::CachedColumn, QHeaderView::ResizeToContents);
    header->setStretchLastSection(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setAccessibleName(tr("Catalog entries"));
    connect(
        m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &BrowsePage::updateActions);
    connect(
        m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &BrowsePage::showCurrent);
    connect(m_view, &QTreeView::activated, this, [this] {
        // Enter or double-click: make sure the details are in view.
        const QList<int> sizes = m_splitter->sizes();
        if (sizes.value(2) == 0)
            m_splitter->setSizes({ sizes.value(0), sizes.value(1), std::max(1, width() / 3) });
        showCurrent();
    });

    m_details = new BrowseDetails(this);
    connect(m_details, &BrowseDetails::versionActivated, this, [this](qsizetype index) {
        const QModelIndex p = m_proxy->mapFromSource(m_model->index(int(index), 0));
        if (p.isValid())
            m_view->setCurrentIndex(p);
        else
            m_details->showEntry(m_model->catalog(), index, m_model->cachedKeys()); // filtered out
    });

    m_splitter = new QSplitter(this);
    m_splitter->addWidget(m_filtersPanel);
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setChildrenCollapsible(true);
    m_splitter->setCollapsible(1, false); // the list gives way last, down to its readable minimum
    m_splitter->setSizes({ 220, 640, 240 });
}

QLayout *BrowsePage::createActionRow()
{
    m_prefetch = new QAction(QIcon::fromTheme(QStringLiteral("download")), tr("&Prefetch"), this);
    m_prefetch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_prefetch->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_prefetch->setToolTip(tr("Download the selected models into the cache (Ctrl+D)"));
    connect(m_prefetch, &QAction::triggered, this, &BrowsePage::prefetchSelected);
    m_copyHandle = new QAction(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy &Handle"), this);
    m_copyHandle->setShortcut(QKeySequence::Copy);
    m_copyHandle->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyHandle, &QAction::triggered, this, &BrowsePage::copyHandles);
    m_copySnippet = new QAction(tr("Copy &Snippet"), this);
    m_copySnippet->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_copySnippet->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copySnippet->setToolTip(tr("Copy Python code that loads the selected model with tensorflow_hub"));
    connect(m_copySnippet, &QAction::triggered, this, &BrowsePage::copySnippet);
    for (QAction *a : { m_prefetch, m_copyHandle, m_copySnippet }) {
        addAction(a);
        m_view->addAction(a);
    }

    auto *buttons = new QHBoxLayout;
    for (QAction *a : { m_prefetch, m_copyHandle, m_copySnippet }) {
        auto *b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        buttons->addWidget(b);
    }
    m_count = new QLabel(this);
    buttons->addStretch(1);
    buttons->addWidget(m_count);

    return buttons;
}

void BrowsePage::createPastePanel()
{
    m_pasteToggle = new QToolButton(this);
    m_pasteToggle->setText(tr("Paste handles"));
    m_pasteToggle->setCheckable(true);
    m_pasteToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pasteToggle->setArrowType(Qt::RightArrow);
    m_pastePanel = new QWidget(this);
    auto *pasteLayout = new QHBoxLayout(m_pastePanel);
    pasteLayout->setContentsMargins(0, 0, 0, 0);
    m_paste = new QPlainTextEdit(m_pastePanel);
    m_paste->setPlaceholderText(tr("One handle a line; handles that are not in the catalog are fine"));
    m_paste->setAccessibleName(tr("Handles to prefetch"));
    m_paste->setMaximumHeight(m_paste->fontMetrics().lineSpacing() * 6);
    auto *pasteButton = new QPushButton(tr("Prefetch These"), m_pastePanel);
    connect(pasteButton, &QPushButton::clicked, this, &BrowsePage::prefetchPasted);
    pasteLayout->addWidget(m_paste, 1);
    pasteLayout->addWidget(pasteButton, 0, Qt::AlignTop);
    m_pastePanel->hide();
    connect(m_pasteToggle, &QToolButton::toggled, this, [this](bool on) {
        m_pastePanel->setVisible(on);
        m_pasteToggle->setArrowType(on ? Qt::DownArrow : Qt::RightArrow);
        if (on)
            m_paste->setFocus();
    });
}

QComboBox *BrowsePage::facetCombo(Facet facet) const
{
    for (const auto &[f, combo] : m_facets) {
        if (f == facet)
            return combo;
    }
    return nullptr;
}

void BrowsePage::setDownloadQueue(DownloadQueue *queue)
{
    if (m_queue)
        disconnect(m_queue, nullptr, this, nullptr);
    m_queue = queue;
    if (queue) {
        connect(queue, &DownloadQueue::jobFinished, this, [this](int id, const PrefetchResult &result) {
            if (result.phase != PrefetchPhase::Done || !m_queue)
                return;
            // The badge changes at once; the rescan of the entry confirms it from the disk.
            const QString key = Handle::cacheKeyOf(m_queue->handleOf(id));
            QSet<QString> keys = m_model->cachedKeys();
            keys.insert(key);
            m_model->setCachedKeys(std::move(keys));
            showCurrent();
            if (m_live)
                m_live->rescanKeys({ key });
        });
    }
    updateActions();
}

void BrowsePage::setLiveCache(LiveCache *live)
{
    if (m_live) {
        disconnect(m_live, nullptr, this, nullptr);
        disconnect(m_live->model(), nullptr, this, nullptr);
    }
    m_live = live;
    if (live) {
        const auto later = [this] { m_badgeUpdate->start(); };
        QAbstractItemModel *model = live->model();
        connect(model, &QAbstractItemModel::rowsInserted, this, later);
        connect(model, &QAbstractItemModel::rowsRemoved, this, later);
        connect(model, &QAbstractItemModel::dataChanged, this, later);
        connect(model, &QAbstractItemModel::modelReset, this, later);
        // A scan that changed nothing still confirms the badges.
        connect(live, &LiveCache::scanFinished, this, later);
        if (m_model->catalog())
            live->setCatalogHandles(m_model->catalog()->handlesByKey());
    }
    refreshCacheState();
}

void BrowsePage::refreshCacheState()
{
    m_badgeUpdate->stop();
    m_model->setCachedKeys(m_live ? m_live->completeKeys() : QSet<QString>());
    showCurrent();
    Q_EMIT cacheStateRefreshed();
}

void BrowsePage::reloadCatalog()
{
    const quint64 generation = ++m_loadGeneration;
    const QStringList sources = catalog::extraSources(QSettings());
    auto *watcher = new QFutureWatcher<catalog::LoadResult>(this);
    connect(watcher, &QFutureWatcher<catalog::LoadResult>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_loadGeneration)
            return;
        catalog::LoadResult r = watcher->result();
        m_model->setCatalog(std::make_shared<const Catalog>(std::move(r.catalog)));
        // Wide enough for the usual labels; a rare long one elides (the tooltip has it).
        fitColumnsToTexts(
            m_view, m_view->header(), { BrowseModel::TaskColumn, BrowseModel::FormatColumn },
            [this](int column) { return m_model->columnTexts(column); }, 160);
        if (m_live)
            m_live->setCatalogHandles(m_model->catalog()->handlesByKey());
        if (!r.messages.isEmpty())
            m_messages->showMessage(MessageBar::Kind::Warning,
                tr("Some catalogs could not be read completely."), r.messages.join(QLatin1Char('\n')));
        applyQuery();
        Q_EMIT catalogLoaded();
    });
    watcher->setFuture(QtConcurrent::run([sources] { return catalog::loadAll(sources); }));
}

void BrowsePage::addCatalogSource(const QString &path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QSettings settings;
    QStringList sources = catalog::extraSources(settings);
    if (!sources.contains(absolute)) {
        sources << absolute;
        catalog::setExtraSources(settings, sources);
    }
    reloadCatalog();
}

void BrowsePage::chooseCatalogSource()
{
    QMenu menu(this);
    QAction *folder = menu.addAction(tr("Folder in the tfhub.dev Format…"));
    QAction *list = menu.addAction(tr("List of Handles…"));
    QAction *chosen = menu.exec(QCursor::pos());
    QString path;
    if (chosen == folder)
        path = QFileDialog::getExistingDirectory(this, tr("Add Catalog Folder"));
    else if (chosen == list)
        path = QFileDialog::getOpenFileName(
            this, tr("Add List of Handles"), QString(), tr("Text files (*.txt);;All files (*)"));
    if (!path.isEmpty())
        addCatalogSource(path);
}

void BrowsePage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void BrowsePage::applyQuery()
{
    if (m_updatingFacets)
        return;
    CatalogQuery q;
    q.text = m_search->text();
    q.latestOnly = m_latestOnly->isChecked();
    for (const auto &[f, combo] : std::as_const(m_facets)) {
        const QString v = combo->currentData().toString();
        if (!v.isEmpty())
            q.filters.insert(f, v);
    }
    m_proxy->setQuery(q);
    // A new query re-sorts by relevance, which no column header claims to be.
    m_sortingByRelevance = true;
    m_view->sortByColumn(BrowseModel::HandleColumn, Qt::AscendingOrder);
    m_sortingByRelevance = false;
    m_view->header()->setSortIndicatorShown(!m_proxy->ordersByRelevance());
    updateFacets();
    const int shown = m_proxy->rowCount();
    m_count->setText(tr("%n result(s)", nullptr, shown));
    // The selection follows the best result of the new query, not a row it happened to keep.
    if (shown > 0)
        m_view->selectionModel()->setCurrentIndex(
            m_proxy->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    updateActions();
    showCurrent();
}

void BrowsePage::updateFacets()
{
    const Catalog *c = m_model->catalog();
    m_updatingFacets = true;
    for (const auto &[f, combo] : std::as_const(m_facets)) {
        const QString current = combo->currentData().toString();
        const QList<FacetCount> counts = c ? c->facetCounts(m_proxy->query(), f) : QList<FacetCount>();
        int total = 0;
        if (c) {
            CatalogQuery without = m_proxy->query();
            without.filters.remove(f);
            total = int(c->search(without).size());
        }
        combo->clear();
        combo->addItem(tr("Any (%1)").arg(total), QString());
        bool found = current.isEmpty();
        for (const FacetCount &fc : counts) {
            combo->addItem(QStringLiteral("%1 (%2)").arg(fc.value).arg(fc.count), fc.value);
            found = found || fc.value == current;
        }
        if (!found)
            combo->addItem(QStringLiteral("%1 (0)").arg(current), current); // keep the choice visible
        combo->setCurrentIndex(std::max(0, combo->findData(current)));
    }
    m_updatingFacets = false;
}

QList<qsizetype> BrowsePage::selectedEntries() const
{
    QList<qsizetype> out;
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(),
        [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &r : std::as_const(rows))
        out << m_proxy->mapToSource(r).row();
    return out;
}

void BrowsePage::updateActions()
{
    const QList<qsizetype> selected = selectedEntries();
    const Catalog *c = m_model->catalog();
    const bool anyLoadable = c && std::any_of(selected.cbegin(), selected.cend(), [c](qsizetype i) {
        return c->at(i).isLoadable();
    });
    m_prefetch->setEnabled(m_queue && anyLoadable);
    m_copyHandle->setEnabled(!selected.isEmpty());
    m_copySnippet->setEnabled(anyLoadable);
}

void BrowsePage::showCurrent()
{
    const QModelIndex current = m_view->currentIndex();
    const qsizetype index = current.isValid() ? m_proxy->mapToSource(current).row() : -1;
    m_details->showEntry(m_model->catalog(), index, m_model->cachedKeys());
}

int BrowsePage::enqueue(const QStringList &handles, QStringList *problems)
{
    int queued = 0;
    for (const QString &h : handles) {
        // A path is used in place by tensorflow_hub; downloading it would cache nothing it reads.
        const Result<Handle> parsed = Handle::parse(h);
        if (parsed && !parsed->isCached(m_queue->options().loadFormat)) {
            *problems << tr("%1 is not downloaded by tensorflow_hub (it is used in place); skipped.").arg(h);
            continue;
        }
        const Result<int> id = m_queue->enqueue(h);
        if (id)
            ++queued;
        else
            *problems << id.error();
    }
    return queued;
}

void BrowsePage::prefetchSelected()
{
    const Catalog *c = m_model->catalog();
    if (!m_queue || !c)
        return;
    QStringList handles;
    QStringList problems;
    for (const qsizetype i : selectedEntries()) {
        const CatalogEntry &e = c->at(i);
        if (e.isLoadable())
            handles << e.handle;
        else
            problems << tr("%1 is a %2, not loadable by tensorflow_hub; skipped.")
                            .arg(e.handle, catalog::kindLabel(e.kind));
    }
    const int queued = enqueue(handles, &problems);
    if (!problems.isEmpty())
        m_messages->showMessage(MessageBar::Kind::Warning,
            tr("%n handle(s) queued for download; some were skipped.", nullptr, queued),
            problems.join(QLatin1Char('\n')));
    else if (queued > 0)
        m_messages->showMessage(
            MessageBar::Kind::Positive, tr("%n handle(s) queued for download.", nullptr, queued));
    if (queued > 0)
        Q_EMIT prefetchQueued(queued);
}

void BrowsePage::prefetchPasted()
{
    if (!m_queue) {
        m_messages->showMessage(MessageBar::Kind::Error, tr("Cannot prefetch: there is no download queue."));
        return;
    }
    QStringList handles;
    for (const QString &line : m_paste->toPlainText().split(QLatin1Char('\n'))) {
        const QString h = line.trimmed();
        if (!h.isEmpty() && !h.startsWith(QLatin1Char('#')) && !handles.contains(h))
            handles << h;
    }
    QStringList problems;
    const int queued = enqueue(handles, &problems);
    if (!problems.isEmpty())
        m_messages->showMessage(MessageBar::Kind::Error,
            tr("%n pasted handle(s) queued; the others could not be used.", nullptr, queued),
            problems.join(QLatin1Char('\n')));
    else if (queued > 0) {
        m_messages->showMessage(
            MessageBar::Kind::Positive, tr("%n handle(s) queued for download.", nullptr, queued));
        m_paste->clear();
    }
    if (queued > 0)
        Q_EMIT prefetchQueued(queued);
}

void BrowsePage::copyHandles()
{
    const Catalog *c = m_model->catalog();
    QStringList handles;
    for (const qsizetype i : selectedEntries())
        handles << c->at(i).handle;
    if (!handles.isEmpty())
        QGuiApplication::clipboard()->setText(handles.join(QLatin1Char('\n')));
}

void BrowsePage::copySnippet()
{
    const Catalog *c = m_model->catalog();
    QStringList handles;
    for (const qsizetype i : selectedEntries()) {
        const CatalogEntry &e = c->at(i);
        if (e.isLoadable() && !handles.contains(e.handle))
            handles << e.handle;
    }
    if (!handles.isEmpty())
        QGuiApplication::clipboard()->setText(pythonSnippet(handles));
}

void BrowsePage::saveState(QSettings &settings) const
{
    settings.setValue(settings::BrowseSplitter.name(), m_splitter->saveState());
    settings.setValue(settings::BrowseHeader.name(), m_view->header()->saveState());
    settings::BrowseFiltersVisible.write(settings, m_filtersButton->isChecked());
    settings::BrowseLatestOnly.write(settings, m_latestOnly->isChecked());
}

void BrowsePage::restoreState(const QSettings &settings)
{
    m_splitter->restoreState(settings.value(settings::BrowseSplitter.name()).toByteArray());
    m_view->header()->restoreState(settings.value(settings::BrowseHeader.name()).toByteArray());
    // Until the user chooses, the facets stay folded: at 1024 pixels the list needs the room
    // (the Filters button shows them).
    m_filtersButton->setChecked(settings.contains(settings::BrowseFiltersVisible.name())
        && settings::BrowseFiltersVisible.read(settings));
    m_latestOnly->setChecked(settings::BrowseLatestOnly.read(settings));
}

} // namespace tfhub::ui
