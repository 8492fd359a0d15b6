#include "ui/cleanup/startupcleanup.h"

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
    const ScanOptions options = m_live->scanOptions();
    m_watcher->setFuture(QtConcurrent::run([root, policy, options] {
        return maintenance::runCleanPolicy(
            root, policy, QStringLiteral("app"), maintenance::cleanReportPath(), options);
    }));
    return true;
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
