#pragma once

#include "core/cache/cachescanner.h"
#include "core/maintenance/entryremoval.h"

#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QProcessEnvironment>
#include <QStringList>

#include <atomic>
#include <memory>

namespace tfhub::ui {

/// Deleting entries of a gs:// cache from the app, as `tfhub-cache rm` does: every object named
/// after the key (gcs::entryObjectNames) and nothing else under the prefix; an entry being
/// downloaded (a live lock, by any machine) is refused; the lock object only goes while it is
/// still the one that was read (its generation), so a download that just took it keeps it.
namespace gcscache {

/// One listing of the root, then a plan per key: the objects (`names`, full object names), their
/// bytes, or why the entry must stay. Blocking: for worker threads.
QList<RemovalPlan> planRemovals(const QString &root, const QStringList &keys, const ScanOptions &options,
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
/// Lists the entry's objects again, checks that no download took it since the plan, and deletes
/// them (several requests in flight). Blocking: for worker threads.
RemovalOutcome executeRemoval(const RemovalPlan &plan, const ScanOptions &options,
    const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

} // namespace gcscache

/// Runs gcscache::executeRemoval for each plan on a worker thread, reporting as EntryRemover
/// does; cancel() stops between entries.
class GcsRemover final : public QObject
{
    Q_OBJECT
public:
    explicit GcsRemover(QObject *parent = nullptr);
    ~GcsRemover() override;

    void setOptions(const ScanOptions &options) { m_options = options; }
    bool start(const QList<RemovalPlan> &plans);
    void cancel();
    bool isRunning() const { return m_watcher->isRunning(); }

Q_SIGNALS:
    void progressChanged(qint64 doneBytes, qint64 totalBytes);
    void finished(const QList<tfhub::RemovalOutcome> &outcomes);

private:
    ScanOptions m_options;
    QFutureWatcher<QList<RemovalOutcome>> *m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
};

} // namespace tfhub::ui
