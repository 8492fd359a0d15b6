#include "ui/settings/downloadsbox.h"

#include "core/prefetch/downloadqueue.h"

#include <QFormLayout>
#include <QLabel>
#include <QSettings>
#include <QSpinBox>

#include <algorithm>

namespace tfhub::ui {

namespace {

struct DownloadSettings
{
    int concurrency = DownloadsBox::DefaultConcurrency;
    int stallTimeoutSecs = DownloadsBox::DefaultStallTimeoutSecs;
    int retries = DownloadsBox::DefaultRetries;
};

// A hand-edited settings file must not start 500 downloads or none.
DownloadSettings readDownloadSettings()
{
    const QSettings settings;
    DownloadSettings s;
    s.concurrency = std::clamp(settings.value(DownloadsBox::concurrencyKey(), s.concurrency).toInt(), 1,
        DownloadsBox::MaxConcurrency);
    s.stallTimeoutSecs
        = std::clamp(settings.value(DownloadsBox::stallTimeoutKey(), s.stallTimeoutSecs).toInt(),
            DownloadsBox::MinStallTimeoutSecs, DownloadsBox::MaxStallTimeoutSecs);
    s.retries = std::clamp(
        settings.value(DownloadsBox::retriesKey(), s.retries).toInt(), 0, DownloadsBox::MaxRetries);
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

QString DownloadsBox::concurrencyKey()
{
    return QStringLiteral("downloads/concurrency");
}

QString DownloadsBox::stallTimeoutKey()
{
    return QStringLiteral("downloads/stallTimeoutSecs");
}

QString DownloadsBox::retriesKey()
{
    return QStringLiteral("downloads/retries");
}

void DownloadsBox::applyStoredSettings(DownloadQueue *queue)
{
    applyTo(queue, readDownloadSettings());
}

DownloadsBox::DownloadsBox(DownloadQueue *queue, QWidget *parent)
    : QGroupBox(tr("Downloads"), parent), m_queue(queue)
{
    const DownloadSettings stored = readDownloadSettings();

    Q_ASSERT(queue);
    setObjectName(QStringLiteral("downloadsGroup"));

    m_concurrency = new QSpinBox(this);
    m_concurrency->setObjectName(QStringLiteral("concurrencySpin"));
    m_concurrency->setRange(1, MaxConcurrency);
    m_concurrency->setValue(stored.concurrency);
    m_concurrency->setAccessibleName(tr("Simultaneous downloads"));
    m_concurrency->setToolTip(tr("How many models download at the same time; the others wait in the queue."));

    m_stallTimeout = new QSpinBox(this);
    m_stallTimeout->setObjectName(QStringLiteral("stallTimeoutSpin"));
    m_stallTimeout->setRange(MinStallTimeoutSecs, MaxStallTimeoutSecs);
    m_stallTimeout->setSuffix(tr(" s"));
    m_stallTimeout->setValue(stored.stallTimeoutSecs);
    m_stallTimeout->setAccessibleName(tr("Stall timeout"));
    m_stallTimeout->setToolTip(
        tr("A download that receives nothing for this long is dropped and retried from where it stopped."));

    m_retries = new QSpinBox(this);
    m_retries->setObjectName(QStringLiteral("retriesSpin"));
    m_retries->setRange(0, MaxRetries);
    m_retries->setValue(stored.retries);
    m_retries->setAccessibleName(tr("Retries"));
    m_retries->setToolTip(tr("How often a download is retried after a network error or a busy server."));

    auto *form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    form->addRow(tr("&Simultaneous downloads:"), m_concurrency);
    form->addRow(tr("S&tall timeout:"), m_stallTimeout);
    form->addRow(tr("&Retries:"), m_retries);
    form->addRow(
        hintLabel(tr("The stall timeout and retries apply to downloads that start from now on."), this));

    for (QSpinBox *spin : { m_concurrency, m_stallTimeout, m_retries })
        connect(spin, &QSpinBox::valueChanged, this, &DownloadsBox::onEdited);
}

void DownloadsBox::onEdited()
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
    Q_EMIT changed();
}

} // namespace tfhub::ui
