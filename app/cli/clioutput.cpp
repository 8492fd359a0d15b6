#include "app/cli/clioutput.h"

#include <QJsonArray>

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

QString isoTime(const QDateTime &t)
{
    return t.isValid() ? t.toOffsetFromUtc(t.offsetFromUtc()).toString(Qt::ISODateWithMs) : QString();
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
