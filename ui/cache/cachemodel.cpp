#include "ui/cache/cachemodel.h"

#include "core/util/humanize.h"
#include "ui/widgets/modelname.h"

#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QPainter>
#include <QPixmap>
#include <QSet>

#include <algorithm>
#include <limits>

namespace tfhub::ui {

namespace {

// Invalid times sort before every real one instead of comparing as equal to the epoch.
qint64 sortableTime(const QDateTime &when)
{
    return when.isValid() ? when.toMSecsSinceEpoch() : std::numeric_limits<qint64>::min();
}

QString exactTime(const QDateTime &when)
{
    return when.isValid() ? QLocale().toString(when, QLocale::LongFormat) : QString();
}

// Emits one dataChanged per run of consecutive rows, so a rescan that touches most rows costs a
// handful of signals rather than one per row.
template<class Emit> void forEachRun(QList<int> rows, Emit emitRun)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype j = i;
        while (j + 1 < rows.size() && rows.at(j + 1) == rows.at(j) + 1)
            ++j;
        emitRun(rows.at(i), rows.at(j));
        i = j + 1;
    }
}

// The roles of a column that shows a time: relative for reading, exact in the tooltip.
QVariant timeData(const QDateTime &when, int role)
{
    switch (role) {
    case Qt::DisplayRole:
        return when.isValid() ? util::relativeTime(when) : QString();
    case CacheModel::SortRole:
        return sortableTime(when);
    case Qt::ToolTipRole:
        return exactTime(when);
    }
    return {};
}

// The engine reports no access time where the mount does not record one (noatime) and never
// makes one up; a modification time in its place would claim a use that may never have happened.
QVariant lastUsedData(const CacheEntry &entry, int role, bool cloudStorage)
{
    if (entry.lastAccessed.isValid())
        return timeData(entry.lastAccessed, role);
    switch (role) {
    case Qt::DisplayRole:
        return cloudStorage ? CacheModel::tr("not available") : CacheModel::tr("unknown");
    case CacheModel::SortRole:
        // After every real time; CacheFilterProxy keeps it last when sorting newest first too.
        return CacheModel::UnknownTime;
    case Qt::ToolTipRole:
        return cloudStorage
            ? CacheModel::tr("Not available on Cloud Storage: objects record when they were "
                             "written, never when they were read")
            : CacheModel::tr("The file system does not record when files are read (mounted with noatime)");
    }
    return {};
}

QVariant pinnedData(bool pinned, int role)
{
    switch (role) {
    case Qt::DecorationRole:
        if (pinned) {
            static const QIcon icon(QStringLiteral(":/icons/pinned.svg"));
            return icon;
        }
        return {};
    case CacheModel::SortRole:
        return qint64(pinned ? 1 : 0);
    case Qt::ToolTipRole:
        return pinned ? CacheModel::tr("Pinned: no cleanup rule removes it") : QVariant();
    case Qt::AccessibleTextRole:
        return pinned ? CacheModel::tr("pinned") : CacheModel::tr("not pinned");
    }
    return {};
}

// A Verify that found changes holds the State column until it is fixed: the scan cannot see a
// changed byte, so without the mark the row would go back to "Complete".
QVariant verifyMarkData(const CacheEntry &e, const VerifyMark &mark, int role)
{
    switch (role) {
    case Qt::DisplayRole:
        return CacheModel::tr("Verify failed");
    case Qt::DecorationRole: {
        static const QIcon icon(QStringLiteral(":/icons/state-warning.svg"));
        return icon;
    }
    case Qt::ToolTipRole:
        return CacheModel::tr("Verify on %1 found files that differ from the download (%2).\n"
                              "Prefetch Again replaces them; Verify again after restoring them clears "
                              "this mark.\nState as scanned: %3")
            .arg(QLocale().toString(mark.checked.toLocalTime(), QLocale::ShortFormat), mark.summary,
                stateLabel(e.state));
    case Qt::AccessibleTextRole:
        return CacheModel::tr("changed since download: %1").arg(mark.summary);
    }
    return {};
}

} // namespace

CacheModel::CacheModel(QObject *parent) : QAbstractTableModel(parent) { }

int CacheModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

int CacheModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString CacheModel::displayName(const CacheEntry &entry)
{
    if (!entry.handle.isEmpty())
        return modelname::path(entry.handle);
    if (entry.state == EntryState::Foreign)
        return entry.key;
    return tr("Unknown model %1").arg(entry.key);
}

namespace {
// Broken has its own mark, apart from not-loadable's cross: a red disc with a crack, drawn
// here so it needs no theme or resource.
QIcon brokenIcon()
{
    QIcon icon;
    for (const int size : { 16, 24, 32, 48 }) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(0xd9, 0x3a, 0x1e));
        p.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
        QPen crack(Qt::white, std::max(1.5, size / 10.0), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
        p.setPen(crack);
        const double s = size;
        const QPointF points[] = { { s * 0.55, s * 0.18 }, { s * 0.40, s * 0.45 }, { s * 0.60, s * 0.55 },
            { s * 0.45, s * 0.82 } };
        p.drawPolyline(points, 4);
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}
} // namespace

QIcon CacheModel::stateIcon(EntryState state)
{
    const char *name = "foreign";
    switch (state) {
    case EntryState::Complete:
        name = "complete";
        break;
    case EntryState::EmptyFolder:
        name = "empty";
        break;
    case EntryState::Downloading:
        name = "downloading";
        break;
    case EntryState::StaleLock:
    case EntryState::AbandonedPartial:
        name = "stale";
        break;
    case EntryState::OrphanDescriptor:
        name = "warning";
        break;
    case EntryState::NotLoadable:
        name = "error";
        break;
    case EntryState::Broken: {
        static const QIcon broken = brokenIcon();
        return broken;
    }
    case EntryState::Foreign:
        break;
    }
    // Loaded once per name: the table asks for the icon on every paint.
    static QHash<QString, QIcon> cache;
    const QString path = QStringLiteral(":/icons/state-") + QLatin1String(name) + QStringLiteral(".svg");
    auto it = cache.find(path);
    if (it == cache.end())
        it = cache.insert(path, QIcon(path));
    return it.value();
}

QString CacheModel::shortStateLabel(EntryState state)
{
    switch (state) {
    case EntryState::AbandonedPartial:
        return tr("Abandoned");
    case EntryState::OrphanDescriptor:
        return tr("Orphaned");
    case EntryState::Foreign:
        return tr("Not ours");
    default:
        return stateLabel(state);
    }
}

QStringList CacheModel::widestTexts(int column)
{
    const QDateTime now = QDateTime::currentDateTime();
    QStringList texts;
    switch (column) {
    case SizeColumn:
        return { QLocale().formattedDataSize(qint64(999'900'000'000)),
            QLocale().formattedDataSize(1023 * 1024) };
    case FilesColumn:
        return { QLocale().toString(99999) };
    case FormatColumn:
        for (const ModelFormat f : allFormats())
            texts << modelname::formatLabel(f);
        return texts;
    case StateColumn:
        for (const EntryState s : allStates())
            texts << shortStateLabel(s);
        return texts << tr("Verify failed");
    case DownloadedColumn:
    case LastUsedColumn:
        for (const qint64 secs : { 59 * 60, 23 * 3600, 30 * 86400, 11 * 30 * 86400, 20 * 365 * 86400 })
            texts << util::relativeTime(now.addSecs(-secs));
        return texts << tr("unknown") << tr("not available");
    }
    return texts;
}

void CacheModel::setCloudStorage(bool cloud)
{
    if (cloud == m_cloudStorage)
        return;
    m_cloudStorage = cloud;
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, LastUsedColumn), index(rowCount() - 1, LastUsedColumn));
}

void CacheModel::setVerifyMarks(const QHash<QString, VerifyMark> &marks)
{
    QSet<QString> touched;
    for (auto it = marks.cbegin(); it != marks.cend(); ++it) {
        const auto old = m_marks.constFind(it.key());
        if (old == m_marks.cend() || old->summary != it->summary || old->checked != it->checked)
            touched.insert(it.key());
    }
    for (auto it = m_marks.cbegin(); it != m_marks.cend(); ++it) {
        if (!marks.contains(it.key()))
            touched.insert(it.key());
    }
    m_marks = marks;
    QList<int> rows;
    for (const QString &key : std::as_const(touched)) {
        if (const int row = rowOfKey(key); row >= 0)
            rows.append(row);
    }
    forEachRun(rows, [this](int first, int last) {
        Q_EMIT dataChanged(index(first, StateColumn), index(last, StateColumn));
    });
}

void CacheModel::setPinnedKeys(const QSet<QString> &keys)
{
    m_pinned = keys;
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QVariant CacheModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const CacheEntry &e = m_entries.at(index.row());

    if (role == EntryRole)
        return QVariant::fromValue(e);
    if (role == KeyRole)
        return e.key;
    if (role == PinnedRole)
        return m_pinned.contains(e.key);
    if (role == HandleRole)
        return e.handle;
    if (role == VerifyMarkRole)
        return m_marks.value(e.key).summary;
    if (index.column() == StateColumn) {
        if (const auto mark = m_marks.constFind(e.key); mark != m_marks.cend()) {
            if (const QVariant v = verifyMarkData(e, *mark, role); v.isValid())
                return v;
        }
    }

    switch (index.column()) {
    case HandleColumn:
        switch (role) {
        case Qt::DisplayRole:
        case SortRole:
            return m_names.at(index.row());
        case Qt::ToolTipRole:
            if (e.handle.isEmpty())
                return tr("No descriptor, manifest, download, catalog entry or past prefetch names this "
                          "entry's handle.\nKey: %1")
                    .arg(e.key);
            return e.handleSource.isEmpty() || e.handleSource == QLatin1String("descriptor")
                ? tr("%1\nKey: %2").arg(e.handle, e.key)
                : tr("%1\nKey: %2\nName from: %3").arg(e.handle, e.key, e.handleSource);
        case Qt::FontRole:
            if (e.handle.isEmpty()) {
                QFont font;
                font.setItalic(true);
                return font;
            }
            return {};
        }
        break;
    case SizeColumn:
        switch (role) {
        case Qt::DisplayRole:
            return QLocale().formattedDataSize(e.diskBytes);
        case SortRole:
            return e.diskBytes;
        case Qt::ToolTipRole:
            return tr("%1 on disk, %2 of data")
                .arg(QLocale().formattedDataSize(e.diskBytes), QLocale().formattedDataSize(e.bytes));
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        break;
    case FilesColumn:
        switch (role) {
        case Qt::DisplayRole:
            return QLocale().toString(e.files);
        case SortRole:
            return e.files;
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        }
        break;
    case FormatColumn:
        switch (role) {
        case Qt::DisplayRole:
        case SortRole:
            return modelname::formatLabel(e.format);
        case Qt::ToolTipRole:
            return formatLabel(e.format);
        }
        break;
    case StateColumn:
        switch (role) {
        case Qt::DisplayRole:
            return shortStateLabel(e.state);
        case SortRole:
            return static_cast<qint64>(e.state);
        case Qt::DecorationRole:
            return stateIcon(e.state);
        case Qt::ToolTipRole:
            return e.stateDetail.isEmpty() ? stateExplanation(e.state)
                                           : stateExplanation(e.state) + u'\n' + e.stateDetail;
        }
        break;
    case DownloadedColumn:
        return timeData(e.downloaded, role);
    case LastUsedColumn:
        return lastUsedData(e, role, m_cloudStorage);
    case PinnedColumn:
        return pinnedData(m_pinned.contains(e.key), role);
    }
    return {};
}

QVariant CacheModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    // Every column has a name for screen readers and the header's column menu, the icon-only
    // pin column included.
    if (role == Qt::AccessibleTextRole)
        return section == PinnedColumn ? tr("Pinned") : headerData(section, orientation, Qt::DisplayRole);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case HandleColumn:
            return tr("Model");
        case SizeColumn:
            return tr("Size");
        case FilesColumn:
            return tr("Files");
        case FormatColumn:
            return tr("Format");
        case StateColumn:
            return tr("State");
        case DownloadedColumn:
            return tr("Downloaded");
        case LastUsedColumn:
            return tr("Last used");
        case PinnedColumn:
            return QString(); // a narrow icon column: the header's icon and tooltip name it
        }
    } else if (role == Qt::DecorationRole && section == PinnedColumn) {
        static const QIcon icon(QStringLiteral(":/icons/pinned.svg"));
        return icon;
    } else if (role == Qt::ToolTipRole) {
        switch (section) {
        case PinnedColumn:
            return tr("Pinned: no cleanup rule removes these entries");
        case SizeColumn:
            return tr("Space the entry takes on disk, leftovers included");
        case FilesColumn:
            return tr("Regular files in the model folder");
        case LastUsedColumn:
            return tr("Last access as far as the file system records it; unknown where it does not");
        }
    } else if (role == Qt::TextAlignmentRole && (section == SizeColumn || section == FilesColumn)) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

void CacheModel::setEntries(const QList<CacheEntry> &entries)
{
    beginResetModel();
    m_entries.clear();
    m_entries.reserve(entries.size());
    QSet<QString> seen;
    // Reverse so that the last occurrence of a duplicated key wins, as in upsertEntries.
    for (auto it = entries.crbegin(); it != entries.crend(); ++it) {
        if (!seen.contains(it->key)) {
            seen.insert(it->key);
            m_entries.append(*it);
        }
    }
    std::reverse(m_entries.begin(), m_entries.end());
    m_names.clear();
    m_names.reserve(m_entries.size());
    for (const CacheEntry &e : std::as_const(m_entries))
        m_names.append(displayName(e));
    rebuildIndex();
    endResetModel();
}

void CacheModel::upsertEntries(const QList<CacheEntry> &entries)
{
    QList<int> changedRows;
    QList<CacheEntry> added;
    QHash<QString, qsizetype> addedIndex;
    for (const CacheEntry &entry : entries) {
        if (const auto it = m_rowOfKey.constFind(entry.key); it != m_rowOfKey.cend()) {
            CacheEntry &existing = m_entries[it.value()];
            m_totalDiskBytes += entry.diskBytes - existing.diskBytes;
            existing = entry;
            m_names[it.value()] = displayName(entry);
            changedRows.append(it.value());
        } else if (const auto at = addedIndex.constFind(entry.key); at != addedIndex.cend()) {
            added[at.value()] = entry;
        } else {
            addedIndex.insert(entry.key, added.size());
            added.append(entry);
        }
    }

    forEachRun(changedRows,
        [this](int first, int last) { Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1)); });

    if (!added.isEmpty()) {
        const int first = static_cast<int>(m_entries.size());
        beginInsertRows(QModelIndex(), first, first + static_cast<int>(added.size()) - 1);
        for (const CacheEntry &entry : std::as_const(added)) {
            m_rowOfKey.insert(entry.key, static_cast<int>(m_entries.size()));
            m_totalDiskBytes += entry.diskBytes;
            m_entries.append(entry);
            m_names.append(displayName(entry));
        }
        endInsertRows();
    }
}

void CacheModel::removeKeys(const QStringList &keys)
{
    QList<int> rows;
    for (const QString &key : keys) {
        if (const int row = rowOfKey(key); row >= 0)
            rows.append(row);
    }
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // From the bottom up, one signal pair per run, so earlier row numbers stay valid.
    for (qsizetype i = rows.size() - 1; i >= 0;) {
        qsizetype j = i;
        while (j > 0 && rows.at(j - 1) == rows.at(j) - 1)
            --j;
        const int first = rows.at(j);
        const int last = rows.at(i);
        beginRemoveRows(QModelIndex(), first, last);
        m_entries.remove(first, last - first + 1);
        m_names.remove(first, last - first + 1);
        rebuildIndex();
        endRemoveRows();
        i = j - 1;
    }
}

void CacheModel::clear()
{
    if (m_entries.isEmpty())
        return;
    beginResetModel();
    m_entries.clear();
    m_names.clear();
    rebuildIndex();
    endResetModel();
}

const CacheEntry &CacheModel::entryAt(int row) const
{
    Q_ASSERT(row >= 0 && row < m_entries.size());
    return m_entries.at(row);
}

int CacheModel::rowOfKey(const QString &key) const
{
    return m_rowOfKey.value(key, -1);
}

QStringList CacheModel::keys() const
{
    QStringList result;
    result.reserve(m_entries.size());
    for (const CacheEntry &entry : m_entries)
        result.append(entry.key);
    return result;
}

void CacheModel::rebuildIndex()
{
    m_rowOfKey.clear();
    m_rowOfKey.reserve(m_entries.size());
    m_totalDiskBytes = 0;
    for (int row = 0; row < m_entries.size(); ++row) {
        m_rowOfKey.insert(m_entries.at(row).key, row);
        m_totalDiskBytes += m_entries.at(row).diskBytes;
    }
}

} // namespace tfhub::ui
