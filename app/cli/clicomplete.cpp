#include "app/cli/clicomplete.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "core/cache/cachescanner.h"
#include "core/hub/hubsettings.h"
#include "core/shellenv/envsyntax.h"
#include "tfhubversion.h"

#include <QCoreApplication>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSet>

namespace tfhub::cli {

namespace {

bool isHidden(const Verb &v)
{
    return v.name[0] == '_';
}

bool takesCacheDir(const Verb &v)
{
    return v.cache != CacheUse::None || qstrcmp(v.name, "config") == 0;
}

const Option *findIn(const QList<Option> &options, const QString &name)
{
    for (const Option &o : options) {
        if (name == QLatin1String(o.name) || (o.alias && name == QLatin1String(o.alias)))
            return &o;
    }
    return nullptr;
}

// What the words before the one being completed say.
struct Context final
{
    QString cacheDir;
    const Verb *verb = nullptr;
    bool unknownVerb = false;
    bool optionsDone = false;
    QStringList positional; ///< the verb's arguments that are not options
    const Option *pendingValue = nullptr; ///< the word being completed is this option's value
};

const Option *optionNamed(const Context &c, const QString &name)
{
    if (const Option *o = findIn(globalOptions(), name))
        return o;
    return c.verb ? findIn(c.verb->options, name) : nullptr;
}

Context analyse(const QStringList &words)
{
    Context c;
    for (qsizetype i = 0; i + 1 < words.size(); ++i) {
        const QString &w = words.at(i);
        if (!c.optionsDone && w == QLatin1String("--")) {
            c.optionsDone = true;
        } else if (!c.optionsDone && w.size() > 1 && w.startsWith(QLatin1Char('-'))) {
            const QString name = w.section(QLatin1Char('='), 0, 0);
            const Option *o = optionNamed(c, name);
            const bool isCacheDir = o && qstrcmp(o->name, "--cache-dir") == 0;
            if (o && o->value && !w.contains(QLatin1Char('='))) {
                if (i + 2 >= words.size()) {
                    c.pendingValue = o;
                } else if (isCacheDir) {
                    c.cacheDir = words.at(++i);
                } else {
                    ++i;
                }
            } else if (isCacheDir) {
                c.cacheDir = w.section(QLatin1Char('='), 1);
            }
        } else if (!c.verb && !c.unknownVerb) {
            c.verb = findVerb(w);
            c.unknownVerb = !c.verb || isHidden(*c.verb);
        } else {
            c.positional << w;
        }
    }
    return c;
}

// One word of a synopsis after the verb: "set", "cache-dir|load-format", "HANDLE|KEY...".
struct SynopsisWord final
{
    QStringList alternatives;
    bool placeholder = false; ///< HANDLE, DIR, ...: anything goes there
    bool repeats = false;
};

// The positional words of a synopsis; option groups ("[--move [--leave-behind]]") are left out.
QList<SynopsisWord> synopsisWords(const char *synopsis)
{
    static const QRegularExpression token(QStringLiteral("\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]|\\S+"));
    static const QRegularExpression upper(QStringLiteral("^[A-Z][A-Z_]*$"));
    QList<SynopsisWord> words;
    auto it = token.globalMatch(QString::fromLatin1(synopsis));
    if (it.hasNext())
        it.next(); // the verb itself
    while (it.hasNext()) {
        QString t = it.next().captured();
        if (t.startsWith(QLatin1String("[-")) || t.startsWith(QLatin1Char('-')))
            continue;
        t.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
        SynopsisWord w;
        w.repeats = t.endsWith(QLatin1String("..."));
        t.remove(QLatin1String("..."));
        w.alternatives = t.split(QLatin1Char('|'));
        // "COMPRESSED|UNCOMPRESSED|AUTO" are values to type; "HANDLE|KEY" stands for values.
        w.placeholder
            = w.alternatives.size() == 1 ? upper.match(t).hasMatch() : t == QLatin1String("HANDLE|KEY");
        words << w;
    }
    return words;
}

bool matches(const SynopsisWord &w, const QString &given)
{
    return w.placeholder || w.alternatives.contains(given);
}

// The synopsis words that could stand at the next position, given the positional words so far.
QList<SynopsisWord> nextWords(const Verb &verb, const QStringList &given)
{
    QList<SynopsisWord> next;
    for (const char *synopsis : verb.synopses) {
        const QList<SynopsisWord> words = synopsisWords(synopsis);
        qsizetype i = 0;
        bool ok = true;
        for (const QString &g : given) {
            if (i >= words.size() || !matches(words.at(i), g)) {
                ok = false;
                break;
            }
            if (!words.at(i).repeats)
                ++i;
        }
        if (ok && i < words.size())
            next << words.at(i);
    }
    return next;
}

// Handles and (for HANDLE|KEY) keys of the entries in the cache.
QStringList cacheWords(const QString &cacheDir, bool keys)
{
    const HubSettings s = HubSettings::resolve(QProcessEnvironment::systemEnvironment(), cacheDir);
    QString error;
    QStringList result;
    for (const CacheEntry &e : cache::scanAll(s.cacheDir, ScanOptions(), &error)) {
        if (e.state == EntryState::Foreign)
            continue;
        if (!e.handle.isEmpty())
            result << e.handle;
        if (keys)
            result << e.key;
    }
    return result;
}

QStringList visibleVerbNames()
{
    QStringList names;
    for (const Verb &v : verbs()) {
        if (!isHidden(v))
            names << QString::fromLatin1(v.name);
    }
    return names;
}

QStringList positionalCandidates(const Context &c)
{
    QStringList result;
    for (const SynopsisWord &w : nextWords(*c.verb, c.positional)) {
        const QString word = w.alternatives.join(QLatin1Char('|'));
        if (!w.placeholder)
            result << w.alternatives;
        else if (word == QLatin1String("COMMAND"))
            result << visibleVerbNames();
        else if (word == QLatin1String("HANDLE") || word == QLatin1String("HANDLE|KEY"))
            result << cacheWords(c.cacheDir, word != QLatin1String("HANDLE"));
    }
    return result;
}

// Values of options whose placeholder does not list them ("--sort KEY").
QStringList optionValues(const Option &o)
{
    const QString name = QString::fromLatin1(o.name);
    const QString value = QString::fromLatin1(o.value);
    if (value.contains(QLatin1Char('|')))
        return value.split(QLatin1Char('|'));
    if (name == QLatin1String("--sort"))
        return { QStringLiteral("size"), QStringLiteral("name"), QStringLiteral("date"),
            QStringLiteral("accessed") };
    QStringList values;
    if (name == QLatin1String("--state")) {
        for (int s = 0; s <= static_cast<int>(EntryState::Foreign); ++s)
            values << stateName(static_cast<EntryState>(s));
    } else if (name == QLatin1String("--targets")) {
        for (const shellenv::Target t : shellenv::allTargets())
            values << shellenv::targetName(t);
    }
    return values;
}

QStringList optionCandidates(const Context &c)
{
    QList<Option> options = c.verb ? c.verb->options : QList<Option>();
    if (!c.verb || takesCacheDir(*c.verb))
        options << globalOptions().at(0);
    options << globalOptions().at(1);
    if (!c.verb)
        options << globalOptions().at(2);
    QStringList names;
    for (const Option &o : std::as_const(options)) {
        names << QString::fromLatin1(o.name);
        if (o.alias && o.alias[1] == '-')
            names << QString::fromLatin1(o.alias);
    }
    return names;
}

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

// Text for a roff line: backslashes and hyphens escaped, a leading dot or quote made literal.
QString roff(const QString &text)
{
    QString t = text;
    t.replace(QLatin1Char('\\'), QLatin1String("\\e")).replace(QLatin1Char('-'), QLatin1String("\\-"));
    if (t.startsWith(QLatin1Char('.')) || t.startsWith(QLatin1Char('\'')))
        t.prepend(QLatin1String("\\&"));
    return t;
}

// Summary and description as the help prints them: a sentence starting with a capital.
QString verbText(const Verb &v)
{
    const QString summary = tr(v.summary);
    QString text = summary.left(1).toUpper() + summary.mid(1) + QLatin1Char('.');
    if (v.description)
        text += QLatin1Char(' ') + tr(v.description);
    return text;
}

void appendOptions(QString *t, const QList<Option> &options)
{
    for (const Option &o : options)
        *t += QStringLiteral(".TP\n.B ") + roff(optionLabel(o)) + QLatin1Char('\n') + roff(optionHelp(o))
            + QLatin1Char('\n');
}

void appendVerb(QString *t, const Verb &v)
{
    const QString prefix = takesCacheDir(v) ? QStringLiteral("tfhub-cache [--cache-dir DIR] ")
                                            : QStringLiteral("tfhub-cache ");
    *t += QStringLiteral(".SS ") + QString::fromLatin1(v.name) + QLatin1Char('\n');
    // One synopsis a line; a long one wraps instead of running past the right margin.
    for (const char *synopsis : v.synopses)
        *t += QStringLiteral(".B ") + roff(prefix + QString::fromLatin1(synopsis))
            + QStringLiteral("\n.br\n");
    *t += QStringLiteral(".PP\n") + roff(verbText(v)) + QLatin1Char('\n');
    if (!v.options.isEmpty()) {
        *t += QStringLiteral(".PP\nOptions:\n.RS\n");
        appendOptions(t, v.options);
        *t += QStringLiteral(".RE\n");
    }
}

} // namespace

QString manPage()
{
    QString t = QStringLiteral(".\\\" Generated by 'tfhub-cache __man' from the verb table; do not edit.\n"
                               ".TH TFHUB\\-CACHE 1 \"\" \"tfhub\\-cache %1\" \"User Commands\"\n")
                    .arg(QStringLiteral(TFHUB_VERSION));
    t += QStringLiteral(".SH NAME\ntfhub\\-cache \\- ")
        + roff(tr("manage the model cache of the tensorflow_hub Python library"))
        + QStringLiteral(
            "\n.SH SYNOPSIS\n.B tfhub\\-cache\n[\\fB\\-\\-cache\\-dir\\fR \\fIDIR\\fR] \\fICOMMAND\\fR "
            "[\\fIARGS\\fR]\n.br\n.B tfhub\\-cache\n\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n");
    t += QStringLiteral(".SH DESCRIPTION\n")
        + roff(tr("tfhub-cache shows, fills and cleans the folder where the tensorflow_hub library caches "
                  "models, and stays compatible with the library: models it prefetches load without a "
                  "download, and it honours the library's lock files. The desktop application "
                  "tfhub-cache-manager does the same with a window."))
        + QStringLiteral("\n.SH COMMANDS\n");
    for (const Verb &v : verbs()) {
        if (!isHidden(v))
            appendVerb(&t, v);
    }
    t += QStringLiteral(".SH OPTIONS\n");
    appendOptions(&t, globalOptions());
    t += QStringLiteral(".SH ENVIRONMENT\n.TP\n.B TFHUB_CACHE_DIR\n")
        + roff(tr("The cache folder, as for tensorflow_hub; --cache-dir overrides it. Without either, the "
                  "library's default folder under the system's temporary folder is used."))
        + QStringLiteral("\n.TP\n.B TFHUB_MODEL_LOAD_FORMAT\n")
        + roff(tr("COMPRESSED, UNCOMPRESSED or AUTO, as for tensorflow_hub; read by resolve and prefetch."))
        + QStringLiteral("\n.SH EXIT STATUS\n") + roff(tr("0 on success, 1 on failure, 2 on a usage error."))
        + QStringLiteral("\n.SH SEE ALSO\n")
        + roff(tr("tfhub-cache help COMMAND, and the README of the project for the JSON output."))
        + QLatin1Char('\n');
    return t;
}

QStringList completionCandidates(const QStringList &words, const QString &cacheRoot)
{
    if (words.isEmpty())
        return completionCandidates({ QString() }, cacheRoot);
    Context c = analyse(words);
    if (c.cacheDir.isEmpty())
        c.cacheDir = cacheRoot;
    const QString current = words.constLast();
    QStringList all;
    if (c.unknownVerb)
        return {};
    if (c.pendingValue)
        all = optionValues(*c.pendingValue);
    else if (!c.optionsDone && current.startsWith(QLatin1Char('-')))
        all = optionCandidates(c);
    else if (!c.verb)
        all = visibleVerbNames();
    else
        all = positionalCandidates(c);
    QStringList result;
    QSet<QString> seen;
    for (const QString &candidate : std::as_const(all)) {
        if (candidate.startsWith(current) && !seen.contains(candidate)) {
            seen.insert(candidate);
            result << candidate;
        }
    }
    return result;
}

int runCompleteVerb(const Invocation &in)
{
    QStringList words = in.positional;
    if (words.isEmpty())
        words << QString();
    for (const QString &candidate : completionCandidates(words, in.cacheDir))
        out() << candidate << '\n';
    out().flush();
    return Ok;
}

int runManVerb(const Invocation &)
{
    out() << manPage();
    out().flush();
    return Ok;
}

} // namespace tfhub::cli
