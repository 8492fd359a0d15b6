#pragma once

#include <QObject>
#include <QString>

class QTimer;

namespace tfhub::ui {

class LiveCache;

/// The free space on the cache folder's volume: one figure, read in one place, that every page
/// shows (the window's status bar, the Usage page), so no two places disagree. One per LiveCache;
/// it reads again when the folder switches, when the cache changes and every few seconds.
class VolumeSpace final : public QObject
{
    Q_OBJECT
public:
    /// The VolumeSpace of `live`'s folder (made on first use, owned by `live`).
    static VolumeSpace *of(LiveCache *live);

    /// Bytes an unprivileged writer may still use; -1 when unknown, and for a gs:// cache.
    qint64 freeBytes() const { return m_free; }
    qint64 totalBytes() const { return m_total; }
    /// The figure as every page shows it, e.g. "12.3 GB"; "unknown" when it cannot be read.
    QString freeText() const;
    /// "12.3 GB free of 250 GB on /home".
    QString toolTip() const;

public Q_SLOTS:
    /// Reads the volume again (cheap: one statvfs).
    void refresh();

Q_SIGNALS:
    void changed();

private:
    explicit VolumeSpace(LiveCache *live);

    LiveCache *m_live;
    QTimer *m_later;
    qint64 m_free = -1;
    qint64 m_total = -1;
    QString m_mountPoint;
};

} // namespace tfhub::ui
