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

// settings:: clamps: a hand-edited settings file must not start 500 downloads or none.
DownloadSettings readDownloadSettings()
{
    const QSettings stored;
    DownloadSettings s;
    s.concurrency = settings::DownloadConcurrency.read(stored);
    s.stallTimeoutSecs = settings::StallTimeoutSecs.read(stored);
    s.retries = settings::Retries.read(stored);
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
    return settings::DownloadConcurrency.name();
}

QString DownloadsBox::stallTimeoutKey()
{
    return settings::StallTimeoutSecs.name();
}

QString DownloadsBox::retriesKey()
{
    return settings::Retries.name();
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
    m_concurrency->setRange(settings::DownloadConcurrency.min, settings::DownloadConcurrency.max);
    m_concurrency->setValue(stored.concurrency);
    m_concurrency->setAccessibleName(tr("Simultaneous downloads"));
    m_concurrency->setToolTip(tr("How many models download at the same time; the others wait in the queue."));

    m_stallTimeout = new QSpinBox(this);
    m_stallTimeout->setObjectName(QStringLiteral("stallTimeoutSpin"));
    m_stallTimeout->setRange(settings::StallTimeoutSecs.min, settings::StallTimeoutSecs.max);
    m_stallTimeout->setSuffix(tr(" s"));
    m_stallTimeout->setValue(stored.stallTimeoutSecs);
    m_stallTimeout->setAccessibleName(tr("Stall timeout"));
    m_stallTimeout->setToolTip(
        tr("A download that receives nothing for this long is dropped and retried from where it stopped."));

    m_retries = new QSpinBox(this);
    m_retries->setObjectName(QStringLiteral("retriesSpin"));
    m_retries->setRange(settings::Retries.min, settings::Retries.max);
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
    QSettings stored;
    settings::DownloadConcurrency.write(stored, s.concurrency);
    settings::StallTimeoutSecs.write(stored, s.stallTimeoutSecs);
    settings::Retries.write(stored, s.retries);
    applyTo(m_queue, s);
    Q_EMIT changed();
}

} // namespace tfhub::ui
