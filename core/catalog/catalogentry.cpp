#include "core/catalog/catalogentry.h"

#include <QCoreApplication>

namespace tfhub {

QString CatalogEntry::modelId() const
{
    if (version <= 0)
        return path;
    return path.left(path.lastIndexOf(QLatin1Char('/')));
}

namespace catalog {

QString kindName(CatalogKind kind)
{
    switch (kind) {
    case CatalogKind::Module:
        return QStringLiteral("module");
    case CatalogKind::Lite:
        return QStringLiteral("lite");
    case CatalogKind::Tfjs:
        return QStringLiteral("tfjs");
    case CatalogKind::Coral:
        return QStringLiteral("coral");
    case CatalogKind::Placeholder:
        return QStringLiteral("placeholder");
    case CatalogKind::Collection:
        return QStringLiteral("collection");
    case CatalogKind::Publisher:
        return QStringLiteral("publisher");
    }
    return QString();
}

bool kindFromName(const QString &name, CatalogKind *kind)
{
    for (const CatalogKind k : allKinds()) {
        if (name.compare(kindName(k), Qt::CaseInsensitive) == 0) {
            *kind = k;
            return true;
        }
    }
    return false;
}

QString kindLabel(CatalogKind kind)
{
    switch (kind) {
    case CatalogKind::Module:
        return QCoreApplication::translate("tfhub::catalog", "Model");
    case CatalogKind::Lite:
        return QCoreApplication::translate("tfhub::catalog", "TFLite variant");
    case CatalogKind::Tfjs:
        return QCoreApplication::translate("tfhub::catalog", "TF.js variant");
    case CatalogKind::Coral:
        return QCoreApplication::translate("tfhub::catalog", "Coral variant");
    case CatalogKind::Placeholder:
        return QCoreApplication::translate("tfhub::catalog", "Placeholder");
    case CatalogKind::Collection:
        return QCoreApplication::translate("tfhub::catalog", "Collection");
    case CatalogKind::Publisher:
        return QCoreApplication::translate("tfhub::catalog", "Publisher");
    }
    return QString();
}

QList<CatalogKind> allKinds()
{
    return { CatalogKind::Module, CatalogKind::Lite, CatalogKind::Tfjs, CatalogKind::Coral,
        CatalogKind::Placeholder, CatalogKind::Collection, CatalogKind::Publisher };
}

QString fineTunableName(FineTunable value)
{
    switch (value) {
    case FineTunable::Yes:
        return QStringLiteral("true");
    case FineTunable::No:
        return QStringLiteral("false");
    case FineTunable::Unknown:
        break;
    }
    return QString();
}

QString handleFor(CatalogKind kind, const QString &path)
{
    static const QString prefix = QStringLiteral("https://tfhub.dev/");
    if (kind == CatalogKind::Collection) {
        const qsizetype slash = path.indexOf(QLatin1Char('/'));
        if (slash > 0)
            return prefix + path.left(slash) + QStringLiteral("/collections") + path.mid(slash);
    }
    return prefix + path;
}

bool splitPath(const QString &path, CatalogEntry *entry)
{
    const QStringList parts = path.split(QLatin1Char('/'));
    for (const QString &p : parts) {
        if (p.isEmpty())
            return false;
    }
    entry->publisher = parts.first();
    entry->version = 0;
    qsizetype end = parts.size();
    bool numeric = false;
    const int v = parts.size() > 1 ? parts.last().toInt(&numeric) : 0;
    if (numeric && v > 0) {
        entry->version = v;
        --end;
    }
    entry->model = parts.mid(1, end - 1).join(QLatin1Char('/'));
    return true;
}

} // namespace catalog
} // namespace tfhub
