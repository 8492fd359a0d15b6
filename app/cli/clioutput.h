#pragma once

#include "core/cache/cacheentry.h"
#include "core/hub/hubsettings.h"

#include <QJsonObject>
#include <QStringList>
#include <QTextStream>

namespace tfhub::cli {

/// Rows of text cells printed with aligned columns; the last column is never padded.
class Table final
{
public:
    explicit Table(QStringList header) : m_header(std::move(header)) { }
    void addRow(QStringList row) { m_rows << std::move(row); }
    /// Columns whose cells are right-aligned (numbers, sizes).
    void setRightAligned(QList<int> columns) { m_right = std::move(columns); }
    void print(QTextStream &out) const;

private:
    QStringList m_header;
    QList<QStringList> m_rows;
    QList<int> m_right;
};

/// The keys every verb's JSON has: `schema`, `cacheDir`, `cacheDirSource`, and then `fields`.
QJsonObject jsonEnvelope(const HubSettings &settings, const QJsonObject &fields = {});
/// A string, or null when it is empty (absent values are null, never "").
QJsonValue stringOrNull(const QString &text);

QJsonObject entryToJson(const CacheEntry &entry, const QString &cacheRoot);
QString isoTime(const QDateTime &t);

} // namespace tfhub::cli
