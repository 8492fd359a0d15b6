#include "ui/usage/costestimate.h"

#include "core/settings/appsettings.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSettings>
#include <QVBoxLayout>

#include <cmath>

namespace tfhub::ui {

namespace {

constexpr double BytesPerGib = 1024.0 * 1024.0 * 1024.0;

} // namespace

CostEstimate::CostEstimate(QWidget *parent)
    : QWidget(parent), m_value(new QLabel(this)), m_price(new QDoubleSpinBox(this))
{
    setObjectName(QStringLiteral("costEstimate"));
    auto *caption = new QLabel(tr("Estimated cost a month at"), this);
    caption->setBuddy(m_price);
    m_value->setObjectName(QStringLiteral("costFigure"));
    QFont big = m_value->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    m_value->setFont(big);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);

    const settings::DoubleSetting &key = settings::GcsPricePerGibMonth;
    m_price->setObjectName(QStringLiteral("gcsPriceSpin"));
    m_price->setAccessibleName(tr("Price per GiB and month"));
    m_price->setDecimals(4);
    m_price->setRange(key.min, key.max);
    m_price->setSingleStep(0.001);
    m_price->setPrefix(QStringLiteral("US$"));
    m_price->setSuffix(tr(" per GiB"));
    m_price->setToolTip(
        tr("The price of Standard storage per GiB and month; set your bucket's own. The default, US$%1, is "
           "Google's published price for Standard storage in the us-central1 (Iowa) region "
           "(cloud.google.com/storage/pricing, unchanged in copies of that page from 30 December 2022 on); "
           "a bucket in the US multi-region costs US$0.026, other classes and regions differ.")
            .arg(key.defaultValue, 0, 'f', 3));
    m_price->setValue(key.read(QSettings()));
    connect(m_price, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        QSettings settings;
        settings::GcsPricePerGibMonth.write(settings, value);
        showCost();
        Q_EMIT priceChanged(value);
    });

    // The price sits on the caption's line: beside the big figure it would widen the page past
    // 1024 pixels.
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *captionRow = new QHBoxLayout;
    captionRow->addWidget(caption);
    captionRow->addWidget(m_price);
    captionRow->addStretch(1);
    layout->addLayout(captionRow);
    layout->addWidget(m_value);
    showCost();
}

double CostEstimate::monthlyCost(qint64 bytes, double pricePerGibMonth)
{
    return double(bytes) / BytesPerGib * pricePerGibMonth;
}

QString CostEstimate::costText(double dollars)
{
    const QLocale locale;
    if (dollars <= 0)
        return QStringLiteral("US$") + locale.toString(0.0, 'f', 2);
    if (dollars >= 0.01)
        return QStringLiteral("US$") + locale.toString(dollars, 'f', 2);
    if (dollars < 0.0001)
        return tr("< US$%1").arg(locale.toString(0.0001, 'f', 4));
    // Two significant digits of a fraction of a cent.
    const int decimals = 1 - int(std::floor(std::log10(dollars)));
    return QStringLiteral("US$") + locale.toString(dollars, 'f', decimals);
}

void CostEstimate::setBytes(qint64 bytes)
{
    m_bytes = bytes;
    showCost();
}

double CostEstimate::price() const
{
    return m_price->value();
}

void CostEstimate::setPrice(double pricePerGibMonth)
{
    m_price->setValue(pricePerGibMonth);
}

QString CostEstimate::text() const
{
    return m_value->text();
}

void CostEstimate::showCost()
{
    const QLocale locale;
    m_value->setText(costText(cost()));
    m_value->setToolTip(tr("%1 GiB × US$%2 per GiB-month = %3 a month. Storage only: operations (listing, "
                           "reading, writing), network egress and taxes are not included.")
                            .arg(locale.toString(double(m_bytes) / BytesPerGib, 'f', 3),
                                locale.toString(price(), 'f', 4), costText(cost())));
}

} // namespace tfhub::ui
