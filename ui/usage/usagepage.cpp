#include "ui/usage/usagepage.h"

#include "core/hub/handle.h"
#include "core/maintenance/cleanupplan.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcsbadge.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"
#include "ui/cache/volumespace.h"
#include "ui/usage/breakdownview.h"
#include "ui/usage/costestimate.h"
#include "ui/usage/treemapwidget.h"
#include "ui/widgets/modelname.h"

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMap>
#include <QPushButton>
#include <QSet>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace tfhub::ui {

namespace {

// Model updates come in bursts (a scan's batches); the page recomputes once per burst.
constexpr int RecomputeDelayMs = 150;

enum class AgeBucket { Week, Month, HalfYear, Year, Older, Unknown };

AgeBucket ageOf(const CacheEntry &e, const QDateTime &now)
{
    if (!e.downloaded.isValid())
        return AgeBucket::Unknown;
    const qint64 days = e.downloaded.daysTo(now);
    if (days < 7)
        return AgeBucket::Week;
    if (days < 31)
        return AgeBucket::Month;
    if (days < 183)
        return AgeBucket::HalfYear;
    if (days < 366)
        return AgeBucket::Year;
    return AgeBucket::Older;
}

QString ageLabel(AgeBucket bucket)
{
    switch (bucket) {
    case AgeBucket::Week:
        return UsagePage::tr("Less than a week");
    case AgeBucket::Month:
        return UsagePage::tr("1 week to 1 month");
    case AgeBucket::HalfYear:
        return UsagePage::tr("1 to 6 months");
    case AgeBucket::Year:
        return UsagePage::tr("6 to 12 months");
    case AgeBucket::Older:
        return UsagePage::tr("Over a year");
    case AgeBucket::Unknown:
        break;
    }
    return UsagePage::tr("Unknown");
}

// Mid-lightness colours that read on light and dark backgrounds alike.
QColor formatColor(ModelFormat format)
{
    switch (format) {
    case ModelFormat::Tf2SavedModel:
        return QColor(0x3d, 0x8b, 0xd1);
    case ModelFormat::Tf1SavedModel:
        return QColor(0x5c, 0xb0, 0x8a);
    case ModelFormat::Tf1HubModule:
        return QColor(0xd9, 0x9a, 0x3c);
    case ModelFormat::TfLite:
        return QColor(0x9b, 0x6f, 0xc9);
    case ModelFormat::TfJs:
        return QColor(0xcf, 0x6b, 0x8f);
    case ModelFormat::Unknown:
        break;
    }
    return QColor(0x8c, 0x8c, 0x8c);
}

QColor ageColor(AgeBucket bucket)
{
    switch (bucket) {
    case AgeBucket::Week:
        return QColor(0x2e, 0x9e, 0x6e);
    case AgeBucket::Month:
        return QColor(0x7d, 0xb5, 0x4a);
    case AgeBucket::HalfYear:
        return QColor(0xd6, 0xb5, 0x3a);
    case AgeBucket::Year:
        return QColor(0xde, 0x84, 0x3a);
    case AgeBucket::Older:
        return QColor(0xc4, 0x4e, 0x3e);
    case AgeBucket::Unknown:
        break;
    }
    return QColor(0x8c, 0x8c, 0x8c);
}

QString publisherOf(const CacheEntry &e)
{
    if (e.state == EntryState::Foreign)
        return UsagePage::tr("(not cache entries)");
    if (e.handle.isEmpty())
        return UsagePage::tr("(unknown model)");
    const Result<Handle> h = Handle::parse(e.handle);
    const QString publisher = h ? h->publisher() : QString();
    return publisher.isEmpty() ? UsagePage::tr("(other)") : publisher;
}

} // namespace

UsagePage::UsagePage(LiveCache *live, QWidget *parent)
    : QWidget(parent)
    , m_live(live)
    , m_model(live->model())
    , m_recompute(new QTimer(this))
    , m_treemap(new TreemapWidget(this))
    , m_byPublisher(new BreakdownModel(tr("Publisher"), this))
    , m_byFormat(new BreakdownModel(tr("Format"), this))
    , m_byAge(new BreakdownModel(tr("Downloaded"), this))
{
    setObjectName(QStringLiteral("usagePage"));

    auto *figures = new QHBoxLayout;
    m_used = addFigure(figures, tr("Used by the cache"), QStringLiteral("usedFigure"));
    m_free = addFigure(figures, tr("Free on the volume"), QStringLiteral("freeFigure"));
    m_cost = new CostEstimate(this);
    figures->addWidget(m_cost);
    figures->addSpacing(24);
    m_reclaimable = addFigure(figures, tr("Reclaimable"), QStringLiteral("reclaimableFigure"));
    m_selectReclaimable = new QPushButton(tr("&Select Reclaimable"), this);
    m_selectReclaimable->setObjectName(QStringLiteral("selectReclaimableButton"));
    m_selectReclaimable->setToolTip(
        tr("Select the stale locks, abandoned downloads, empty and unloadable entries on the Cache page"));
    connect(m_selectReclaimable, &QPushButton::clicked, this,
        [this] { Q_EMIT selectRequested(m_reclaimableKeys); });
    m_cleanUp = new QPushButton(tr("&Clean Up…"), this);
    m_cleanUp->setObjectName(QStringLiteral("cleanupButton"));
    connect(m_cleanUp, &QPushButton::clicked, this, &UsagePage::cleanupRequested);
    m_headerActions = new QHBoxLayout;
    m_headerActions->addWidget(m_selectReclaimable);
    m_headerActions->addWidget(m_cleanUp);
    auto *buttons = new QVBoxLayout;
    buttons->addStretch(1);
    buttons->addLayout(m_headerActions);
    figures->addStretch(1);
    figures->addLayout(buttons);

    m_colorBy = new QComboBox(this);
    m_colorBy->setObjectName(QStringLiteral("colorByCombo"));
    m_colorBy->addItem(tr("Model format"), static_cast<int>(ColorMode::Format));
    m_colorBy->addItem(tr("Age"), static_cast<int>(ColorMode::Age));
    auto *colorByLabel = new QLabel(tr("&Colour by:"), this);
    colorByLabel->setBuddy(m_colorBy);
    connect(m_colorBy, &QComboBox::currentIndexChanged, this,
        [this](int index) { setColorMode(static_cast<ColorMode>(m_colorBy->itemData(index).toInt())); });
    m_legend = new QLabel(this);
    m_legend->setObjectName(QStringLiteral("treemapLegend"));
    m_legend->setTextFormat(Qt::RichText);
    m_legend->setWordWrap(true);
    m_legend->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto *mapBar = new QHBoxLayout;
    mapBar->addWidget(colorByLabel);
    mapBar->addWidget(m_colorBy);
    mapBar->addSpacing(12);
    mapBar->addWidget(m_legend, 1);
    m_treemap->setToolTip(QString());
    connect(m_treemap, &TreemapWidget::itemActivated, this,
        [this](const QString &key) { Q_EMIT selectRequested({ key }); });

    auto *breakdowns = new QHBoxLayout;
    for (BreakdownModel *m : { m_byPublisher, m_byFormat, m_byAge }) {
        auto *view = new BreakdownView(m, this);
        view->setObjectName(m == m_byPublisher ? QStringLiteral("publisherBreakdown")
                : m == m_byFormat              ? QStringLiteral("formatBreakdown")
                                               : QStringLiteral("ageBreakdown"));
        breakdowns->addWidget(view);
    }

    m_gcsBadge = new GcsBadge(this);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_gcsBadge);
    layout->addLayout(figures);
    layout->addLayout(mapBar);
    layout->addWidget(m_treemap, 3);
    layout->addLayout(breakdowns, 2);

    m_recompute->setSingleShot(true);
    m_recompute->setInterval(RecomputeDelayMs);
    connect(m_recompute, &QTimer::timeout, this, &UsagePage::recompute);
    for (auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_model, signal, m_recompute, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::dataChanged, m_recompute, qOverload<>(&QTimer::start));
    connect(m_model, &QAbstractItemModel::modelReset, m_recompute, qOverload<>(&QTimer::start));
    connect(VolumeSpace::of(m_live), &VolumeSpace::changed, this, &UsagePage::updateFreeSpace);
    setUpCloud();
    updateFreeSpace();
    recompute();
}

void UsagePage::setUpCloud()
{
    // A bucket has no watcher: it is listed again while the page is in view.
    m_autoRefresh = new GcsAutoRefresh(
        this, [this] { return gcscache::isCloudRoot(m_live->root()); },
        [this] {
            if (!m_live->isScanning())
                m_live->refresh();
        });
    connect(m_live, &LiveCache::rootChanged, this, &UsagePage::showLocation);
    showLocation();
}

void UsagePage::showLocation()
{
    const bool cloud = gcscache::isCloudRoot(m_live->root());
    m_gcsBadge->setRoot(m_live->root());
    // No volume holds a bucket; what it costs is the figure that matters there.
    m_free->parentWidget()->setVisible(!cloud);
    m_cost->setVisible(cloud);
    m_cleanUp->setEnabled(true);
    m_cleanUp->setToolTip(QString());
    if (cloud) {
        m_cleanUp->setEnabled(false);
        m_cleanUp->setToolTip(tr("The Clean Up page works on local folders; for Cloud Storage use the "
                                 "command line: tfhub-cache --cache-dir %1 clean --stale")
                                  .arg(m_live->root()));
    }
    m_autoRefresh->update();
}

QLabel *UsagePage::addFigure(QHBoxLayout *row, const QString &title, const QString &objectName)
{
    // A widget per figure, so that one can be hidden whole (the free space of a bucket).
    auto *figure = new QWidget(this);
    auto *box = new QVBoxLayout(figure);
    box->setContentsMargins(0, 0, 0, 0);
    auto *caption = new QLabel(title, figure);
    auto *value = new QLabel(figure);
    value->setObjectName(objectName);
    QFont big = value->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    value->setFont(big);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->addWidget(caption);
    box->addWidget(value);
    row->addWidget(figure);
    row->addSpacing(24);
    return value;
}

void UsagePage::addHeaderAction(QAction *action)
{
    auto *button = new QToolButton(this);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_headerActions->addWidget(button);
}

bool UsagePage::isReclaimable(const CacheEntry &entry)
{
    switch (entry.state) {
    case EntryState::StaleLock:
    case EntryState::AbandonedPartial:
    case EntryState::EmptyFolder:
    case EntryState::NotLoadable:
    case EntryState::Broken:
    case EntryState::OrphanDescriptor:
        return true;
    case EntryState::Complete:
    case EntryState::Downloading:
    case EntryState::Foreign:
        break;
    }
    return false;
}

void UsagePage::setColorMode(ColorMode mode)
{
    m_colorMode = mode;
    const int index = m_colorBy->findData(static_cast<int>(mode));
    if (index != m_colorBy->currentIndex())
        m_colorBy->setCurrentIndex(index);
    recompute();
}

QColor UsagePage::colorFor(const CacheEntry &entry) const
{
    return m_colorMode == ColorMode::Format ? formatColor(entry.format)
                                            : ageColor(ageOf(entry, QDateTime::currentDateTime()));
}

void UsagePage::updateLegend()
{
    QList<QPair<QColor, QString>> keys;
    if (m_colorMode == ColorMode::Format) {
        // Only the formats the cache holds: a legend of absent colours is noise.
        QSet<ModelFormat> present;
        for (int row = 0; row < m_model->rowCount(); ++row)
            present.insert(m_model->entryAt(row).format);
        for (const ModelFormat f : allFormats()) {
            if (present.contains(f))
                keys.append({ formatColor(f), modelname::formatLabel(f) });
        }
    } else {
        for (const AgeBucket b : { AgeBucket::Week, AgeBucket::Month, AgeBucket::HalfYear, AgeBucket::Year,
                 AgeBucket::Older, AgeBucket::Unknown })
            keys.append({ ageColor(b), ageLabel(b) });
    }
    // One wrapping label: the legend must not make the window wider than the screen at 200%.
    QStringList parts;
    for (const auto &[color, text] : std::as_const(keys)) {
        parts << QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2")
                     .arg(color.name(), text.toHtmlEscaped().replace(u' ', QStringLiteral("&nbsp;")));
    }
    m_legend->setText(parts.join(QStringLiteral(" &nbsp; ")));
}

void UsagePage::recompute()
{
    m_recompute->stop();
    updateLegend(); // the formats present change with the cache
    const QDateTime now = QDateTime::currentDateTime();
    const QLocale locale;
    qint64 used = 0;
    // The Clean Up page's default rules decide what counts as reclaimable: one truth for both.
    CleanupRules rules;
    rules.stale = true;
    // On Cloud Storage only the stale rule works so far (as in tfhub-cache clean), with no pins file.
    const bool cloud = gcscache::isCloudRoot(m_live->root());
    rules.broken = !cloud;
    const Result<PinSet> pins = cloud ? Result<PinSet>(PinSet()) : maintenance::readPins(m_live->root());
    const CleanupPlan plan = maintenance::planCleanup(
        m_live->root(), m_model->entries(), pins ? *pins : PinSet(), rules, m_live->scanOptions());
    m_reclaimableBytes = plan.totalBytes();
    m_reclaimableKeys.clear();
    QSet<QString> planned;
    for (const CleanupItem &item : plan.items) {
        planned.insert(item.key);
        if (item.wholeEntry)
            m_reclaimableKeys.append(item.key);
    }
    QList<TreemapWidget::Item> items;
    QMap<QString, BreakdownModel::Row> publishers;
    QMap<ModelFormat, BreakdownModel::Row> formats;
    QMap<AgeBucket, BreakdownModel::Row> ages;
    const int rows = m_model->rowCount();
    items.reserve(rows);
    for (int row = 0; row < rows; ++row) {
        const CacheEntry &e = m_model->entryAt(row);
        used += e.diskBytes;
        const QString name = CacheModel::displayName(e);
        items.append({ e.key, name,
            tr("%1\n%2 · %3 · %4")
                .arg(e.handle.isEmpty() ? name : e.handle, locale.formattedDataSize(e.diskBytes),
                    modelname::formatLabel(e.format), stateLabel(e.state)),
            locale.formattedDataSize(e.diskBytes), e.diskBytes, colorFor(e), planned.contains(e.key) });
        for (BreakdownModel::Row *r :
            { &publishers[publisherOf(e)], &formats[e.format], &ages[ageOf(e, now)] }) {
            ++r->count;
            r->bytes += e.diskBytes;
        }
    }
    m_treemap->setItems(items);

    QList<BreakdownModel::Row> list;
    for (auto it = publishers.cbegin(); it != publishers.cend(); ++it)
        list.append({ it.key(), it->count, it->bytes });
    m_byPublisher->setRows(list);
    list.clear();
    for (auto it = formats.cbegin(); it != formats.cend(); ++it)
        list.append({ modelname::formatLabel(it.key()), it->count, it->bytes });
    m_byFormat->setRows(list);
    list.clear();
    for (auto it = ages.cbegin(); it != ages.cend(); ++it)
        list.append({ ageLabel(it.key()), it->count, it->bytes });
    m_byAge->setRows(list);

    m_used->setText(locale.formattedDataSize(used));
    m_cost->setBytes(used);
    m_used->setToolTip(rows == 1 ? tr("1 entry") : tr("%1 entries").arg(locale.toString(rows)));
    m_reclaimable->setText(locale.formattedDataSize(m_reclaimableBytes));
    m_reclaimable->setToolTip(
        tr("%1 entries can be deleted whole (stale locks, abandoned downloads, empty, unloadable or orphaned "
           "entries); the rest are leftovers beside complete models.")
            .arg(m_reclaimableKeys.size()));
    m_selectReclaimable->setEnabled(!m_reclaimableKeys.isEmpty());
}

void UsagePage::updateFreeSpace()
{
    // The same figure as the status bar's: both read the one VolumeSpace.
    const VolumeSpace *volume = VolumeSpace::of(m_live);
    m_free->setText(volume->freeText());
    m_free->setToolTip(volume->toolTip());
}

void UsagePage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    VolumeSpace::of(m_live)->refresh();
    updateFreeSpace();
}

} // namespace tfhub::ui
