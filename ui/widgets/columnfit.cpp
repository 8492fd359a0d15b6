#include "ui/widgets/columnfit.h"

#include <QAbstractItemView>
#include <QHeaderView>
#include <QStyle>

#include <algorithm>

namespace tfhub::ui {

void keepColumnsInView(QAbstractItemView *view, QHeaderView *header, int stretchColumn, int stretchMinimum)
{
    const auto update = [view, header, stretchColumn, stretchMinimum] {
        int width
            = 2 * view->frameWidth() + view->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, view);
        for (int c = 0; c < header->count(); ++c) {
            if (!header->isSectionHidden(c))
                width += c == stretchColumn ? stretchMinimum : header->sectionSize(c);
        }
        view->setMinimumWidth(width);
    };
    // The stretching column follows the view's width; only the others set the minimum.
    QObject::connect(header, &QHeaderView::sectionResized, view, [update, stretchColumn](int logical) {
        if (logical != stretchColumn)
            update();
    });
    QObject::connect(header, &QHeaderView::sectionCountChanged, view, update);
    update();
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

} // namespace tfhub::ui
