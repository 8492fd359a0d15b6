#pragma once

#include "core/util/result.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace tfhub::hub {

/// The handles this app and its CLI have prefetched or resolved, so that a cache entry with no
/// descriptor (an abandoned or running download) still has a name. One line per handle,
/// "<cache key> TAB <handle>", oldest first; a handle recorded again moves to the end. At most
/// HistoryCap lines: the oldest go first.
constexpr int HistoryCap = 10000;

/// $XDG_DATA_HOME/tfhub-cache-manager/handles.tsv ($HOME/.local/share when XDG_DATA_HOME is unset).
QString handleHistoryPath();
/// Adds handles to the history at `path`; a failure only costs names later, so callers may
/// ignore it.
Status recordHandles(const QStringList &handles, const QString &path = handleHistoryPath());
/// Cache key -> handle, from the history at `path`; empty when it does not exist.
QHash<QString, QString> readHandleHistory(const QString &path = handleHistoryPath());

} // namespace tfhub::hub
