#pragma once

#include <QWidget>

class QDoubleSpinBox;
class QLabel;

namespace tfhub::ui {

/// The Usage page's monthly storage cost of a gs:// cache: its bytes times a Standard-class price
/// per GiB-month that the user can edit (kept in settings::GcsPricePerGibMonth). Storage only:
/// operations, network and taxes are not in it.
class CostEstimate final : public QWidget
{
    Q_OBJECT
public:
    explicit CostEstimate(QWidget *parent = nullptr);

    /// US$ a month for `bytes` at `pricePerGibMonth` (Cloud Storage bills per GiB, 2^30 bytes).
    static double monthlyCost(qint64 bytes, double pricePerGibMonth);
    /// "US$1.23"; small amounts keep a significant digit or two ("US$0.0012").
    static QString costText(double dollars);

    void setBytes(qint64 bytes);
    qint64 bytes() const { return m_bytes; }
    double price() const;
    void setPrice(double pricePerGibMonth);
    double cost() const { return monthlyCost(m_bytes, price()); }
    QString text() const;

Q_SIGNALS:
    void priceChanged(double pricePerGibMonth);

private:
    void showCost();

    qint64 m_bytes = 0;
    QLabel *m_value;
    QDoubleSpinBox *m_price;
};

} // namespace tfhub::ui
