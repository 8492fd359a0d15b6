#pragma once

#include "core/cache/cacheentry.h"
#include "core/util/fsutil.h"

#include <QByteArray>
#include <QString>

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
ModelInfo inspect(const QString &folder, const QList<util::ListedName> &listing);

/// inspect()'s format, listing the folder itself.
ModelFormat detect(const QString &folder);

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
