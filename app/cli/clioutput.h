#pragma once

#include "core/cache/cacheentry.h"
#include "core/hub/hubsettings.h"

#include <QJsonObject>
#include <QStringList>
#include <QTextStream>

#include <string_view>

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

/// Writes the JSON text QJsonDocument::toJson(QJsonDocument::Indented) gives for the same document
/// (an object's keys in sorted order, four spaces a level, the same escapes), without building
/// the document: `list --json` of a large cache is written in a few milliseconds. Members may be
/// written in any order: each object sorts its own as it ends, as QJsonObject orders keys.
class JsonWriter final
{
public:
    JsonWriter() { m_out.reserve(4096); }

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    /// The next member's key (in an object); its value follows.
    JsonWriter &key(QLatin1String name);
    JsonWriter &key(QStringView name);
    JsonWriter &key(const QString &name);
    void string(QStringView text);
    void number(qint64 value);
    void boolean(bool value);
    void null();
    /// A string, or null when it is empty (absent values are null, never "").
    void stringOrNull(QStringView text);
    /// isoTime() of a valid time, else null.
    void time(const QDateTime &t);

    /// The document so far; once the outermost value has ended it ends in a newline.
    const QByteArray &bytes() const { return m_out; }

private:
    struct Member final
    {
        qsizetype start = 0; ///< where its indentation begins
        qsizetype keyStart = 0; ///< its key's escaped text in m_out
        qsizetype keyLength = 0;
        QString wide; ///< the key, when it is not plain ASCII (it is then ordered as UTF-16)
    };
    struct Frame final
    {
        bool object = false;
        bool sorted = true;
        qsizetype count = 0;
        QList<Member> members;
    };
    void beginValue();
    void open(bool object);
    void close();
    void indent(qsizetype depth);
    void sortMembers(const Frame &frame);
    void beginMember();
    JsonWriter &endKey();
    std::string_view keyOf(const Member &m) const
    {
        return std::string_view(m_out.constData() + m.keyStart, static_cast<size_t>(m.keyLength));
    }
    bool keyLess(const Member &a, const Member &b) const;

    QByteArray m_out;
    QList<Frame> m_frames;
};

/// The members every verb's JSON has (`schema`, `cacheDir`, `cacheDirSource`), into an open object.
void writeEnvelope(JsonWriter &w, const HubSettings &settings);
/// The members of entryToJson(), into an open object.
void writeEntry(JsonWriter &w, const CacheEntry &entry, const QString &cacheRoot);
/// `list --json`: the envelope and `entries`, each as writeEntry() writes it.
QByteArray listJson(const HubSettings &settings, const QList<CacheEntry> &entries);
/// Prints a JSON document (JsonWriter::bytes()) to stdout, after anything printed before.
void printJson(const QByteArray &json);

} // namespace tfhub::cli
