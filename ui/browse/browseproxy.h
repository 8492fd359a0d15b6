#pragma once

#include "core/catalog/catalog.h"

#include <QSortFilterProxyModel>

namespace tfhub::ui {

class BrowseModel;

/// Search and facet filters over a BrowseModel; sorted by relevance while there are search words
/// and no column was chosen, else by the sorted column's raw value.
class BrowseProxy final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit BrowseProxy(QObject *parent = nullptr);

    void setBrowseModel(BrowseModel *model);
    void setQuery(const CatalogQuery &query);
    const CatalogQuery &query() const { return m_query; }
    /// Whether rows are ordered by relevance (a query with words, and no column chosen since).
    bool ordersByRelevance() const { return m_relevance && m_hasWords; }
    /// A clicked column header ends the relevance order until the next query.
    void setRelevanceOrder(bool on);
    /// The catalog index of a row of this proxy.
    qsizetype entryIndex(int proxyRow) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    void ensureScores() const;

    BrowseModel *m_model = nullptr;
    CatalogQuery m_query;
    bool m_hasWords = false;
    bool m_relevance = true;
    // Scores are computed once per query and catalog, not per comparison.
    mutable QList<int> m_scores;
    mutable const Catalog *m_scoredFor = nullptr;
    mutable bool m_dirty = true;
};

} // namespace tfhub::ui
