#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace tfhub {

/// What a catalog document describes, from the first word of its first heading.
enum class CatalogKind : quint8 { Module, Lite, Tfjs, Coral, Placeholder, Collection, Publisher };
/// The `fine-tunable` tag; Unknown when the document has none.
enum class FineTunable : quint8 { Unknown, Yes, No };

/// One model version (or collection, or publisher) known to a catalog: facts only — names and
/// tags from the document's heading and metadata lines, never its prose.
struct CatalogEntry final
{
    CatalogKind kind = CatalogKind::Module;
    /// From the heading, HTML entities such as &zwnj; removed: "google/imagenet/x/classification/1".
    /// For an entry from a plain handle list: the handle without its scheme.
    QString path;
    QString publisher; ///< the first segment of the path
    QString model; ///< the path without publisher and version: "imagenet/x/classification"
    int version = 0; ///< the last segment when it is a number; 0 when there is none
    /// handleFor(kind, path) for documents; the exact text for an entry from a handle list.
    QString handle;
    QString format; ///< hub, saved_model, saved_model_2 (Modules only)
    QStringList tasks;
    QStringList architectures;
    QStringList datasets;
    QStringList languages;
    QString license;
    FineTunable fineTunable = FineTunable::Unknown;
    QString parentModel; ///< Lite/Tfjs/Coral: the model this is a variant of
    QStringList collections; ///< model ids (publisher/name) of the collections listing this model
    QString source; ///< which catalog it came from: empty for the bundled one, else a folder or file

    /// Only Modules are what hub.load() downloads and caches.
    bool isLoadable() const { return kind == CatalogKind::Module; }
    /// The path without its version: the same for every version of one model.
    QString modelId() const;
};

namespace catalog {
QString kindName(CatalogKind kind); ///< stable machine name: "module", "lite", ...
bool kindFromName(const QString &name, CatalogKind *kind); ///< accepts any case
QString kindLabel(CatalogKind kind); ///< translated
QList<CatalogKind> allKinds();
QString fineTunableName(FineTunable value); ///< "true", "false" or "" when unknown
/// The tfhub.dev address of a document's entry: https://tfhub.dev/<path>, except that a
/// collection lives at https://tfhub.dev/<publisher>/collections/<name>/<version> (as the
/// collections' own links show), which keeps it apart from a model of the same path.
QString handleFor(CatalogKind kind, const QString &path);
/// Fills publisher, model, version from `path` (segments split at '/'); returns false when a
/// segment is empty.
bool splitPath(const QString &path, CatalogEntry *entry);
} // namespace catalog

} // namespace tfhub
