#include "ui/downloads/downloadmodel.h"

#include "core/prefetch/downloadqueue.h"
#include "ui/widgets/modelname.h"

#include <QBrush>
#include <QGuiApplication>
#include <QIcon>
#include <QLocale>
#include <QPalette>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>

namespace tfhub::ui {

namespace {

// Ten flushes a second match the engine's own throttle: a view never repaints a row more often
// than its job reports.
constexpr int FlushIntervalMs = 100;

QIcon phaseIcon(PrefetchPhase phase)
{
    switch (phase) {
    case PrefetchPhase::Done:
        return QIcon(QStringLiteral(":/icons/state-complete.svg"));
    case PrefetchPhase::Failed:
        return QIcon(QStringLiteral(":/icons/state-error.svg"));
    case PrefetchPhase::Cancelled:
        return QIcon(QStringLiteral(":/icons/state-empty.svg"));
    case PrefetchPhase::WaitingForLock:
        return QIcon(QStringLiteral(":/icons/state-stale.svg"));
    case PrefetchPhase::Queued:
    case PrefetchPhase::Connecting:
    case PrefetchPhase::Downloading:
    case PrefetchPhase::Finalising:
        break;
    }
    return QIcon(QStringLiteral(":/icons/state-downloading.svg"));
}

} // namespace

DownloadModel::DownloadModel(DownloadQueue *queue, QObject *parent)
    : QAbstractTableModel(parent)
    , m_queue(queue)
    , m_flushTimer(new QTimer(this))
    , m_countdown(new QTimer(this))
{
    m_countdown->setInterval(1000);
    connect(m_countdown, &QTimer::timeout, this, &DownloadModel::countDown);
    Q_ASSERT(queue);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(FlushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &DownloadModel::flush);

    const QList<int> ids = m_queue->ids();
    for (const int id : ids)
        m_rows.append(rowFromQueue(id));
    rebuildIndex();

    connect(m_queue, &DownloadQueue::jobAdded, this, &DownloadModel::onJobAdded);
    connect(m_queue, &DownloadQueue::jobProgress, this, &DownloadModel::onJobProgress);
    connect(m_queue, &DownloadQueue::jobWarning, this, &DownloadModel::onJobWarning);
    connect(m_queue, &DownloadQueue::jobFinished, this, &DownloadModel::onJobFinished);
    connect(m_queue, &DownloadQueue::jobRemoved, this, &DownloadModel::onJobRemoved);
}

int DownloadModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int DownloadModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DownloadModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    const PrefetchProgress &p = row.progress;
    const bool running = !row.finished && p.phase != PrefetchPhase::Queued;

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case HandleColumn:
            return modelname::path(row.handle);
        case ProgressColumn:
            return p.received > 0 || p.total > 0 ? bytesText(p.received, p.total) : QString();
        case RateColumn:
            return running && p.phase == PrefetchPhase::Downloading && p.bytesPerSec > 0
                ? tr("%1/s").arg(QLocale().formattedDataSize(static_cast<qint64>(p.bytesPerSec)))
                : QString();
        case EtaColumn:
            return running && p.phase == PrefetchPhase::Downloading && p.etaSecs >= 0 ? etaText(p.etaSecs)
                                                                                      : QString();
        case StatusColumn:
            return liveStatusText(row);
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return phaseIcon(row.finished ? row.result.phase : p.phase);
        break;
    case Qt::ToolTipRole:
        return toolTip(row);
    case Qt::ForegroundRole:
        // A failure needs reading: red reason, row not dimmed like the finished ones.
        if (row.finished && row.result.phase == PrefetchPhase::Failed)
            return index.column() == StatusColumn ? QVariant(QBrush(failureColor())) : QVariant();
        if (row.finished)
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == RateColumn || index.column() == EtaColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case JobIdRole:
        return row.id;
    case ReceivedRole:
        return p.received;
    case TotalRole:
        return p.total;
    case PhaseRole:
        return static_cast<int>(row.finished ? row.result.phase : p.phase);
    case FinishedRole:
        return row.finished;
    case PathRole:
        return row.finished && row.result.phase == PrefetchPhase::Done ? row.result.path : QString();
    case HandleRole:
        return row.handle;
    case BarRole:
        return barFill(row.finished ? row.result.phase : p.phase, row.finished, p.received, p.total);
    }
    return {};
}

int DownloadModel::barFill(PrefetchPhase phase, bool finished, qint64 received, qint64 total)
{
    if (phase == PrefetchPhase::Queued || (finished && phase != PrefetchPhase::Done))
        return -1;
    if (phase == PrefetchPhase::Done)
        return 1000;
    if (total <= 0)
        return 0;
    // Until the job is done the bar stops short of full: all bytes in is not yet a model.
    return static_cast<int>(std::min<qint64>(std::min(received, total) * 1000 / total, 999));
}

QString DownloadModel::liveStatusText(const Row &row) const
{
    // A waiting retry counts down to the moment it starts again.
    if (!row.finished && row.progress.phase == PrefetchPhase::Connecting && !row.retryAt.isForever()) {
        const qint64 ms = row.retryAt.remainingTime();
        return tr("retrying in %1 s").arg(std::max<qint64>(1, (ms + 999) / 1000));
    }
    return statusText(row.progress, row.result, row.finished);
}

void DownloadModel::countDown()
{
    bool waiting = false;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (!m_rows.at(i).retryAt.isForever()) {
            waiting = true;
            markDirty(i);
        }
    }
    if (!waiting)
        m_countdown->stop();
}

QVariant DownloadModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case HandleColumn:
        return tr("Model");
    case ProgressColumn:
        return tr("Progress");
    case RateColumn:
        return tr("Rate");
    case EtaColumn:
        return tr("Time Left");
    case StatusColumn:
        return tr("Status");
    }
    return {};
}

int DownloadModel::jobIdAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id : 0;
}

int DownloadModel::rowOfJob(int id) const
{
    return m_rowOfId.value(id, -1);
}

QString DownloadModel::statusText(
    const PrefetchProgress &progress, const PrefetchResult &result, bool finished)
{
    if (finished) {
        switch (result.phase) {
        case PrefetchPhase::Done:
            return result.alreadyCached ? tr("already cached") : tr("done");
        case PrefetchPhase::Failed:
            return result.message.isEmpty() ? tr("failed") : shortReason(result.message);
        default:
            return tr("cancelled");
        }
    }
    switch (progress.phase) {
    case PrefetchPhase::WaitingForLock:
        // The engine's detail already reads "waiting for another download: …".
        return progress.detail.isEmpty() ? phaseName(progress.phase) : progress.detail;
    case PrefetchPhase::Connecting:
        // "retrying in 4 s: <why>": the wait is what the row must say; the reason is in the tooltip.
        if (progress.detail.startsWith(tr("retrying in")))
            return progress.detail.section(QLatin1Char(':'), 0, 0);
        return progress.detail.isEmpty() ? phaseName(progress.phase)
                                         : tr("%1 (%2)").arg(phaseName(progress.phase), progress.detail);
    case PrefetchPhase::Downloading:
        return progress.attempt > 1
            ? tr("%1 (attempt %2)").arg(phaseName(progress.phase)).arg(progress.attempt)
            : phaseName(progress.phase);
    default:
        return phaseName(progress.phase);
    }
}

QColor DownloadModel::failureColor()
{
    // Red that reads on the light and the dark palette alike.
    return QGuiApplication::palette().color(QPalette::Base).lightness() < 128 ? QColor(0xff, 0x6b, 0x6b)
                                                                              : QColor(0xc0, 0x1c, 0x28);
}

QString DownloadModel::shortReason(const QString &message)
{
    static const QRegularExpression http(QStringLiteral("HTTP (\\d{3})(?: ([A-Za-z][A-Za-z -]*[A-Za-z]))?"));
    const QString lower = message.toLower();
    if (const QRegularExpressionMatch m = http.match(message); m.hasMatch()) {
        const QString code = m.captured(1);
        QString words = m.captured(2);
        if (code == QLatin1String("404"))
            words = tr("Not found");
        else if (code == QLatin1String("403") || code == QLatin1String("401"))
            words = tr("Access denied");
        return words.isEmpty() ? tr("HTTP %1").arg(code) : tr("%1 (HTTP %2)").arg(words, code);
    }
    if (lower.contains(QLatin1String("no space left")))
        return tr("No space left on the disk");
    if (lower.contains(QLatin1String("gzip")) || lower.contains(QLatin1String("crc"))
        || lower.contains(QLatin1String("checksum")))
        return tr("Archive damaged: gzip checksum");
    if (lower.contains(QLatin1String("truncated")) || lower.contains(QLatin1String("unexpected end")))
        return tr("Archive damaged: cut short");
    if (lower.contains(QLatin1String("archive"))
        && (lower.contains(QLatin1String("damaged")) || lower.contains(QLatin1String("corrupt"))
            || lower.contains(QLatin1String("invalid"))))
        return tr("Archive damaged");
    if (lower.contains(QLatin1String("host not found")) || lower.contains(QLatin1String("name resolution"))
        || lower.contains(QLatin1String("not resolve")))
        return tr("Host not found");
    if (lower.contains(QLatin1String("connection refused")))
        return tr("Connection refused");
    if (lower.contains(QLatin1String("stall")) || lower.contains(QLatin1String("timed out")))
        return tr("No data arrived in time");
    if (lower.contains(QLatin1String("permission denied")))
        return tr("Permission denied");
    // Otherwise the first sentence, which names the failure; the rest is in the tooltip.
    QString first = message.section(QLatin1String(": "), 0, 0).section(QLatin1String(". "), 0, 0);
    if (first.size() > 48)
        first = first.left(47) + QChar(0x2026);
    return first;
}

QString DownloadModel::bytesText(qint64 received, qint64 total)
{
    const QLocale locale;
    if (total <= 0)
        return locale.formattedDataSize(received);
    return tr("%1 / %2").arg(locale.formattedDataSize(received), locale.formattedDataSize(total));
}

QString DownloadModel::etaText(qint64 secs)
{
    if (secs < 60)
        return tr("%n s", nullptr, static_cast<int>(secs));
    if (secs < 3600)
        return tr("%1 min %2 s").arg(secs / 60).arg(secs % 60);
    if (secs < 100 * 3600)
        return tr("%1 h %2 min").arg(secs / 3600).arg(secs % 3600 / 60);
    return tr("more than 4 days");
}

void DownloadModel::flush()
{
    m_flushTimer->stop();
    if (m_dirtyRows.isEmpty())
        return;
    const auto [first, last] = std::minmax_element(m_dirtyRows.cbegin(), m_dirtyRows.cend());
    const int top = *first;
    const int bottom = *last;
    m_dirtyRows.clear();
    Q_EMIT dataChanged(index(top, 0), index(bottom, ColumnCount - 1));
}

void DownloadModel::onJobAdded(int id)
{
    if (m_rowOfId.contains(id))
        return;
    const int row = static_cast<int>(m_rows.size());
    beginInsertRows(QModelIndex(), row, row);
    m_rows.append(rowFromQueue(id));
    m_rowOfId.insert(id, row);
    endInsertRows();
}

void DownloadModel::onJobProgress(int id, const PrefetchProgress &progress)
{
    const int row = rowOfJob(id);
    if (row < 0)
        return;
    Row &r = m_rows[row];
    r.progress = progress;
    // "retrying in 4 s: <why>" from the engine: the row counts the seconds down.
    static const QRegularExpression retrying(QStringLiteral("^retrying in (\\d+) s"));
    const QRegularExpressionMatch m = progress.phase == PrefetchPhase::Connecting
        ? retrying.match(progress.detail)
        : QRegularExpressionMatch();
    r.retryAt = m.hasMatch() ? QDeadlineTimer(m.captured(1).toLongLong() * 1000)
                             : QDeadlineTimer(QDeadlineTimer::Forever);
    if (m.hasMatch() && !m_countdown->isActive())
        m_countdown->start();
    // A retried job reports itself queued again: it is no longer finished.
    if (r.finished && !m_queue->isFinished(id)) {
        r.finished = false;
        r.result = PrefetchResult();
        r.warnings.clear();
    }
    markDirty(row);
}

void DownloadModel::onJobWarning(int id, const QString &message)
{
    const int row = rowOfJob(id);
    if (row < 0)
        return;
    m_rows[row].warnings.append(message);
    markDirty(row);
}

void DownloadModel::onJobFinished(int id, const PrefetchResult &result)
{
    const int row = rowOfJob(id);
    if (row < 0)
        return;
    Row &r = m_rows[row];
    r.result = result;
    r.finished = true;
    r.retryAt = QDeadlineTimer(QDeadlineTimer::Forever);
    r.progress.phase = result.phase;
    // Finishing is rare and final: it shows at once, without waiting for the next flush.
    markDirty(row);
    flush();
}

void DownloadModel::onJobRemoved(int id)
{
    const int row = rowOfJob(id);
    if (row < 0)
        return;
    // Pending updates name rows by number, which the removal shifts.
    flush();
    beginRemoveRows(QModelIndex(), row, row);
    m_rows.removeAt(row);
    rebuildIndex();
    endRemoveRows();
}

DownloadModel::Row DownloadModel::rowFromQueue(int id) const
{
    Row r;
    r.id = id;
    r.handle = m_queue->handleOf(id);
    r.progress = m_queue->progressOf(id);
    r.finished = m_queue->isFinished(id);
    if (r.finished)
        r.result = m_queue->resultOf(id);
    return r;
}

void DownloadModel::rebuildIndex()
{
    m_rowOfId.clear();
    for (int row = 0; row < m_rows.size(); ++row)
        m_rowOfId.insert(m_rows.at(row).id, row);
}

void DownloadModel::markDirty(int row)
{
    m_dirtyRows.insert(row);
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

QString DownloadModel::toolTip(const Row &row) const
{
    QStringList lines { row.handle };
    if (row.finished) {
        switch (row.result.phase) {
        case PrefetchPhase::Done:
            if (!row.result.path.isEmpty())
                lines << tr("Saved in %1").arg(row.result.path);
            break;
        case PrefetchPhase::Failed:
            lines << tr("Failed: %1").arg(row.result.message);
            break;
        default:
            lines << tr("Cancelled.");
            break;
        }
        for (const QString &warning : row.result.warnings)
            lines << warning;
    } else if (!row.progress.detail.isEmpty()) {
        lines << row.progress.detail;
    }
    for (const QString &warning : row.warnings) {
        if (!lines.contains(warning))
            lines << warning;
    }
    return lines.join(u'\n');
}

} // namespace tfhub::ui
