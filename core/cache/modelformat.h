#pragma once

#include "core/cache/cacheentry.h"
#include "core/util/fsutil.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace tfhub::cache {

/// What a model folder holds, told without ever moving an access time.
struct ModelInfo final
{
    ModelFormat format = ModelFormat::Unknown;
    /// Holds a SavedModel, TF1 Hub module, TFLite or TF.js model. True also when the format could
    /// not be read (a file that is not ours: opening it would move its access time).
    bool loadable = false;
    bool formatUnread = false; ///< the format needs a file we may not read: `format` is Unknown
    QStringList loadFiles; ///< the present files hub.load() always reads, relative to the folder
    QStringList missingFiles; ///< required files of a SavedModel that are absent (requiredFiles)
};

/// Inspects a model folder from its listing (util::measure(folder, 1).listed): SavedModel (TF2
/// when a MetaGraphDef carries an object graph, protobuf field 7), TF1 Hub module
/// (tfhub_module.pb), TFLite, TF.js. Files are read only with O_NOATIME (util::openNoAtime).
/// An empty `folder` reads nothing (a listing from elsewhere, e.g. Cloud Storage): what needs a
/// file's content comes back as formatUnread.
ModelInfo inspect(const QString &folder, const QList<util::ListedName> &listing);

/// Reads up to `cap` bytes from the start of a model file (relative to the model folder) that is
/// not on this machine's disk (an object in Cloud Storage); nullopt when it cannot be read.
using ModelFileReader = std::function<std::optional<QByteArray>(const QString &relative, qint64 cap)>;

/// The most of a graph file inspect() reads through a ModelFileReader: a larger graph (large
/// embedded constants) leaves its TF1/TF2 format unread rather than being downloaded whole.
inline constexpr qint64 MaxGraphRead = 32 * 1024 * 1024;

/// The same rule as inspect(folder, listing), reading the few files it needs through `read`
/// (the graph, a TFLite header, model.json), for a listing from elsewhere.
ModelInfo inspect(const QList<util::ListedName> &listing, const ModelFileReader &read);

/// inspect()'s format, listing the folder itself.
ModelFormat detect(const QString &folder);

// One vocabulary for formats. Machine names (formatName(), e.g. "tf2-saved-model") are what JSON
// and options use; display names (formatLabel(), e.g. "TF2 SavedModel") are what tables and the
// GUI show; the tfhub.dev catalog's own words ("saved_model_2", kind "lite") map onto them here.

/// Every format a model can have, Unknown last.
QList<ModelFormat> allFormats();
/// The machine names of allFormats() except Unknown, for messages that list the valid values.
QStringList formatNames();
/// A machine name (or a catalog alias: hub, saved_model, saved_model_2, lite, tfjs), any case, back
/// to its format; false for anything else and for "unknown".
bool formatFromName(const QString &name, ModelFormat *format);
/// A display name (formatLabel()) back to its format; false for anything else.
bool formatFromLabel(const QString &label, ModelFormat *format);

/// How the tfhub.dev catalog says a format: a module's `format` tag or an entry kind.
struct CatalogFormat final
{
    QString format; ///< "hub", "saved_model", "saved_model_2"; empty for formats told by kind
    QString kind; ///< "module", "lite" or "tfjs"
};
CatalogFormat catalogFormat(ModelFormat format);
/// The format of a catalog entry from its `format` tag and kind name (coral models are TFLite).
ModelFormat formatOfCatalogEntry(const QString &formatTag, const QString &kindName);

/// True when tensorflow_hub (or TFLite / TF.js tooling) can load the folder.
bool isLoadable(ModelFormat format);

/// Whether a serialized SavedModel message has a MetaGraphDef with an object graph (field 7).
/// Returns false for malformed data.
bool savedModelHasObjectGraph(const QByteArray &savedModelPb);

/// The files hub.load() needs for a SavedModel folder: the graph, the variables index and every
/// `-of-N` weight shard the index implies, each with whether it is present.
struct RequiredFile final
{
    QString path; ///< relative to the model folder
    bool present = false;
};
QList<RequiredFile> requiredFiles(const QString &folder);
/// The same from the folder's listing (util::measure(folder, 1).listed), touching nothing.
QList<RequiredFile> requiredFiles(const QList<util::ListedName> &listing);

} // namespace tfhub::cache
