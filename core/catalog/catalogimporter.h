#pragma once

#include "core/catalog/catalogentry.h"
#include "core/util/result.h"

#include <QList>
#include <QString>

namespace tfhub {

/// Something in a catalog source that was skipped; never a failure of the whole import.
struct ImportWarning final
{
    QString file; ///< the document or list, relative to the imported folder
    int line = 0; ///< 1-based; 0 for the whole file
    QString message;
};

/// What importing one folder or handle list produced.
struct ImportReport final
{
    QList<CatalogEntry> entries;
    QList<ImportWarning> warnings;
    int filesRead = 0; ///< documents (or list lines) looked at
    int filesSkipped = 0; ///< documents (or list lines) that gave no entry
    int metadataSkipped = 0; ///< unknown or malformed metadata lines in documents that were kept

    int countOf(CatalogKind kind) const;
};

/// Reads catalogs in tfhub.dev's published documentation format (one Markdown file per model
/// version) and plain handle lists. Trusts each document's first heading, not its path: the path
/// of a file says nothing reliable about what it describes. Pure functions, any thread.
namespace catalog {

/// Parses one document. Metadata problems are appended to `warnings` (with `fileName`) and the
/// line skipped; a document without a usable heading is an error naming the file and the cause.
/// `members` receives the model ids a Collection document links to.
Result<CatalogEntry> parseDocument(const QString &text, const QString &fileName,
    QList<ImportWarning> *warnings, QStringList *members = nullptr);

/// Every *.md file below `dir`, in a stable order; fills each entry's collections. Only a folder
/// that cannot be read at all is an error. `source` is stored in each entry.
Result<ImportReport> importFolder(const QString &dir, const QString &source);

/// A text file with one handle a line ('#' starts a comment, blank lines ignored). Any handle is
/// fine, in the catalog or not; malformed ones are skipped with a warning.
Result<ImportReport> importHandleList(const QString &file, const QString &source);
ImportReport parseHandleList(const QString &text, const QString &fileName, const QString &source);

/// A folder is imported as documents, a file as a handle list.
Result<ImportReport> importSource(const QString &path);

} // namespace catalog
} // namespace tfhub
