#include "ui/cache/cachefilterproxy.h"

#include "core/hub/handle.h"
#include "ui/cache/cachemodel.h"

namespace tfhub::ui {

CacheFilterProxy::CacheFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(CacheModel::SortRole);
    setDynamicSortFilter(true);
}

void CacheFilterProxy::setFilterText(const QString &text)
{
    const QString trimmed = text.simplified();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    m_words = trimmed.isEmpty() ? QStringList() : trimmed.split(u' ');
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void CacheFilterProxy::setStateFilter(const QSet<EntryState> &states)
{
    if (states == m_states)
        return;
    m_states = states;
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

void CacheFilterProxy::setFormatFilter(const QSet<ModelFormat> &formats)
{
    if (formats == m_formats)
        return;
    m_formats = formats;
    invalidateRowsFilter();
    Q_EMIT filterChanged();
}

bool CacheFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    // Reading the entry directly avoids copying a CacheEntry through QVariant for every row.
    const auto *cacheModel = qobject_cast<const CacheModel *>(sourceModel());
    CacheEntry copy;
    if (!cacheModel)
        copy = sourceModel()->index(sourceRow, 0).data(CacheModel::EntryRole).value<CacheEntry>();
    const CacheEntry &entry = cacheModel ? cacheModel->entryAt(sourceRow) : copy;

    if (!m_states.isEmpty() && !m_states.contains(entry.state))
        return false;
    if (!m_formats.isEmpty() && !m_formats.contains(entry.format))
        return false;
    if (m_words.isEmpty())
        return true;
    const auto handle = Handle::parse(entry.handle);
    const QString publisher = handle ? handle->publisher() : QString();
    for (const QString &word : m_words) {
        if (!entry.handle.contains(word, Qt::CaseInsensitive)
            && !entry.key.contains(word, Qt::CaseInsensitive)
            && !publisher.contains(word, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

bool CacheFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    if (l.typeId() == QMetaType::LongLong && r.typeId() == QMetaType::LongLong) {
        // An unknown time goes last whichever way the column is sorted: newest first must not
        // start with models nobody knows anything about.
        const bool lUnknown = l.toLongLong() == CacheModel::UnknownTime;
        const bool rUnknown = r.toLongLong() == CacheModel::UnknownTime;
        if (lUnknown != rUnknown)
            return sortOrder() == Qt::AscendingOrder ? rUnknown : lUnknown;
        if (!lUnknown)
            return l.toLongLong() < r.toLongLong();
    }
    const int byText = QString::localeAwareCompare(l.toString(), r.toString());
    if (byText != 0)
        return byText < 0;
    // Equal texts (e.g. two "TF2 SavedModel" rows) fall back to the key, so the order is stable
    // across rescans.
    return left.siblingAtColumn(0).data(CacheModel::KeyRole).toString()
        < right.siblingAtColumn(0).data(CacheModel::KeyRole).toString();
}

} // namespace tfhub::ui
