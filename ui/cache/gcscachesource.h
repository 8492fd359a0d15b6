#pragma once

#include "core/cache/cacheentry.h"
#include "core/cache/cachescanner.h"
#include "core/gcs/gcsclient.h"
#include "core/util/result.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>

#include <functional>

class QAction;
class QTimer;
class QWidget;

namespace tfhub::ui {

/// Cache roots in Google Cloud Storage (gs://bucket/prefix) as the app shows them.
namespace gcscache {

/// True for a gs:// root: it is listed through the JSON API, never read as a local path.
bool isCloudRoot(const QString &root);
/// The form the app keeps a root in: gs://bucket/prefix as parsed (QDir::cleanPath would turn
/// "gs://" into "gs:/"), else the cleaned local path.
QString cleanRoot(const QString &root);
/// The client options the app uses: fewer, shorter retries than the CLI's, so that a window
/// with an unreachable endpoint reports it within seconds and closes without a long wait.
gcs::ClientOptions appClientOptions();

/// An action that does not work on a gs:// cache from the app yet: on one (`cloud`) it is disabled
/// and its tooltip says `why`; on a local folder its own tooltip comes back (its enabled state is
/// the caller's). Call it after every update of the action's enabled state.
void limitForCloud(QAction *action, bool cloud, const QString &why);
/// Enables an action limitForCloud() disabled, for one whose owner never disables it by itself
/// (Export Everything); an action it did not disable is left as it is.
void releaseFromCloud(QAction *action);

/// One listing of a gs:// root: its entries and its pins (the pins object beside them).
struct CloudListing
{
    QList<CacheEntry> entries;
    QSet<QString> pinned;
    QString pinsError; ///< the pins object could not be read or is damaged
};

/// Lists a gs:// root once and builds its entries (gcs::scanAll) with a client for `env`, and
/// reads its pins. The error names the location and the cause. Blocking: for worker threads.
Result<CloudListing> scanOnce(const QString &root, const ScanOptions &options, const QProcessEnvironment &env,
    const gcs::ClientOptions &clientOptions);

/// Pins or unpins `keys` (`handles` for display, same order) in the pins object of a gs:// root;
/// returns the pinned keys after. Blocking (a read and a write of one small object).
Result<QSet<QString>> setPinned(
    const QString &root, const QStringList &keys, const QStringList &handles, bool pinned);

} // namespace gcscache

/// The LiveCache's scanner for a gs:// root: one objects.list (and the descriptors and locks read
/// with alt=media) on a worker thread, reported as the local CacheScanner reports a scan. There is
/// no watcher on Cloud Storage: the pages scan again on "Scan Again" and on a timer while shown
/// (GcsAutoRefresh).
class GcsCacheSource final : public QObject
{
    Q_OBJECT
public:
    explicit GcsCacheSource(QObject *parent = nullptr);
    ~GcsCacheSource() override;

    /// Tests shorten the retries; the environment is the process's unless set.
    void setClientOptions(const gcs::ClientOptions &options) { m_clientOptions = options; }
    void setEnvironment(const QProcessEnvironment &env) { m_env = env; }

    /// Lists `root` on a worker thread; a scan still running is superseded: it ends on its own
    /// (its thread holds nothing of this object) and its result is dropped.
    void start(const QString &root, const ScanOptions &options);
    /// Drops the running scan's result; finished() is not sent for it.
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void entriesFound(const QList<tfhub::CacheEntry> &entries);
    /// The pinned keys, sent with each listing before its entries.
    void pinsFound(const QSet<QString> &keys);
    void problem(const QString &message);
    void finished(bool complete);

private:
    void onDone();

    QFutureWatcher<Result<gcscache::CloudListing>> *m_watcher;
    gcs::ClientOptions m_clientOptions;
    QProcessEnvironment m_env;
    bool m_running = false;
};

/// Scans a gs:// cache again every `intervalMs` while `page` is visible (a bucket has no watcher;
/// other machines change it), and not at all for a local folder.
class GcsAutoRefresh final : public QObject
{
    Q_OBJECT
public:
    static constexpr int DefaultIntervalMs = 60 * 1000;

    /// `isCloud` says whether the cache shown is a gs:// one; `refresh` scans it again.
    GcsAutoRefresh(QWidget *page, std::function<bool()> isCloud, std::function<void()> refresh);

    /// Tests shorten it.
    void setInterval(int ms);
    int interval() const;
    bool isActive() const;
    /// Starts or stops the timer for the page's visibility and the cache shown.
    void update();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QPointer<QWidget> m_page;
    std::function<bool()> m_isCloud;
    QTimer *m_timer;
};

} // namespace tfhub::ui
