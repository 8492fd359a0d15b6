#include "core/catalog/catalogindex.h"

#include <QCoreApplication>
#include <QFile>

// Q_INIT_RESOURCE must be called from the global namespace; the resource lives in this static
// library, so nothing would link it in otherwise.
static void initCatalogResource()
{
    Q_INIT_RESOURCE(catalog);
}

namespace tfhub::catalog {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::catalog", text);
}

constexpr int kFields = 11;
const QByteArray kMagic = QByteArrayLiteral("tfhub-catalog-index");

QByteArray field(const QString &s)
{
    // Index values are tags; tabs and line breaks are never part of one (the importer rejects
    // control characters), so replacing them only guards the format.
    QByteArray b = s.toUtf8();
    b.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    return b;
}

QByteArray list(const QStringList &l)
{
    return field(l.join(QLatin1Char(',')));
}

QStringList toList(QByteArrayView v)
{
    if (v.isEmpty())
        return {};
    return QString::fromUtf8(v).split(QLatin1Char(','), Qt::SkipEmptyParts);
}

} // namespace

QByteArray writeIndex(const QList<CatalogEntry> &entries)
{
    QByteArray out;
    out.reserve(entries.size() * 160);
    out += kMagic + '\t' + QByteArray::number(IndexVersion) + '\n';
    for (const CatalogEntry &e : entries) {
        const QByteArray fields[kFields] = { kindName(e.kind).toUtf8(), field(e.path), field(e.format),
            list(e.tasks), list(e.architectures), list(e.datasets), list(e.languages), field(e.license),
            fineTunableName(e.fineTunable).toUtf8(), field(e.parentModel), list(e.collections) };
        for (int i = 0; i < kFields; ++i) {
            if (i > 0)
                out += '\t';
            out += fields[i];
        }
        out += '\n';
    }
    return out;
}

Result<QList<CatalogEntry>> readIndex(const QByteArray &data, const QString &name, const QString &source)
{
    const QByteArrayView all(data);
    qsizetype pos = all.indexOf('\n');
    const QByteArrayView header = all.first(pos < 0 ? all.size() : pos);
    const QByteArray prefix = kMagic + '\t';
    if (!header.startsWith(prefix))
        return Error { tr("Cannot read the catalog index %1: it is not a catalog index.").arg(name) };
    const QByteArrayView version = header.sliced(prefix.size());
    if (version != QByteArray::number(IndexVersion))
        return Error { tr(
            "Cannot read the catalog index %1: format version %2, this program reads version %3.")
                           .arg(name, QString::fromUtf8(version))
                           .arg(IndexVersion) };
    QList<CatalogEntry> entries;
    entries.reserve(data.count('\n'));
    int lineNo = 1;
    while (pos >= 0 && pos + 1 < all.size()) {
        const qsizetype start = pos + 1;
        pos = all.indexOf('\n', start);
        const QByteArrayView line = all.sliced(start, (pos < 0 ? all.size() : pos) - start);
        ++lineNo;
        if (line.isEmpty())
            continue;
        QByteArrayView f[kFields];
        int n = 0;
        qsizetype from = 0;
        while (n < kFields) {
            const qsizetype tab = line.indexOf('\t', from);
            f[n++] = line.sliced(from, (tab < 0 ? line.size() : tab) - from);
            if (tab < 0)
                break;
            from = tab + 1;
        }
        if (n != kFields || line.count('\t') != kFields - 1)
            return Error { tr("Cannot read the catalog index %1: line %2 has %3 fields instead of %4.")
                               .arg(name)
                               .arg(lineNo)
                               .arg(line.count('\t') + 1)
                               .arg(kFields) };
        CatalogEntry e;
        if (!kindFromName(QString::fromUtf8(f[0]), &e.kind))
            return Error { tr("Cannot read the catalog index %1: unknown kind '%2' on line %3.")
                               .arg(name, QString::fromUtf8(f[0]))
                               .arg(lineNo) };
        e.path = QString::fromUtf8(f[1]);
        if (!splitPath(e.path, &e))
            return Error { tr("Cannot read the catalog index %1: malformed path '%2' on line %3.")
                               .arg(name, e.path)
                               .arg(lineNo) };
        e.handle = handleFor(e.kind, e.path);
        e.format = QString::fromUtf8(f[2]);
        e.tasks = toList(f[3]);
        e.architectures = toList(f[4]);
        e.datasets = toList(f[5]);
        e.languages = toList(f[6]);
        e.license = QString::fromUtf8(f[7]);
        e.fineTunable = f[8] == "true" ? FineTunable::Yes
            : f[8] == "false"          ? FineTunable::No
                                       : FineTunable::Unknown;
        e.parentModel = QString::fromUtf8(f[9]);
        e.collections = toList(f[10]);
        e.source = source;
        entries.append(std::move(e));
    }
    return entries;
}

Result<QList<CatalogEntry>> loadBundledIndex()
{
    initCatalogResource();
    const QString path = QStringLiteral(":/catalog/tfhub-dev.tsv");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { tr("Cannot open the bundled catalog %1: %2.").arg(path, f.errorString()) };
    return readIndex(f.readAll(), path);
}

} // namespace tfhub::catalog
