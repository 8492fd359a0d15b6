#pragma once

#include <QFrame>

namespace tfhub::ui {

/// One line of text that elides to fit instead of widening its layout: the whole text is in
/// the tooltip and in the context menu's Copy. Paths and keys lose their middle, so both ends stay.
class ElidedLabel final : public QFrame
{
    Q_OBJECT
public:
    explicit ElidedLabel(Qt::TextElideMode mode = Qt::ElideMiddle, QWidget *parent = nullptr);

    /// The whole text (also the tooltip).
    QString text() const { return m_text; }
    void setText(const QString &text);
    /// What is painted at the current width: the text, or its elided form.
    QString shownText() const;
    Qt::TextElideMode elideMode() const { return m_mode; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    QString m_text;
    Qt::TextElideMode m_mode;
};

} // namespace tfhub::ui
