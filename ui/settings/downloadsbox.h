#pragma once

#include "core/settings/appsettings.h"

#include <QGroupBox>

class QSpinBox;

namespace tfhub {
class DownloadQueue;
}

namespace tfhub::ui {

/// The Settings page's "Downloads" section: simultaneous downloads, stall timeout and retries.
/// Changes apply to the queue at once and persist in QSettings; there is nothing to confirm.
class DownloadsBox final : public QGroupBox
{
    Q_OBJECT
public:
    // Shared with the CLI: the keys, defaults and limits live in settings:: only.
    static constexpr int DefaultConcurrency = settings::DownloadConcurrency.defaultValue;
    static constexpr int MaxConcurrency = settings::DownloadConcurrency.max;
    static constexpr int DefaultStallTimeoutSecs = settings::StallTimeoutSecs.defaultValue;
    static constexpr int MinStallTimeoutSecs = settings::StallTimeoutSecs.min;
    static constexpr int MaxStallTimeoutSecs = settings::StallTimeoutSecs.max;
    static constexpr int DefaultRetries = settings::Retries.defaultValue;
    static constexpr int MaxRetries = settings::Retries.max;

    static QString concurrencyKey();
    static QString stallTimeoutKey();
    static QString retriesKey();

    /// Applies the persisted values to `queue` (concurrency now; stall timeout and retries for
    /// the jobs it starts from now on).
    static void applyStoredSettings(DownloadQueue *queue);

    explicit DownloadsBox(DownloadQueue *queue, QWidget *parent = nullptr);

Q_SIGNALS:
    /// A value changed, and is already saved and applied to the queue.
    void changed();

private:
    void onEdited();

    DownloadQueue *m_queue;
    QSpinBox *m_concurrency = nullptr;
    QSpinBox *m_stallTimeout = nullptr;
    QSpinBox *m_retries = nullptr;
};

} // namespace tfhub::ui
