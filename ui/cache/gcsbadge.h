#pragma once

#include <QWidget>

class QLabel;

namespace tfhub::ui {

class ElidedLabel;

/// A page header's line for a cache in Google Cloud Storage: a cloud icon, a "Cloud Storage"
/// badge drawn as the model names' host badge is, and the gs:// location. Hidden for a local
/// folder.
class GcsBadge final : public QWidget
{
    Q_OBJECT
public:
    explicit GcsBadge(QWidget *parent = nullptr);

    /// Shows `root` when it is a gs:// one, else hides the line.
    void setRoot(const QString &root);
    /// Without the location: the icon and the badge alone, beside a label that names the location
    /// already (the status bar).
    void setCompact(bool compact);
    /// The badge's word ("Cloud Storage").
    QString badgeText() const;
    /// The location shown (gs://bucket/prefix); empty for a local folder.
    QString location() const;

private:
    QLabel *m_icon;
    QWidget *m_badge;
    ElidedLabel *m_location;
};

} // namespace tfhub::ui
