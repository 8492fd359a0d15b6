#pragma once

#include <QList>
#include <QStringList>

#include <functional>

class QAbstractItemView;
class QFontMetrics;
class QHeaderView;
class QWidget;

namespace tfhub::ui {

/// The width `view` needs to show its visible columns whole: each at its width, the stretching
/// `stretchColumn` at `stretchMinimum`, with the frame and a vertical scroll bar.
int columnsWidth(
    const QAbstractItemView *view, const QHeaderView *header, int stretchColumn, int stretchMinimum);

/// Calls `f` after every resize of `widget` (an event filter owned by it).
void whenResized(QWidget *widget, std::function<void()> f);

/// The width a column needs to show each of `labels` whole (after an icon when `withIcon`), and
/// its header's title.
int widthForLabels(const QAbstractItemView *view, const QHeaderView *header, int column,
    const QStringList &labels, bool withIcon);

/// Sizes each of `columns` to show the texts `texts(column)` gives whole, up to `maximum`: a rarer
/// longer text elides (its tooltip should have it whole).
void fitColumnsToTexts(QAbstractItemView *view, QHeaderView *header, const QList<int> &columns,
    const std::function<QStringList(int)> &texts, int maximum);

} // namespace tfhub::ui
