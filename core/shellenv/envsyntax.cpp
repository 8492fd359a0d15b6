#include "core/shellenv/envsyntax.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace tfhub::shellenv {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::env", text);
}

const QByteArray BeginMarker = QByteArrayLiteral("# >>> tfhub-cache-manager >>>");
const QByteArray EndMarker = QByteArrayLiteral("# <<< tfhub-cache-manager <<<");
// Not translated: the block must read the same whichever language wrote it.
const QByteArray Notice = QByteArrayLiteral(
    "# Managed by TF Hub Cache Manager (tfhub-cache config); this block is replaced on change.");
const QByteArray CreatedNote
    = QByteArrayLiteral("# This file was created for this block; removing the block removes the file.");

bool isNameChar(QChar c, bool first)
{
    return c == QLatin1Char('_') || (c.unicode() < 128 && c.isLetter())
        || (!first && c.unicode() < 128 && c.isDigit());
}

QByteArray stripCr(QByteArray line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

// The line [start, end) of `content` that begins at `start`, without its terminator.
struct LineSpan
{
    qsizetype start = -1;
    qsizetype end = -1; ///< index of the '\n' (or content size when there is none)
};

LineSpan findMarkerLine(const QByteArray &content, const QByteArray &marker, qsizetype from)
{
    qsizetype pos = from;
    while (pos <= content.size()) {
        qsizetype nl = content.indexOf('\n', pos);
        if (nl < 0)
            nl = content.size();
        if (stripCr(content.mid(pos, nl - pos)).trimmed() == marker)
            return { pos, nl };
        if (nl >= content.size())
            break;
        pos = nl + 1;
    }
    return {};
}

std::optional<Variable> variableOf(const QByteArray &name)
{
    for (const Variable v : allVariables()) {
        if (name == variableName(v).toLatin1())
            return v;
    }
    return std::nullopt;
}

// Expands $NAME or ${NAME} at text[i] (text[i] == '$'); advances i past it.
std::optional<QString> expandVariable(const QString &text, qsizetype &i, const QProcessEnvironment &vars)
{
    Q_ASSERT(text.at(i) == QLatin1Char('$'));
    qsizetype j = i + 1;
    const bool braced = j < text.size() && text.at(j) == QLatin1Char('{');
    if (braced)
        ++j;
    const qsizetype nameStart = j;
    while (j < text.size() && isNameChar(text.at(j), j == nameStart))
        ++j;
    if (j == nameStart)
        return std::nullopt; // $( , $? and friends: not evaluated
    const QString name = text.mid(nameStart, j - nameStart);
    if (braced) {
        if (j >= text.size() || text.at(j) != QLatin1Char('}'))
            return std::nullopt; // ${X:-y} and other operators
        ++j;
    }
    i = j;
    return vars.value(name);
}

} // namespace

QString variableName(Variable variable)
{
    return variable == Variable::CacheDir ? QStringLiteral("TFHUB_CACHE_DIR")
                                          : QStringLiteral("TFHUB_MODEL_LOAD_FORMAT");
}

QList<Variable> allVariables()
{
    return { Variable::CacheDir, Variable::LoadFormat };
}

QString targetName(Target target)
{
    switch (target) {
    case Target::Bash:
        return QStringLiteral("bash");
    case Target::Zsh:
        return QStringLiteral("zsh");
    case Target::Profile:
        return QStringLiteral("profile");
    case Target::Fish:
        return QStringLiteral("fish");
    case Target::Session:
        return QStringLiteral("session");
    }
    return QString();
}

QString targetLabel(Target target)
{
    switch (target) {
    case Target::Bash:
        return tr("bash (interactive shells)");
    case Target::Zsh:
        return tr("zsh");
    case Target::Profile:
        return tr("login shells");
    case Target::Fish:
        return tr("fish");
    case Target::Session:
        return tr("desktop session (programs started from the desktop, after the next login)");
    }
    return QString();
}

bool targetFromName(const QString &name, Target *out)
{
    for (const Target t : allTargets()) {
        if (targetName(t) == name) {
            *out = t;
            return true;
        }
    }
    return false;
}

QList<Target> allTargets()
{
    return { Target::Bash, Target::Zsh, Target::Profile, Target::Fish, Target::Session };
}

namespace block {

QByteArray beginMarker()
{
    return BeginMarker;
}

QByteArray endMarker()
{
    return EndMarker;
}

std::pair<int, int> markerLines(const QByteArray &content)
{
    const LineSpan begin = findMarkerLine(content, BeginMarker, 0);
    const LineSpan end = begin.start >= 0 ? findMarkerLine(content, EndMarker, begin.start) : LineSpan();
    if (begin.start < 0 || end.start < 0)
        return { 0, 0 };
    const auto lineOf
        = [&content](qsizetype pos) { return static_cast<int>(content.left(pos).count('\n')) + 1; };
    return { lineOf(begin.start), lineOf(end.start) };
}

QByteArray quote(Target target, const QString &value, const QString &home)
{
    QString prefix;
    QString rest = value;
    const QString cleanHome = home.endsWith(QLatin1Char('/')) ? home.chopped(1) : home;
    if (!cleanHome.isEmpty() && (value == cleanHome || value.startsWith(cleanHome + QLatin1Char('/')))) {
        prefix = target == Target::Session ? QStringLiteral("${HOME}") : QStringLiteral("$HOME");
        rest = value.mid(cleanHome.size());
    }
    QString escaped;
    for (const QChar c : std::as_const(rest)) {
        switch (target) {
        case Target::Bash:
        case Target::Zsh:
        case Target::Profile:
            if (c == QLatin1Char('\\') || c == QLatin1Char('"') || c == QLatin1Char('$')
                || c == QLatin1Char('`'))
                escaped += QLatin1Char('\\');
            escaped += c;
            break;
        case Target::Fish:
            if (c == QLatin1Char('\\') || c == QLatin1Char('"') || c == QLatin1Char('$'))
                escaped += QLatin1Char('\\');
            escaped += c;
            break;
        case Target::Session:
            // systemd unquotes first and expands variables afterwards, where "$$" is a literal "$".
            if (c == QLatin1Char('$'))
                escaped += QLatin1Char('$');
            else if (c == QLatin1Char('\\') || c == QLatin1Char('"') || c == QLatin1Char('`'))
                escaped += QLatin1Char('\\');
            escaped += c;
            break;
        }
    }
    return (QLatin1Char('"') + prefix + escaped + QLatin1Char('"')).toUtf8();
}

QByteArray render(Target target, const QMap<Variable, QString> &values, const QString &home)
{
    if (values.isEmpty())
        return {};
    QByteArrayList lines { BeginMarker, Notice };
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        const QByteArray name = variableName(it.key()).toLatin1();
        const QByteArray quoted
            = quote(target, it.value(), it.key() == Variable::CacheDir ? home : QString());
        switch (target) {
        case Target::Bash:
        case Target::Zsh:
        case Target::Profile:
            lines << "export " + name + '=' + quoted;
            break;
        case Target::Fish:
            lines << "set -gx " + name + ' ' + quoted;
            break;
        case Target::Session:
            lines << name + '=' + quoted;
            break;
        }
    }
    lines << EndMarker;
    // Always LF: shells keep a CR as part of the value, so CRLF lines would corrupt our own values
    // even in a file whose other lines use CRLF.
    return lines.join('\n');
}

QByteArray createdNote()
{
    return CreatedNote;
}

bool hasCreatedNote(const QByteArray &content)
{
    const auto [begin, end] = markerLines(content);
    if (begin <= 0)
        return false;
    const QByteArrayList lines = content.split('\n');
    for (int n = begin + 1; n < end; ++n) {
        if (stripCr(lines.at(n - 1)).trimmed() == CreatedNote)
            return true;
    }
    return false;
}

QByteArray withCreatedNote(const QByteArray &block)
{
    if (block.isEmpty())
        return block;
    QByteArrayList lines = block.split('\n');
    lines.insert(qMin<qsizetype>(2, lines.size()), CreatedNote);
    return lines.join('\n');
}

QString markerProblem(const QByteArray &content)
{
    QList<int> begins, ends;
    const QByteArrayList lines = content.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QByteArray line = stripCr(lines.at(i)).trimmed();
        if (line == BeginMarker)
            begins << static_cast<int>(i + 1);
        else if (line == EndMarker)
            ends << static_cast<int>(i + 1);
    }
    if (begins.isEmpty() && ends.isEmpty())
        return QString();
    if (begins.size() > 1 || ends.size() > 1)
        return tr("the block's markers appear more than once (lines %1)").arg([&] {
            QStringList all;
            for (const int n : begins + ends)
                all << QString::number(n);
            return all.join(QStringLiteral(", "));
        }());
    if (ends.isEmpty())
        return tr("line %1 starts the block but its end marker is missing").arg(begins.first());
    if (begins.isEmpty())
        return tr("line %1 ends a block that never starts").arg(ends.first());
    if (ends.first() < begins.first())
        return tr("the block's end marker (line %1) comes before its start (line %2)")
            .arg(ends.first())
            .arg(begins.first());
    return QString();
}

QByteArray replace(const QByteArray &content, const QByteArray &block)
{
    const LineSpan begin = findMarkerLine(content, BeginMarker, 0);
    LineSpan end;
    if (begin.start >= 0)
        end = findMarkerLine(content, EndMarker, begin.start);
    if (begin.start < 0 || end.start < 0) {
        if (block.isEmpty())
            return content;
        // Appended at the end, so it wins over earlier lines. A file without a final newline gets
        // one before the block and the block none after it: removing the block then restores the
        // original bytes exactly.
        if (content.isEmpty())
            return block + '\n';
        if (content.endsWith('\n'))
            return content + block + '\n';
        return content + '\n' + block;
    }
    if (!block.isEmpty())
        return content.left(begin.start) + block + content.mid(end.end);
    qsizetype from = begin.start;
    qsizetype to = end.end < content.size() ? end.end + 1 : end.end;
    if (end.end >= content.size() && from > 0 && content.at(from - 1) == '\n')
        --from; // the newline we added before a block at the end of a file that had none
    return content.left(from) + content.mid(to);
}

QMap<Variable, QString> parse(Target target, const QByteArray &content, const QString &home, bool *found)
{
    QMap<Variable, QString> values;
    const LineSpan begin = findMarkerLine(content, BeginMarker, 0);
    const LineSpan end = begin.start >= 0 ? findMarkerLine(content, EndMarker, begin.start) : LineSpan();
    if (found)
        *found = begin.start >= 0 && end.start >= 0;
    if (begin.start < 0 || end.start < 0)
        return values;
    QProcessEnvironment vars;
    vars.insert(QStringLiteral("HOME"), home);
    const QByteArrayList lines = content.mid(begin.end, end.start - begin.end).split('\n');
    for (const QByteArray &line : lines) {
        const std::optional<Assignment> a = findAssignment(target, stripCr(line));
        if (!a || a->unset)
            continue;
        std::optional<QString> v = target == Target::Fish ? decode::fishWord(a->value, vars)
            : target == Target::Session                   ? decode::environmentD(a->value, vars)
                                                          : decode::posixWord(a->value, vars);
        if (v)
            values.insert(a->variable, *v);
    }
    return values;
}

} // namespace block

std::optional<Assignment> findAssignment(Target syntax, const QByteArray &rawLine)
{
    const QByteArray line = stripCr(rawLine).trimmed();
    if (line.isEmpty() || line.startsWith('#'))
        return std::nullopt;
    Assignment a;
    if (syntax == Target::Fish) {
        static const QRegularExpression re(
            QStringLiteral("^set((?:\\s+-{1,2}[A-Za-z-]+)*)\\s+([A-Za-z_][A-Za-z0-9_]*)(?:\\s+(.*))?$"));
        const QRegularExpressionMatch m = re.match(QString::fromUtf8(line));
        if (!m.hasMatch())
            return std::nullopt;
        const std::optional<Variable> v = variableOf(m.captured(2).toLatin1());
        if (!v)
            return std::nullopt;
        a.variable = *v;
        const QString flags = m.captured(1);
        a.unset = flags.contains(QLatin1String("--erase"))
            || QRegularExpression(QStringLiteral("(^|\\s)-[A-Za-z]*e")).match(flags).hasMatch();
        a.value = m.captured(3).toUtf8();
        return a;
    }
    static const QRegularExpression posix(
        QStringLiteral("^(?:(?:export|readonly|declare\\s+-[A-Za-z]+|typeset\\s+-[A-Za-z]+|local)\\s+)?([A-"
                       "Za-z_][A-Za-z0-9_]*)=(.*)$"));
    static const QRegularExpression unset(QStringLiteral("^unset\\s+(?:-v\\s+)?(.*)$"));
    const QString text = QString::fromUtf8(line);
    if (syntax != Target::Session) {
        const QRegularExpressionMatch u = unset.match(text);
        if (u.hasMatch()) {
            const QStringList names
                = u.captured(1).split(QRegularExpression(QStringLiteral("[\\s;]+")), Qt::SkipEmptyParts);
            for (const Variable v : allVariables()) {
                if (names.contains(variableName(v))) {
                    a.variable = v;
                    a.unset = true;
                    return a;
                }
            }
            return std::nullopt;
        }
    }
    const QRegularExpressionMatch m = posix.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    const std::optional<Variable> v = variableOf(m.captured(1).toLatin1());
    if (!v)
        return std::nullopt;
    a.variable = *v;
    a.value = m.captured(2).toUtf8();
    return a;
}

namespace decode {

namespace {

// What tells the two shell syntaxes apart when reading one word back.
struct WordRules
{
    QChar substitution; ///< starts a command substitution we do not evaluate
    bool escapesInSingleQuotes; ///< fish: \' and \\ inside '...'
    QString escapableInDouble; ///< what a backslash escapes inside "..."
};

std::optional<QString> shellWord(
    const QByteArray &bytes, const QProcessEnvironment &vars, const WordRules &rules)
{
    const QString text = QString::fromUtf8(bytes);
    QString out;
    qsizetype i = 0;
    if (text.startsWith(QLatin1Char('~')) && (text.size() == 1 || text.at(1) == QLatin1Char('/'))) {
        out = vars.value(QStringLiteral("HOME"));
        i = 1;
    }
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (c.isSpace() || c == QLatin1Char(';'))
            break;
        if (c == rules.substitution)
            return std::nullopt;
        if (c == QLatin1Char('\'')) {
            ++i;
            while (i < text.size() && text.at(i) != QLatin1Char('\'')) {
                if (rules.escapesInSingleQuotes && text.at(i) == QLatin1Char('\\') && i + 1 < text.size()
                    && (text.at(i + 1) == QLatin1Char('\'') || text.at(i + 1) == QLatin1Char('\\')))
                    ++i;
                out += text.at(i++);
            }
            if (i >= text.size())
                return std::nullopt;
            ++i;
        } else if (c == QLatin1Char('"')) {
            ++i;
            while (i < text.size() && text.at(i) != QLatin1Char('"')) {
                const QChar d = text.at(i);
                if (d == QLatin1Char('\\') && i + 1 < text.size()
                    && rules.escapableInDouble.contains(text.at(i + 1))) {
                    out += text.at(i + 1);
                    i += 2;
                } else if (d == QLatin1Char('$')) {
                    const std::optional<QString> v = expandVariable(text, i, vars);
                    if (!v)
                        return std::nullopt;
                    out += *v;
                } else if (d == QLatin1Char('`') && rules.substitution == QLatin1Char('`')) {
                    return std::nullopt;
                } else {
                    out += d;
                    ++i;
                }
            }
            if (i >= text.size())
                return std::nullopt;
            ++i;
        } else if (c == QLatin1Char('\\')) {
            if (i + 1 < text.size())
                out += text.at(i + 1);
            i += 2;
        } else if (c == QLatin1Char('$')) {
            const std::optional<QString> v = expandVariable(text, i, vars);
            if (!v)
                return std::nullopt;
            out += *v;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

} // namespace

std::optional<QString> posixWord(const QByteArray &bytes, const QProcessEnvironment &vars)
{
    return shellWord(bytes, vars, { QLatin1Char('`'), false, QStringLiteral("$`\"\\") });
}

std::optional<QString> fishWord(const QByteArray &bytes, const QProcessEnvironment &vars)
{
    return shellWord(bytes, vars, { QLatin1Char('('), true, QStringLiteral("$\"\\") });
}

std::optional<QString> environmentD(const QByteArray &bytes, const QProcessEnvironment &vars)
{
    // systemd first removes quotes and backslashes, then expands ${VAR}, $VAR and "$$".
    const QString text = QString::fromUtf8(bytes).trimmed();
    QString unquoted;
    qsizetype i = 0;
    while (i < text.size()) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\'')) {
            const qsizetype close = text.indexOf(QLatin1Char('\''), i + 1);
            if (close < 0)
                return std::nullopt;
            unquoted += text.mid(i + 1, close - i - 1);
            i = close + 1;
        } else if (c == QLatin1Char('"')) {
            ++i;
            while (i < text.size() && text.at(i) != QLatin1Char('"')) {
                if (text.at(i) == QLatin1Char('\\') && i + 1 < text.size()
                    && QStringLiteral("\"\\`$").contains(text.at(i + 1)))
                    ++i;
                unquoted += text.at(i++);
            }
            if (i >= text.size())
                return std::nullopt;
            ++i;
        } else if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            unquoted += text.at(i + 1);
            i += 2;
        } else {
            unquoted += c;
            ++i;
        }
    }
    QString out;
    for (i = 0; i < unquoted.size();) {
        if (unquoted.at(i) != QLatin1Char('$')) {
            out += unquoted.at(i++);
            continue;
        }
        if (i + 1 < unquoted.size() && unquoted.at(i + 1) == QLatin1Char('$')) {
            out += QLatin1Char('$');
            i += 2;
            continue;
        }
        const std::optional<QString> v = expandVariable(unquoted, i, vars);
        if (!v)
            return std::nullopt;
        out += *v;
    }
    return out;
}

bool generatorLine(const QByteArray &line, QString *key, QString *value)
{
    const qsizetype eq = line.indexOf('=');
    if (eq <= 0)
        return false;
    *key = QString::fromUtf8(line.left(eq));
    QByteArray raw = line.mid(eq + 1);
    if (raw.startsWith('"') && raw.endsWith('"') && raw.size() >= 2) {
        raw = raw.mid(1, raw.size() - 2);
        QByteArray plain;
        for (qsizetype i = 0; i < raw.size(); ++i) {
            if (raw.at(i) == '\\' && i + 1 < raw.size())
                ++i;
            plain += raw.at(i);
        }
        raw = plain;
    }
    *value = QString::fromUtf8(raw);
    return true;
}

} // namespace decode

} // namespace tfhub::shellenv
