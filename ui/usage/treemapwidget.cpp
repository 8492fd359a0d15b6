#include "ui/usage/treemapwidget.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tfhub::ui {

namespace {

// The worst aspect ratio of a row of areas laid along a side of length `side`.
double worst(double sum, double smallest, double largest, double side)
{
    const double s2 = side * side;
    const double sum2 = sum * sum;
    return std::max(s2 * largest / sum2, sum2 / (s2 * smallest));
}

// Text on a tile: black or white, whichever contrasts more with its colour (WCAG relative
// luminance; HSL lightness put white on the mid-tone legend colours at about 2.5:1).
QColor textColorOn(const QColor &background)
{
    const auto linear
        = [](float c) { return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f); };
    const float luminance = 0.2126f * linear(background.redF()) + 0.7152f * linear(background.greenF())
        + 0.0722f * linear(background.blueF());
    // Contrast with black (L + 0.05) / 0.05 equals contrast with white 1.05 / (L + 0.05) at L ≈ 0.179.
    return luminance > 0.179f ? QColor(Qt::black) : QColor(Qt::white);
}

} // namespace

TreemapWidget::TreemapWidget(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("treemap"));
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Treemap of the cache"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize TreemapWidget::sizeHint() const
{
    return QSize(640, 360);
}

QSize TreemapWidget::minimumSizeHint() const
{
    return QSize(160, 100);
}

QList<QRectF> TreemapWidget::squarify(const QList<qint64> &sizes, const QRectF &rect)
{
    QList<QRectF> out(sizes.size());
    QList<int> order;
    for (int i = 0; i < sizes.size(); ++i) {
        if (sizes.at(i) > 0)
            order.append(i);
    }
    std::stable_sort(
        order.begin(), order.end(), [&sizes](int a, int b) { return sizes.at(a) > sizes.at(b); });
    const double total = std::accumulate(order.cbegin(), order.cend(), 0.0,
        [&sizes](double sum, int i) { return sum + static_cast<double>(sizes.at(i)); });
    if (order.isEmpty() || rect.isEmpty() || total <= 0)
        return out;
    const double scale = rect.width() * rect.height() / total;

    QRectF free = rect;
    qsizetype next = 0;
    while (next < order.size()) {
        const double side = std::min(free.width(), free.height());
        // Grow the row while that makes its worst tile more square.
        double sum = 0;
        double smallest = 0;
        double largest = 0;
        qsizetype end = next;
        while (end < order.size()) {
            const double area = static_cast<double>(sizes.at(order.at(end))) * scale;
            const double newSum = sum + area;
            const double newSmallest = end == next ? area : std::min(smallest, area);
            const double newLargest = end == next ? area : std::max(largest, area);
            if (end > next
                && worst(newSum, newSmallest, newLargest, side) > worst(sum, smallest, largest, side))
                break;
            sum = newSum;
            smallest = newSmallest;
            largest = newLargest;
            ++end;
        }
        const bool horizontal = free.width() >= free.height(); // the row is a column at the left
        const double thickness = side > 0 ? sum / side : 0;
        double offset = 0;
        for (qsizetype k = next; k < end; ++k) {
            const double area = static_cast<double>(sizes.at(order.at(k))) * scale;
            const double length = thickness > 0 ? area / thickness : 0;
            out[order.at(k)] = horizontal ? QRectF(free.left(), free.top() + offset, thickness, length)
                                          : QRectF(free.left() + offset, free.top(), length, thickness);
            offset += length;
        }
        if (horizontal)
            free.setLeft(free.left() + thickness);
        else
            free.setTop(free.top() + thickness);
        next = end;
    }
    return out;
}

void TreemapWidget::setItems(const QList<Item> &items)
{
    QString currentKey;
    if (m_current >= 0 && m_current < m_tiles.size())
        currentKey = m_items.at(m_tiles.at(m_current).item).key;
    m_items = items;
    relayout();
    m_current = -1;
    for (int t = 0; t < m_tiles.size(); ++t) {
        if (m_items.at(m_tiles.at(t).item).key == currentKey)
            m_current = t;
    }
    update();
}

void TreemapWidget::relayout()
{
    QList<qint64> sizes;
    sizes.reserve(m_items.size());
    for (const Item &item : std::as_const(m_items))
        sizes.append(item.size);
    const QList<QRectF> rects = squarify(sizes, QRectF(contentsRect()));
    m_tiles.clear();
    for (int i = 0; i < rects.size(); ++i) {
        if (!rects.at(i).isEmpty())
            m_tiles.append({ i, rects.at(i) });
    }
    std::stable_sort(m_tiles.begin(), m_tiles.end(),
        [this](const Tile &a, const Tile &b) { return m_items.at(a.item).size > m_items.at(b.item).size; });
    m_hovered = -1;
}

int TreemapWidget::tileAt(const QPointF &pos) const
{
    for (int t = 0; t < m_tiles.size(); ++t) {
        if (m_tiles.at(t).rect.contains(pos))
            return t;
    }
    return -1;
}

QString TreemapWidget::keyAt(const QPointF &pos) const
{
    const int t = tileAt(pos);
    return t < 0 ? QString() : m_items.at(m_tiles.at(t).item).key;
}

void TreemapWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    if (m_tiles.isEmpty()) {
        p.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        p.drawText(rect(), Qt::AlignCenter, tr("Nothing to show"));
        return;
    }
    const QColor border = palette().color(QPalette::Base);
    const QFontMetrics fm(font());
    for (int t = 0; t < m_tiles.size(); ++t) {
        const Tile &tile = m_tiles.at(t);
        const Item &item = m_items.at(tile.item);
        QColor fill = item.color.isValid() ? item.color : palette().color(QPalette::Highlight);
        if (t == m_hovered)
            fill = fill.lighter(115);
        p.setPen(QPen(border, 1));
        p.setBrush(fill);
        p.drawRect(tile.rect.adjusted(0.5, 0.5, -0.5, -0.5));
        if (item.highlighted) {
            p.setPen(Qt::NoPen);
            p.setBrush(QBrush(textColorOn(fill), Qt::BDiagPattern));
            p.drawRect(tile.rect.adjusted(1, 1, -1, -1));
        }
        if (t == m_current && hasFocus()) {
            p.setPen(QPen(palette().color(QPalette::Highlight), 2));
            p.setBrush(Qt::NoBrush);
            p.drawRect(tile.rect.adjusted(1.5, 1.5, -1.5, -1.5));
        }
        const QRectF textRect = tile.rect.adjusted(4, 2, -4, -2);
        if (textRect.width() > fm.averageCharWidth() * 6 && textRect.height() > fm.height()) {
            p.setPen(textColorOn(fill));
            // The ends of model paths differ ("…/mobilenet_v2_100_224/classification/5").
            p.drawText(textRect, Qt::AlignLeft | Qt::AlignTop,
                fm.elidedText(item.label, Qt::ElideLeft, static_cast<int>(textRect.width())));
            if (!item.sizeText.isEmpty() && textRect.height() >= 2 * fm.height())
                p.drawText(textRect.adjusted(0, fm.height(), 0, 0), Qt::AlignLeft | Qt::AlignTop,
                    fm.elidedText(item.sizeText, Qt::ElideRight, static_cast<int>(textRect.width())));
        }
    }
}

void TreemapWidget::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    relayout();
}

bool TreemapWidget::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int t = tileAt(help->pos());
        if (t >= 0)
            QToolTip::showText(
                help->globalPos(), m_items.at(m_tiles.at(t).item).toolTip, this, m_tiles.at(t).rect.toRect());
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void TreemapWidget::mouseMoveEvent(QMouseEvent *event)
{
    const int t = tileAt(event->position());
    if (t != m_hovered) {
        m_hovered = t;
        setCursor(t >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void TreemapWidget::leaveEvent(QEvent *)
{
    m_hovered = -1;
    update();
}

void TreemapWidget::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const int t = tileAt(event->position());
    if (t < 0)
        return;
    m_current = t;
    update();
    Q_EMIT itemActivated(m_items.at(m_tiles.at(t).item).key);
}

void TreemapWidget::keyPressEvent(QKeyEvent *event)
{
    if (m_tiles.isEmpty())
        return QWidget::keyPressEvent(event);
    switch (event->key()) {
    case Qt::Key_Right:
    case Qt::Key_Down:
        m_current = std::min<int>(static_cast<int>(m_tiles.size()) - 1, m_current + 1);
        break;
    case Qt::Key_Left:
    case Qt::Key_Up:
        m_current = std::max(0, m_current - 1);
        break;
    case Qt::Key_Home:
        m_current = 0;
        break;
    case Qt::Key_Return:
    case Qt::Key_Enter:
    case Qt::Key_Space:
        if (m_current >= 0)
            Q_EMIT itemActivated(m_items.at(m_tiles.at(m_current).item).key);
        return;
    default:
        return QWidget::keyPressEvent(event);
    }
    const Tile &tile = m_tiles.at(m_current);
    QToolTip::showText(
        mapToGlobal(tile.rect.center().toPoint()), m_items.at(tile.item).toolTip, this, tile.rect.toRect());
    update();
}

} // namespace tfhub::ui
