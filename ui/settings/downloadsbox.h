#pragma once

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
    static constexpr int DefaultConcurrency = 3;
    static constexpr int MaxConcurrency = 8;
    static constexpr int DefaultStallTimeoutSecs = 60;
    static constexpr int MinStallTimeoutSecs = 5;
    static constexpr int MaxStallTimeoutSecs = 3600;
    static constexpr int DefaultRetries = 5;
    static constexpr int MaxRetries = 20;

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
