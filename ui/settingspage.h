#pragma once

#include <QWidget>

class QSpinBox;
class QVBoxLayout;

namespace tfhub {
class DownloadQueue;
}

namespace tfhub::ui {

/// The Settings page: a form of group boxes, one per area. Changes apply at once and persist in
/// QSettings; there is nothing to confirm.
class SettingsPage final : public QWidget
{
    Q_OBJECT
public:
    static constexpr int DefaultConcurrency = 3;
    static constexpr int MaxConcurrency = 8;
    static constexpr int DefaultStallTimeoutSecs = 60;
    static constexpr int DefaultRetries = 5;

    static QString concurrencyKey();
    static QString stallTimeoutKey();
    static QString retriesKey();

    /// Applies the persisted download settings to `queue` (concurrency now; stall timeout and
    /// retries for the jobs it starts from now on).
    static void applyStoredSettings(DownloadQueue *queue);

    explicit SettingsPage(DownloadQueue *queue, QWidget *parent = nullptr);

Q_SIGNALS:
    void settingsChanged();

private:
    QWidget *createDownloadsGroup();
    void onDownloadSettingEdited();

    DownloadQueue *m_queue;
    QVBoxLayout *m_sections = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QSpinBox *m_stallTimeout = nullptr;
    QSpinBox *m_retries = nullptr;
};

} // namespace tfhub::ui
