#pragma once

#include "core/cache/cacheentry.h"

#include <QString>
#include <QStyledItemDelegate>

namespace tfhub::ui {

/// How a handle reads in tables: the model path first (what differs between rows), the host as a
/// small badge, the full handle in tooltips and copies.
namespace modelname {

/// "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/5" ->
/// "google/imagenet/mobilenet_v2_100_224/classification/5"; a Kaggle handle loses its "models/"
/// prefix; a local folder stays whole; anything else is its URL path.
QString path(const QString &handle);
/// "tfhub.dev", "Kaggle", "cn mirror", "local server" (this machine), "folder", "GCS", or the
/// host of another server.
QString host(const QString &handle);
/// "image-classification" -> "image classification".
QString taskLabel(const QString &task);
/// Catalog formats: "saved_model_2" -> "SavedModel 2", "saved_model" -> "SavedModel 1",
/// "hub" -> "TF1 Hub".
QString catalogFormatLabel(const QString &format);
/// Cache formats: "SavedModel 2", "SavedModel 1", "TF1 Hub", "TFLite", "TF.js", "unknown".
QString formatLabel(ModelFormat format);

} // namespace modelname

/// Paints a model name cell: the text elided at its start (the ends of paths differ), and the
/// host of the handle in `handleRole` as a badge at the right.
class ModelNameDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    ModelNameDelegate(int handleRole, QObject *parent = nullptr);

    void paint(
        QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_handleRole;
};

} // namespace tfhub::ui
