// EnvPersistence::conflicts(): what keeps the persisted values from being seen. The verdict comes
// from the shells themselves (shellprobe); the files are only read to point at the line to look at.
#include "core/shellenv/envpersistence.h"

#include "core/hub/hubsettings.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace tfhub::shellenv {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::env", text);
}

struct Mention
{
    QString file;
    int line = 0; ///< 1-based
    QString text;
    int blockBegin = 0; ///< our block's lines in that file; 0 when it has none
    int blockEnd = 0;
};

// Every non-comment line outside our block that names `variable` as a word, however it is written
// (several assignments on a line, indented inside an `if`, `declare -x`, `set -x`...).
QList<Mention> mentionsIn(const QString &path, Variable variable)
{
    QList<Mention> found;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return found;
    const QByteArray content = f.readAll();
    const auto [begin, end] = block::markerLines(content);
    const QRegularExpression word(
        QStringLiteral("(^|[^A-Za-z0-9_])%1([^A-Za-z0-9_]|$)").arg(variableName(variable)));
    const QByteArrayList lines = content.split('\n');
    for (int n = 1; n <= lines.size(); ++n) {
        if (begin > 0 && n >= begin && n <= end)
            continue;
        const QString text = QString::fromUtf8(lines.at(n - 1)).trimmed();
        if (text.startsWith(QLatin1Char('#')) || !word.match(text).hasMatch())
            continue;
        found << Mention { path, n, text, begin, end };
    }
    return found;
}

QString where(const Mention &m)
{
    return tr("%1, line %2").arg(m.file).arg(m.line);
}

QString quoted(const std::optional<QString> &value)
{
    return value ? QLatin1Char('"') + *value + QLatin1Char('"') : tr("nothing (unset)");
}

// A shell sees another value than the one saved for it: names the line most likely to blame,
// after our block in its own file, else in the other files it reads.
Conflict winsOverOurs(const ProbeResult &probe, Variable v, const std::optional<QString> &seen,
    const QString &expected, const QString &ownFile, const QStringList &files, QSet<QString> *named)
{
    QList<Mention> after;
    QList<Mention> elsewhere;
    for (const QString &file : files) {
        for (const Mention &m : mentionsIn(file, v)) {
            if (file == ownFile && m.blockBegin > 0 && m.line > m.blockEnd)
                after << m;
            else if (file != ownFile)
                elsewhere << m;
        }
    }
    Conflict c;
    c.kind = Conflict::Kind::WinsOverOurs;
    c.variable = v;
    c.shell = probe.name;
    const QString head = tr("%1 sees %2=%3, not the saved %4")
                             .arg(probe.name, variableName(v), quoted(seen), quoted(expected));
    const Mention *m = !after.isEmpty() ? &after.last() : !elsewhere.isEmpty() ? &elsewhere.last() : nullptr;
    if (!m) {
        c.message = tr("%1: something its startup files run sets it (no line of %2 names it).")
                        .arg(head, files.join(QStringLiteral(", ")));
        return c;
    }
    c.file = m->file;
    c.line = m->line;
    c.text = m->text;
    named->insert(m->file + QLatin1Char(':') + QString::number(m->line));
    c.message = m->file == ownFile
        ? tr("%1: %2 sets it after the managed block: %3").arg(head, where(*m), m->text)
        : tr("%1: %2 sets it: %3").arg(head, where(*m), m->text);
    return c;
}

// A shell sees a load format tensorflow_hub rejects; names the last line of its files that sets it.
Conflict invalidFormat(
    const ProbeResult &probe, const QString &seen, const QStringList &files, QSet<QString> *named)
{
    Conflict c;
    c.kind = Conflict::Kind::InvalidValue;
    c.variable = Variable::LoadFormat;
    c.shell = probe.name;
    c.message = tr("%1 sees TFHUB_MODEL_LOAD_FORMAT=\"%2\", which tensorflow_hub does not accept (use "
                   "COMPRESSED, UNCOMPRESSED or AUTO, in capitals).")
                    .arg(probe.name, seen);
    for (const QString &file : files) {
        for (const Mention &m : mentionsIn(file, Variable::LoadFormat)) {
            c.file = m.file;
            c.line = m.line;
            c.text = m.text;
        }
    }
    if (c.line > 0) {
        named->insert(c.file + QLatin1Char(':') + QString::number(c.line));
        c.message
            += QLatin1Char(' ') + tr("It is set at %1, line %2: %3").arg(c.file).arg(c.line).arg(c.text);
    }
    return c;
}

} // namespace

QList<Conflict> EnvPersistence::conflicts(const QProcessEnvironment &current) const
{
    return conflicts(current, probe::all(m_locations.environment));
}

QList<Conflict> EnvPersistence::conflicts(
    const QProcessEnvironment &current, const QList<ProbeResult> &probes) const
{
    QSet<QString> named;
    QList<Conflict> found = effectiveConflicts(probes, &named);
    found << lineConflicts(named);
    found << environmentConflicts(current);
    return found;
}

QList<Conflict> EnvPersistence::effectiveConflicts(
    const QList<ProbeResult> &probes, QSet<QString> *named) const
{
    QList<Conflict> found;
    const ProbeResult *sessionProbe = nullptr;
    for (const ProbeResult &probe : probes) {
        if (probe.target == Target::Session && probe.ok())
            sessionProbe = &probe;
    }
    for (const ProbeResult &probe : probes) {
        if (!probe.ok())
            continue;
        const TargetState own = read(probe.target);
        // The files this shell reads: its own syntax, and for a login bash the .bashrc it often sources.
        QStringList files;
        for (const auto &[path, syntax] : scannedFiles()) {
            if (syntax == probe.target
                || (probe.target == Target::Profile && path == m_locations.fileFor(Target::Bash)))
                files << path;
        }
        for (const Variable v : allVariables()) {
            const std::optional<QString> seen = probe.value(v);
            if (v == Variable::LoadFormat && seen
                && HubSettings::parseLoadFormat(*seen) == LoadFormat::Invalid) {
                found << invalidFormat(probe, *seen, files, named);
            }
            // What it should see: its own file's block, else what the session hands down (a session
            // that does not see its saved value is a conflict of its own).
            std::optional<QString> expected;
            if (own.values.contains(v))
                expected = own.values.value(v);
            else if (sessionProbe && probe.target != Target::Session)
                expected = sessionProbe->value(v);
            if (!expected || seen == expected)
                continue;
            found << winsOverOurs(probe, v, seen, *expected, own.path, files, named);
        }
    }
    return found;
}

QList<Conflict> EnvPersistence::lineConflicts(const QSet<QString> &named) const
{
    QList<Conflict> found;
    for (const auto &[path, syntax] : scannedFiles()) {
        for (const Variable v : allVariables()) {
            for (const Mention &m : mentionsIn(path, v)) {
                if (named.contains(m.file + QLatin1Char(':') + QString::number(m.line)))
                    continue;
                Conflict c;
                c.variable = v;
                c.file = m.file;
                c.line = m.line;
                c.text = m.text;
                const QString name = variableName(v);
                // A later line that mattered was named from the shells' answer; this one did not win.
                if (m.blockBegin > 0) {
                    c.kind = Conflict::Kind::LosesToOurs;
                    c.message = tr("%1 also mentions %2, but new shells see the managed value: %3")
                                    .arg(where(m), name, m.text);
                } else {
                    c.kind = Conflict::Kind::SetElsewhere;
                    c.message = tr("%1 also mentions %2; it may win where this file is read last: %3")
                                    .arg(where(m), name, m.text);
                }
                found << c;
            }
        }
    }
    return found;
}

QList<Conflict> EnvPersistence::environmentConflicts(const QProcessEnvironment &current) const
{
    QList<Conflict> found;
    const QList<TargetState> states = readAll();
    for (const Variable v : allVariables()) {
        QStringList persisted;
        for (const TargetState &s : states) {
            if (s.values.contains(v) && !persisted.contains(s.values.value(v)))
                persisted << s.values.value(v);
        }
        if (persisted.isEmpty())
            continue;
        const QString name = variableName(v);
        Conflict c;
        c.kind = Conflict::Kind::EnvironmentDiffers;
        c.variable = v;
        const QString quotedList
            = QLatin1Char('"') + persisted.join(QStringLiteral("\", \"")) + QLatin1Char('"');
        if (persisted.size() > 1) {
            c.message = tr("The files disagree on %1: %2.").arg(name, quotedList);
            found << c;
        }
        if (!current.contains(name)) {
            c.message
                = tr("%1 is not set in this program's environment, but %2 is persisted: programs started "
                     "before the change do not see it until they are restarted (the desktop session until "
                     "the next login).")
                      .arg(name, quotedList);
            found << c;
        } else if (!persisted.contains(current.value(name))) {
            c.message
                = tr("This program was started with %1=\"%2\", but %3 is persisted: programs started before "
                     "the change keep the old value until they are restarted (the desktop session until the "
                     "next login).")
                      .arg(name, current.value(name), quotedList);
            found << c;
        }
    }
    return found;
}

} // namespace tfhub::shellenv
