#include "ui/cache/volumespace.h"

#include "core/util/fsutil.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QStorageInfo>
#include <QTimer>

namespace tfhub::ui {

namespace {

// Other programs write to the volume too; a figure older than this is not shown as current.
constexpr int PollMs = 5000;

} // namespace

VolumeSpace *VolumeSpace::of(LiveCache *live)
{
    if (auto *existing = live->findChild<VolumeSpace *>(QString(), Qt::FindDirectChildrenOnly))
        return existing;
    return new VolumeSpace(live);
}

VolumeSpace::VolumeSpace(LiveCache *live) : QObject(live), m_live(live), m_later(new QTimer(this))
{
    // A scan or a download changes the cache in bursts: one read per burst.
    m_later->setSingleShot(true);
    m_later->setInterval(200);
    connect(m_later, &QTimer::timeout, this, &VolumeSpace::refresh);
    const auto later = [this] { m_later->start(); };
    QAbstractItemModel *model = live->model();
    connect(model, &QAbstractItemModel::rowsInserted, this, later);
    connect(model, &QAbstractItemModel::rowsRemoved, this, later);
    connect(model, &QAbstractItemModel::dataChanged, this, later);
    connect(model, &QAbstractItemModel::modelReset, this, later);
    connect(live, &LiveCache::rootChanged, this, &VolumeSpace::refresh);
    connect(live, &LiveCache::scanFinished, this, &VolumeSpace::refresh);
    auto *poll = new QTimer(this);
    poll->setInterval(PollMs);
    connect(poll, &QTimer::timeout, this, &VolumeSpace::refresh);
    poll->start();
    refresh();
}

QString VolumeSpace::freeText() const
{
    return m_free >= 0 ? QLocale().formattedDataSize(m_free) : tr("unknown");
}

QString VolumeSpace::toolTip() const
{
    if (gcscache::isCloudRoot(m_live->root()))
        return tr(
            "A cache in Cloud Storage is on no volume of this computer: there is no free space to show.");
    if (m_free < 0)
        return tr("The free space of the cache folder's volume cannot be read.");
    return tr("%1 free of %2 on %3")
        .arg(freeText(), QLocale().formattedDataSize(m_total), QDir::toNativeSeparators(m_mountPoint));
}

void VolumeSpace::refresh()
{
    m_later->stop();
    if (gcscache::isCloudRoot(m_live->root())) {
        // A bucket has no free space to speak of; "gs:" would otherwise be read as a local path.
        if (m_free != -1 || !m_mountPoint.isEmpty()) {
            m_free = m_total = -1;
            m_mountPoint.clear();
            Q_EMIT changed();
        }
        return;
    }
    const util::VolumeInfo volume = util::volumeInfo(m_live->root());
    // The mount point only names the volume in the tooltip; the figures come from volumeInfo().
    QString existing = m_live->root();
    while (!existing.isEmpty() && !QFileInfo::exists(existing) && existing != QDir::rootPath())
        existing = QFileInfo(existing).path();
    const QString mountPoint = QStorageInfo(existing).rootPath();
    if (volume.freeBytes == m_free && volume.totalBytes == m_total && mountPoint == m_mountPoint)
        return;
    m_free = volume.freeBytes;
    m_total = volume.totalBytes;
    m_mountPoint = mountPoint;
    Q_EMIT changed();
}

} // namespace tfhub::ui
