#include "core/cache/modelformat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <cerrno>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace tfhub::cache {

namespace {

// The bytes of a serialized message in memory.
class MemorySource final
{
public:
    MemorySource(const uchar *data, qint64 size) : m_data(data), m_size(size) { }
    qint64 size() const { return m_size; }
    bool byteAt(qint64 pos, uchar *b)
    {
        if (pos < 0 || pos >= m_size)
            return false;
        *b = m_data[pos];
        return true;
    }

private:
    const uchar *m_data;
    qint64 m_size;
};

// The bytes of a serialized message in a file, read with pread a window at a time. The format rule
// needs only field headers and lengths, never a payload: a graph of any size costs a few small
// reads, where reading it whole cost a full walk of 1,000 models more than their stat calls.
class FileSource final
{
public:
    FileSource(int fd, qint64 size) : m_fd(fd), m_size(size) { }
    qint64 size() const { return m_size; }
    bool failed() const { return m_failed; }
    bool byteAt(qint64 pos, uchar *b)
    {
        if (pos < 0 || pos >= m_size)
            return false;
        if (pos < m_start || pos >= m_start + m_length) {
            ssize_t n = -1;
            do
                n = ::pread(m_fd, m_window, sizeof m_window, static_cast<off_t>(pos));
            while (n < 0 && errno == EINTR);
            if (n <= 0) {
                m_failed = n < 0;
                return false; // an error, or the file shrank since its size was read
            }
            m_start = pos;
            m_length = n;
        }
        *b = static_cast<uchar>(m_window[pos - m_start]);
        return true;
    }

private:
    int m_fd;
    qint64 m_size;
    qint64 m_start = 0;
    qint64 m_length = 0;
    bool m_failed = false;
    char m_window[4096];
};

// Minimal protobuf wire-format reader over a source: walks the field headers of a message (the
// bytes [pos, end)) without a schema, skipping payloads without reading them.
template<typename Source> class WireReader final
{
public:
    WireReader(Source &source, qint64 begin, qint64 end) : m_source(source), m_p(begin), m_end(end) { }

    bool atEnd() const { return m_p >= m_end; }

    bool varint(quint64 *out)
    {
        quint64 v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            uchar b = 0;
            if (m_p >= m_end || !m_source.byteAt(m_p, &b))
                return false;
            ++m_p;
            v |= static_cast<quint64>(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                *out = v;
                return true;
            }
        }
        return false;
    }

    // Reads a field header and positions after the field. For length-delimited fields the
    // payload's place is set.
    bool next(quint32 *field, int *wireType, qint64 *payload, qint64 *payloadSize)
    {
        quint64 key = 0;
        if (!varint(&key))
            return false;
        *field = static_cast<quint32>(key >> 3);
        *wireType = static_cast<int>(key & 7);
        *payload = -1;
        *payloadSize = 0;
        switch (*wireType) {
        case 0: {
            quint64 ignored = 0;
            return varint(&ignored);
        }
        case 1:
            return skip(8);
        case 2: {
            quint64 len = 0;
            if (!varint(&len) || len > static_cast<quint64>(m_end - m_p))
                return false;
            *payload = m_p;
            *payloadSize = static_cast<qint64>(len);
            m_p += static_cast<qint64>(len);
            return true;
        }
        case 5:
            return skip(4);
        default:
            return false; // groups (3, 4) are not used by SavedModel
        }
    }

private:
    bool skip(qint64 n)
    {
        if (m_end - m_p < n)
            return false;
        m_p += n;
        return true;
    }
    Source &m_source;
    qint64 m_p;
    qint64 m_end;
};

// Whether a field of the message at [begin, end) has `match(field, wireType, payload, size)`;
// false at the first malformed header (fields are not read past it).
template<typename Source, typename Match> bool anyField(Source &source, qint64 begin, qint64 end, Match match)
{
    WireReader<Source> r(source, begin, end);
    while (!r.atEnd()) {
        quint32 field = 0;
        int type = 0;
        qint64 payload = 0;
        qint64 len = 0;
        if (!r.next(&field, &type, &payload, &len))
            return false;
        if (match(field, type, payload, len))
            return true;
    }
    return false;
}

// SavedModel.meta_graphs (2, repeated MetaGraphDef): one with an object_graph_def (7).
template<typename Source> bool hasObjectGraph(Source &source)
{
    const auto objectGraph = [](quint32 field, int type, qint64, qint64) { return field == 7 && type == 2; };
    return anyField(source, 0, source.size(), [&](quint32 field, int type, qint64 payload, qint64 len) {
        return field == 2 && type == 2 && anyField(source, payload, payload + len, objectGraph);
    });
}

// Opens a file without moving its access time; false when that is not allowed (not our file) or
// the file cannot be opened.
bool openQuietly(QFile &f, const QString &path)
{
    const int fd = util::openNoAtime(path);
    if (fd < 0)
        return false;
    if (f.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle))
        return true;
    ::close(fd);
    return false;
}

// Whether the file starts as a FlatBuffer with the TFLite identifier; nullopt when unread.
std::optional<bool> looksLikeTfLite(const QString &path)
{
    QFile f;
    if (!openQuietly(f, path))
        return std::nullopt;
    const QByteArray head = f.read(8);
    return head.size() == 8 && head.mid(4, 4) == "TFL3";
}

// Whether a binary SavedModel declares a TF2 object graph; nullopt when unread. `listedSize` is
// its size as the folder's listing told it a moment ago (saving a stat per model), or -1.
std::optional<bool> savedModelPbIsTf2(const QString &path, qint64 listedSize)
{
    const int fd = util::openNoAtime(path);
    if (fd < 0)
        return std::nullopt;
    struct stat st
    {
    };
    std::optional<bool> tf2;
    if (listedSize >= 0 || ::fstat(fd, &st) == 0) {
        // A file that shrank since is cut off, and is read so: it ends where pread finds nothing.
        FileSource source(fd, listedSize >= 0 ? listedSize : static_cast<qint64>(st.st_size));
        tf2 = hasObjectGraph(source);
        if (source.failed())
            tf2.reset();
    }
    ::close(fd);
    return tf2;
}

std::optional<bool> savedModelPbtxtIsTf2(const QString &path)
{
    QFile f;
    if (!openQuietly(f, path))
        return std::nullopt;
    static const QRegularExpression objectGraph(QStringLiteral("(^|\\s)object_graph_def\\s*[{:]"));
    // Read in pieces: text graphs can be large; the marker is a short token.
    QByteArray carry;
    while (!f.atEnd()) {
        const QByteArray chunk = carry + f.read(1 << 20);
        if (objectGraph.match(QString::fromLatin1(chunk)).hasMatch())
            return true;
        carry = chunk.right(64);
    }
    return false;
}

std::optional<bool> isTfJsModel(const QString &path)
{
    QFile f;
    if (!openQuietly(f, path))
        return std::nullopt;
    const QByteArray head = f.read(1 << 20);
    return head.contains("\"modelTopology\"") || head.contains("\"weightsManifest\"");
}

// The folder's listing by relative path; folders are left out (the names below are files).
QHash<QString, util::ListedName> filesByPath(const QList<util::ListedName> &listing)
{
    QHash<QString, util::ListedName> out;
    for (const util::ListedName &n : listing) {
        if (!n.isDir)
            out.insert(n.path, n);
    }
    return out;
}

// How one inspection reads the few files whose content tells a format: a local folder's files
// (read without moving access times), or a listing's objects elsewhere. nullopt: not read.
struct Probes
{
    std::function<std::optional<bool>(const QString &graph, bool binary)> graphIsTf2;
    std::function<std::optional<bool>(const QString &name)> isTfLite;
    std::function<std::optional<bool>()> isTfJs;
};

ModelInfo savedModel(const QHash<QString, util::ListedName> &files, const Probes &probes)
{
    ModelInfo m;
    m.loadable = true;
    const bool binary = files.contains(QStringLiteral("saved_model.pb"));
    const QString graph = binary ? QStringLiteral("saved_model.pb") : QStringLiteral("saved_model.pbtxt");
    m.loadFiles << graph;
    for (const QString &also :
        { QStringLiteral("tfhub_module.pb"), QStringLiteral("variables/variables.index") }) {
        if (files.contains(also))
            m.loadFiles << also;
    }
    if (files.contains(QStringLiteral("tfhub_module.pb"))) {
        m.format = ModelFormat::Tf1HubModule;
        return m;
    }
    const std::optional<bool> tf2 = probes.graphIsTf2(graph, binary);
    m.formatUnread = !tf2.has_value();
    if (tf2)
        m.format = *tf2 ? ModelFormat::Tf2SavedModel : ModelFormat::Tf1SavedModel;
    return m;
}

// The rule itself, whatever reads the files.
ModelInfo inspectWith(const QList<util::ListedName> &listing, const Probes &probes)
{
    const QHash<QString, util::ListedName> files = filesByPath(listing);
    if (files.contains(QStringLiteral("saved_model.pb"))
        || files.contains(QStringLiteral("saved_model.pbtxt"))) {
        ModelInfo m = savedModel(files, probes);
        for (const RequiredFile &f : requiredFiles(listing)) {
            if (!f.present)
                m.missingFiles << f.path;
        }
        return m;
    }
    ModelInfo m;
    QStringList topFiles;
    for (const util::ListedName &n : listing) {
        if (!n.isDir && !n.path.contains(QLatin1Char('/')))
            topFiles << n.path;
    }
    topFiles.sort();
    bool unread = false;
    for (const QString &name : std::as_const(topFiles)) {
        std::optional<bool> lite = true;
        if (!name.endsWith(QLatin1String(".tflite")))
            lite = probes.isTfLite(name);
        unread = unread || !lite.has_value();
        if (lite.value_or(false)) {
            m.format = ModelFormat::TfLite;
            m.loadable = true;
            m.loadFiles << name;
            return m;
        }
    }
    if (files.contains(QStringLiteral("model.json"))) {
        const std::optional<bool> tfjs = probes.isTfJs();
        if (tfjs.value_or(true)) {
            m.format = tfjs ? ModelFormat::TfJs : ModelFormat::Unknown;
            m.formatUnread = !tfjs.has_value();
            m.loadable = true;
            m.loadFiles << QStringLiteral("model.json");
            return m;
        }
    }
    m.formatUnread = unread;
    return m;
}

bool textGraphIsTf2(const QByteArray &text)
{
    static const QRegularExpression objectGraph(QStringLiteral("(^|\\s)object_graph_def\\s*[{:]"));
    return objectGraph.match(QString::fromLatin1(text)).hasMatch();
}

bool textIsTfJs(const QByteArray &head)
{
    return head.contains("\"modelTopology\"") || head.contains("\"weightsManifest\"");
}

} // namespace

bool savedModelHasObjectGraph(const QByteArray &pb)
{
    MemorySource source(reinterpret_cast<const uchar *>(pb.constData()), pb.size());
    return hasObjectGraph(source);
}

ModelInfo inspect(const QString &folder, const QList<util::ListedName> &listing)
{
    Probes p;
    if (folder.isEmpty()) {
        // A listing from elsewhere with nothing to read: what needs content stays unread.
        p.graphIsTf2 = [](const QString &, bool) { return std::optional<bool>(); };
        p.isTfLite = [](const QString &) { return std::optional<bool>(); };
        p.isTfJs = [] { return std::optional<bool>(); };
        return inspectWith(listing, p);
    }
    p.graphIsTf2 = [&folder, &listing](const QString &graph, bool binary) {
        const QString path = folder + QLatin1Char('/') + graph;
        if (!binary)
            return savedModelPbtxtIsTf2(path);
        const auto listed = std::find_if(listing.cbegin(), listing.cend(),
            [&graph](const util::ListedName &n) { return n.isFile && n.path == graph; });
        return savedModelPbIsTf2(path, listed == listing.cend() ? -1 : listed->size);
    };
    p.isTfLite = [&folder](const QString &name) { return looksLikeTfLite(folder + QLatin1Char('/') + name); };
    p.isTfJs = [&folder] { return isTfJsModel(folder + QStringLiteral("/model.json")); };
    return inspectWith(listing, p);
}

ModelInfo inspect(const QList<util::ListedName> &listing, const ModelFileReader &read)
{
    Probes p;
    p.graphIsTf2 = [&read](const QString &graph, bool binary) -> std::optional<bool> {
        const std::optional<QByteArray> data = read(graph, MaxGraphRead);
        if (!data)
            return std::nullopt;
        return binary ? savedModelHasObjectGraph(*data) : textGraphIsTf2(*data);
    };
    p.isTfLite = [&read](const QString &name) -> std::optional<bool> {
        const std::optional<QByteArray> head = read(name, 8);
        if (!head)
            return std::nullopt;
        return head->size() == 8 && head->mid(4, 4) == "TFL3";
    };
    p.isTfJs = [&read]() -> std::optional<bool> {
        const std::optional<QByteArray> head = read(QStringLiteral("model.json"), 1 << 20);
        if (!head)
            return std::nullopt;
        return textIsTfJs(*head);
    };
    return inspectWith(listing, p);
}

ModelFormat detect(const QString &folder)
{
    return inspect(folder, util::measure(folder, 1).listed).format;
}

bool isLoadable(ModelFormat format)
{
    return format != ModelFormat::Unknown;
}

QList<RequiredFile> requiredFiles(const QString &folder)
{
    return requiredFiles(util::measure(folder, 1).listed);
}

QList<RequiredFile> requiredFiles(const QList<util::ListedName> &listing)
{
    QSet<QString> files;
    bool hasVariables = false;
    for (const util::ListedName &n : listing) {
        if (!n.isDir)
            files.insert(n.path);
        else if (n.path == QLatin1String("variables"))
            hasVariables = true;
    }
    QList<RequiredFile> out;
    const auto add = [&](const QString &rel) { out.append({ rel, files.contains(rel) }); };
    if (files.contains(QStringLiteral("saved_model.pbtxt"))
        && !files.contains(QStringLiteral("saved_model.pb")))
        add(QStringLiteral("saved_model.pbtxt"));
    else
        add(QStringLiteral("saved_model.pb"));
    if (!hasVariables)
        return out; // a graph with no variables needs nothing else
    add(QStringLiteral("variables/variables.index"));
    // Shards are named variables.data-SSSSS-of-NNNNN; any one present tells N, all must be there.
    // With no shard at all the index still needs its data: the single shard 00000-of-00001.
    // Matched by hand: a regular expression per file cost more than the rest of the rule.
    const QLatin1String prefix("variables/variables.data-");
    const auto fiveDigits = [](QStringView text) {
        int value = 0;
        for (QChar c : text) {
            if (c < QLatin1Char('0') || c > QLatin1Char('9'))
                return -1;
            value = value * 10 + (c.unicode() - u'0');
        }
        return text.size() == 5 ? value : -1;
    };
    int total = -1;
    for (const QString &path : std::as_const(files)) {
        // prefix, five digits, "-of-", five digits
        if (path.size() != prefix.size() + 14 || !path.startsWith(prefix)
            || QStringView(path).mid(prefix.size() + 5, 4) != QLatin1String("-of-"))
            continue;
        const int index = fiveDigits(QStringView(path).mid(prefix.size(), 5));
        const int of = fiveDigits(QStringView(path).mid(prefix.size() + 9, 5));
        if (index >= 0 && of >= 0)
            total = qMax(total, of);
    }
    if (total < 0)
        total = 1;
    const auto padded = [](int value) { return QString::number(value).rightJustified(5, QLatin1Char('0')); };
    const QString of = padded(total);
    for (int i = 0; i < total; ++i)
        add(prefix + padded(i) + QLatin1String("-of-") + of);
    return out;
}

namespace {

struct FormatWords
{
    ModelFormat format;
    const char *catalogTag; ///< a module's `format` in the catalog, or nullptr
    const char *catalogKind;
};

constexpr FormatWords kFormatWords[] = {
    { ModelFormat::Tf2SavedModel, "saved_model_2", "module" },
    { ModelFormat::Tf1SavedModel, "saved_model", "module" },
    { ModelFormat::Tf1HubModule, "hub", "module" },
    { ModelFormat::TfLite, nullptr, "lite" },
    { ModelFormat::TfJs, nullptr, "tfjs" },
};

} // namespace

QList<ModelFormat> allFormats()
{
    QList<ModelFormat> formats;
    for (const FormatWords &w : kFormatWords)
        formats << w.format;
    return formats << ModelFormat::Unknown;
}

QStringList formatNames()
{
    QStringList names;
    for (const FormatWords &w : kFormatWords)
        names << formatName(w.format);
    return names;
}

bool formatFromName(const QString &name, ModelFormat *format)
{
    const QString n = name.toLower();
    for (const FormatWords &w : kFormatWords) {
        const bool alias = (w.catalogTag && n == QLatin1String(w.catalogTag))
            || (!w.catalogTag && n == QLatin1String(w.catalogKind));
        if (n == formatName(w.format) || alias) {
            *format = w.format;
            return true;
        }
    }
    return false;
}

bool formatFromLabel(const QString &label, ModelFormat *format)
{
    for (const ModelFormat f : allFormats()) {
        if (label == formatLabel(f)) {
            *format = f;
            return true;
        }
    }
    return false;
}

CatalogFormat catalogFormat(ModelFormat format)
{
    for (const FormatWords &w : kFormatWords) {
        if (w.format == format)
            return { w.catalogTag ? QString::fromLatin1(w.catalogTag) : QString(),
                QString::fromLatin1(w.catalogKind) };
    }
    return {};
}

ModelFormat formatOfCatalogEntry(const QString &formatTag, const QString &kindName)
{
    if (kindName == QLatin1String("coral"))
        return ModelFormat::TfLite;
    for (const FormatWords &w : kFormatWords) {
        if (kindName != QLatin1String(w.catalogKind))
            continue;
        if (!w.catalogTag || formatTag == QLatin1String(w.catalogTag))
            return w.format;
    }
    return ModelFormat::Unknown;
}

} // namespace tfhub::cache
