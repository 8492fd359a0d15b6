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

void BrowsePage::showCatalog(std::shared_ptr<const Catalog> catalog)
{
    QHeaderView *header = m_view->header();
    // A width the user dragged is theirs: a reload (a source added) keeps it.
    for (auto it = m_fittedWidths.cbegin(); it != m_fittedWidths.cend(); ++it)
        if (header->sectionSize(it.key()) != it.value())
            m_userSizedColumns.insert(it.key());
    QHash<int, int> userWidths;
    for (int column : std::as_const(m_userSizedColumns))
        userWidths.insert(column, header->sectionSize(column));
    m_model->setCatalog(std::move(catalog));
    QList<int> fit;
    for (int column : { int(BrowseModel::TaskColumn), int(BrowseModel::FormatColumn) })
        if (!m_userSizedColumns.contains(column))
            fit.append(column);
    // Wide enough for the usual labels; a rare long one elides (the tooltip has it).
    fitColumnsToTexts(
        m_view, header, fit, [this](int column) { return m_model->columnTexts(column); }, 160);
    for (auto it = userWidths.cbegin(); it != userWidths.cend(); ++it)
        header->resizeSection(it.key(), it.value());
    m_fittedWidths.clear();
    for (int column : fit)
        m_fittedWidths.insert(column, header->sectionSize(column));
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
        showCatalog(std::make_shared<const Catalog>(std::move(r.catalog)));
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
