#include "ui/cache/gcsremoval.h"

#include "core/gcs/gcsclient.h"
#include "core/gcs/gcsscan.h"
#include "core/gcs/gcsurl.h"
#include "ui/cache/gcscachesource.h"

#include <QCoreApplication>
#include <QtConcurrent/QtConcurrentRun>

namespace tfhub::ui {

namespace gcscache {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::ui::GcsRemover", text);
}

struct Opened
{
    gcs::GcsUrl root;
    std::unique_ptr<gcs::GcsClient> client;
};

Result<Opened> open(const QString &root, const QProcessEnvironment &env)
{
    const Result<gcs::GcsUrl> url = gcs::parseGcsUrl(root);
    if (!url)
        return Error { url.error() };
    Result<std::unique_ptr<gcs::GcsClient>> client = gcs::makeClientFromEnvironment(env, appClientOptions());
    if (!client)
        return Error { tr("Cannot reach %1: %2").arg(url->url(), client.error()) };
    return Opened { *url, std::move(client.value()) };
}

// The items of the root (or of one key), as the scan groups them.
Result<QHash<QString, gcs::EntryObjects>> listItems(Opened &o, const QString &onlyKey = QString())
{
    const Result<QList<gcs::ObjectInfo>> listed
        = o.client->list(o.root.bucket, o.root.objectPrefix() + onlyKey);
    if (!listed)
        return Error { tr("Cannot list %1: %2").arg(o.root.url(), listed.error()) };
    return gcs::groupListing(o.root, *listed);
}

CacheEntry entryOf(Opened &o, const gcs::EntryObjects &item, const ScanOptions &options)
{
    const auto read = [&o](const QString &name) {
        const Result<QByteArray> data = o.client->read(o.root.bucket, name, 64 * 1024);
        return data ? *data : QByteArray();
    };
    return gcs::entryFromObjects(o.root, item, read, options, QDateTime::currentDateTimeUtc());
}

QString refusalFor(const CacheEntry &e, const QString &url)
{
    if (e.state == EntryState::Foreign)
        return tr("%1 is not a cache entry; it is left alone.").arg(url);
    if (e.state == EntryState::Downloading)
        return tr("%1 is being downloaded (%2); it can be removed once that download ends.")
            .arg(e.handle.isEmpty() ? url : e.handle, e.stateDetail);
    return {};
}

} // namespace

QList<RemovalPlan> planRemovals(
    const QString &root, const QStringList &keys, const ScanOptions &options, const QProcessEnvironment &env)
{
    QList<RemovalPlan> plans;
    for (const QString &key : keys)
        plans.append({ root, key, QString(), {}, 0, 0, QString() });
    Result<Opened> o = open(root, env);
    Result<QHash<QString, gcs::EntryObjects>> items
        = o ? listItems(o.value()) : Result<QHash<QString, gcs::EntryObjects>>(Error { o.error() });
    for (RemovalPlan &plan : plans) {
        const QString url = root + QLatin1Char('/') + plan.key;
        if (!items) {
            plan.refusal = items.error();
            continue;
        }
        if (!items->contains(plan.key)) {
            plan.refusal = tr("%1 is gone already.").arg(url);
            continue;
        }
        const gcs::EntryObjects &item = items->value(plan.key);
        const CacheEntry e = entryOf(o.value(), item, options);
        plan.handle = e.handle;
        plan.refusal = refusalFor(e, url);
        plan.names = gcs::entryObjectNames(item);
        plan.files = plan.names.size();
        for (const gcs::ObjectInfo &info : item.objects)
            plan.diskBytes += info.size;
    }
    return plans;
}

RemovalOutcome executeRemoval(
    const RemovalPlan &plan, const ScanOptions &options, const QProcessEnvironment &env)
{
    RemovalOutcome out;
    out.key = plan.key;
    Result<Opened> o = open(plan.root, env);
    if (!o) {
        out.error = o.error();
        return out;
    }
    const Result<QHash<QString, gcs::EntryObjects>> items = listItems(o.value(), plan.key);
    if (!items) {
        out.error = items.error();
        return out;
    }
    const gcs::EntryObjects item = items->value(plan.key);
    if (const QString refusal = refusalFor(entryOf(o.value(), item, options), plan.root + u'/' + plan.key);
        !refusal.isEmpty() && !item.objects.isEmpty()) {
        out.error = refusal;
        return out;
    }
    QStringList plain;
    QStringList errors;
    for (const gcs::ObjectInfo &info : item.objects) {
        if (!info.name.endsWith(QLatin1String(".lock"))) {
            plain << info.name;
            continue;
        }
        const Result<bool> gone = o->client->removeIfGeneration(o->root.bucket, info.name, info.generation);
        if (!gone)
            errors << gone.error();
        else if (!*gone)
            errors << tr("gs://%1/%2 changed since it was read; left alone.").arg(o->root.bucket, info.name);
    }
    errors << o->client->removeMany(o->root.bucket, plain);
    for (const gcs::ObjectInfo &info : item.objects)
        out.freedBytes += info.size;
    out.ok = errors.isEmpty();
    out.error = errors.join(u'\n');
    return out;
}

} // namespace gcscache

GcsRemover::GcsRemover(QObject *parent)
    : QObject(parent), m_watcher(new QFutureWatcher<QList<RemovalOutcome>>(this))
{
    connect(m_watcher, &QFutureWatcherBase::finished, this, [this] {
        if (m_watcher->future().resultCount() > 0)
            Q_EMIT finished(m_watcher->result());
    });
    connect(m_watcher, &QFutureWatcherBase::progressValueChanged, this,
        [this](int permille) { Q_EMIT progressChanged(permille, 1000); });
}

GcsRemover::~GcsRemover()
{
    cancel();
    m_watcher->waitForFinished();
}

bool GcsRemover::start(const QList<RemovalPlan> &plans)
{
    if (isRunning())
        return false;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_watcher->setFuture(QtConcurrent::run(
        [plans, options = m_options, cancel = m_cancel, env = QProcessEnvironment::systemEnvironment()](
            QPromise<QList<RemovalOutcome>> &promise) {
            promise.setProgressRange(0, 1000);
            qint64 total = 0;
            qint64 done = 0;
            for (const RemovalPlan &p : plans)
                total += p.diskBytes;
            QList<RemovalOutcome> outcomes;
            for (const RemovalPlan &p : plans) {
                if (cancel->load()) {
                    outcomes.append({ p.key, false, true, QString(), 0, {} });
                    continue;
                }
                outcomes.append(gcscache::executeRemoval(p, options, env));
                done += p.diskBytes;
                promise.setProgressValue(total > 0 ? int(done * 1000 / total) : 1000);
            }
            promise.addResult(outcomes);
        }));
    return true;
}

void GcsRemover::cancel()
{
    if (m_cancel)
        *m_cancel = true;
}

} // namespace tfhub::ui
