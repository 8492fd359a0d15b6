#pragma once

#include "core/prefetch/prefetchjob.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>

class QTimer;

namespace tfhub {
class DownloadQueue;
}

namespace tfhub::ui {

/// The jobs of a DownloadQueue as a table, one row per job in the order they were queued.
/// Finished jobs stay (dimmed) until the queue forgets them. Progress updates are collected and
/// reach the views as one dataChanged per flush, not one per job update.
class DownloadModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { HandleColumn, ProgressColumn, RateColumn, EtaColumn, StatusColumn, ColumnCount };

    enum Role {
        JobIdRole = Qt::UserRole + 1, ///< int: the queue's job id
        ReceivedRole, ///< qint64: archive bytes received
        TotalRole, ///< qint64: archive size, -1 when unknown
        PhaseRole, ///< int: PrefetchPhase
        FinishedRole, ///< bool
        PathRole, ///< QString: the model folder of a finished download, empty otherwise
        HandleRole, ///< QString: the full handle (the first column shows its model path)
        BarRole, ///< int: the progress bar's fill in thousandths; -1: no bar (queued, failed, cancelled)
    };

    /// Shows the jobs of `queue`, which must outlive the model.
    explicit DownloadModel(DownloadQueue *queue, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    int jobIdAt(int row) const;
    /// The row of job `id`, or -1.
    int rowOfJob(int id) const;
    /// Emits the pending dataChanged now (the flush otherwise follows within a tenth of a second).
    void flush();

    /// The words the Status column shows for a job in `progress` (and `result` once finished).
    static QString statusText(const PrefetchProgress &progress, const PrefetchResult &result, bool finished);
    /// "12.3 MiB / 40.0 MiB", or only the received bytes when the size is unknown.
    static QString bytesText(qint64 received, qint64 total);
    /// A failure in a few words ("Not found (HTTP 404)", "No space left on the disk"); the full
    /// message stays in the tooltip and the details.
    static QString shortReason(const QString &message);
    /// The colour of a failure's status text, readable on the current palette.
    static QColor failureColor();
    /// "42 s", "3 min 5 s", "2 h 10 min".
    static QString etaText(qint64 secs);
    /// The fill of a job's bar in thousandths, or -1 for none. Only a finished download is
    /// full: a failed one shows no bar, even when every byte arrived (a cut archive, say).
    static int barFill(PrefetchPhase phase, bool finished, qint64 received, qint64 total);

private:
    struct Row
    {
        int id = 0;
        QString handle;
        PrefetchProgress progress;
        PrefetchResult result;
        bool finished = false;
        QStringList warnings;
        /// While a retry waits: when it starts, so the row counts down to it.
        QDeadlineTimer retryAt { QDeadlineTimer::Forever };
    };

    void onJobAdded(int id);
    void onJobProgress(int id, const PrefetchProgress &progress);
    void onJobWarning(int id, const QString &message);
    void onJobFinished(int id, const PrefetchResult &result);
    void onJobRemoved(int id);
    Row rowFromQueue(int id) const;
    void rebuildIndex();
    void markDirty(int row);
    QString toolTip(const Row &row) const;
    QString liveStatusText(const Row &row) const;
    void countDown();

    DownloadQueue *m_queue;
    QList<Row> m_rows;
    QHash<int, int> m_rowOfId;
    QSet<int> m_dirtyRows;
    QTimer *m_flushTimer;
    QTimer *m_countdown;
};

} // namespace tfhub::ui
