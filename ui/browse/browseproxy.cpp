#include "ui/browse/browseproxy.h"

#include "ui/browse/browsemodel.h"

namespace tfhub::ui {

BrowseProxy::BrowseProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(BrowseModel::RawRole);
}

void BrowseProxy::setBrowseModel(BrowseModel *model)
{
    m_model = model;
    // Before the base class connects its own reset handling, so the scores are stale by then.
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_dirty = true; });
    setSourceModel(model);
}

void BrowseProxy::setQuery(const CatalogQuery &query)
{
    m_query = query;
    m_hasWords = !Catalog::words(query.text).isEmpty();
    m_relevance = true;
    m_dirty = true;
    invalidate();
}

void BrowseProxy::setRelevanceOrder(bool on)
{
    if (m_relevance == on)
        return;
    m_relevance = on;
    invalidate(); // sort() does nothing when column and order are the same
}

qsizetype BrowseProxy::entryIndex(int proxyRow) const
{
    return mapToSource(index(proxyRow, 0)).row();
}

void BrowseProxy::ensureScores() const
{
    const Catalog *c = m_model ? m_model->catalog() : nullptr;
    if (!m_dirty && c == m_scoredFor && (!c || m_scores.size() == c->size()))
        return;
    m_scoredFor = c;
    m_dirty = false;
    m_scores.clear();
    if (!c)
        return;
    const QStringList words = Catalog::words(m_query.text);
    m_scores.resize(c->size());
    for (qsizetype i = 0; i < c->size(); ++i)
        m_scores[i] = c->matchesFilters(i, m_query) ? c->score(i, words) : 0;
}

bool BrowseProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    ensureScores();
    return sourceRow < m_scores.size() && m_scores.at(sourceRow) > 0;
}

bool BrowseProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    ensureScores();
    const Catalog *c = m_model ? m_model->catalog() : nullptr;
    if (c && ordersByRelevance())
        return c->ranksBefore(
            left.row(), m_scores.value(left.row()), right.row(), m_scores.value(right.row()));
    const QVariant l = left.data(BrowseModel::RawRole);
    const QVariant r = right.data(BrowseModel::RawRole);
    if (l.typeId() == QMetaType::Int)
        return l.toInt() < r.toInt();
    return QString::compare(l.toString(), r.toString(), Qt::CaseInsensitive) < 0;
}

} // namespace tfhub::ui
