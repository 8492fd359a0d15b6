#pragma once

#include "core/cache/cacheentry.h"
#include "core/hub/hubsettings.h"

#include <QJsonObject>
#include <QStringList>
#include <QTextStream>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

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
    /// How an object's members are written: in any order (each object sorts its own as it ends),
    /// or already in QJsonObject's order, which the writer then trusts: such an object keeps none
    /// of its members' places, so what it holds may be drained while it is open.
    enum class KeyOrder {
        Any,
        Sorted,
    };

    JsonWriter() { m_out.reserve(1 << 16); }

    void beginObject(KeyOrder order = KeyOrder::Any);
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
    QByteArray bytes() const { return QByteArray(m_out.data(), qsizetype(m_out.size())); }
    std::string_view view() const { return m_out; }
    /// Hands what is written so far to `sink` and forgets it, when nothing of it can still move
    /// (no open object of KeyOrder::Any has members yet); else does nothing. Lets a long document
    /// go out in pieces instead of being held whole.
    bool drain(const std::function<void(std::string_view)> &sink);

private:
    struct Member final
    {
        size_t start = 0; ///< where its indentation begins
        size_t keyStart = 0; ///< its key's escaped text in m_out
        size_t keyLength = 0;
        QString wide; ///< the key, when it is not plain ASCII (it is then ordered as UTF-16)
    };
    // Frames and their member lists are kept once made and reused at the same depth: a list of
    // 10,000 entries opens 10,000 objects of 25 members, and allocating for each cost more than
    // writing them.
    struct Frame final
    {
        bool object = false;
        bool ordered = false; ///< KeyOrder::Sorted: members are not kept
        bool sorted = true;
        size_t count = 0;
        std::vector<Member> members;
    };
    void beginValue();
    void open(bool object, bool ordered = false);
    void close();
    void indent(size_t depth) { m_out.append(4 * depth, ' '); }
    void sortMembers(const Frame &frame);
    void beginMember();
    JsonWriter &endKey();
    std::string_view keyOf(const Member &m) const
    {
        return std::string_view(m_out).substr(m.keyStart, m.keyLength);
    }
    bool keyLess(const Member &a, const Member &b) const;
    Frame *top() { return m_depth ? &m_frames[m_depth - 1] : nullptr; }

    std::string m_out;
    std::vector<Frame> m_frames;
    size_t m_depth = 0;
};

/// The members every verb's JSON has (`schema`, `cacheDir`, `cacheDirSource`), into an open object.
void writeEnvelope(JsonWriter &w, const HubSettings &settings);
/// The members of entryToJson(), into an open object.
void writeEntry(JsonWriter &w, const CacheEntry &entry, const QString &cacheRoot);
/// `list --json`: the envelope and `entries`, each as writeEntry() writes it.
QByteArray listJson(const HubSettings &settings, const QList<CacheEntry> &entries);
/// The same document, handed to `sink` in pieces of about 64 KiB as it is written.
void writeListJson(const HubSettings &settings, const QList<CacheEntry> &entries,
    const std::function<void(std::string_view)> &sink);
/// Prints a JSON document (JsonWriter::bytes()) to stdout, after anything printed before.
void printJson(std::string_view json);
/// `list --json` to stdout as it is written (writeListJson()).
void printJsonList(const HubSettings &settings, const QList<CacheEntry> &entries);
void printJson(const QByteArray &json);

} // namespace tfhub::cli
