#pragma once

#include <QColor>
#include <QList>
#include <QRectF>
#include <QString>
#include <QWidget>

namespace tfhub::ui {

/// A squarified treemap (Bruls, Huizing, van Wijk): one tile per item, its area proportional to
/// the item's size, tiles as close to square as the sizes allow. Hover shows the item's tooltip,
/// a click or Enter on the current tile reports it; arrow keys move between tiles.
class TreemapWidget final : public QWidget
{
    Q_OBJECT
public:
    struct Item
    {
        QString key;
        QString label; ///< the model path: elided at its start when the tile is narrow
        QString toolTip;
        QString sizeText; ///< a second line, in tiles tall enough for two
        qint64 size = 0;
        QColor color;
        bool highlighted = false; ///< reclaimable by the cleanup planner: drawn hatched
    };
    struct Tile
    {
        int item = -1; ///< index into items()
        QRectF rect;
    };

    explicit TreemapWidget(QWidget *parent = nullptr);

    /// Items with a size of 0 or less get no tile.
    void setItems(const QList<Item> &items);
    const QList<Item> &items() const { return m_items; }
    /// The tiles for the current size, largest first.
    const QList<Tile> &tiles() const { return m_tiles; }
    /// The key of the tile at `pos`, or an empty string.
    QString keyAt(const QPointF &pos) const;

    /// Lays `sizes` out in `rect`; pure, for tests and for the widget itself.
    static QList<QRectF> squarify(const QList<qint64> &sizes, const QRectF &rect);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void itemActivated(const QString &key);

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    void relayout();
    int tileAt(const QPointF &pos) const;

    QList<Item> m_items;
    QList<Tile> m_tiles;
    int m_hovered = -1; ///< index into m_tiles
    int m_current = -1; ///< index into m_tiles, for the keyboard
};

} // namespace tfhub::ui
