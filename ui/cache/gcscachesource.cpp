#include "ui/cache/gcscachesource.h"

#include "core/gcs/gcslocation.h"
#include "core/gcs/gcsscan.h"
#include "core/gcs/gcsurl.h"
#include "core/maintenance/pins.h"

#include <QAction>
#include <QDir>
#include <QEvent>
#include <QTimer>
#include <QWidget>
#include <QtConcurrent/QtConcurrentRun>

namespace tfhub::ui {

namespace gcscache {

bool isCloudRoot(const QString &root)
{
    return gcs::isGcsUrl(root);
}

QString cleanRoot(const QString &root)
{
    if (!isCloudRoot(root))
        return QDir::cleanPath(root);
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(root);
    // A malformed gs:// value stays as given: its scan reports why it cannot be read.
    return url ? url->url() : root;
}

gcs::ClientOptions appClientOptions()
{
    gcs::ClientOptions options;
    options.maxAttempts = 3;
    options.initialBackoffMs = 250;
    options.maxBackoffMs = 2000;
    options.timeoutMs = 20000;
    return options;
}

namespace {
const char LocalToolTip[] = "tfhubLocalToolTip";
const char LimitedForCloud[] = "tfhubLimitedForCloud";
} // namespace

void limitForCloud(QAction *action, bool cloud, const QString &why)
{
    if (!action->property(LocalToolTip).isValid())
        action->setProperty(LocalToolTip, action->toolTip());
    if (cloud) {
        action->setEnabled(false);
        action->setToolTip(why);
        action->setProperty(LimitedForCloud, true);
    } else {
        action->setToolTip(action->property(LocalToolTip).toString());
    }
}

void releaseFromCloud(QAction *action)
{
    if (!action->property(LimitedForCloud).toBool())
        return;
    action->setProperty(LimitedForCloud, false);
    action->setEnabled(true);
}

Result<CloudListing> scanOnce(const QString &root, const ScanOptions &options, const QProcessEnvironment &env,
    const gcs::ClientOptions &clientOptions)
{
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(root);
    if (!url)
        return Error { url.error() };
    Result<std::unique_ptr<gcs::GcsClient>> client = gcs::makeClientFromEnvironment(env, clientOptions);
    if (!client)
        return Error { GcsCacheSource::tr("Cannot read %1: %2").arg(url->url(), client.error()) };
    gcs::GcsLocation location(*url, std::move(client).value());
    Result<QList<CacheEntry>> entries = gcs::scanAll(location.client(), *url, options);
    if (!entries)
        return Error { GcsCacheSource::tr("Cannot list %1: %2").arg(url->url(), entries.error()) };
    CloudListing listing;
    listing.entries = std::move(*entries);
    const Result<PinSet> pins = maintenance::readPins(location);
    if (pins) {
        for (auto it = pins->byKey.cbegin(); it != pins->byKey.cend(); ++it)
            listing.pinned.insert(it.key());
    } else {
        listing.pinsError = pins.error();
    }
    return listing;
}

Result<QSet<QString>> setPinned(
    const QString &root, const QStringList &keys, const QStringList &handles, bool pinned)
{
    Result<std::unique_ptr<CacheLocation>> location = openCacheLocation(root);
    if (!location)
        return Error { location.error() };
    for (int i = 0; i < keys.size(); ++i) {
        const Result<bool> r = pinned ? maintenance::pin(**location, keys.at(i), handles.value(i))
                                      : maintenance::unpin(**location, keys.at(i));
        if (!r)
            return Error { r.error() };
    }
    const Result<PinSet> pins = maintenance::readPins(**location);
    if (!pins)
        return Error { pins.error() };
    QSet<QString> keysAfter;
    for (auto it = pins->byKey.cbegin(); it != pins->byKey.cend(); ++it)
        keysAfter.insert(it.key());
    return keysAfter;
}

} // namespace gcscache

GcsCacheSource::GcsCacheSource(QObject *parent)
    : QObject(parent)
    , m_watcher(new QFutureWatcher<Result<gcscache::CloudListing>>(this))
    , m_clientOptions(gcscache::appClientOptions())
    , m_env(QProcessEnvironment::systemEnvironment())
{
    connect(m_watcher, &QFutureWatcherBase::finished, this, &GcsCacheSource::onDone);
}

GcsCacheSource::~GcsCacheSource()
{
    // Not waited for: the worker holds copies only, and a listing may take a client timeout.
    disconnect(m_watcher, nullptr, this, nullptr);
}

void GcsCacheSource::start(const QString &root, const ScanOptions &options)
{
    m_running = true;
    // setFuture() drops the watch on a listing still out, so its result never arrives.
    m_watcher->setFuture(QtConcurrent::run([root, options, env = m_env, client = m_clientOptions] {
        return gcscache::scanOnce(root, options, env, client);
    }));
}

void GcsCacheSource::cancel()
{
    if (!m_running)
        return;
    m_running = false;
    m_watcher->setFuture(QFuture<Result<gcscache::CloudListing>>());
}

void GcsCacheSource::onDone()
{
    if (!m_running || m_watcher->future().resultCount() == 0)
        return;
    m_running = false;
    const Result<gcscache::CloudListing> result = m_watcher->result();
    if (!result) {
        Q_EMIT problem(result.error());
        Q_EMIT finished(false);
        return;
    }
    for (const CacheEntry &e : result->entries) {
        for (const QString &p : e.problems)
            Q_EMIT problem(p);
    }
    if (!result->pinsError.isEmpty())
        Q_EMIT problem(result->pinsError);
    Q_EMIT pinsFound(result->pinned);
    Q_EMIT entriesFound(result->entries);
    Q_EMIT finished(true);
}

GcsAutoRefresh::GcsAutoRefresh(QWidget *page, std::function<bool()> isCloud, std::function<void()> refresh)
    : QObject(page), m_page(page), m_isCloud(std::move(isCloud)), m_timer(new QTimer(this))
{
    m_timer->setInterval(DefaultIntervalMs);
    connect(m_timer, &QTimer::timeout, this, std::move(refresh));
    page->installEventFilter(this);
}

void GcsAutoRefresh::setInterval(int ms)
{
    m_timer->setInterval(ms);
}

int GcsAutoRefresh::interval() const
{
    return m_timer->interval();
}

bool GcsAutoRefresh::isActive() const
{
    return m_timer->isActive();
}

void GcsAutoRefresh::update()
{
    const bool on = m_page && m_page->isVisible() && m_isCloud();
    if (on && !m_timer->isActive())
        m_timer->start();
    else if (!on)
        m_timer->stop();
}

bool GcsAutoRefresh::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_page && (event->type() == QEvent::Show || event->type() == QEvent::Hide))
        update();
    return QObject::eventFilter(watched, event);
}

} // namespace tfhub::ui
