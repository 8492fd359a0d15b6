#include "app/cli/clioutput.h"

#include "app/cli/clicommon.h"

#include <QJsonArray>

#include <algorithm>
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
void appendEscaped(QByteArray &out, QStringView text)
{
    const qsizetype start = out.size();
    out.resize(start + 6 * text.size());
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
    out.truncate(d - out.constData());
}

// isoTime()'s text into `text` (room for 40), or -1 where Qt's path is kept.
int isoTimeText(const QDateTime &t, char *text)
{
    const qint64 ms = t.toMSecsSinceEpoch();
    const qint64 secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    const auto epoch = static_cast<time_t>(secs);
    tm local {};
    if (t.timeSpec() != Qt::LocalTime || !::localtime_r(&epoch, &local) || local.tm_gmtoff % 60 != 0
        || local.tm_year + 1900 < 1 || local.tm_year + 1900 > 9998)
        return -1;
    constexpr size_t Room = 40;
    int n = std::snprintf(text, Room, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", local.tm_year + 1900,
        local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec, int(ms - secs * 1000));
    const long minutes = local.tm_gmtoff / 60;
    if (minutes == 0)
        n += std::snprintf(text + n, Room - size_t(n), "Z");
    else
        n += std::snprintf(text + n, Room - size_t(n), "%c%02ld:%02ld", minutes < 0 ? '-' : '+',
            std::labs(minutes) / 60, std::labs(minutes) % 60);
    return n;
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

void JsonWriter::indent(qsizetype depth)
{
    m_out.append(4 * depth, ' ');
}

void JsonWriter::beginValue()
{
    if (m_frames.isEmpty() || m_frames.constLast().object)
        return; // the top level, or a member's value after its key
    Frame &f = m_frames.last();
    if (f.count++ > 0)
        m_out += ",\n";
    indent(m_frames.size());
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
    m_out += QByteArrayView(name.data(), name.size());
    return endKey();
}

JsonWriter &JsonWriter::key(QStringView name)
{
    beginMember();
    const qsizetype before = m_out.size();
    appendEscaped(m_out, name);
    if (m_out.size() - before != name.size()
        || std::any_of(name.begin(), name.end(), [](QChar c) { return c.unicode() >= 0x80; }))
        m_frames.last().members.last().wide = name.toString();
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
    Q_ASSERT(!m_frames.isEmpty() && m_frames.constLast().object);
    Frame &f = m_frames.last();
    if (f.count++ > 0)
        m_out += ",\n";
    Member m;
    m.start = m_out.size();
    indent(m_frames.size());
    m_out += '"';
    m.keyStart = m_out.size();
    f.members.append(m);
}

JsonWriter &JsonWriter::endKey()
{
    Frame &f = m_frames.last();
    Member &m = f.members.last();
    m.keyLength = m_out.size() - m.keyStart;
    m_out += "\": ";
    if (f.members.size() > 1 && keyLess(m, f.members.at(f.members.size() - 2)))
        f.sorted = false;
    return *this;
}

void JsonWriter::open(bool object)
{
    beginValue();
    m_out += object ? "{\n" : "[\n";
    Frame f;
    f.object = object;
    m_frames.append(std::move(f));
}

void JsonWriter::close()
{
    const Frame f = m_frames.takeLast();
    if (f.object && !f.sorted)
        sortMembers(f);
    if (f.count > 0)
        m_out += '\n';
    indent(m_frames.size());
    m_out += f.object ? '}' : ']';
    if (m_frames.isEmpty())
        m_out += '\n';
}

// Members as QJsonObject orders them.
void JsonWriter::sortMembers(const Frame &frame)
{
    const QList<Member> &ms = frame.members;
    QList<qsizetype> order(ms.size());
    for (qsizetype i = 0; i < ms.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
        [this, &ms](qsizetype a, qsizetype b) { return keyLess(ms.at(a), ms.at(b)); });
    const qsizetype begin = ms.constFirst().start;
    const auto endOf = [&ms, this](qsizetype i) {
        return i + 1 < ms.size() ? ms.at(i + 1).start - 2 : m_out.size(); // before the ",\n"
    };
    QByteArray sorted;
    sorted.reserve(m_out.size() - begin);
    for (qsizetype i : order) {
        if (!sorted.isEmpty())
            sorted += ",\n";
        sorted += QByteArrayView(m_out).sliced(ms.at(i).start, endOf(i) - ms.at(i).start);
    }
    m_out.truncate(begin);
    m_out += sorted;
}

void JsonWriter::beginObject()
{
    open(true);
}

void JsonWriter::endObject()
{
    Q_ASSERT(!m_frames.isEmpty() && m_frames.constLast().object);
    close();
}

void JsonWriter::beginArray()
{
    open(false);
}

void JsonWriter::endArray()
{
    Q_ASSERT(!m_frames.isEmpty() && !m_frames.constLast().object);
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
    m_out += QByteArray::number(value);
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
    m_out.append(text, n);
    m_out += '"';
}

void writeEnvelope(JsonWriter &w, const HubSettings &settings)
{
    w.key(QLatin1String("cacheDir")).string(settings.cacheDir);
    w.key(QLatin1String("cacheDirSource")).string(sourceName(settings.cacheDirSource));
    w.key(QLatin1String("schema")).number(1);
}

QByteArray listJson(const HubSettings &settings, const QList<CacheEntry> &entries)
{
    // Members in their order ("entries" between the envelope's keys): the object has nothing to sort.
    JsonWriter w;
    w.beginObject();
    w.key(QLatin1String("cacheDir")).string(settings.cacheDir);
    w.key(QLatin1String("cacheDirSource")).string(sourceName(settings.cacheDirSource));
    w.key(QLatin1String("entries")).beginArray();
    for (const CacheEntry &e : entries) {
        w.beginObject();
        writeEntry(w, e, settings.cacheDir);
        w.endObject();
    }
    w.endArray();
    w.key(QLatin1String("schema")).number(1);
    w.endObject();
    return w.bytes();
}

void writeEntry(JsonWriter &w, const CacheEntry &e, const QString &cacheRoot)
{
    const auto k = [&w](const char *name) -> JsonWriter & { return w.key(QLatin1String(name)); };
    k("artifacts").beginArray();
    for (const Artifact &a : e.artifacts) {
        w.beginObject();
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
        k("lock").beginObject();
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

void printJson(const QByteArray &json)
{
    out().flush();
    std::fwrite(json.constData(), 1, static_cast<size_t>(json.size()), stdout);
    std::fflush(stdout);
}

} // namespace tfhub::cli
