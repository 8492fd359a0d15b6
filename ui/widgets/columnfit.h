#pragma once

#include <QStringList>

class QAbstractItemView;
class QFontMetrics;
class QHeaderView;

namespace tfhub::ui {

/// Keeps `view` at least as wide as its visible columns: each column at its width and the
/// stretching `stretchColumn` at `stretchMinimum`. A splitter or window then gives up other room
/// before a column is cut off or scrolled out of sight. Follows columns shown, hidden and resized.
void keepColumnsInView(QAbstractItemView *view, QHeaderView *header, int stretchColumn, int stretchMinimum);

/// The width a column needs to show each of `labels` whole (after an icon when `withIcon`), and
/// its header's title.
int widthForLabels(const QAbstractItemView *view, const QHeaderView *header, int column,
    const QStringList &labels, bool withIcon);

} // namespace tfhub::ui
