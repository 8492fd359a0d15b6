#pragma once

#include <QString>

namespace tfhub::hub {

/// How a handle reads in lists: the model path first (what differs between rows), the host apart.
/// "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5" ->
/// "google/imagenet/mobilenet_v2_100_224/classification/5"; a Kaggle handle loses its "models/"
/// prefix; a local folder stays whole; anything else is its URL path (and query).
QString modelPath(const QString &handle);
/// "tfhub.dev", "Kaggle", "cn mirror", "local server" (this machine), "folder", "GCS", or the
/// host of another server.
QString hostLabel(const QString &handle);

} // namespace tfhub::hub
