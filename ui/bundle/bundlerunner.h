#pragma once

#include "core/bundle/archiveadopt.h"
#include "core/bundle/bundleexport.h"
#include "core/bundle/bundleimport.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>

namespace tfhub::ui {

/// Runs one export, import or adoption off the GUI thread, with progress (at most ten times a
/// second) and cancel; the outcome comes back as words for a summary.
class BundleRunner final : public QObject
{
    Q_OBJECT
public:
    struct Outcome
    {
        bool ok = false;
        bool cancelled = false;
        QString summary; ///< one paragraph, or the error
        QStringList keys; ///< the entries written into the cache (to show and rescan)
    };

    explicit BundleRunner(QObject *parent = nullptr);
    /// Cancels what runs and waits for it.
    ~BundleRunner() override;

    /// Exports `request.keys`; with no keys, every model folder of `request.cacheRoot`.
    void startExport(const BundleExportRequest &request);
    void startImport(const BundleImportRequest &request);
    void startAdopt(const AdoptRequest &request);
    /// Stops the work; asked before a start, the work stops at its first block.
    void cancel();
    bool isRunning() const;
    const Outcome &outcome() const { return m_outcome; }

Q_SIGNALS:
    void progressChanged(const tfhub::BundleProgress &progress);
    void waiting(const QString &reason);
    void finished(bool ok);

private:
    void start(std::function<Outcome(const BundleProgressFn &, const BundleCancelFn &)> work);

    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_cancelRequested = false;
    QFutureWatcher<Outcome> m_watcher;
    Outcome m_outcome;
};

} // namespace tfhub::ui

Q_DECLARE_METATYPE(tfhub::BundleProgress)
