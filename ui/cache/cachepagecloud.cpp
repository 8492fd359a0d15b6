// The Cache page on a cache in Google Cloud Storage (gs://): the cloud badge, the timed listing
// that stands in for a watcher, and the actions the app cannot do there.

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
    m_cleanupAction->setEnabled(true); // the Clean Up page plans a gs:// cache through its location too
    gcscache::limitForCloud(
        m_openFolderAction, cloud, tr("A Cloud Storage cache has no folder on this computer to open."));
    for (QAction *added : std::as_const(m_addedMenuActions)) {
        gcscache::limitForCloud(added, cloud,
            tr("Export reads model files on this computer; it does not read from Cloud Storage in the app "
               "yet (the command line's export does)."));
    }
}

} // namespace tfhub::ui
