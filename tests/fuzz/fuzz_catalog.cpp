// The catalog's Markdown importer and handle lists, fed arbitrary documents (an imported folder
// is anyone's files): entries or warnings, never a crash, and every entry it keeps has a handle
// that parses.

#include "core/catalog/catalogimporter.h"
#include "core/hub/handle.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString text = QString::fromUtf8(fuzz::bytes(data, size));
    QList<ImportWarning> warnings;
    QStringList members;
    const Result<CatalogEntry> entry
        = catalog::parseDocument(text, QStringLiteral("fuzz/doc.md"), &warnings, &members);
    if (!entry.ok())
        fuzz::check(entry.error().contains(QLatin1String("fuzz/doc.md")), "the error names the document",
            entry.error());
    for (const ImportWarning &w : std::as_const(warnings))
        fuzz::check(w.line >= 0, "warnings name a line or the whole file");

    const ImportReport list
        = catalog::parseHandleList(text, QStringLiteral("fuzz/list.txt"), QStringLiteral("fuzz"));
    fuzz::check(list.filesSkipped <= list.filesRead, "skipped lines are lines read");
    for (const CatalogEntry &e : list.entries)
        fuzz::check(Handle::parse(e.handle).ok(), "a listed handle that is kept parses", e.handle);
    return 0;
}
