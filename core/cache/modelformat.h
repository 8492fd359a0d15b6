#pragma once

#include "core/cache/cacheentry.h"

#include <QByteArray>
#include <QString>

namespace tfhub::cache {

/// Detects the format of a model folder: SavedModel (TF2 when a MetaGraphDef carries an object
/// graph, protobuf field 7), TF1 Hub module (tfhub_module.pb), TFLite, TF.js, or Unknown.
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

} // namespace tfhub::cache
