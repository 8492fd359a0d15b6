#pragma once

#include "core/maintenance/cleanpolicy.h"

#include <QFutureWatcher>
#include <QObject>

namespace tfhub::ui {

class LiveCache;

/// Applies the automatic cleanup policy once when the app starts, off the GUI thread, after the
/// first scan (so a failed or empty scan never feeds it): the policy plans and removes on its own
/// scan, writes the report the Clean Up page and Settings show, and the window says what it freed.
class StartupCleanup final : public QObject
{
    Q_OBJECT
public:
    explicit StartupCleanup(LiveCache *live, QObject *parent = nullptr);
    ~StartupCleanup() override;

    /// Runs now when the policy is on (and it has not run in this session); false when it did not start.
    /// A gs:// cache is skipped: finished() then brings a report whose error says why.
    bool start();
    bool isRunning() const { return m_watcher->isRunning(); }

Q_SIGNALS:
    /// The run is over; the report is written already.
    void finished(const tfhub::PolicyReport &report);

private:
    void skipCloud(const QString &root, const CleanPolicy &policy);
    void onFinished();

    LiveCache *m_live;
    QFutureWatcher<PolicyReport> *m_watcher;
    bool m_started = false;
};

} // namespace tfhub::ui

Q_DECLARE_METATYPE(tfhub::PolicyReport)
