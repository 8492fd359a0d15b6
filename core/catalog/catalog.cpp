#include "core/catalog/catalog.h"

#include "core/hub/handle.h"

#include <algorithm>

namespace tfhub {

namespace {

bool startsAtToken(const QString &hay, const QString &word)
{
    qsizetype at = hay.indexOf(word);
    while (at >= 0) {
        if (at == 0)
            return true;
        const QChar before = hay.at(at - 1);
        if (before == u'/' || before == u'_' || before == u'-' || before == u'.' || before == u',')
            return true;
        at = hay.indexOf(word, at + 1);
    }
    return false;
}

// A list field joined with ',': the word equals one value, or appears in one.
int listScore(const QString &joined, const QString &word, int equal, int contains)
{
    if (joined.isEmpty())
        return 0;
    const qsizetype at = joined.indexOf(word);
    if (at < 0)
        return 0;
    for (const QStringView v : QStringView(joined).split(u',')) {
        if (v == word)
            return equal;
    }
    return contains;
}

QString lowerList(const QStringList &l)
{
    return l.join(QLatin1Char(',')).toLower();
}

bool isTokenSeparator(QChar c)
{
    return c == u'/' || c == u'_' || c == u'-' || c == u'.';
}

// "imagenet/mobilenet_v2_100_224/classification" -> imagenet, mobilenet, v2, 100, 224, classification
QStringList tokensOf(const QString &lowerModel)
{
    QStringList out;
    qsizetype start = 0;
    for (qsizetype k = 0; k <= lowerModel.size(); ++k) {
        if (k == lowerModel.size() || isTokenSeparator(lowerModel.at(k))) {
            if (k > start)
                out.append(lowerModel.mid(start, k - start));
            start = k + 1;
        }
    }
    return out;
}

} // namespace

Catalog::Catalog(QList<CatalogEntry> entries)
{
    append(std::move(entries));
}

int Catalog::append(QList<CatalogEntry> entries)
{
    int added = 0;
    for (CatalogEntry &e : entries) {
        const QString id = catalog::kindName(e.kind) + QLatin1Char(' ') + e.handle;
        if (m_known.contains(id))
            continue;
        m_known.insert(id);
        m_entries.append(std::move(e));
        ++added;
    }
    rebuild();
    return added;
}

void Catalog::rebuild()
{
    m_derived.resize(m_entries.size());
    m_byHandle.clear();
    m_groups.clear();
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const CatalogEntry &e = m_entries.at(i);
        Derived &d = m_derived[i];
        if (d.path.isEmpty()) {
            d.model = e.model.toLower();
            d.segments = d.model.split(QLatin1Char('/'));
            d.tokens = tokensOf(d.model);
            d.publisher = e.publisher.toLower();
            d.tasks = lowerList(e.tasks);
            d.architectures = lowerList(e.architectures);
            d.datasets = lowerList(e.datasets);
            d.path = e.path.toLower();
            d.key = e.isLoadable() ? Handle::cacheKeyOf(e.handle) : QString();
            d.group = catalog::kindName(e.kind) + QLatin1Char(' ') + e.modelId();
        }
        const auto h = m_byHandle.constFind(e.handle);
        if (h == m_byHandle.cend() || (!m_entries.at(*h).isLoadable() && e.isLoadable()))
            m_byHandle.insert(e.handle, i);
        m_groups[d.group].append(i);
    }
    for (auto it = m_groups.begin(); it != m_groups.end(); ++it) {
        QList<qsizetype> &g = it.value();
        std::sort(g.begin(), g.end(), [this](qsizetype a, qsizetype b) {
            return m_entries.at(a).version != m_entries.at(b).version
                ? m_entries.at(a).version > m_entries.at(b).version
                : a < b;
        });
        for (qsizetype k = 0; k < g.size(); ++k)
            m_derived[g.at(k)].latest = k == 0;
    }
    rankFamilies();
}

void Catalog::rankFamilies()
{
    // How much a model family is used, from the data alone: how many entries (versions, TF.js,
    // Lite and Coral variants, other publishers' builds) carry a segment of its name. A model's
    // most specific segment ("mobilenet_v2_100_224", not "imagenet" or "classification") is the
    // one fewest entries share, so that count is its family's size.
    QHash<QString, int> usage;
    for (const Derived &d : std::as_const(m_derived)) {
        const QSet<QString> distinct(d.segments.cbegin(), d.segments.cend());
        for (const QString &segment : distinct)
            ++usage[segment];
    }
    for (Derived &d : m_derived) {
        int family = 0;
        for (const QString &segment : std::as_const(d.segments)) {
            const int n = usage.value(segment);
            family = family == 0 ? n : std::min(family, n);
        }
        d.family = family;
    }
}

qsizetype Catalog::indexOfHandle(const QString &handle) const
{
    return m_byHandle.value(handle, -1);
}

QList<qsizetype> Catalog::versionsOf(qsizetype i) const
{
    return m_groups.value(m_derived.at(i).group);
}

CacheState Catalog::cacheState(qsizetype i, const QSet<QString> &cachedKeys) const
{
    if (!m_entries.at(i).isLoadable())
        return CacheState::NotLoadable;
    if (cachedKeys.contains(m_derived.at(i).key))
        return CacheState::Cached;
    const QList<qsizetype> versions = versionsOf(i);
    for (const qsizetype v : versions) {
        if (v != i && cachedKeys.contains(m_derived.at(v).key))
            return CacheState::OtherVersionCached;
    }
    return CacheState::NotCached;
}

QStringList Catalog::words(const QString &text)
{
    return text.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

int Catalog::score(qsizetype i, const QStringList &words) const
{
    if (words.isEmpty())
        return 1;
    const Derived &d = m_derived.at(i);
    int total = 0;
    qsizetype nameTokensMatched = 0;
    for (const QString &w : words) {
        int best = 0;
        // The model name weighs most: a word that is a whole token of it ("bert" in
        // "bert_en_uncased", "yamnet") beats one that starts a token ("mobile" in "mobilenet"),
        // which beats any substring ("bert" in "albert").
        if (d.tokens.contains(w) || d.segments.contains(w)) {
            best = 30;
            nameTokensMatched += d.tokens.count(w);
        } else if (startsAtToken(d.model, w)) {
            best = 20;
        } else if (d.model.contains(w)) {
            best = 12;
        }
        if (d.publisher == w)
            best = std::max(best, 14);
        else if (d.publisher.contains(w))
            best = std::max(best, 6);
        best = std::max(best, listScore(d.tasks, w, 10, 6));
        best = std::max(best, listScore(d.architectures, w, 8, 4));
        best = std::max(best, listScore(d.datasets, w, 6, 3));
        if (best == 0 && (d.path.contains(w) || m_entries.at(i).handle.contains(w, Qt::CaseInsensitive)))
            best = 3; // e.g. "google/imagenet" or "tfhub.dev"
        if (best == 0)
            return 0;
        total += best;
    }
    // The words name the model exactly ("universal sentence encoder"): above the longer names
    // that contain them ("universal-sentence-encoder-large").
    if (!d.tokens.isEmpty() && nameTokensMatched >= d.tokens.size())
        total += 15;
    return total;
}

bool Catalog::matchesFilters(qsizetype i, const CatalogQuery &query, std::optional<Facet> except) const
{
    if (query.latestOnly && !m_derived.at(i).latest)
        return false;
    const CatalogEntry &e = m_entries.at(i);
    for (auto it = query.filters.cbegin(); it != query.filters.cend(); ++it) {
        if (it.value().isEmpty() || (except && *except == it.key()))
            continue;
        if (!facetValues(e, it.key()).contains(it.value(), Qt::CaseInsensitive))
            return false;
    }
    return true;
}

bool Catalog::ranksBefore(qsizetype a, int scoreA, qsizetype b, int scoreB) const
{
    // What hub.load() can use comes first, however well a variant or placeholder matches.
    const CatalogEntry &ea = m_entries.at(a);
    const CatalogEntry &eb = m_entries.at(b);
    if (ea.isLoadable() != eb.isLoadable())
        return ea.isLoadable();
    if (scoreA != scoreB)
        return scoreA > scoreB;
    const Derived &da = m_derived.at(a);
    const Derived &db = m_derived.at(b);
    if (da.latest != db.latest)
        return da.latest;
    if (da.family != db.family)
        return da.family > db.family;
    if (da.tokens.size() != db.tokens.size())
        return da.tokens.size() < db.tokens.size();
    if (ea.version != eb.version)
        return ea.version > eb.version;
    if (ea.path.size() != eb.path.size())
        return ea.path.size() < eb.path.size();
    if (ea.path != eb.path)
        return ea.path < eb.path;
    return ea.kind < eb.kind;
}

QList<qsizetype> Catalog::search(const CatalogQuery &query) const
{
    const QStringList w = words(query.text);
    QList<QPair<qsizetype, int>> hits;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (!matchesFilters(i, query))
            continue;
        if (const int s = score(i, w); s > 0)
            hits.append({ i, s });
    }
    if (w.isEmpty()) {
        std::sort(hits.begin(), hits.end(), [this](const auto &a, const auto &b) {
            const CatalogEntry &ea = m_entries.at(a.first);
            const CatalogEntry &eb = m_entries.at(b.first);
            return ea.path != eb.path ? ea.path < eb.path : ea.kind < eb.kind;
        });
    } else {
        std::sort(hits.begin(), hits.end(), [this](const auto &a, const auto &b) {
            return ranksBefore(a.first, a.second, b.first, b.second);
        });
    }
    QList<qsizetype> out;
    out.reserve(hits.size());
    for (const auto &h : std::as_const(hits))
        out.append(h.first);
    return out;
}

QList<FacetCount> Catalog::facetCounts(const CatalogQuery &query, Facet facet) const
{
    const QStringList w = words(query.text);
    QHash<QString, int> counts;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (!matchesFilters(i, query, facet) || score(i, w) == 0)
            continue;
        for (const QString &v : facetValues(m_entries.at(i), facet))
            ++counts[v];
    }
    QList<FacetCount> out;
    out.reserve(counts.size());
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        out.append({ it.key(), it.value() });
    std::sort(out.begin(), out.end(), [](const FacetCount &a, const FacetCount &b) {
        return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    return out;
}

QHash<QString, QString> Catalog::handlesByKey() const
{
    static const QString tfhub = QStringLiteral("https://tfhub.dev/");
    static const QString mirror = QStringLiteral("https://hub.tensorflow.google.cn/");
    QHash<QString, QString> byKey;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        const CatalogEntry &e = m_entries.at(i);
        if (!e.isLoadable())
            continue;
        QStringList spellings { e.handle };
        if (e.handle.startsWith(tfhub))
            spellings << mirror + e.handle.mid(tfhub.size());
        for (const QString &h : std::as_const(spellings)) {
            for (const QString &spelling : QStringList { h, h + QLatin1Char('/') }) {
                const QString key = spelling == e.handle ? m_derived.at(i).key : Handle::cacheKeyOf(spelling);
                byKey.insert(key, spelling);
            }
        }
    }
    return byKey;
}

QStringList Catalog::facetValues(const CatalogEntry &e, Facet facet)
{
    switch (facet) {
    case Facet::Publisher:
        return e.publisher.isEmpty() ? QStringList() : QStringList { e.publisher };
    case Facet::Task:
        return e.tasks;
    case Facet::Format:
        return e.format.isEmpty() ? QStringList() : QStringList { e.format };
    case Facet::Kind:
        return { catalog::kindName(e.kind) };
    case Facet::Language:
        return e.languages;
    case Facet::FineTunable:
        return e.fineTunable == FineTunable::Unknown
            ? QStringList()
            : QStringList { catalog::fineTunableName(e.fineTunable) };
    }
    return {};
}

QString Catalog::facetName(Facet facet)
{
    switch (facet) {
    case Facet::Publisher:
        return QStringLiteral("publisher");
    case Facet::Task:
        return QStringLiteral("task");
    case Facet::Format:
        return QStringLiteral("format");
    case Facet::Kind:
        return QStringLiteral("kind");
    case Facet::Language:
        return QStringLiteral("language");
    case Facet::FineTunable:
        return QStringLiteral("fine-tunable");
    }
    return QString();
}

QList<Facet> Catalog::allFacets()
{
    return { Facet::Publisher, Facet::Task, Facet::Format, Facet::Kind, Facet::Language, Facet::FineTunable };
}

} // namespace tfhub
