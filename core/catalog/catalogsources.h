#pragma once

#include "core/catalog/catalog.h"
#include "core/catalog/catalogimporter.h"

#include <QStringList>

class QSettings;

namespace tfhub::catalog {

/// The user's extra catalogs (folders in the tfhub.dev format, or handle lists), in QSettings
/// under this key, shared by the GUI and the CLI.
QString sourcesSettingsKey();
QStringList extraSources(const QSettings &settings);
void setExtraSources(QSettings &settings, const QStringList &sources);
/// The settings file both programs use (the GUI's organisation and application names).
QString sharedSettingsOrganization();

/// The bundled catalog, then each extra source; a source that fails or warns adds a message
/// naming it (counts, not every line), and the rest still loads. Runs on any thread.
struct LoadResult final
{
    Catalog catalog;
    QStringList messages;
};
LoadResult loadAll(const QStringList &extraSources, bool includeBundled = true);

/// Catalog::handlesByKey() of the bundled catalog; empty when it cannot be read.
QHash<QString, QString> bundledHandlesByKey();

/// One line per warning of a report, "file:line: message".
QStringList describeWarnings(const ImportReport &report);

} // namespace tfhub::catalog
