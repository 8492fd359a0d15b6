#include "ui/cleanup/startupcleanup.h"

#include "core/gcs/gcsurl.h"
#include "core/maintenance/cleanpolicyrun.h"
#include "ui/cache/livecache.h"

#include <QtConcurrent>

namespace tfhub::ui {

StartupCleanup::StartupCleanup(LiveCache *live, QObject *parent)
    : QObject(parent), m_live(live), m_watcher(new QFutureWatcher<PolicyReport>(this))
{
    connect(m_watcher, &QFutureWatcher<PolicyReport>::finished, this, &StartupCleanup::onFinished);
}

StartupCleanup::~StartupCleanup()
{
    m_watcher->waitForFinished();
}

bool StartupCleanup::start()
{
    if (m_started || m_live->scanFailed())
        return false;
    const CleanPolicy policy = maintenance::sharedCleanPolicy();
    if (!policy.enabled)
        return false;
    m_started = true;
    const QString root = m_live->root();
    if (gcs::isGcsUrl(root)) {
        skipCloud(root, policy);
        return false;
    }
    const ScanOptions options = m_live->scanOptions();
    m_watcher->setFuture(QtConcurrent::run([root, policy, options] {
        return maintenance::runCleanPolicy(
            root, policy, QStringLiteral("app"), maintenance::cleanReportPath(), options);
    }));
    return true;
}

void StartupCleanup::skipCloud(const QString &root, const CleanPolicy &policy)
{
    // The policy's run removes local paths and reads local use times: on gs:// it would act on a
    // folder named "gs:", so it is skipped, and the report says so where the last run is shown.
    PolicyReport report;
    report.started = report.finished = QDateTime::currentDateTimeUtc();
    report.trigger = QStringLiteral("app");
    report.cacheRoot = root;
    report.policy = policy;
    report.error = tr("skipped: the cache is in Cloud Storage (%1) and the automatic cleanup works on local "
                      "folders; run tfhub-cache --cache-dir %1 clean --stale")
                       .arg(root);
    qInfo("Automatic cleanup %s", qPrintable(report.error));
    if (const Status written = maintenance::writeCleanReport(report); !written)
        qWarning("%s", qPrintable(written.error()));
    QMetaObject::invokeMethod(
        this, [this, report] { Q_EMIT finished(report); }, Qt::QueuedConnection);
}

void StartupCleanup::onFinished()
{
    const PolicyReport report = m_watcher->result();
    QStringList keys;
    for (const PolicyReport::Item &item : report.removed)
        keys << item.key;
    if (!keys.isEmpty() && report.cacheRoot == m_live->root())
        m_live->rescanKeys(keys);
    Q_EMIT finished(report);
}

} // namespace tfhub::ui
