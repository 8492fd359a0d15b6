#include "ui/downloads/downloadspage.h"

#include "core/prefetch/downloadqueue.h"
#include "ui/downloads/downloadmodel.h"
#include "ui/widgets/messagebar.h"
#include "ui/widgets/modelname.h"

#include <QAction>
#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace tfhub::ui {

namespace {

// Beyond this many malformed lines the bar names the first ones and the details list them all.
constexpr int MaxProblemsShown = 5;

// The Progress column as a progress bar carrying "12.3 MiB / 40.0 MiB".
class ProgressDelegate final : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        // The row's background and selection first, as for any other cell.
        QStyleOptionViewItem cell = option;
        initStyleOption(&cell, index);
        cell.text.clear();
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &cell, painter, widget);

        const qint64 received = index.data(DownloadModel::ReceivedRole).toLongLong();
        const auto phase = static_cast<PrefetchPhase>(index.data(DownloadModel::PhaseRole).toInt());
        // A bar for a job that never received a byte would only say "nothing"; done is done.
        const bool finished = index.data(DownloadModel::FinishedRole).toBool();
        if (phase == PrefetchPhase::Queued || (finished && phase != PrefetchPhase::Done && received == 0))
            return;
        // A failed or cancelled download has no progress to show, only what it got: a bar would
        // look full when every byte arrived but the archive was cut short or damaged.
        const int fill = index.data(DownloadModel::BarRole).toInt();
        if (fill < 0) {
            painter->save();
            painter->setPen(option.palette.color(QPalette::Text));
            painter->drawText(option.rect.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
                option.fontMetrics.elidedText(
                    index.data(Qt::DisplayRole).toString(), Qt::ElideRight, option.rect.width() - 8));
            painter->restore();
            return;
        }

        QStyleOptionProgressBar bar;
        bar.initFrom(widget);
        bar.state = option.state | QStyle::State_Horizontal;
        if (finished)
            bar.state &= ~QStyle::State_Enabled;
        bar.rect = option.rect.adjusted(2, 3, -2, -3);
        bar.minimum = 0;
        bar.maximum = 1000;
        bar.progress = fill;
        bar.text = index.data(Qt::DisplayRole).toString();
        bar.textVisible = !bar.text.isEmpty();
        bar.textAlignment = Qt::AlignCenter;
        bar.palette = option.palette;
        style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
    }
};

QIcon themeIcon(const QString &name)
{
    return QIcon::fromTheme(name);
}

} // namespace

DownloadsPage::DownloadsPage(DownloadQueue *queue, QWidget *parent)
    : QWidget(parent), m_queue(queue), m_model(new DownloadModel(queue, this))
{
    setObjectName(QStringLiteral("downloadsPage"));
    setAcceptDrops(true);
    createActions();

    m_messageBar = new MessageBar(this);

    m_input = new QPlainTextEdit(this);
    m_input->setObjectName(QStringLiteral("handleInput"));
    m_input->setAccessibleName(tr("Handles to prefetch"));
    m_input->setPlaceholderText(
        tr("Paste or drop model handles here, one per line, for example\n"
           "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5"));
    m_input->setTabChangesFocus(true);
    m_input->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_input->setFixedHeight(m_input->fontMetrics().lineSpacing() * 4 + 12);
    m_input->installEventFilter(this);

    m_prefetchButton = new QPushButton(themeIcon(QStringLiteral("download")), tr("&Prefetch"), this);
    m_prefetchButton->setObjectName(QStringLiteral("prefetchButton"));
    m_prefetchButton->setToolTip(m_prefetchAction->toolTip());
    connect(m_prefetchButton, &QPushButton::clicked, m_prefetchAction, &QAction::trigger);

    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_input, 1);
    auto *buttonColumn = new QVBoxLayout;
    buttonColumn->addWidget(m_prefetchButton);
    buttonColumn->addStretch(1);
    inputRow->addLayout(buttonColumn);

    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(QStringLiteral("downloadsToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(16, 16));
    toolBar->addAction(m_cancelAction);
    toolBar->addAction(m_retryAction);
    toolBar->addAction(m_openFolderAction);
    toolBar->addSeparator();
    toolBar->addAction(m_clearFinishedAction);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("downloadsTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setItemDelegateForColumn(DownloadModel::ProgressColumn, new ProgressDelegate(m_table));
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    m_table->setItemDelegateForColumn(
        DownloadModel::HandleColumn, new ModelNameDelegate(DownloadModel::HandleRole, m_table));
    header->setSectionResizeMode(DownloadModel::HandleColumn, QHeaderView::Interactive);
    header->resizeSection(DownloadModel::HandleColumn, 330);
    header->resizeSection(DownloadModel::ProgressColumn, 190);
    header->resizeSection(DownloadModel::RateColumn, 85);
    header->resizeSection(DownloadModel::EtaColumn, 80);
    m_table->addActions({ m_cancelAction, m_retryAction, m_openFolderAction });
    connect(m_table, &QWidget::customContextMenuRequested, this, &DownloadsPage::showTableMenu);
    connect(m_table, &QAbstractItemView::activated, this, &DownloadsPage::openSelectedFolder);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &DownloadsPage::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &DownloadsPage::updateActions);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &DownloadsPage::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &DownloadsPage::updateActions);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_messageBar);
    layout->addLayout(inputRow);
    layout->addWidget(toolBar);
    layout->addWidget(m_table, 1);

    updateActions();
}

DownloadsPage::~DownloadsPage()
{
    // The model and the table outlive this destructor body; their last signals must not reach a
    // half-destroyed page.
    disconnect(m_model, nullptr, this, nullptr);
    disconnect(m_table->selectionModel(), nullptr, this, nullptr);
}

void DownloadsPage::createActions()
{
    m_prefetchAction = new QAction(themeIcon(QStringLiteral("download")), tr("&Prefetch"), this);
    m_prefetchAction->setObjectName(QStringLiteral("prefetchAction"));
    m_prefetchAction->setShortcuts({ QKeySequence(Qt::CTRL | Qt::Key_D),
        QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) });
    m_prefetchAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_prefetchAction->setToolTip(tr("Download the handles in the box into the cache (Ctrl+D)"));
    connect(m_prefetchAction, &QAction::triggered, this, &DownloadsPage::prefetchEntered);
    addAction(m_prefetchAction);

    m_cancelAction = new QAction(themeIcon(QStringLiteral("process-stop")), tr("&Cancel"), this);
    m_cancelAction->setObjectName(QStringLiteral("cancelAction"));
    m_cancelAction->setShortcut(QKeySequence::Delete);
    m_cancelAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_cancelAction->setToolTip(tr("Stop the selected downloads (Delete)"));
    connect(m_cancelAction, &QAction::triggered, this, &DownloadsPage::cancelSelected);

    m_retryAction = new QAction(themeIcon(QStringLiteral("view-refresh")), tr("&Retry"), this);
    m_retryAction->setObjectName(QStringLiteral("retryAction"));
    m_retryAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_retryAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_retryAction->setToolTip(tr("Download the selected failed or cancelled models again (Ctrl+R)"));
    connect(m_retryAction, &QAction::triggered, this, &DownloadsPage::retrySelected);

    m_openFolderAction
        = new QAction(themeIcon(QStringLiteral("document-open-folder")), tr("&Open Folder"), this);
    m_openFolderAction->setObjectName(QStringLiteral("openDownloadFolderAction"));
    m_openFolderAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    m_openFolderAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_openFolderAction->setToolTip(tr("Open the downloaded model's folder in the file manager"));
    connect(m_openFolderAction, &QAction::triggered, this, &DownloadsPage::openSelectedFolder);

    m_clearFinishedAction
        = new QAction(themeIcon(QStringLiteral("edit-clear-history")), tr("C&lear Finished"), this);
    m_clearFinishedAction->setObjectName(QStringLiteral("clearFinishedAction"));
    m_clearFinishedAction->setToolTip(
        tr("Remove the finished, failed and cancelled downloads from the list"));
    connect(m_clearFinishedAction, &QAction::triggered, this, &DownloadsPage::clearFinished);
}

QList<QAction *> DownloadsPage::jobActions() const
{
    return { m_cancelAction, m_retryAction, m_openFolderAction, m_clearFinishedAction };
}

QStringList DownloadsPage::splitHandles(const QString &text)
{
    QStringList handles;
    const QStringList lines = text.split(u'\n');
    for (const QString &line : lines) {
        const QString handle = line.trimmed();
        if (!handle.isEmpty())
            handles.append(handle);
    }
    return handles;
}

int DownloadsPage::queueHandles(const QStringList &handles)
{
    // A handle already waiting or downloading is not fetched twice.
    QSet<QString> active;
    const QList<int> ids = m_queue->ids();
    for (const int id : ids) {
        if (!m_queue->isFinished(id))
            active.insert(m_queue->handleOf(id));
    }

    QStringList problems;
    int queued = 0;
    for (const QString &handle : handles) {
        if (active.contains(handle))
            continue;
        const Result<int> id = m_queue->enqueue(handle);
        if (!id) {
            problems.append(tr("Not queued: %1 — %2").arg(handle, id.error()));
            continue;
        }
        active.insert(handle);
        ++queued;
    }

    if (problems.isEmpty()) {
        m_messageBar->dismiss();
    } else {
        QStringList shown = problems.mid(0, MaxProblemsShown);
        if (problems.size() > MaxProblemsShown)
            shown.append(tr("(and %n more)", nullptr, static_cast<int>(problems.size() - MaxProblemsShown)));
        m_messageBar->showMessage(MessageBar::Kind::Error, shown.join(u'\n'), problems.join(u'\n'));
    }
    return queued;
}

void DownloadsPage::prefetchEntered()
{
    const QStringList handles = splitHandles(m_input->toPlainText());
    if (handles.isEmpty()) {
        m_input->setFocus(Qt::ShortcutFocusReason);
        return;
    }
    queueHandles(handles);
    // What could not be queued stays in the box, to be corrected.
    QStringList rest;
    for (const QString &handle : handles) {
        if (!Handle::parse(handle))
            rest.append(handle);
    }
    m_input->setPlainText(rest.join(u'\n'));
}

QList<int> DownloadsPage::selectedJobs() const
{
    QList<int> jobs;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    jobs.reserve(rows.size());
    for (const QModelIndex &index : rows)
        jobs.append(m_model->jobIdAt(index.row()));
    return jobs;
}

void DownloadsPage::cancelSelected()
{
    const QList<int> jobs = selectedJobs();
    for (const int id : jobs)
        m_queue->cancel(id);
}

void DownloadsPage::retrySelected()
{
    const QList<int> jobs = selectedJobs();
    for (const int id : jobs) {
        const bool retryable = m_queue->isFinished(id) && m_queue->resultOf(id).phase != PrefetchPhase::Done;
        if (retryable)
            m_queue->retry(id);
    }
}

void DownloadsPage::openSelectedFolder()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return;
    const QString path = rows.constFirst().data(DownloadModel::PathRole).toString();
    if (path.isEmpty())
        return;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(path))) {
        m_messageBar->showMessage(MessageBar::Kind::Warning,
            tr("Cannot open %1: no file manager is available.").arg(QDir::toNativeSeparators(path)));
    }
}

void DownloadsPage::clearFinished()
{
    m_queue->clearFinished();
}

void DownloadsPage::updateActions()
{
    bool anyRunning = false;
    bool anyRetryable = false;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        if (!index.data(DownloadModel::FinishedRole).toBool())
            anyRunning = true;
        else if (static_cast<PrefetchPhase>(index.data(DownloadModel::PhaseRole).toInt())
            != PrefetchPhase::Done)
            anyRetryable = true;
    }
    m_cancelAction->setEnabled(anyRunning);
    m_retryAction->setEnabled(anyRetryable);
    m_openFolderAction->setEnabled(
        rows.size() == 1 && !rows.constFirst().data(DownloadModel::PathRole).toString().isEmpty());

    bool anyFinished = false;
    for (int row = 0; row < m_model->rowCount() && !anyFinished; ++row)
        anyFinished = m_model->index(row, 0).data(DownloadModel::FinishedRole).toBool();
    m_clearFinishedAction->setEnabled(anyFinished);
}

void DownloadsPage::showTableMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addActions({ m_cancelAction, m_retryAction, m_openFolderAction });
    menu.addSeparator();
    menu.addAction(m_clearFinishedAction);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

void DownloadsPage::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasText())
        event->acceptProposedAction();
}

void DownloadsPage::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    QStringList handles;
    if (mime->hasUrls()) {
        const QList<QUrl> urls = mime->urls();
        for (const QUrl &url : urls)
            handles.append(url.isLocalFile() ? url.toLocalFile() : url.toString());
    } else if (mime->hasText()) {
        handles = splitHandles(mime->text());
    }
    if (handles.isEmpty())
        return;
    event->acceptProposedAction();
    queueHandles(handles);
}

bool DownloadsPage::eventFilter(QObject *watched, QEvent *event)
{
    // The text box claims Ctrl+D (delete a character on X11) and Ctrl+Return for itself; here
    // they prefetch, as everywhere else on the page.
    if (watched == m_input && event->type() == QEvent::ShortcutOverride) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->modifiers() == Qt::ControlModifier
            && (key->key() == Qt::Key_D || key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
            event->ignore();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace tfhub::ui
