#include "ui/widgets/columnfit.h"

#include <QAbstractItemView>
#include <QEvent>
#include <QHeaderView>
#include <QStyle>

#include <algorithm>

namespace tfhub::ui {

int columnsWidth(
    const QAbstractItemView *view, const QHeaderView *header, int stretchColumn, int stretchMinimum)
{
    int width
        = 2 * view->frameWidth() + view->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, view);
    for (int c = 0; c < header->count(); ++c) {
        if (!header->isSectionHidden(c))
            width += c == stretchColumn ? stretchMinimum : header->sectionSize(c);
    }
    return width;
}

namespace {

class ResizeWatcher final : public QObject
{
public:
    ResizeWatcher(QWidget *widget, std::function<void()> f) : QObject(widget), m_f(std::move(f))
    {
        widget->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Resize)
            m_f();
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_f;
};

} // namespace

void whenResized(QWidget *widget, std::function<void()> f)
{
    new ResizeWatcher(widget, std::move(f));
}

int widthForLabels(const QAbstractItemView *view, const QHeaderView *header, int column,
    const QStringList &labels, bool withIcon)
{
    const QFontMetrics fm = view->fontMetrics();
    // The delegate's text margins on both sides, and the icon with its gap.
    const int margins = 2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1) + 4;
    const int icon = withIcon ? view->style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, view) + 4 : 0;
    int widest = 0;
    for (const QString &label : labels)
        widest = std::max(widest, fm.horizontalAdvance(label));
    return std::max(widest + icon + margins, header->sectionSizeHint(column));
}

void fitColumnsToTexts(QAbstractItemView *view, QHeaderView *header, const QList<int> &columns,
    const std::function<QStringList(int)> &texts, int maximum)
{
    for (const int column : columns)
        header->resizeSection(
            column, std::min(maximum, widthForLabels(view, header, column, texts(column), false)));
}

} // namespace tfhub::ui
