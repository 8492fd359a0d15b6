#include "app/cli/verbs.h"

#include "app/cli/cli.h"
#include "app/cli/clibundle.h"
#include "app/cli/cliclean.h"
#include "app/cli/clicommon.h"
#include "app/cli/clicomplete.h"
#include "core/settings/appsettings.h"
#include "tfhubversion.h"

#include <QCoreApplication>
#include <QFile>
#include <QRegularExpression>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

#define N(text) QT_TRANSLATE_NOOP("tfhub::cli", text)

constexpr IntLimits kJobs { settings::DownloadConcurrency.min, settings::DownloadConcurrency.max,
    settings::DownloadConcurrency.defaultValue };
constexpr IntLimits kLimit { 0, 1000000, 50 };
constexpr IntLimits kUnusedDays { 0, 36500, 90 };

const Option kJson { "--json", nullptr, nullptr, N("machine-readable output (see README, \"JSON output\")") };
const Option kRescan { "--rescan", nullptr, nullptr,
    N("read every file again instead of trusting the scan index for unchanged entries") };

const QList<Verb> kVerbs {
    { "key", { "key HANDLE" }, N("the cache folder name (SHA-1) of a handle"),
        N("Prints the name tensorflow_hub gives the cache folder of HANDLE: the SHA-1 of the exact string."),
        {}, CacheUse::None, &runKey },
    { "resolve", { "resolve HANDLE [--json]" },
        N("the path hub.resolve() returns for a handle, and whether it is cached"),
        N("Under TFHUB_MODEL_LOAD_FORMAT=UNCOMPRESSED asks the server for the remote location, as the "
          "library would; nothing is cached then."),
        { kJson }, CacheUse::Reads, &runResolve },
    { "list", { "list [--json] [--sort KEY] [--state STATE] [--no-trunc] [--wide] [--rescan]" },
        N("the entries of the cache"), nullptr,
        { kJson, kRescan,
            { "--sort", nullptr, "KEY", N("order by size, name, date (downloaded) or accessed") },
            { "--state", nullptr, "STATE",
                N("only entries in STATE: complete, empty, downloading, stale-lock, partial, "
                  "orphan-descriptor, not-loadable, broken or foreign") },
            { "--no-trunc", nullptr, nullptr, N("print whole keys instead of their first 12 digits") },
            { "--wide", nullptr, nullptr, N("print whole handles instead of host and model path") } },
        CacheUse::Reads, &runList },
    { "du", { "du [--json] [--rescan]" },
        N("totals by state and by model format, reclaimable bytes, free space"), nullptr, { kJson, kRescan },
        CacheUse::Reads, &runDu },
    { "info", { "info HANDLE|KEY [--json] [--rescan]" }, N("everything known about one entry"),
        N("KEY is a whole key or a prefix of at least 6 digits that names one entry (as 'list' prints)."),
        { kJson, kRescan }, CacheUse::Reads, &runInfo },
    { "config",
        { "config [--json]", "config show [--json]",
            "config set cache-dir DIR [--move [--leave-behind]] [--targets LIST]",
            "config set load-format COMPRESSED|UNCOMPRESSED|AUTO [--targets LIST]",
            "config unset cache-dir|load-format [--targets LIST]", "config move [--finish|--undo]" },
        N("effective settings and where each value comes from; persist them in shell and session files"),
        N("'config' shows this process's settings; 'config show' also what is persisted and what a new "
          "shell would see. 'set' and 'unset' write managed blocks in shell and session files."),
        { kJson,
            { "--move", nullptr, nullptr,
                N("move the models of the current cache folder to DIR first; DIR is saved only once every "
                  "model is there, then the originals are deleted") },
            { "--leave-behind", nullptr, nullptr,
                N("with --move: move what can move and switch anyway, leaving models in use behind") },
            { "--finish", nullptr, nullptr, N("with 'config move': finish a move that was cut short") },
            { "--undo", nullptr, nullptr, N("with 'config move': put everything back in the old folder") },
            { "--targets", nullptr, "LIST",
                N("comma-separated choice of bash, zsh, profile, fish and session; by default set writes "
                  "to those that exist or apply here, unset removes from every file that holds it") } },
        CacheUse::None, &runConfig },
    { "prefetch", { "prefetch HANDLE... [--jobs N] [--json]" },
        N("download models into the cache as tensorflow_hub would; Ctrl-C cancels cleanly"),
        N("Shows a progress bar per model on a terminal and plain lines otherwise."),
        { { "--jobs", nullptr, "N", N("how many models download at once, %1 to %2 (default %3)"), &kJobs },
            kJson },
        CacheUse::Writes, &runPrefetchVerb },
    { "verify",
        { "verify HANDLE|KEY... [--strict] [--rehash] [--json]",
            "verify --all [--strict] [--rehash] [--json]" },
        N("check models against their manifests"),
        N("Reports modified, missing and extra files, and fails only on those or on errors. Models "
          "tensorflow_hub downloaded have no manifest: they are counted on one line as not verifiable. "
          "KEY may be a unique prefix of at least 6 digits."),
        { { "--all", nullptr, nullptr, N("every model folder of the cache") },
            { "--strict", nullptr, nullptr, N("fail when a model has no manifest, too") },
            { "--rehash", nullptr, nullptr,
                N("record a manifest for models that have none, trusting their files as they are now; "
                  "an existing manifest is kept") },
            kJson },
        CacheUse::Reads, &runVerifyVerb },
    { "export", { "export HANDLE|KEY... -o FILE.zip [--json]", "export --all -o FILE.zip [--json]" },
        N("write cached models into one zip for machines without the hub"),
        N("The zip's layout is itself a cache: 'unzip -d \"$TFHUB_CACHE_DIR\" FILE.zip' works where this "
          "tool "
          "is not installed. Files are stored, or deflated when that saves at least 10 %; Ctrl-C cancels and "
          "leaves no file. KEY may be a unique prefix of at least 6 digits."),
        { { "--output", "-o", "FILE", N("the zip to write (it appears only once complete)") },
            { "--all", nullptr, nullptr, N("every model folder of the cache") }, kJson },
        CacheUse::Reads, &runExportVerb },
    { "import", { "import FILE.zip [--replace] [--json]", "import ARCHIVE --as HANDLE [--json]" },
        N("add the models of a bundle, or adopt an archive downloaded by hand"),
        N("Every file is checked against the bundle's manifest before anything is published. An entry that "
          "exists with the same files is skipped; one with other files is reported and left alone (exit "
          "status 1) unless --replace. With --as, a .tar.gz, .tgz or .tar is extracted and published as a "
          "prefetch of HANDLE would be."),
        { { "--replace", nullptr, nullptr, N("replace entries whose files differ from the bundle's") },
            { "--as", nullptr, "HANDLE", N("adopt ARCHIVE as the download of HANDLE") }, kJson },
        CacheUse::Writes, &runImportVerb },
    { "rm", { "rm HANDLE|KEY... [--trash] [--dry-run] [--yes]" },
        N("delete entries or move them to the trash; never touches anything not named after their keys"),
        N("Deletes the model folder, its descriptor and manifest, and the leftovers of dead downloads (tmp "
          "folders, a stale lock). An entry that a running download holds is refused; items that are not "
          "cache entries are never touched. KEY may be a unique prefix of at least 6 digits."),
        { { "--trash", nullptr, nullptr,
              N("move the items to the trash (frees nothing until it is emptied)") },
            { "--dry-run", "-n", nullptr, N("print what would be removed and freed, and remove nothing") },
            { "--yes", "-y", nullptr, N("do not ask; required when standard input is not a terminal") } },
        CacheUse::Writes, &runRemoveVerb },
    { "clean",
        { "clean [--stale] [--broken [--verify]] [--duplicates] [--unused-days N] [--max-size SIZE] "
          "[--policy] [--dry-run] [--yes] [--trash] [--force] [--json]" },
        N("plan by rules what can go, say why and how much it frees, then remove it"),
        N("Shows the plan grouped by rule and asks (without a terminal it needs --yes or --dry-run). "
          "Pinned entries (see 'pin') and running downloads are never selected; only cache items are "
          "ever removed. Each item is checked again just before it is removed. SIZE is a number of "
          "bytes, or 500M, 20G (powers of 1000) or 500MiB, 1.5TiB (powers of 1024). A cache folder that "
          "is /, a home folder, or holds more foreign items than entries is refused unless --force."),
        { { "--stale", nullptr, nullptr,
              N("abandoned downloads, stale locks, orphan descriptors and manifests, empty folders, "
                "temporaries") },
            { "--broken", nullptr, nullptr, N("entries tensorflow_hub cannot load (not-loadable, broken)") },
            { "--verify", nullptr, nullptr,
                N("with --broken: also entries whose files differ from our manifest (reads every byte)") },
            { "--duplicates", nullptr, nullptr,
                N("the same files cached under several handles; the most recently used copy stays") },
            { "--unused-days", nullptr, "N", N("entries not used for N days (from %1 to %2)"), &kUnusedDays },
            { "--max-size", nullptr, "SIZE", N("keep the cache under SIZE, least recently used first") },
            { "--policy", nullptr, nullptr,
                N("the automatic policy set in the app: stale leftovers, and unused days and the size budget "
                  "when set; never what was read in the last day or is open; writes the run's report") },
            { "--dry-run", "-n", nullptr, N("print the plan and remove nothing") },
            { "--yes", "-y", nullptr, N("do not ask; required when standard input is not a terminal") },
            { "--trash", nullptr, nullptr, N("move to the trash (frees nothing until it is emptied)") },
            { "--force", nullptr, nullptr, N("clean a folder the safety checks refuse") }, kJson },
        CacheUse::Writes, &runCleanVerb },
    { "pin", { "pin HANDLE|KEY...", "pin --list [--json]" }, N("keep entries from every cleanup rule"),
        N("Pins live in .tfhub-cache-manager-pins.json inside the cache folder, so they travel with a "
          "shared or moved cache. A handle may be pinned before it is downloaded."),
        { { "--list", nullptr, nullptr, N("print the pinned entries") }, kJson }, CacheUse::Writes,
        &runPinVerb },
    { "unpin", { "unpin HANDLE|KEY..." }, N("let cleanup rules select entries again"), nullptr, {},
        CacheUse::Writes, &runUnpinVerb },
    { "search",
        { "search [WORDS...] [--task T] [--publisher P] [--format F] [--kind K] [--language L] "
          "[--fine-tunable true|false] [--all-versions] [--limit N] [--json]" },
        N("search the tfhub.dev catalog (offline), with the cache state of each result"),
        N("Searches the bundled tfhub.dev catalog and your extra catalogs (see 'catalog import'). Every "
          "word must match the handle, publisher, task, architecture or dataset."),
        { { "--task", nullptr, "T", N("only models for task T, e.g. text-embedding") },
            { "--publisher", nullptr, "P", N("only models of publisher P, e.g. google") },
            { "--format", nullptr, "F",
                N("only models in format F: tf2-saved-model, tf1-saved-model, tf1-hub-module, tflite or tfjs "
                  "(the names 'list' and JSON use)") },
            { "--kind", nullptr, "K",
                N("only entries of kind K: module, lite, tfjs, coral, placeholder, collection or "
                  "publisher") },
            { "--language", nullptr, "L", N("only models for language L, e.g. en") },
            { "--fine-tunable", nullptr, "true|false", N("only models that can (or cannot) be fine-tuned") },
            { "--all-versions", nullptr, nullptr,
                N("list every version, not only the latest of each model") },
            { "--limit", nullptr, "N", N("show at most N results (default %3; 0 shows all)"), &kLimit },
            kJson },
        CacheUse::Reads, &runSearchVerb },
    { "catalog",
        { "catalog import PATH [--json]", "catalog sources", "catalog remove PATH", "catalog stats",
            "catalog build-index DIR OUT" },
        N("manage extra catalogs: folders of model documents or lists of handles"),
        N("import adds a folder in the tfhub.dev documentation format, or a file with one handle a line, "
          "and prints its counts; sources lists the extra catalogs; remove forgets one; stats counts the "
          "bundled catalog and times its loading; build-index writes the compact index of DIR to OUT "
          "(how the bundled one is made)."),
        { kJson }, CacheUse::None, &runCatalogVerb },
    { "help", { "help [COMMAND]" }, N("this help, or the options of COMMAND"), nullptr, {}, CacheUse::None,
        &runHelp },
    // Hidden (a leading underscore): for the shell completions and the build's man page (clicomplete.h).
    { "__complete", { "__complete -- WORD..." }, N("completion candidates for the last WORD"), nullptr, {},
        CacheUse::None, &runCompleteVerb },
    { "__man", { "__man" }, N("the man page, in roff"), nullptr, {}, CacheUse::None, &runManVerb },
};

const QList<Option> kGlobal {
    { "--cache-dir", "--tfhub_cache_dir", "DIR",
        N("use DIR as the cache folder; overrides TFHUB_CACHE_DIR and the default") },
    { "--help", "-h", nullptr, N("show this help") },
    { "--version", "-v", nullptr, N("show the version") },
};

#undef N

} // namespace

// "-y, --yes"; a long alias is named in the help instead: "--cache-dir DIR ... (also --tfhub_cache_dir)".
QString optionLabel(const Option &o)
{
    QString label = QString::fromLatin1(o.name);
    if (o.alias && o.alias[1] != '-')
        label = QString::fromLatin1(o.alias) + QStringLiteral(", ") + label;
    if (o.value)
        label += QLatin1Char(' ') + QString::fromLatin1(o.value);
    return label;
}

QString optionHelp(const Option &o)
{
    QString help = tr(o.help);
    if (o.limits)
        help.replace(QLatin1String("%1"), QString::number(o.limits->min))
            .replace(QLatin1String("%2"), QString::number(o.limits->max))
            .replace(QLatin1String("%3"), QString::number(o.limits->defaultValue));
    if (o.alias && o.alias[1] == '-')
        help += tr(" (also %1)").arg(QLatin1String(o.alias));
    return help;
}

namespace {

constexpr int kWidth = 100;
constexpr int kColumn = 30;

// Words in lines of at most `width` characters of text, continuation lines indented by `indent`.
QString wrapped(const QStringList &words, int width, int indent = 0)
{
    QString result;
    qsizetype lineStart = 0;
    for (const QString &word : words) {
        if (result.size() > lineStart && result.size() - lineStart + 1 + word.size() > width) {
            result += QLatin1Char('\n') + QString(indent, QLatin1Char(' '));
            lineStart = result.size();
        } else if (result.size() > lineStart) {
            result += QLatin1Char(' ');
        }
        result += word;
    }
    return result;
}

QString wrapped(const QString &text, int width, int indent = 0)
{
    return wrapped(text.split(QLatin1Char(' '), Qt::SkipEmptyParts), width, indent);
}

// A synopsis breaks between its "[--option VALUE]" groups (one level of nesting), never inside one.
QString wrappedSynopsis(const QString &synopsis, int width, int indent)
{
    static const QRegularExpression group(QStringLiteral("\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]|\\S+"));
    QStringList words;
    for (auto it = group.globalMatch(synopsis); it.hasNext();)
        words << it.next().captured();
    return wrapped(words, width, indent);
}

// "  LABEL   TEXT" with TEXT in a column; a long label puts TEXT on the next line.
void appendRow(QString *out, const QString &label, const QString &text)
{
    *out += QStringLiteral("  ") + wrappedSynopsis(label, kWidth - 6, 6);
    const qsizetype lastLine = out->size() - out->lastIndexOf(QLatin1Char('\n')) - 1;
    if (lastLine < kColumn - 1)
        *out += QString(kColumn - lastLine, QLatin1Char(' '));
    else
        *out += QLatin1Char('\n') + QString(kColumn, QLatin1Char(' '));
    *out += wrapped(text, kWidth - kColumn, kColumn) + QLatin1Char('\n');
}

const Option *findOption(const QList<Option> &options, const QString &name)
{
    for (const Option &o : options) {
        if (name == QLatin1String(o.name) || (o.alias && name == QLatin1String(o.alias)))
            return &o;
    }
    return nullptr;
}

// Options given before the verb: their arity comes from whichever verb knows them.
const Option *findAnyOption(const QString &name)
{
    for (const Verb &v : kVerbs) {
        if (const Option *o = findOption(v.options, name))
            return o;
    }
    return nullptr;
}

// Qt decodes bytes that are invalid in the locale's encoding to U+FFFD, so the decoded path would
// name another folder; a path that really holds U+FFFD survives the round trip.
bool checkRawCacheDir(qsizetype index, qsizetype valueOffset)
{
    const QByteArray bytes = rawArguments().at(index).mid(valueOffset);
    return QFile::encodeName(QFile::decodeName(bytes)) == bytes;
}

} // namespace

const QList<Verb> &verbs()
{
    return kVerbs;
}

const QList<Option> &globalOptions()
{
    return kGlobal;
}

const Verb *findVerb(const QString &name)
{
    for (const Verb &v : kVerbs) {
        if (name == QLatin1String(v.name))
            return &v;
    }
    return nullptr;
}

QString usageText()
{
    QString t = tr("Usage: tfhub-cache [--cache-dir DIR] COMMAND [ARGS]\n\n"
                   "Manage the model cache of the tensorflow_hub Python library.\n\nCommands:\n");
    for (const Verb &v : kVerbs) {
        if (v.name[0] == '_')
            continue;
        for (qsizetype i = 0; i + 1 < v.synopses.size(); ++i)
            t += QStringLiteral("  ") + wrappedSynopsis(QString::fromLatin1(v.synopses.at(i)), kWidth - 6, 6)
                + QLatin1Char('\n');
        appendRow(&t, QString::fromLatin1(v.synopses.constLast()), tr(v.summary));
    }
    t += QLatin1Char('\n') + tr("Options:") + QLatin1Char('\n');
    for (const Option &o : kGlobal)
        appendRow(&t, optionLabel(o), optionHelp(o));
    t += QLatin1Char('\n')
        + tr("'tfhub-cache help COMMAND' or 'tfhub-cache COMMAND --help' lists the options of a command.\n"
             "Exit status: 0 success, 1 failure, 2 usage error.\n");
    return t;
}

QString verbHelp(const Verb &v)
{
    const QString prefix = v.cache == CacheUse::None && QLatin1String(v.name) != QLatin1String("config")
        ? QStringLiteral("tfhub-cache ")
        : QStringLiteral("tfhub-cache [--cache-dir DIR] ");
    QString t;
    for (qsizetype i = 0; i < v.synopses.size(); ++i)
        t += (i == 0 ? tr("Usage: ") : QStringLiteral("       "))
            + wrappedSynopsis(prefix + QString::fromLatin1(v.synopses.at(i)), kWidth - 14, 14)
            + QLatin1Char('\n');
    QString text = tr(v.summary).left(1).toUpper() + tr(v.summary).mid(1) + QLatin1Char('.');
    if (v.description)
        text += QLatin1Char(' ') + tr(v.description);
    t += QLatin1Char('\n') + wrapped(text, kWidth) + QStringLiteral("\n\n") + tr("Options:")
        + QLatin1Char('\n');
    QList<Option> options = v.options;
    if (prefix.contains(QLatin1String("--cache-dir")))
        options << kGlobal.at(0);
    options << kGlobal.at(1);
    for (const Option &o : std::as_const(options))
        appendRow(&t, optionLabel(o), optionHelp(o));
    t += QLatin1Char('\n') + tr("Exit status: 0 success, 1 failure, 2 usage error.\n");
    return t;
}

namespace {

QByteArrayList &rawStore()
{
    static QByteArrayList raw;
    return raw;
}

struct Parser final
{
    const QStringList &args;
    ParseOutcome result;
    QString verbName;
    bool help = false;
    bool version = false;
    QStringList unknown;
    QStringList misplaced; ///< options the verb does not take
    bool rawMatches = false; ///< rawArguments() are the bytes of `args`, one for one

    // The value of the option at `i`: after '=' or the next argument.
    std::optional<QString> takeValue(qsizetype &i, qsizetype *rawOffset)
    {
        const QString &arg = args.at(i);
        const qsizetype eq = arg.indexOf(QLatin1Char('='));
        if (arg.startsWith(QLatin1String("--")) && eq > 0) {
            *rawOffset = QFile::encodeName(arg.left(eq + 1)).size();
            return arg.mid(eq + 1);
        }
        if (i + 1 >= args.size())
            return std::nullopt;
        *rawOffset = 0;
        return args.at(++i);
    }

    std::optional<int> global(const Option &o, qsizetype &i)
    {
        if (qstrcmp(o.name, "--help") == 0) {
            help = true;
        } else if (qstrcmp(o.name, "--version") == 0) {
            version = true;
        } else {
            const QString name = args.at(i).section(QLatin1Char('='), 0, 0);
            qsizetype offset = 0;
            const std::optional<QString> v = takeValue(i, &offset);
            if (!v || v->isEmpty())
                return usageError(tr("%1 needs a folder.").arg(name));
            if (rawMatches && !checkRawCacheDir(i, offset))
                return usageError(tr("The --cache-dir value is not valid in the locale's encoding: it holds "
                                     "bytes that cannot be read as text, and the folder would be a different "
                                     "one than named. Use a name that is valid UTF-8."));
            result.invocation.cacheDir = *v;
        }
        return std::nullopt;
    }

    std::optional<int> verbOption(const Option &o, qsizetype &i)
    {
        const QString arg = args.at(i);
        const QString name = QString::fromLatin1(o.name);
        QString value;
        if (o.value) {
            qsizetype offset = 0;
            const std::optional<QString> v = takeValue(i, &offset);
            if (!v)
                return usageError(tr("%1 needs %2.").arg(name, QString::fromLatin1(o.value)), hint());
            value = *v;
            if (o.limits) {
                bool ok = false;
                const int n = value.toInt(&ok);
                if (!ok || n < o.limits->min || n > o.limits->max)
                    return usageError(tr("%1 needs a number from %2 to %3.")
                                          .arg(name)
                                          .arg(o.limits->min)
                                          .arg(o.limits->max),
                        hint());
            }
            result.invocation.raw << arg;
            if (!arg.contains(QLatin1Char('=')))
                result.invocation.raw << value;
        } else {
            if (arg.startsWith(QLatin1String("--")) && arg.contains(QLatin1Char('=')))
                return usageError(tr("%1 takes no value.").arg(name), hint());
            result.invocation.raw << arg;
        }
        result.invocation.options.insert(name, value);
        return std::nullopt;
    }

    QString hint() const
    {
        return verbName.isEmpty() || !result.verb ? QString()
                                                  : tr("Try 'tfhub-cache %1 --help'.").arg(verbName);
    }

    std::optional<int> argument(qsizetype &i, bool *optionsDone)
    {
        const QString &arg = args.at(i);
        if (*optionsDone || arg == QLatin1String("-") || !arg.startsWith(QLatin1Char('-'))) {
            if (verbName.isEmpty()) {
                verbName = arg;
                result.verb = findVerb(arg);
            } else {
                result.invocation.positional << arg;
                result.invocation.raw << arg;
            }
            return std::nullopt;
        }
        if (arg == QLatin1String("--")) {
            *optionsDone = true;
            return std::nullopt;
        }
        const QString name = arg.startsWith(QLatin1String("--")) ? arg.section(QLatin1Char('='), 0, 0) : arg;
        if (const Option *o = findOption(kGlobal, name))
            return global(*o, i);
        const Option *own = result.verb ? findOption(result.verb->options, name) : nullptr;
        const Option *any = own ? own : findAnyOption(name);
        if (!any) {
            unknown << arg;
            return std::nullopt;
        }
        if (result.verb && !own)
            misplaced << name;
        return verbOption(*any, i);
    }

    std::optional<int> finish()
    {
        if (version) {
            out() << "tfhub-cache " << TFHUB_VERSION << '\n';
            out().flush();
            return Ok;
        }
        if (help && verbName.isEmpty()) {
            out() << usageText();
            out().flush();
            return Ok;
        }
        if (verbName.isEmpty())
            return usageError(tr("No command given."));
        if (!result.verb)
            return usageError(tr("Unknown command '%1'.").arg(verbName));
        if (help) {
            out() << verbHelp(*result.verb);
            out().flush();
            return Ok;
        }
        // Options given before the verb were taken on trust: check them now.
        for (auto it = result.invocation.options.cbegin(); it != result.invocation.options.cend(); ++it) {
            if (!findOption(result.verb->options, it.key()) && !misplaced.contains(it.key()))
                misplaced << it.key();
        }
        if (!unknown.isEmpty() || !misplaced.isEmpty())
            return usageError(tr("'%1' does not take %2.")
                                  .arg(verbName, unknown.isEmpty() ? misplaced.first() : unknown.first()),
                hint());
        return std::nullopt;
    }
};

} // namespace

ParseOutcome parseCommandLine(const QStringList &arguments)
{
    Parser p { arguments, {}, {}, false, false, {}, {}, rawArguments().size() == arguments.size() };
    bool optionsDone = false;
    for (qsizetype i = 1; i < arguments.size() && !p.result.exitCode; ++i)
        p.result.exitCode = p.argument(i, &optionsDone);
    if (!p.result.exitCode)
        p.result.exitCode = p.finish();
    p.result.invocation.verb = p.verbName;
    return p.result;
}

const QByteArrayList &rawArguments()
{
    return rawStore();
}

void setRawArguments(int argc, const char *const *argv)
{
    QByteArrayList &raw = rawStore();
    raw.clear();
    for (int i = 0; i < argc; ++i)
        raw << QByteArray(argv[i]);
}

int runHelp(const Invocation &in)
{
    if (in.positional.isEmpty()) {
        out() << usageText();
        out().flush();
        return Ok;
    }
    const Verb *v = findVerb(in.positional.first());
    if (!v || in.positional.size() > 1)
        return usageError(tr("Unknown command '%1'.").arg(in.positional.join(QLatin1Char(' '))));
    out() << verbHelp(*v);
    out().flush();
    return Ok;
}

} // namespace tfhub::cli
