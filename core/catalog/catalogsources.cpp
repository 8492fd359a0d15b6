#include "core/catalog/catalogsources.h"

#include "core/catalog/catalogindex.h"

#include <QCoreApplication>
#include <QSettings>

namespace tfhub::catalog {

QString sourcesSettingsKey()
{
    return QStringLiteral("catalog/extraSources");
}

QStringList extraSources(const QSettings &settings)
{
    return settings.value(sourcesSettingsKey()).toStringList();
}

void setExtraSources(QSettings &settings, const QStringList &sources)
{
    if (sources.isEmpty())
        settings.remove(sourcesSettingsKey());
    else
        settings.setValue(sourcesSettingsKey(), sources);
    settings.sync();
}

QString sharedSettingsOrganization()
{
    return QStringLiteral("tfhub-cache-manager");
}

LoadResult loadAll(const QStringList &extra, bool includeBundled)
{
    LoadResult r;
    QList<CatalogEntry> all;
    if (includeBundled) {
        Result<QList<CatalogEntry>> bundled = loadBundledIndex();
        if (bundled)
            all = std::move(bundled).value();
        else
            r.messages << bundled.error();
    }
    for (const QString &source : extra) {
        Result<ImportReport> report = importSource(source);
        if (!report) {
            r.messages << report.error();
            continue;
        }
        if (!report->warnings.isEmpty())
            r.messages << QCoreApplication::translate(
                "tfhub::catalog", "%1: %n line(s) or file(s) skipped.", nullptr, int(report->warnings.size()))
                              .arg(source);
        all += std::move(report.value().entries);
    }
    r.catalog.append(std::move(all));
    return r;
}

QHash<QString, QString> bundledHandlesByKey()
{
    Result<QList<CatalogEntry>> entries = loadBundledIndex();
    return entries ? Catalog(std::move(entries).value()).handlesByKey() : QHash<QString, QString>();
}

QStringList describeWarnings(const ImportReport &report)
{
    QStringList out;
    out.reserve(report.warnings.size());
    for (const ImportWarning &w : report.warnings) {
        // Messages about a whole file already start with its name.
        if (w.line > 0)
            out << QStringLiteral("%1:%2: %3").arg(w.file).arg(w.line).arg(w.message);
        else
            out << w.message;
    }
    return out;
}

} // namespace tfhub::catalog
