// The Cache page on a cache in Google Cloud Storage (gs://): the cloud badge, the timed listing
// that stands in for a watcher, and the actions the app cannot do there yet.

#include "ui/cache/cachepage.h"

#include "ui/cache/cacheactions.h"
#include "ui/cache/cachemodel.h"
#include "ui/cache/gcsbadge.h"
#include "ui/cache/gcscachesource.h"
#include "ui/cache/livecache.h"

#include <QAction>

namespace tfhub::ui {

void CachePage::setUpCloud()
{
    m_gcsBadge = new GcsBadge(this);
    // A bucket has no watcher: other machines change it, so it is listed again while in view.
    m_autoRefresh = new GcsAutoRefresh(
        this, [this] { return gcscache::isCloudRoot(m_live->root()); },
        [this] {
            if (!m_live->isScanning())
                m_live->refresh();
        });
    showLocation();
}

void CachePage::showLocation()
{
    const bool cloud = gcscache::isCloudRoot(m_live->root());
    m_gcsBadge->setRoot(m_live->root());
    m_model->setCloudStorage(cloud);
    m_autoRefresh->update();
}

void CachePage::releaseAddedActions()
{
    if (gcscache::isCloudRoot(m_live->root()))
        return;
    for (QAction *added : std::as_const(m_addedMenuActions))
        gcscache::releaseFromCloud(added);
}

void CachePage::limitActionsForCloud()
{
    const bool cloud = gcscache::isCloudRoot(m_live->root());
    m_cleanupAction->setEnabled(true); // the page's own: enabled wherever the Clean Up page works
    gcscache::limitForCloud(
        m_openFolderAction, cloud, tr("A Cloud Storage cache has no folder on this computer to open."));
    gcscache::limitForCloud(m_prefetchAgainAction, cloud,
        tr("Downloading into Cloud Storage is not done from the app yet; use the command line: "
           "tfhub-cache --cache-dir %1 prefetch HANDLE")
            .arg(m_live->root()));
    gcscache::limitForCloud(m_cleanupAction, cloud,
        tr("The Clean Up page works on local folders; for Cloud Storage use the command line: "
           "tfhub-cache --cache-dir %1 clean --stale")
            .arg(m_live->root()));
    for (QAction *added : std::as_const(m_addedMenuActions)) {
        gcscache::limitForCloud(added, cloud,
            tr("Export reads model files on this computer; it does not read from Cloud Storage in the app "
               "yet (the command line's export does)."));
    }
}

} // namespace tfhub::ui
