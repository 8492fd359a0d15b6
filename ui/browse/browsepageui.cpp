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

// The page's widgets, built once by the constructor.
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

} // namespace tfhub::ui
