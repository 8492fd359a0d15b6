#include "core/catalog/catalogimporter.h"

#include "core/hub/handle.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace tfhub {

int ImportReport::countOf(CatalogKind kind) const
{
    return int(std::count_if(
        entries.cbegin(), entries.cend(), [kind](const CatalogEntry &e) { return e.kind == kind; }));
}

namespace catalog {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::catalog", text);
}

const QString kTfHubPrefix = QStringLiteral("https://tfhub.dev/");

bool validSegment(QStringView s)
{
    if (s.isEmpty())
        return false;
    return std::all_of(s.begin(), s.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u'.'
            || c == u'_' || c == u'-';
    });
}

bool validPath(const QString &path)
{
    const QStringList parts = path.split(QLatin1Char('/'));
    return std::all_of(parts.cbegin(), parts.cend(), [](const QString &p) { return validSegment(p); });
}

bool isNumber(QStringView s)
{
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), [](QChar c) { return c >= u'0' && c <= u'9'; });
}

// The published headings break some paths with &zwnj; (25 of them) so that a browser may wrap them;
// it is not part of the name. Zero-width characters that a copy from a browser leaves do the same.
QString decodePath(QString raw)
{
    raw.remove(QStringLiteral("&zwnj;"), Qt::CaseInsensitive);
    raw.remove(QChar(0x200C));
    raw.remove(QChar(0x200B));
    raw.remove(QChar(0xFEFF));
    return raw.trimmed();
}

enum class Key { Format, Task, Architecture, Dataset, Language, License, FineTunable, ParentModel, Ignored };

const QHash<QString, Key> &knownKeys()
{
    // asset-path, colab, demo and interactive-visualizer are links and storage details that
    // browsing does not need; they are known, so not warned about.
    static const QHash<QString, Key> keys {
        { QStringLiteral("format"), Key::Format },
        { QStringLiteral("task"), Key::Task },
        { QStringLiteral("network-architecture"), Key::Architecture },
        { QStringLiteral("dataset"), Key::Dataset },
        { QStringLiteral("language"), Key::Language },
        { QStringLiteral("license"), Key::License },
        { QStringLiteral("fine-tunable"), Key::FineTunable },
        { QStringLiteral("parent-model"), Key::ParentModel },
        { QStringLiteral("asset-path"), Key::Ignored },
        { QStringLiteral("colab"), Key::Ignored },
        { QStringLiteral("demo"), Key::Ignored },
        { QStringLiteral("interactive-visualizer"), Key::Ignored },
    };
    return keys;
}

bool hasControl(const QString &s)
{
    return std::any_of(s.begin(), s.end(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

// A tag value: one word of name characters (values such as "imagenet-ilsvrc-2012-cls", "zh-cn").
bool validTag(const QString &s)
{
    return !s.isEmpty() && !hasControl(s) && !s.contains(QLatin1Char(' ')) && !s.contains(QLatin1Char('<'))
        && !s.contains(QLatin1Char('>'));
}

struct DocumentParser final
{
    const QString &fileName;
    QList<ImportWarning> *warnings;
    CatalogEntry entry;
    QSet<Key> seenSingle;

    void warn(int line, const QString &message) { warnings->append({ fileName, line, message }); }

    void setSingle(Key key, int line, const QString &name, QString *field, const QString &value)
    {
        if (seenSingle.contains(key)) {
            if (*field != value)
                warn(line,
                    tr("'%1' given again with a different value '%2'; the first value '%3' is kept.")
                        .arg(name, value, *field));
            return;
        }
        seenSingle.insert(key);
        *field = value;
    }

    void addList(int line, const QString &name, QStringList *field, const QString &value)
    {
        // Several values come as repeated lines; a comma-separated value is read the same way.
        const QStringList parts = value.split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (QString part : parts) {
            part = part.trimmed();
            if (!validTag(part)) {
                warn(line, tr("Malformed '%1' value '%2' skipped.").arg(name, part));
                continue;
            }
            if (!field->contains(part))
                field->append(part);
        }
    }

    void metadata(int line, const QString &name, const QString &rawValue)
    {
        const auto it = knownKeys().constFind(name);
        if (it == knownKeys().cend()) {
            warn(line, tr("Unknown metadata '%1' skipped.").arg(name));
            return;
        }
        const QString value = rawValue.trimmed();
        if (value.isEmpty() || hasControl(value)) {
            warn(line, tr("Metadata '%1' has no usable value; skipped.").arg(name));
            return;
        }
        switch (*it) {
        case Key::Format:
            if (value != QLatin1String("hub") && value != QLatin1String("saved_model")
                && value != QLatin1String("saved_model_2")) {
                warn(line,
                    tr("Unknown format '%1' skipped (expected hub, saved_model or saved_model_2).")
                        .arg(value));
                return;
            }
            setSingle(*it, line, name, &entry.format, value);
            return;
        case Key::License:
            if (!validTag(value)) {
                warn(line, tr("Malformed license '%1' skipped.").arg(value));
                return;
            }
            setSingle(*it, line, name, &entry.license, value);
            return;
        case Key::FineTunable: {
            const QString v = value.toLower();
            if (v != QLatin1String("true") && v != QLatin1String("false")) {
                warn(line, tr("fine-tunable must be true or false, not '%1'; skipped.").arg(value));
                return;
            }
            QString current = fineTunableName(entry.fineTunable);
            setSingle(*it, line, name, &current, v);
            entry.fineTunable = current == QLatin1String("true") ? FineTunable::Yes : FineTunable::No;
            return;
        }
        case Key::ParentModel: {
            const QString parent = decodePath(value);
            if (!validPath(parent)) {
                warn(line, tr("Malformed parent-model '%1' skipped.").arg(value));
                return;
            }
            setSingle(*it, line, name, &entry.parentModel, parent);
            return;
        }
        case Key::Task:
            addList(line, name, &entry.tasks, value);
            return;
        case Key::Architecture:
            addList(line, name, &entry.architectures, value);
            return;
        case Key::Dataset:
            addList(line, name, &entry.datasets, value);
            return;
        case Key::Language:
            addList(line, name, &entry.languages, value);
            return;
        case Key::Ignored:
            return;
        }
    }
};

// A collection member as a model id: links name a model with or without its version.
QString memberId(QString link)
{
    link = decodePath(link);
    while (link.endsWith(QLatin1Char('/')) || link.endsWith(QLatin1Char('.')))
        link.chop(1);
    QStringList parts = link.split(QLatin1Char('/'));
    if (parts.size() > 2 && isNumber(parts.last()))
        parts.removeLast();
    // Links to other collections are not members (nested collections list their own models).
    if (parts.size() < 2 || parts.at(1) == QLatin1String("collections")
        || !validPath(parts.join(QLatin1Char('/'))))
        return QString();
    return parts.join(QLatin1Char('/'));
}

// The first heading, '# <Kind> <path>': the entry's kind, path and handle.
Status parseHeading(const QString &line, const QString &fileName, CatalogEntry *entry)
{
    const QStringList words = line.mid(2).simplified().split(QLatin1Char(' '));
    if (words.size() != 2)
        return Error { tr("%1: the first heading '%2' is not '# <Kind> <path>'.").arg(fileName, line) };
    CatalogKind kind {};
    if (!kindFromName(words.first(), &kind))
        return Error { tr("%1: unknown kind '%2' in the first heading.").arg(fileName, words.first()) };
    const QString path = decodePath(words.at(1));
    if (!validPath(path))
        return Error { tr("%1: malformed path '%2' in the first heading.").arg(fileName, words.at(1)) };
    entry->kind = kind;
    entry->path = path;
    splitPath(path, entry);
    const bool publisher = kind == CatalogKind::Publisher;
    if (publisher && path.contains(QLatin1Char('/')))
        return Error { tr("%1: a publisher heading names one publisher, not '%2'.").arg(fileName, path) };
    if (!publisher && (entry->version == 0 || entry->model.isEmpty()))
        return Error {
            tr("%1: the heading path '%2' does not end in publisher/name/version.").arg(fileName, path)
        };
    entry->handle = handleFor(kind, path);
    return {};
}

} // namespace

Result<CatalogEntry> parseDocument(
    const QString &text, const QString &fileName, QList<ImportWarning> *warnings, QStringList *members)
{
    static const QRegularExpression metaLine(QStringLiteral("^<!--\\s*([a-z][a-z0-9_-]*)\\s*:(.*)$"));
    static const QRegularExpression link(QStringLiteral("https://tfhub\\.dev/([A-Za-z0-9_.&;/-]+)"));

    QList<ImportWarning> local;
    DocumentParser p { fileName, &local, {}, {} };
    bool haveHeading = false;
    bool inFence = false;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QString line = lines.at(i);
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
        if (i == 0 && line.startsWith(QChar(0xFEFF)))
            line.remove(0, 1);
        const int lineNo = int(i + 1);
        if (line.trimmed().startsWith(QLatin1String("```"))) {
            inFence = !inFence;
            continue;
        }
        if (inFence)
            continue;
        if (!haveHeading) {
            // A '#' comment inside a code fence is not the heading; the first real one is.
            if (!line.startsWith(QLatin1String("# ")))
                continue;
            if (Status heading = parseHeading(line, fileName, &p.entry); !heading)
                return Error { heading.error() };
            haveHeading = true;
            continue;
        }
        if (line.startsWith(QLatin1String("<!--"))) {
            const QRegularExpressionMatch m = metaLine.match(line);
            if (!m.hasMatch())
                continue; // an ordinary comment
            QString rest = m.captured(2).trimmed();
            if (!rest.endsWith(QLatin1String("-->"))) {
                p.warn(lineNo, tr("Metadata '%1' is not closed with '-->'; skipped.").arg(m.captured(1)));
                continue;
            }
            rest.chop(3);
            p.metadata(lineNo, m.captured(1), rest);
            continue;
        }
        if (members && p.entry.kind == CatalogKind::Collection) {
            QRegularExpressionMatchIterator it = link.globalMatch(line);
            while (it.hasNext()) {
                const QString id = memberId(it.next().captured(1));
                if (!id.isEmpty() && !members->contains(id))
                    members->append(id);
            }
        }
    }
    if (!haveHeading)
        return Error { tr("%1: no '# <Kind> <path>' heading.").arg(fileName) };
    warnings->append(local);
    return std::move(p.entry);
}

Result<ImportReport> importFolder(const QString &dir, const QString &source)
{
    const QDir root(dir);
    if (!root.exists())
        return Error { tr("Cannot import the catalog folder %1: it does not exist.").arg(dir) };
    if (!root.isReadable())
        return Error { tr("Cannot import the catalog folder %1: permission denied.").arg(dir) };

    QStringList files;
    QDirIterator it(dir, { QStringLiteral("*.md") }, QDir::Files | QDir::Readable | QDir::Hidden,
        QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    std::sort(files.begin(), files.end());

    ImportReport report;
    QHash<QString, QString> seen; // kind + path -> first file
    QHash<QString, QStringList> collectionsOf; // member model id -> collection ids
    for (const QString &file : std::as_const(files)) {
        const QString rel = root.relativeFilePath(file);
        ++report.filesRead;
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly)) {
            report.warnings.append({ rel, 0, tr("Cannot read %1: %2.").arg(rel, f.errorString()) });
            ++report.filesSkipped;
            continue;
        }
        const qsizetype before = report.warnings.size();
        QStringList members;
        Result<CatalogEntry> e
            = parseDocument(QString::fromUtf8(f.readAll()), rel, &report.warnings, &members);
        if (!e) {
            report.warnings.append({ rel, 0, e.error() });
            ++report.filesSkipped;
            continue;
        }
        const QString id = kindName(e->kind) + QLatin1Char(' ') + e->path;
        if (const auto dup = seen.constFind(id); dup != seen.cend()) {
            report.warnings.resize(before);
            report.warnings.append(
                { rel, 0, tr("%1: '%2' is already described by %3; skipped.").arg(rel, e->path, *dup) });
            ++report.filesSkipped;
            continue;
        }
        seen.insert(id, rel);
        report.metadataSkipped += int(report.warnings.size() - before);
        e.value().source = source;
        for (const QString &m : std::as_const(members))
            collectionsOf[m].append(e->modelId());
        report.entries.append(std::move(e).value());
    }
    for (CatalogEntry &e : report.entries) {
        if (e.kind == CatalogKind::Collection || e.kind == CatalogKind::Publisher)
            continue;
        const auto c = collectionsOf.constFind(e.modelId());
        if (c == collectionsOf.cend())
            continue;
        e.collections = *c;
        e.collections.removeDuplicates();
        e.collections.sort();
    }
    return report;
}

ImportReport parseHandleList(const QString &text, const QString &fileName, const QString &source)
{
    ImportReport report;
    QSet<QString> seen;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        ++report.filesRead;
        const int lineNo = int(i + 1);
        const Result<Handle> h = Handle::parse(line);
        if (!h) {
            report.warnings.append({ fileName, lineNo, h.error() });
            ++report.filesSkipped;
            continue;
        }
        if (!h->isCached(LoadFormat::Auto)) {
            report.warnings.append({ fileName, lineNo,
                tr("%1 is used in place by tensorflow_hub, never downloaded; skipped.").arg(line) });
            ++report.filesSkipped;
            continue;
        }
        if (seen.contains(line)) {
            ++report.filesSkipped;
            continue;
        }
        seen.insert(line);
        CatalogEntry e;
        e.kind = CatalogKind::Module;
        e.handle = line;
        e.source = source;
        QString path = line.startsWith(kTfHubPrefix) ? line.mid(kTfHubPrefix.size())
                                                     : line.section(QStringLiteral("://"), 1);
        path = path.section(QLatin1Char('?'), 0, 0).section(QLatin1Char('#'), 0, 0);
        e.path = path;
        if (!splitPath(path, &e)) {
            // A handle such as ".../1/" (a different cache key than ".../1") keeps its exact text.
            e.publisher = h->publisher();
            e.model = path;
            e.version = 0;
        } else if (!h->publisher().isEmpty()) {
            e.publisher = h->publisher();
        }
        report.entries.append(std::move(e));
    }
    return report;
}

Result<ImportReport> importHandleList(const QString &file, const QString &source)
{
    QFile f(file);
    if (!f.exists())
        return Error { tr("Cannot import the handle list %1: it does not exist.").arg(file) };
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return Error { tr("Cannot import the handle list %1: %2.").arg(file, f.errorString()) };
    return parseHandleList(QString::fromUtf8(f.readAll()), QFileInfo(file).fileName(), source);
}

Result<ImportReport> importSource(const QString &path)
{
    const QFileInfo info(path);
    if (info.isDir())
        return importFolder(path, path);
    return importHandleList(path, path);
}

} // namespace catalog
} // namespace tfhub
