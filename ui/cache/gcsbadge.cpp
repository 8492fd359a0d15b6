#include "ui/cache/gcsbadge.h"

#include "ui/cache/gcscachesource.h"
#include "ui/widgets/elidedlabel.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPainter>

#include <algorithm>

namespace tfhub::ui {

namespace {

// The host badge of ModelNameDelegate, as a widget: a rounded frame in the palette's mid colour
// around smaller text, so it reads on light and dark palettes alike.
class BadgeLabel final : public QWidget
{
public:
    BadgeLabel(const QString &text, QWidget *parent) : QWidget(parent), m_text(text)
    {
        setObjectName(QStringLiteral("gcsBadgeText"));
        QFont small = font();
        small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
        setFont(small);
        setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    }

    QString text() const { return m_text; }

    QSize sizeHint() const override
    {
        const QFontMetrics fm(font());
        return { fm.horizontalAdvance(m_text) + 2 * Pad, fm.height() + 4 };
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        QColor fill = palette().color(QPalette::Mid);
        fill.setAlpha(70);
        painter.setPen(QPen(palette().color(QPalette::Mid), 1));
        painter.setBrush(fill);
        painter.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        painter.setPen(palette().color(QPalette::Text));
        painter.drawText(rect(), Qt::AlignCenter, m_text);
    }

private:
    static constexpr int Pad = 5;
    QString m_text;
};

} // namespace

GcsBadge::GcsBadge(QWidget *parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_badge(new BadgeLabel(tr("Cloud Storage"), this))
    , m_location(new ElidedLabel(Qt::ElideMiddle, this))
{
    setObjectName(QStringLiteral("gcsBadge"));
    const int size = fontMetrics().height();
    m_icon->setPixmap(QIcon(QStringLiteral(":/icons/cloud.svg")).pixmap(size, size));
    m_location->setObjectName(QStringLiteral("gcsLocation"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_icon);
    layout->addWidget(m_badge);
    layout->addWidget(m_location, 1);
    hide();
}

void GcsBadge::setRoot(const QString &root)
{
    const bool cloud = gcscache::isCloudRoot(root);
    m_location->setText(cloud ? root : QString());
    setToolTip(cloud ? tr("This cache is in Google Cloud Storage (%1). There is no file watcher on a bucket: "
                          "the page lists it again every minute while it is shown, and on Scan Again.")
                           .arg(root)
                     : QString());
    m_badge->setToolTip(toolTip());
    m_icon->setToolTip(toolTip());
    setVisible(cloud);
}

void GcsBadge::setCompact(bool compact)
{
    m_location->setVisible(!compact);
    setSizePolicy(compact ? QSizePolicy::Fixed : QSizePolicy::Preferred, QSizePolicy::Preferred);
}

QString GcsBadge::badgeText() const
{
    return static_cast<BadgeLabel *>(m_badge)->text();
}

QString GcsBadge::location() const
{
    return m_location->text();
}

} // namespace tfhub::ui
