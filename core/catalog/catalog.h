#pragma once

#include "core/catalog/catalogentry.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>

#include <optional>

namespace tfhub {

/// The filters of the Browse page and of `tfhub-cache search`.
enum class Facet { Publisher, Task, Format, Kind, Language, FineTunable };

/// Words (each must match somewhere) and one wanted value per facet (empty: any).
struct CatalogQuery final
{
    QString text;
    QMap<Facet, QString> filters;
    bool latestOnly = false; ///< only the newest version of each model

    QString filter(Facet facet) const { return filters.value(facet); }
};

struct FacetCount final
{
    QString value;
    int count = 0;
};

/// Whether tensorflow_hub would find an entry in the cache.
enum class CacheState {
    NotLoadable, ///< not a Module: hub.load() does not download it
    NotCached,
    Cached, ///< this exact handle is complete in the cache
    OtherVersionCached, ///< not this one, but another version of the same model is
};

/// The browsable list of known handles: search, facets, versions, cache state. Immutable once
/// built (append() only before it is shared), so const use from several threads is safe.
class Catalog final
{
public:
    Catalog() = default;
    explicit Catalog(QList<CatalogEntry> entries);

    /// Adds entries; one whose kind and handle are already known is skipped (the first source
    /// wins, so the bundled catalog is not overridden by a copy of itself). Returns how many were added.
    int append(QList<CatalogEntry> entries);

    qsizetype size() const { return m_entries.size(); }
    bool isEmpty() const { return m_entries.isEmpty(); }
    const CatalogEntry &at(qsizetype i) const { return m_entries.at(i); }
    const QList<CatalogEntry> &entries() const { return m_entries; }

    /// The entry with this exact handle (a Module when several kinds share it); -1 when none.
    qsizetype indexOfHandle(const QString &handle) const;
    /// Every version of the entry's model (same kind and model id), newest first.
    QList<qsizetype> versionsOf(qsizetype i) const;
    bool isLatest(qsizetype i) const { return m_derived.at(i).latest; }
    /// The cache folder name of a loadable entry; empty for the other kinds.
    QString cacheKey(qsizetype i) const { return m_derived.at(i).key; }
    /// `cachedKeys`: the keys of the complete entries of the cache.
    CacheState cacheState(qsizetype i, const QSet<QString> &cachedKeys) const;

    /// The query's words, lower case.
    static QStringList words(const QString &text);
    /// How well entry i matches every word (0: some word matches nothing; 1 with no words).
    int score(qsizetype i, const QStringList &words) const;
    /// Whether entry i passes the query's facet filters (all but `except`) and latestOnly.
    bool matchesFilters(
        qsizetype i, const CatalogQuery &query, std::optional<Facet> except = std::nullopt) const;
    /// Ordering of two matching entries with their scores, best first: loadable modules, then
    /// score, the newest version, the more used family (entries sharing its name), the shorter name.
    bool ranksBefore(qsizetype a, int scoreA, qsizetype b, int scoreB) const;
    /// The matching entries, best first (by path when there are no words).
    QList<qsizetype> search(const CatalogQuery &query) const;
    /// Counts of each value of `facet` among the entries matching the words and every other
    /// filter (so choosing a value never hides the other values of the same facet); most first.
    QList<FacetCount> facetCounts(const CatalogQuery &query, Facet facet) const;

    /// Cache key -> handle for every loadable entry, hidden versions included, in each spelling
    /// hub.load() may have hashed: the catalog's, with a trailing slash, and on the
    /// hub.tensorflow.google.cn mirror (with and without the slash).
    QHash<QString, QString> handlesByKey() const;

    static QStringList facetValues(const CatalogEntry &entry, Facet facet);
    static QString facetName(Facet facet); ///< "publisher", "task", ...
    static QList<Facet> allFacets();

private:
    struct Derived final
    {
        QString model; ///< lower case, for matching
        QStringList segments;
        QStringList tokens; ///< the model name split at / _ - .
        QString publisher;
        QString tasks;
        QString architectures;
        QString datasets;
        QString path;
        QString key;
        QString group; ///< kind + model id: the versions of one model
        bool latest = true;
        int family = 0; ///< entries sharing the model's most specific name segment
    };
    void rebuild();
    void rankFamilies();

    QList<CatalogEntry> m_entries;
    QList<Derived> m_derived;
    QHash<QString, qsizetype> m_byHandle;
    QSet<QString> m_known; ///< kind + handle
    QHash<QString, QList<qsizetype>> m_groups;
};

} // namespace tfhub
