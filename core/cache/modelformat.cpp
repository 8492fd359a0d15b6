#include "core/cache/modelformat.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace tfhub::cache {

namespace {

// Minimal protobuf wire-format reader: enough to walk the fields of a message without a schema.
class WireReader final
{
public:
    WireReader(const uchar *data, qsizetype size) : m_p(data), m_end(data + size) { }

    bool atEnd() const { return m_p >= m_end; }

    bool varint(quint64 *out)
    {
        quint64 v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_p >= m_end)
                return false;
            const uchar b = *m_p++;
            v |= static_cast<quint64>(b & 0x7f) << shift;
            if (!(b & 0x80)) {
                *out = v;
                return true;
            }
        }
        return false;
    }

    // Reads a field header and positions after it. For length-delimited fields `payload` is set.
    bool next(quint32 *field, int *wireType, const uchar **payload, qsizetype *payloadSize)
    {
        quint64 key = 0;
        if (!varint(&key))
            return false;
        *field = static_cast<quint32>(key >> 3);
        *wireType = static_cast<int>(key & 7);
        *payload = nullptr;
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
            *payloadSize = static_cast<qsizetype>(len);
            m_p += len;
            return true;
        }
        case 5:
            return skip(4);
        default:
            return false; // groups (3, 4) are not used by SavedModel
        }
    }

private:
    bool skip(qsizetype n)
    {
        if (m_end - m_p < n)
            return false;
        m_p += n;
        return true;
    }
    const uchar *m_p;
    const uchar *m_end;
};

bool metaGraphHasObjectGraph(const uchar *data, qsizetype size)
{
    WireReader r(data, size);
    while (!r.atEnd()) {
        quint32 field = 0;
        int type = 0;
        const uchar *payload = nullptr;
        qsizetype len = 0;
        if (!r.next(&field, &type, &payload, &len))
            return false;
        if (field == 7 && type == 2)
            return true;
    }
    return false;
}

bool looksLikeTfLite(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    const QByteArray head = f.read(8);
    return head.size() == 8 && head.mid(4, 4) == "TFL3";
}

} // namespace

bool savedModelHasObjectGraph(const QByteArray &pb)
{
    WireReader r(reinterpret_cast<const uchar *>(pb.constData()), pb.size());
    while (!r.atEnd()) {
        quint32 field = 0;
        int type = 0;
        const uchar *payload = nullptr;
        qsizetype len = 0;
        if (!r.next(&field, &type, &payload, &len))
            return false;
        // SavedModel.meta_graphs = 2 (repeated MetaGraphDef)
        if (field == 2 && type == 2 && metaGraphHasObjectGraph(payload, len))
            return true;
    }
    return false;
}

ModelFormat detect(const QString &folder)
{
    const QDir dir(folder);
    const bool hasGraph
        = dir.exists(QStringLiteral("saved_model.pb")) || dir.exists(QStringLiteral("saved_model.pbtxt"));
    if (hasGraph && dir.exists(QStringLiteral("tfhub_module.pb")))
        return ModelFormat::Tf1HubModule;
    if (dir.exists(QStringLiteral("saved_model.pb"))) {
        QFile f(dir.filePath(QStringLiteral("saved_model.pb")));
        if (f.open(QIODevice::ReadOnly)) {
            // Mapped, so a graph with large embedded constants is not copied into memory.
            const qint64 size = f.size();
            uchar *mapped = size > 0 ? f.map(0, size) : nullptr;
            const QByteArray view = mapped
                ? QByteArray::fromRawData(reinterpret_cast<const char *>(mapped), size)
                : f.readAll();
            const bool tf2 = savedModelHasObjectGraph(view);
            if (mapped)
                f.unmap(mapped);
            return tf2 ? ModelFormat::Tf2SavedModel : ModelFormat::Tf1SavedModel;
        }
        return ModelFormat::Tf1SavedModel;
    }
    if (dir.exists(QStringLiteral("saved_model.pbtxt"))) {
        QFile f(dir.filePath(QStringLiteral("saved_model.pbtxt")));
        if (f.open(QIODevice::ReadOnly)) {
            static const QRegularExpression objectGraph(QStringLiteral("(^|\\s)object_graph_def\\s*[{:]"));
            // Read in pieces: text graphs can be large; the marker is a short token.
            QByteArray carry;
            while (!f.atEnd()) {
                const QByteArray chunk = carry + f.read(1 << 20);
                if (objectGraph.match(QString::fromLatin1(chunk)).hasMatch())
                    return ModelFormat::Tf2SavedModel;
                carry = chunk.right(64);
            }
        }
        return ModelFormat::Tf1SavedModel;
    }
    const QFileInfoList files = dir.entryInfoList(QDir::Files | QDir::Hidden);
    for (const QFileInfo &fi : files) {
        if (fi.suffix() == QLatin1String("tflite") || looksLikeTfLite(fi.filePath()))
            return ModelFormat::TfLite;
    }
    if (dir.exists(QStringLiteral("model.json"))) {
        QFile f(dir.filePath(QStringLiteral("model.json")));
        if (f.open(QIODevice::ReadOnly)) {
            const QByteArray head = f.read(1 << 20);
            if (head.contains("\"modelTopology\"") || head.contains("\"weightsManifest\""))
                return ModelFormat::TfJs;
        }
    }
    return ModelFormat::Unknown;
}

bool isLoadable(ModelFormat format)
{
    return format != ModelFormat::Unknown;
}

QList<RequiredFile> requiredFiles(const QString &folder)
{
    QList<RequiredFile> out;
    const QDir dir(folder);
    const auto add = [&](const QString &rel) { out.append({ rel, QFileInfo::exists(dir.filePath(rel)) }); };
    if (dir.exists(QStringLiteral("saved_model.pbtxt")) && !dir.exists(QStringLiteral("saved_model.pb")))
        add(QStringLiteral("saved_model.pbtxt"));
    else
        add(QStringLiteral("saved_model.pb"));
    if (!dir.exists(QStringLiteral("variables")))
        return out; // a graph with no variables needs nothing else
    add(QStringLiteral("variables/variables.index"));
    // Shards are named variables.data-SSSSS-of-NNNNN; any one present tells N, all must be there.
    static const QRegularExpression shard(QStringLiteral("^variables\\.data-(\\d{5})-of-(\\d{5})$"));
    int total = -1;
    const QStringList names = QDir(dir.filePath(QStringLiteral("variables"))).entryList(QDir::Files);
    for (const QString &n : names) {
        const QRegularExpressionMatch m = shard.match(n);
        if (m.hasMatch())
            total = qMax(total, m.captured(2).toInt());
    }
    if (total < 0)
        total = 1;
    for (int i = 0; i < total; ++i)
        add(QStringLiteral("variables/variables.data-%1-of-%2")
                .arg(i, 5, 10, QLatin1Char('0'))
                .arg(total, 5, 10, QLatin1Char('0')));
    return out;
}

} // namespace tfhub::cache
