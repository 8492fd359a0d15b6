#pragma once

#include "core/cache/cacheentry.h"

#include <QSet>
#include <QSortFilterProxyModel>
#include <QStringList>

namespace tfhub::ui {

/// Sorts a CacheModel by its raw values and filters it by text, state and format.
class CacheFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit CacheFilterProxy(QObject *parent = nullptr);

    /// Every whitespace-separated word must occur (case-insensitively) in the handle, the key or
    /// the publisher.
    void setFilterText(const QString &text);
    QString filterText() const { return m_text; }

    /// An empty set accepts every state / format.
    void setStateFilter(const QSet<EntryState> &states);
    QSet<EntryState> stateFilter() const { return m_states; }
    void setFormatFilter(const QSet<ModelFormat> &formats);
    QSet<ModelFormat> formatFilter() const { return m_formats; }

Q_SIGNALS:
    void filterChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_text;
    QStringList m_words;
    QSet<EntryState> m_states;
    QSet<ModelFormat> m_formats;
};

} // namespace tfhub::ui
