#include "ui/settingspage.h"

#include "core/downloadqueue.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace tfhub::ui {

namespace {

constexpr int MinStallTimeoutSecs = 5;
constexpr int MaxStallTimeoutSecs = 3600;
constexpr int MaxRetries = 20;

struct DownloadSettings
{
    int concurrency = SettingsPage::DefaultConcurrency;
    int stallTimeoutSecs = SettingsPage::DefaultStallTimeoutSecs;
    int retries = SettingsPage::DefaultRetries;
};

// A hand-edited settings file must not start 500 downloads or none.
DownloadSettings readDownloadSettings()
{
    const QSettings settings;
    DownloadSettings s;
    s.concurrency = std::clamp(settings.value(SettingsPage::concurrencyKey(), s.concurrency).toInt(), 1,
        SettingsPage::MaxConcurrency);
    s.stallTimeoutSecs
        = std::clamp(settings.value(SettingsPage::stallTimeoutKey(), s.stallTimeoutSecs).toInt(),
            MinStallTimeoutSecs, MaxStallTimeoutSecs);
    s.retries = std::clamp(settings.value(SettingsPage::retriesKey(), s.retries).toInt(), 0, MaxRetries);
    return s;
}

void applyTo(DownloadQueue *queue, const DownloadSettings &s)
{
    queue->setConcurrency(s.concurrency);
    PrefetchOptions options = queue->options();
    options.stallSecs = s.stallTimeoutSecs;
    options.retries = s.retries;
    queue->setOptions(options);
}

QLabel *hintLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

} // namespace

QString SettingsPage::concurrencyKey()
{
    return QStringLiteral("downloads/concurrency");
}

QString SettingsPage::stallTimeoutKey()
{
    return QStringLiteral("downloads/stallTimeoutSecs");
}

QString SettingsPage::retriesKey()
{
    return QStringLiteral("downloads/retries");
}

void SettingsPage::applyStoredSettings(DownloadQueue *queue)
{
    applyTo(queue, readDownloadSettings());
}

SettingsPage::SettingsPage(DownloadQueue *queue, QWidget *parent) : QWidget(parent), m_queue(queue)
{
    Q_ASSERT(queue);
    setObjectName(QStringLiteral("settingsPage"));

    // Sections are group boxes stacked in a scroll area, so the form can grow (cache folder,
    // load format, persistence) without crowding small screens.
    auto *content = new QWidget;
    m_sections = new QVBoxLayout(content);
    m_sections->addWidget(createDownloadsGroup());
    m_sections->addStretch(1);

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
}

QWidget *SettingsPage::createDownloadsGroup()
{
    const DownloadSettings stored = readDownloadSettings();

    auto *group = new QGroupBox(tr("Downloads"));
    group->setObjectName(QStringLiteral("downloadsGroup"));

    m_concurrency = new QSpinBox(group);
    m_concurrency->setObjectName(QStringLiteral("concurrencySpin"));
    m_concurrency->setRange(1, MaxConcurrency);
    m_concurrency->setValue(stored.concurrency);
    m_concurrency->setAccessibleName(tr("Simultaneous downloads"));
    m_concurrency->setToolTip(tr("How many models download at the same time; the others wait in the queue."));

    m_stallTimeout = new QSpinBox(group);
    m_stallTimeout->setObjectName(QStringLiteral("stallTimeoutSpin"));
    m_stallTimeout->setRange(MinStallTimeoutSecs, MaxStallTimeoutSecs);
    m_stallTimeout->setSuffix(tr(" s"));
    m_stallTimeout->setValue(stored.stallTimeoutSecs);
    m_stallTimeout->setAccessibleName(tr("Stall timeout"));
    m_stallTimeout->setToolTip(
        tr("A download that receives nothing for this long is dropped and retried from where it stopped."));

    m_retries = new QSpinBox(group);
    m_retries->setObjectName(QStringLiteral("retriesSpin"));
    m_retries->setRange(0, MaxRetries);
    m_retries->setValue(stored.retries);
    m_retries->setAccessibleName(tr("Retries"));
    m_retries->setToolTip(tr("How often a download is retried after a network error or a busy server."));

    auto *form = new QFormLayout(group);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    form->addRow(tr("&Simultaneous downloads:"), m_concurrency);
    form->addRow(tr("S&tall timeout:"), m_stallTimeout);
    form->addRow(tr("&Retries:"), m_retries);
    form->addRow(
        hintLabel(tr("The stall timeout and retries apply to downloads that start from now on."), group));

    for (QSpinBox *spin : { m_concurrency, m_stallTimeout, m_retries })
        connect(spin, &QSpinBox::valueChanged, this, &SettingsPage::onDownloadSettingEdited);
    return group;
}

void SettingsPage::onDownloadSettingEdited()
{
    DownloadSettings s;
    s.concurrency = m_concurrency->value();
    s.stallTimeoutSecs = m_stallTimeout->value();
    s.retries = m_retries->value();
    QSettings settings;
    settings.setValue(concurrencyKey(), s.concurrency);
    settings.setValue(stallTimeoutKey(), s.stallTimeoutSecs);
    settings.setValue(retriesKey(), s.retries);
    applyTo(m_queue, s);
    Q_EMIT settingsChanged();
}

} // namespace tfhub::ui
