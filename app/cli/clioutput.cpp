#include "app/cli/clioutput.h"

#include "app/cli/clicommon.h"

#include <QJsonArray>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>

namespace tfhub::cli {

void Table::print(QTextStream &out) const
{
    QList<qsizetype> widths(m_header.size(), 0);
    const auto measure = [&widths](const QStringList &row) {
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], row.at(i).size());
    };
    measure(m_header);
    for (const QStringList &r : m_rows)
        measure(r);
    const auto line = [&](const QStringList &row) {
        QString text;
        for (qsizetype i = 0; i < row.size(); ++i) {
            const bool last = i == row.size() - 1;
            const QString &cell = row.at(i);
            if (m_right.contains(static_cast<int>(i)))
                text += cell.rightJustified(widths.at(i));
            else
                text += last ? cell : cell.leftJustified(widths.at(i));
            if (!last)
                text += QStringLiteral("  ");
        }
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        out << text << '\n';
    };
    line(m_header);
    for (const QStringList &r : m_rows)
        line(r);
}

namespace {
QString artifactKindName(Artifact::Kind kind)
{
    switch (kind) {
    case Artifact::Kind::Folder:
        return QStringLiteral("folder");
    case Artifact::Kind::Descriptor:
        return QStringLiteral("descriptor");
    case Artifact::Kind::Lock:
        return QStringLiteral("lock");
    case Artifact::Kind::TmpFolder:
        return QStringLiteral("tmp-folder");
    case Artifact::Kind::AtomicTemp:
        return QStringLiteral("atomic-temp");
    case Artifact::Kind::Manifest:
        return QStringLiteral("manifest");
    case Artifact::Kind::Foreign:
        return QStringLiteral("foreign");
    }
    return QString();
}

QJsonValue timeValue(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(isoTime(t)) : QJsonValue(QJsonValue::Null);
}
} // namespace

QJsonObject jsonEnvelope(const HubSettings &settings, const QJsonObject &fields)
{
    QJsonObject o = fields;
    o.insert(QStringLiteral("schema"), 1);
    o.insert(QStringLiteral("cacheDir"), settings.cacheDir);
    o.insert(QStringLiteral("cacheDirSource"), sourceName(settings.cacheDirSource));
    return o;
}

QJsonValue stringOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QJsonObject entryToJson(const CacheEntry &e, const QString &cacheRoot)
{
    QJsonObject o;
    o.insert(QStringLiteral("key"), e.key);
    o.insert(
        QStringLiteral("handle"), e.handle.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(e.handle));
    o.insert(QStringLiteral("handleSource"),
        e.handleSource.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(e.handleSource));
    o.insert(QStringLiteral("path"), e.folderPath(cacheRoot));
    o.insert(QStringLiteral("state"), stateName(e.state));
    o.insert(QStringLiteral("stateDetail"), stringOrNull(e.stateDetail));
    o.insert(QStringLiteral("format"), formatName(e.format));
    o.insert(QStringLiteral("diskBytes"), e.diskBytes);
    o.insert(QStringLiteral("bytes"), e.bytes);
    o.insert(QStringLiteral("files"), e.files);
    o.insert(QStringLiteral("reclaimableBytes"), e.reclaimableBytes);
    o.insert(QStringLiteral("downloaded"), timeValue(e.downloaded));
    o.insert(QStringLiteral("downloaderHost"),
        e.downloaderHost.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(e.downloaderHost));
    o.insert(QStringLiteral("downloaderPid"),
        e.downloaderPid ? QJsonValue(e.downloaderPid) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("lastModified"), timeValue(e.lastModified));
    o.insert(QStringLiteral("lastAccessed"), timeValue(e.lastAccessed));
    o.insert(QStringLiteral("hasFolder"), e.hasFolder);
    o.insert(QStringLiteral("hasDescriptor"), e.hasDescriptor);
    o.insert(QStringLiteral("hasManifest"), e.hasManifest);
    if (e.lock.valid) {
        o.insert(QStringLiteral("lock"),
            QJsonObject { { QStringLiteral("host"), e.lock.host }, { QStringLiteral("pid"), e.lock.pid },
                { QStringLiteral("uid"), e.lock.uid } });
    } else {
        o.insert(QStringLiteral("lock"), QJsonValue(QJsonValue::Null));
    }
    QJsonArray artifacts;
    for (const Artifact &a : e.artifacts) {
        artifacts.append(QJsonObject { { QStringLiteral("name"), a.name },
            { QStringLiteral("kind"), artifactKindName(a.kind) },
            { QStringLiteral("diskBytes"), a.diskBytes }, { QStringLiteral("bytes"), a.bytes },
            { QStringLiteral("files"), a.files } });
    }
    o.insert(QStringLiteral("artifacts"), artifacts);
    o.insert(QStringLiteral("problems"), QJsonArray::fromStringList(e.problems));
    return o;
}

} // namespace tfhub::cli

namespace tfhub::cli {

namespace {

char hexDigit(uint v)
{
    return static_cast<char>(v < 10 ? '0' + v : 'a' + v - 10);
}

char *writeEscape(char *d, char16_t u)
{
    *d++ = '\\';
    *d++ = 'u';
    for (int shift = 12; shift >= 0; shift -= 4)
        *d++ = hexDigit((u >> shift) & 0xf);
    return d;
}

// QJsonDocument's escapes: '"', '\\' and the C0 controls escaped (the named ones by name), other
// text as UTF-8, a surrogate without its pair as \\uXXXX. Written through a pointer into room
// for the worst case (six bytes a code unit): appending byte by byte cost more than the scan.
void appendEscaped(std::string &out, QStringView text)
{
    const char16_t *const begin = text.utf16();
    const auto plain = [](char16_t u) { return u >= 0x20 && u < 0x80 && u != u'"' && u != u'\\'; };
    if (std::all_of(begin, begin + text.size(), plain)) { // most text: no room for escapes to fill
        const size_t at = out.size();
        out.resize(at + size_t(text.size()));
        std::transform(begin, begin + text.size(), out.data() + at, [](char16_t u) { return char(u); });
        return;
    }
    const size_t start = out.size();
    out.resize(start + 6 * size_t(text.size()));
    char *d = out.data() + start;
    const char16_t *p = text.utf16();
    const char16_t *const end = p + text.size();
    while (p != end) {
        const char16_t u = *p++;
        if (u >= 0x20 && u < 0x80 && u != u'"' && u != u'\\') {
            *d++ = static_cast<char>(u);
        } else if (u < 0x80) {
            const char named = u == u'"' ? '"'
                : u == u'\\'             ? '\\'
                : u == 0x8               ? 'b'
                : u == 0xc               ? 'f'
                : u == 0xa               ? 'n'
                : u == 0xd               ? 'r'
                : u == 0x9               ? 't'
                                         : '\0';
            if (named) {
                *d++ = '\\';
                *d++ = named;
            } else {
                d = writeEscape(d, u);
            }
        } else if (u < 0x800) {
            *d++ = static_cast<char>(0xc0 | (u >> 6));
            *d++ = static_cast<char>(0x80 | (u & 0x3f));
        } else if (!QChar::isSurrogate(u)) {
            *d++ = static_cast<char>(0xe0 | (u >> 12));
            *d++ = static_cast<char>(0x80 | ((u >> 6) & 0x3f));
            *d++ = static_cast<char>(0x80 | (u & 0x3f));
        } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
            const char32_t c = QChar::surrogateToUcs4(u, *p++);
            *d++ = static_cast<char>(0xf0 | (c >> 18));
            *d++ = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
            *d++ = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            *d++ = static_cast<char>(0x80 | (c & 0x3f));
        } else {
            d = writeEscape(d, u);
        }
    }
    out.resize(size_t(d - out.data()));
}

char *putDigits(char *d, long value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        d[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return d + width;
}

// isoTime()'s text into `text` (room for 40), or -1 where Qt's path is kept. The digits are
// placed by hand: snprintf cost more than the rest of an entry's JSON.
int isoTimeText(const QDateTime &t, char *text)
{
    const qint64 ms = t.toMSecsSinceEpoch();
    const qint64 secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    const auto epoch = static_cast<time_t>(secs);
    tm local {};
    if (t.timeSpec() != Qt::LocalTime || !::localtime_r(&epoch, &local) || local.tm_gmtoff % 60 != 0
        || local.tm_year + 1900 < 1 || local.tm_year + 1900 > 9998)
        return -1;
    char *d = putDigits(text, local.tm_year + 1900, 4);
    *d++ = '-';
    d = putDigits(d, local.tm_mon + 1, 2);
    *d++ = '-';
    d = putDigits(d, local.tm_mday, 2);
    *d++ = 'T';
    d = putDigits(d, local.tm_hour, 2);
    *d++ = ':';
    d = putDigits(d, local.tm_min, 2);
    *d++ = ':';
    d = putDigits(d, local.tm_sec, 2);
    *d++ = '.';
    d = putDigits(d, long(ms - secs * 1000), 3);
    const long minutes = local.tm_gmtoff / 60;
    if (minutes == 0) {
        *d++ = 'Z';
    } else {
        *d++ = minutes < 0 ? '-' : '+';
        d = putDigits(d, std::labs(minutes) / 60, 2);
        *d++ = ':';
        d = putDigits(d, std::labs(minutes) % 60, 2);
    }
    return int(d - text);
}

} // namespace

// A local time as QDateTime::toOffsetFromUtc(offsetFromUtc()).toString(Qt::ISODateWithMs) writes
// it, from one conversion by the C library (Qt's path costs several, three times per entry of a
// list). Whatever Qt may write differently is left to Qt: other time specs, years past four digits,
// offsets with seconds (local mean times before the zones).
QString isoTime(const QDateTime &t)
{
    if (!t.isValid())
        return QString();
    char text[40];
    const int n = isoTimeText(t, text);
    return n < 0 ? t.toOffsetFromUtc(t.offsetFromUtc()).toString(Qt::ISODateWithMs)
                 : QString::fromLatin1(text, n);
}

void JsonWriter::beginValue()
{
    Frame *f = top();
    if (!f || f->object)
        return; // the top level, or a member's value after its key
    if (f->count++ > 0)
        m_out += ",\n";
    indent(m_depth);
}

JsonWriter &JsonWriter::key(const QString &name)
{
    return key(QStringView(name));
}

JsonWriter &JsonWriter::key(QLatin1String name)
{
    // The keys of our schema are plain ASCII literals: no escape, no conversion.
    const bool plain = std::all_of(name.begin(), name.end(),
        [](char c) { return uchar(c) >= 0x20 && uchar(c) < 0x80 && c != '"' && c != '\\'; });
    if (!plain)
        return key(QString(name));
    beginMember();
    m_out.append(name.data(), size_t(name.size()));
    return endKey();
}

JsonWriter &JsonWriter::key(QStringView name)
{
    beginMember();
    const size_t before = m_out.size();
    appendEscaped(m_out, name);
    if (!top()->ordered
        && (m_out.size() - before != size_t(name.size())
            || std::any_of(name.begin(), name.end(), [](QChar c) { return c.unicode() >= 0x80; })))
        top()->members.back().wide = name.toString();
    return endKey();
}

// QJsonObject's order: UTF-16 code units; for plain ASCII keys that is their bytes' order.
bool JsonWriter::keyLess(const Member &a, const Member &b) const
{
    if (a.wide.isNull() && b.wide.isNull())
        return keyOf(a) < keyOf(b);
    const auto text = [this](const Member &m) {
        return m.wide.isNull() ? QString::fromLatin1(keyOf(m).data(), qsizetype(keyOf(m).size())) : m.wide;
    };
    return text(a) < text(b);
}

void JsonWriter::beginMember()
{
    Frame *f = top();
    Q_ASSERT(f && f->object);
    if (f->count++ > 0)
        m_out += ",\n";
    if (f->ordered) {
        indent(m_depth);
        m_out += '"';
        return;
    }
    Member &m = f->members.emplace_back();
    m.start = m_out.size();
    indent(m_depth);
    m_out += '"';
    m.keyStart = m_out.size();
}

JsonWriter &JsonWriter::endKey()
{
    Frame *f = top();
    if (f->ordered) {
        m_out += "\": ";
        return *this;
    }
    Member &m = f->members.back();
    m.keyLength = m_out.size() - m.keyStart;
    m_out += "\": ";
    if (f->members.size() > 1 && keyLess(m, f->members[f->members.size() - 2]))
        f->sorted = false;
    return *this;
}

void JsonWriter::open(bool object, bool ordered)
{
    beginValue();
    m_out += object ? "{\n" : "[\n";
    if (m_depth == m_frames.size())
        m_frames.emplace_back();
    Frame &f = m_frames[m_depth++];
    f.object = object;
    f.ordered = ordered;
    f.sorted = true;
    f.count = 0;
    f.members.clear();
}

void JsonWriter::close()
{
    Frame &f = m_frames[--m_depth];
    if (f.object && !f.sorted)
        sortMembers(f);
    if (f.count > 0)
        m_out += '\n';
    indent(m_depth);
    m_out += f.object ? '}' : ']';
    if (m_depth == 0)
        m_out += '\n';
}

// Members as QJsonObject orders them.
void JsonWriter::sortMembers(const Frame &frame)
{
    const std::vector<Member> &ms = frame.members;
    std::vector<size_t> order(ms.size());
    for (size_t i = 0; i < ms.size(); ++i)
        order[i] = i;
    std::stable_sort(
        order.begin(), order.end(), [this, &ms](size_t a, size_t b) { return keyLess(ms[a], ms[b]); });
    const size_t begin = ms.front().start;
    const auto endOf = [&ms, this](size_t i) {
        return i + 1 < ms.size() ? ms[i + 1].start - 2 : m_out.size(); // before the ",\n"
    };
    std::string sorted;
    sorted.reserve(m_out.size() - begin);
    for (size_t i : order) {
        if (!sorted.empty())
            sorted += ",\n";
        sorted.append(m_out, ms[i].start, endOf(i) - ms[i].start);
    }
    m_out.resize(begin);
    m_out += sorted;
}

void JsonWriter::beginObject(KeyOrder order)
{
    open(true, order == KeyOrder::Sorted);
}

bool JsonWriter::drain(const std::function<void(std::string_view)> &sink)
{
    for (size_t i = 0; i < m_depth; ++i) {
        if (!m_frames[i].members.empty())
            return false; // an object that may still sort its members
    }
    sink(m_out);
    m_out.clear();
    return true;
}

void JsonWriter::endObject()
{
    Q_ASSERT(m_depth > 0 && m_frames[m_depth - 1].object);
    close();
}

void JsonWriter::beginArray()
{
    open(false);
}

void JsonWriter::endArray()
{
    Q_ASSERT(m_depth > 0 && !m_frames[m_depth - 1].object);
    close();
}

void JsonWriter::string(QStringView text)
{
    beginValue();
    m_out += '"';
    appendEscaped(m_out, text);
    m_out += '"';
}

void JsonWriter::number(qint64 value)
{
    beginValue();
    char text[24];
    const auto r = std::to_chars(text, text + sizeof text, value);
    m_out.append(text, size_t(r.ptr - text));
}

void JsonWriter::boolean(bool value)
{
    beginValue();
    m_out += value ? "true" : "false";
}

void JsonWriter::null()
{
    beginValue();
    m_out += "null";
}

void JsonWriter::stringOrNull(QStringView text)
{
    if (text.isEmpty())
        null();
    else
        string(text);
}

void JsonWriter::time(const QDateTime &t)
{
    char text[40];
    const int n = t.isValid() ? isoTimeText(t, text) : -1;
    if (n < 0) {
        stringOrNull(isoTime(t));
        return;
    }
    beginValue();
    m_out += '"';
    m_out.append(text, size_t(n));
    m_out += '"';
}

void writeEnvelope(JsonWriter &w, const HubSettings &settings)
{
    w.key(QLatin1String("cacheDir")).string(settings.cacheDir);
    w.key(QLatin1String("cacheDirSource")).string(sourceName(settings.cacheDirSource));
    w.key(QLatin1String("schema")).number(1);
}

void writeListJson(const HubSettings &settings, const QList<CacheEntry> &entries,
    const std::function<void(std::string_view)> &sink)
{
    constexpr size_t Piece = 64 * 1024;
    JsonWriter w;
    w.beginObject(JsonWriter::KeyOrder::Sorted); // "entries" between the envelope's keys
    w.key(QLatin1String("cacheDir")).string(settings.cacheDir);
    w.key(QLatin1String("cacheDirSource")).string(sourceName(settings.cacheDirSource));
    w.key(QLatin1String("entries")).beginArray();
    for (const CacheEntry &e : entries) {
        w.beginObject(JsonWriter::KeyOrder::Sorted); // writeEntry() writes its keys in order
        writeEntry(w, e, settings.cacheDir);
        w.endObject();
        if (w.view().size() >= Piece)
            w.drain(sink);
    }
    w.endArray();
    w.key(QLatin1String("schema")).number(1);
    w.endObject();
    w.drain(sink);
}

QByteArray listJson(const HubSettings &settings, const QList<CacheEntry> &entries)
{
    QByteArray out;
    writeListJson(settings, entries,
        [&out](std::string_view piece) { out.append(piece.data(), qsizetype(piece.size())); });
    return out;
}

// The keys in QJsonObject's order, so that a caller may open the entry's object as
// JsonWriter::KeyOrder::Sorted (tst_clijsonwriter compares the bytes with QJsonDocument's).
void writeEntry(JsonWriter &w, const CacheEntry &e, const QString &cacheRoot)
{
    const auto k = [&w](const char *name) -> JsonWriter & { return w.key(QLatin1String(name)); };
    k("artifacts").beginArray();
    for (const Artifact &a : e.artifacts) {
        w.beginObject(JsonWriter::KeyOrder::Sorted);
        k("bytes").number(a.bytes);
        k("diskBytes").number(a.diskBytes);
        k("files").number(a.files);
        k("kind").string(artifactKindName(a.kind));
        k("name").string(a.name);
        w.endObject();
    }
    w.endArray();
    k("bytes").number(e.bytes);
    k("diskBytes").number(e.diskBytes);
    k("downloaded").time(e.downloaded);
    k("downloaderHost").stringOrNull(e.downloaderHost);
    if (e.downloaderPid)
        k("downloaderPid").number(e.downloaderPid);
    else
        k("downloaderPid").null();
    k("files").number(e.files);
    k("format").string(formatName(e.format));
    k("handle").stringOrNull(e.handle);
    k("handleSource").stringOrNull(e.handleSource);
    k("hasDescriptor").boolean(e.hasDescriptor);
    k("hasFolder").boolean(e.hasFolder);
    k("hasManifest").boolean(e.hasManifest);
    k("key").string(e.key);
    k("lastAccessed").time(e.lastAccessed);
    k("lastModified").time(e.lastModified);
    if (e.lock.valid) {
        k("lock").beginObject(JsonWriter::KeyOrder::Sorted);
        k("host").string(e.lock.host);
        k("pid").number(e.lock.pid);
        k("uid").string(e.lock.uid);
        w.endObject();
    } else {
        k("lock").null();
    }
    k("path").string(e.folderPath(cacheRoot));
    k("problems").beginArray();
    for (const QString &p : e.problems)
        w.string(p);
    w.endArray();
    k("reclaimableBytes").number(e.reclaimableBytes);
    k("state").string(stateName(e.state));
    k("stateDetail").stringOrNull(e.stateDetail);
}

void printJsonList(const HubSettings &settings, const QList<CacheEntry> &entries)
{
    out().flush();
    writeListJson(settings, entries,
        [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
    std::fflush(stdout);
}

void printJson(std::string_view json)
{
    out().flush();
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
}

void printJson(const QByteArray &json)
{
    printJson(std::string_view(json.constData(), size_t(json.size())));
}

} // namespace tfhub::cli
