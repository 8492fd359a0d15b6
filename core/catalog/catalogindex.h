#pragma once

#include "core/catalog/catalogentry.h"
#include "core/util/result.h"

#include <QByteArray>
#include <QList>

namespace tfhub::catalog {

/// The compact catalog index, bundled as :/catalog/tfhub-dev.tsv and written by
/// `tfhub-cache catalog build-index DIR OUT`. Facts only. UTF-8 text, one entry a line:
///
///   line 1:  "tfhub-catalog-index" TAB <format version, now 1>
///   then:    kind TAB path TAB format TAB tasks TAB architectures TAB datasets TAB languages
///            TAB license TAB fine-tunable TAB parent-model TAB collections
///
/// kind is a kindName() ("module", "lite", ...); lists are comma-separated; fine-tunable is "true",
/// "false" or empty; an empty field is an absent value. Handle, publisher, model and version are
/// derived from the path (handle = https://tfhub.dev/<path>), so they are not stored. A reader
/// rejects another format version, and a line with another number of fields.
QByteArray writeIndex(const QList<CatalogEntry> &entries);
/// Parses an index; `name` names it in error messages. `source` is stored in each entry.
Result<QList<CatalogEntry>> readIndex(
    const QByteArray &data, const QString &name, const QString &source = QString());
/// The index compiled into the program.
Result<QList<CatalogEntry>> loadBundledIndex();

constexpr int IndexVersion = 1;

} // namespace tfhub::catalog
