#include "ui/cache/detailspane.h"

#include "core/cache/manifest.h"
#include "core/cache/modelformat.h"
#include "core/util/humanize.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcscachesource.h"
#include "ui/widgets/elidedlabel.h"
#include "ui/widgets/modelname.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QFormLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPromise>
#include <QScrollArea>
#include <QStackedWidget>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace tfhub::ui {

namespace {

enum TreeColumn { NameColumn, SizeColumn };
constexpr int SizeRole = Qt::UserRole + 1;
constexpr int IsDirRole = Qt::UserRole + 2;

QString manifestStatus(const QString &path, bool exists)
{
    if (!exists)
        return DetailsPane::tr("None: the entry was not prefetched by this application, so Verify can only "
                               "check for the files hub.load() needs.");
    const Result<Manifest> m = Manifest::load(path);
    if (!m)
        return DetailsPane::tr("Unreadable: %1").arg(m.error());
    const QString when
        = m->downloaded.isValid() ? QLocale().toString(m->downloaded, QLocale::ShortFormat) : m->url;
    return m->files.size() == 1
        ? DetailsPane::tr("1 file recorded at download, %1").arg(when)
        : DetailsPane::tr("%1 files recorded at download, %2").arg(m->files.size()).arg(when);
}

// Runs in the thread pool; stops early when a newer selection cancels it.
void listFolder(QPromise<DetailsPane::FileListing> &promise, const QString &folder, const QString &manifest,
    bool hasManifest, bool savedModel)
{
    DetailsPane::FileListing listing;
    listing.manifest = manifestStatus(manifest, hasManifest);
    if (savedModel) {
        QStringList lines;
        for (const cache::RequiredFile &f : cache::requiredFiles(folder)) {
            lines << (f.present ? DetailsPane::tr("✓ %1").arg(f.path)
                                : DetailsPane::tr("✗ %1 (missing)").arg(f.path));
            listing.requiredOk = listing.requiredOk && f.present;
        }
        listing.required = lines.join(u'\n');
    }
    QDirIterator it(folder, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
        QDirIterator::Subdirectories);
    const QDir base(folder);
    while (it.hasNext()) {
        if (promise.isCanceled())
            return;
        it.next();
        if (listing.nodes.size() >= DetailsPane::MaxTreeItems) {
            listing.truncated = true;
            break;
        }
        const QFileInfo fi = it.fileInfo();
        const bool isDir = fi.isDir() && !fi.isSymLink();
        listing.nodes.append({ base.relativeFilePath(fi.filePath()), isDir, isDir ? 0 : fi.size() });
    }
    promise.addResult(listing);
}

QString sizeText(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes);
}

// Runs of digits compare as numbers, the rest without case (QCollator's numeric mode does
// nothing in the C locale).
bool naturalLess(const QString &a, const QString &b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a.at(i).isDigit() && b.at(j).isDigit()) {
            const qsizetype si = i;
            const qsizetype sj = j;
            while (i < a.size() && a.at(i).isDigit())
                ++i;
            while (j < b.size() && b.at(j).isDigit())
                ++j;
            // Without leading zeros, the longer run is the larger number.
            const QStringView na = QStringView(a).mid(si, i - si);
            const QStringView nb = QStringView(b).mid(sj, j - sj);
            const auto trimmed = [](QStringView v) {
                while (v.size() > 1 && v.front() == u'0')
                    v = v.mid(1);
                return v;
            };
            const QStringView ta = trimmed(na);
            const QStringView tb = trimmed(nb);
            if (ta.size() != tb.size())
                return ta.size() < tb.size();
            if (const int c = ta.compare(tb); c != 0)
                return c < 0;
            continue;
        }
        const QChar ca = a.at(i).toCaseFolded();
        const QChar cb = b.at(j).toCaseFolded();
        if (ca != cb)
            return ca < cb;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j))
        return a.size() - i < b.size() - j;
    return a < b;
}

// A tree item whose size column sorts by bytes, not by its text.
class FileItem final : public QTreeWidgetItem
{
public:
    using QTreeWidgetItem::QTreeWidgetItem;
    bool operator<(const QTreeWidgetItem &other) const override
    {
        const int column = treeWidget() ? treeWidget()->sortColumn() : NameColumn;
        if (column == SizeColumn)
            return data(SizeColumn, SizeRole).toLongLong() < other.data(SizeColumn, SizeRole).toLongLong();
        // Folders first, as in file managers.
        const bool dir = childCount() > 0 || data(NameColumn, IsDirRole).toBool();
        const bool otherDir = other.childCount() > 0 || other.data(NameColumn, IsDirRole).toBool();
        if (dir != otherDir)
            return dir;
        // Natural order, as file managers sort: variables.data-2 before variables.data-10.
        return naturalLess(text(NameColumn), other.text(NameColumn));
    }
};

} // namespace

DetailsPane::DetailsPane(QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_title(new ElidedLabel(Qt::ElideLeft, this))
    , m_form(new QFormLayout)
    , m_treeNote(new QLabel(this))
    , m_tree(new QTreeWidget(this))
    , m_watcher(new QFutureWatcher<FileListing>(this))
{
    setObjectName(QStringLiteral("detailsPane"));

    auto *placeholder = new QLabel(tr("Select a model to see its details."), m_stack);
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    placeholder->setEnabled(false);

    auto *details = new QWidget(m_stack);
    // A model path has no spaces to wrap at: it loses its start, as in the table.
    m_title->setObjectName(QStringLiteral("detailsTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    m_title->setFont(titleFont);

    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    m_key = addElidedField(tr("Key:"), QStringLiteral("detailsKey"));
    m_path = addElidedField(tr("Folder:"), QStringLiteral("detailsPath"));
    m_state = addField(tr("State:"), QStringLiteral("detailsState"));
    m_verify = addField(tr("Verify:"), QStringLiteral("detailsVerify"));
    m_form->setRowVisible(m_verify, false);
    m_format = addField(tr("Format:"), QStringLiteral("detailsFormat"));
    m_downloaded = addField(tr("Downloaded:"), QStringLiteral("detailsDownloaded"));
    m_downloader = addField(tr("Downloaded by:"), QStringLiteral("detailsDownloader"));
    m_size = addField(tr("Size:"), QStringLiteral("detailsSize"));
    m_files = addField(tr("Files:"), QStringLiteral("detailsFiles"));
    m_leftovers = addField(tr("Leftovers:"), QStringLiteral("detailsLeftovers"));
    m_problems = addField(tr("Problems:"), QStringLiteral("detailsProblems"));
    m_manifest = addField(tr("Manifest:"), QStringLiteral("detailsManifest"));
    m_required = addField(tr("hub.load() needs:"), QStringLiteral("detailsRequired"));

    m_treeNote->setWordWrap(true);
    m_treeNote->setEnabled(false);
    m_tree->setObjectName(QStringLiteral("detailsFileTree"));
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({ tr("Name"), tr("Size") });
    m_tree->setUniformRowHeights(true);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(NameColumn, Qt::AscendingOrder);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(SizeColumn, QHeaderView::ResizeToContents);

    auto *detailsLayout = new QVBoxLayout(details);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_title);
    detailsLayout->addLayout(m_form);
    detailsLayout->addWidget(new QLabel(tr("Contents"), details));
    detailsLayout->addWidget(m_treeNote);
    detailsLayout->addWidget(m_tree, 1);

    m_stack->addWidget(placeholder);
    m_stack->addWidget(details);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 0, 0, 0);
    layout->addWidget(m_stack);

    connect(m_watcher, &QFutureWatcher<FileListing>::finished, this, [this] {
        if (!m_watcher->isCanceled() && m_watcher->future().resultCount() > 0)
            fillTree(m_watcher->result());
    });
}

DetailsPane::~DetailsPane()
{
    // The listing may outlive us in the thread pool; tell it to stop early.
    m_watcher->cancel();
}

QLabel *DetailsPane::addField(const QString &label, const QString &objectName)
{
    auto *field = new QLabel(this);
    field->setObjectName(objectName);
    field->setWordWrap(true);
    field->setTextFormat(Qt::PlainText);
    field->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    // File names and paths do not wrap: they may be cut at the pane's edge (the tooltip has them
    // whole) rather than hold the pane wider than the user made it.
    field->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_form->addRow(label, field);
    return field;
}

ElidedLabel *DetailsPane::addElidedField(const QString &label, const QString &objectName)
{
    auto *field = new ElidedLabel(Qt::ElideMiddle, this);
    field->setObjectName(objectName);
    m_form->addRow(label, field);
    return field;
}

void DetailsPane::setCacheRoot(const QString &root)
{
    m_root = root;
    if (m_hasEntry)
        setEntry(m_entry);
}

void DetailsPane::setEntry(const CacheEntry &entry)
{
    // A rescan hands us the same entry again; only list its files again when they may differ.
    const bool sameFiles = m_hasEntry && entry.key == m_entry.key && entry.files == m_entry.files
        && entry.lastModified == m_entry.lastModified && entry.hasFolder == m_entry.hasFolder;
    m_entry = entry;
    m_hasEntry = true;
    showFields();
    m_stack->setCurrentIndex(1);
    if (!sameFiles)
        listFiles();
}

void DetailsPane::clear()
{
    m_watcher->cancel();
    m_hasEntry = false;
    m_entry = CacheEntry();
    m_tree->clear();
    m_stack->setCurrentIndex(0);
}

void DetailsPane::showFields()
{
    const CacheEntry &e = m_entry;
    const QLocale locale;
    m_title->setText(CacheModel::displayName(e));
    // The full handle (the title shows its model path); key and folder have their own tooltips.
    m_title->setToolTip(e.handle.isEmpty() ? e.key : e.handle);
    m_key->setText(e.key);
    m_path->setText(QDir::toNativeSeparators(e.folderPath(m_root)));

    // The explanation starts with the state's label, so it stands alone.
    QString state = stateExplanation(e.state);
    if (!e.stateDetail.isEmpty())
        state += u'\n' + e.stateDetail;
    m_state->setText(state);
    m_format->setText(modelname::formatLabel(e.format));
    m_format->setToolTip(formatLabel(e.format));

    // Without a descriptor the time is the folder's; an empty folder was made, not downloaded.
    const bool downloadedKnown = e.downloaded.isValid() && (e.hasDescriptor || e.folderNonEmpty);
    m_form->setRowVisible(m_downloaded, downloadedKnown);
    if (downloadedKnown) {
        m_downloaded->setText(tr("%1 (%2)").arg(
            locale.toString(e.downloaded, QLocale::LongFormat), util::relativeTime(e.downloaded)));
    }
    const bool hasDownloader = !e.downloaderHost.isEmpty() || e.downloaderPid > 0;
    m_form->setRowVisible(m_downloader, hasDownloader);
    if (hasDownloader)
        m_downloader->setText(tr("%1 (process %2)").arg(e.downloaderHost).arg(e.downloaderPid));

    m_size->setText(gcscache::isCloudRoot(m_root)
            ? tr("%1 in Cloud Storage").arg(sizeText(e.bytes))
            : tr("%1 on disk (%2 of data)").arg(sizeText(e.diskBytes), sizeText(e.bytes)));
    m_files->setText(locale.toString(e.files));

    m_form->setRowVisible(m_leftovers, e.reclaimableBytes > 0);
    m_leftovers->setText(tr("%1 can be reclaimed").arg(sizeText(e.reclaimableBytes)));

    m_form->setRowVisible(m_problems, !e.problems.isEmpty());
    m_problems->setText(e.problems.join(u'\n'));
    m_problems->setToolTip(m_problems->text());
}

void DetailsPane::setVerifyMark(const QString &summary)
{
    m_form->setRowVisible(m_verify, !summary.isEmpty());
    m_verify->setText(summary.isEmpty() ? QString() : tr("Changed since download: %1").arg(summary));
    m_verify->setToolTip(m_verify->text());
}

void DetailsPane::listFiles()
{
    m_watcher->cancel();
    m_tree->clear();
    if (!m_entry.hasFolder || m_root.isEmpty()) {
        m_manifest->setText(
            m_entry.hasManifest ? tr("Present, but there is no model folder to compare with.") : tr("None"));
        m_form->setRowVisible(m_required, false);
        m_treeNote->setText(tr("This entry has no model folder."));
        m_treeNote->show();
        m_tree->hide();
        Q_EMIT fileTreeReady();
        return;
    }
    if (gcscache::isCloudRoot(m_root)) {
        // The scan's listing holds the names, but not per entry here yet; the CLI shows them.
        m_manifest->setText(m_entry.hasManifest ? tr("Present (not read from Cloud Storage)") : tr("None"));
        m_form->setRowVisible(m_required, false);
        m_treeNote->setText(tr("The files of an entry in Cloud Storage are not listed here; "
                               "tfhub-cache --cache-dir %1 info %2 lists them.")
                                .arg(m_root, m_entry.key.left(12)));
        m_treeNote->show();
        m_tree->hide();
        Q_EMIT fileTreeReady();
        return;
    }
    m_treeNote->setText(tr("Listing files…"));
    m_treeNote->show();
    m_tree->show();
    const bool savedModel = m_entry.format == ModelFormat::Tf2SavedModel
        || m_entry.format == ModelFormat::Tf1SavedModel || m_entry.format == ModelFormat::Tf1HubModule;
    m_manifest->setText(tr("Reading…"));
    m_form->setRowVisible(m_required, savedModel);
    m_required->setText(tr("Reading…"));
    m_watcher->setFuture(QtConcurrent::run(listFolder, m_entry.folderPath(m_root),
        QString(m_root + u'/' + m_entry.key + QStringLiteral(".manifest.json")), m_entry.hasManifest,
        savedModel));
}

void DetailsPane::fillTree(const FileListing &listing)
{
    m_manifest->setText(listing.manifest);
    m_required->setText(listing.required.isEmpty() ? tr("No SavedModel graph found") : listing.required);
    m_required->setToolTip(tr("The graph, the variables index and every weight shard the index names:")
        + u'\n' + m_required->text());
    m_tree->setSortingEnabled(false);
    m_tree->clear();
    QHash<QString, QTreeWidgetItem *> folders;
    QHash<QTreeWidgetItem *, qint64> folderBytes;
    const QIcon folderIcon = style()->standardIcon(QStyle::SP_DirIcon);
    const QIcon fileIcon = style()->standardIcon(QStyle::SP_FileIcon);

    for (const FileNode &node : listing.nodes) {
        const qsizetype slash = node.relativePath.lastIndexOf(u'/');
        QTreeWidgetItem *parent = slash < 0 ? nullptr : folders.value(node.relativePath.left(slash));
        auto *item = parent ? new FileItem(parent) : new FileItem(m_tree);
        item->setText(NameColumn, slash < 0 ? node.relativePath : node.relativePath.mid(slash + 1));
        item->setIcon(NameColumn, node.isDir ? folderIcon : fileIcon);
        item->setData(NameColumn, IsDirRole, node.isDir);
        item->setTextAlignment(SizeColumn, Qt::AlignRight | Qt::AlignVCenter);
        if (node.isDir) {
            folders.insert(node.relativePath, item);
        } else {
            item->setText(SizeColumn, sizeText(node.size));
            item->setData(SizeColumn, SizeRole, node.size);
            for (QTreeWidgetItem *up = parent; up; up = up->parent())
                folderBytes[up] += node.size;
        }
    }
    for (auto it = folderBytes.cbegin(); it != folderBytes.cend(); ++it) {
        it.key()->setText(SizeColumn, sizeText(it.value()));
        it.key()->setData(SizeColumn, SizeRole, it.value());
    }
    m_tree->setSortingEnabled(true);
    // Small models are worth seeing whole; big ones stay folded.
    if (listing.nodes.size() <= 50)
        m_tree->expandAll();

    if (listing.truncated) {
        m_treeNote->setText(
            tr("Showing the first %1 files and folders.").arg(locale().toString(MaxTreeItems)));
        m_treeNote->show();
    } else if (listing.nodes.isEmpty()) {
        m_treeNote->setText(tr("The folder is empty."));
        m_treeNote->show();
    } else {
        m_treeNote->hide();
    }
    Q_EMIT fileTreeReady();
}

} // namespace tfhub::ui
