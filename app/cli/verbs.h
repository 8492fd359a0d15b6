#pragma once

#include <QByteArrayList>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// The verbs of tfhub-cache as one table of plain data: names, synopses, options with one-line
// help, and handlers. The usage text, `help VERB`, `VERB --help` and the option parser all read it;
// a man page or shell completions can be generated from it the same way.
namespace tfhub::cli {

/// Inclusive limits and default of a numeric option; the parser refuses values outside them.
struct IntLimits final
{
    int min;
    int max;
    int defaultValue;
};

struct Option final
{
    const char *name; ///< "--json"
    const char *alias; ///< "-y", or nullptr
    const char *value; ///< the value's placeholder ("N", "KEY"), or nullptr for a flag
    const char *help; ///< one line; "%1", "%2", "%3" stand for min, max and default of `limits`
    const IntLimits *limits = nullptr;
};

/// A parsed command line for one verb.
struct Invocation final
{
    QString verb;
    QString cacheDir; ///< --cache-dir / --tfhub_cache_dir; empty when not given
    QStringList positional;
    QStringList raw; ///< the verb's arguments as given, without the global options
    QMap<QString, QString> options; ///< given options by their name; flags map to an empty value
    /// For verbs that use the cache: one line saying the cache folder does not exist yet, or empty.
    QString missingCacheNote;

    bool has(const char *name) const { return options.contains(QString::fromLatin1(name)); }
    QString value(const char *name) const { return options.value(QString::fromLatin1(name)); }
};

using Handler = int (*)(const Invocation &);

/// How a verb uses the cache folder: the folder is checked (URL, not a folder) before it runs.
enum class CacheUse { None, Reads, Writes };

struct Verb final
{
    const char *name;
    QList<const char *> synopses; ///< without "tfhub-cache [--cache-dir DIR]"
    const char *summary; ///< one line, for the command list
    const char *description; ///< a paragraph for `help VERB`, or nullptr
    QList<Option> options;
    CacheUse cache;
    Handler handler;
};

/// Every verb, in the order the usage text lists them.
const QList<Verb> &verbs();
/// Options every verb takes: --cache-dir, --help, --version.
const QList<Option> &globalOptions();
const Verb *findVerb(const QString &name);

/// An option as the help lists it: "-y, --yes", "--jobs N".
QString optionLabel(const Option &option);
/// An option's help line: limits filled in, a long alias named ("(also --tfhub_cache_dir)").
QString optionHelp(const Option &option);

/// `tfhub-cache --help`. Verbs named with a leading underscore are hidden from it.
QString usageText();
/// `tfhub-cache help VERB` and `tfhub-cache VERB --help`.
QString verbHelp(const Verb &verb);

/// Parses argv (program name first). Returns the invocation, or the exit code when the command
/// line is fully handled (help, version) or wrong (the message is printed).
struct ParseOutcome final
{
    std::optional<int> exitCode;
    const Verb *verb = nullptr;
    Invocation invocation;
};
ParseOutcome parseCommandLine(const QStringList &arguments);

/// argv as the bytes the program received (Qt decodes invalid bytes to U+FFFD in arguments());
/// empty when main() did not record them.
const QByteArrayList &rawArguments();
void setRawArguments(int argc, const char *const *argv);

// Handlers (cli.cpp, clicatalog.cpp, climaintenance.cpp).
int runKey(const Invocation &in);
int runResolve(const Invocation &in);
int runList(const Invocation &in);
int runDu(const Invocation &in);
int runInfo(const Invocation &in);
int runConfig(const Invocation &in);
int runPrefetchVerb(const Invocation &in);
int runVerifyVerb(const Invocation &in);
int runRemoveVerb(const Invocation &in);
int runSearchVerb(const Invocation &in);
int runCatalogVerb(const Invocation &in);
int runHelp(const Invocation &in);

/// `config set ...`, `config unset ...`, `config show ...` (cliconfig.cpp): `cacheDir` is the
/// global --cache-dir (empty when not given); `args` are the verb's own arguments and options, in
/// order, after "config". Returns an exit code (0 ok, 1 failure, 2 usage error).
int runConfigVerb(const QString &cacheDir, const QStringList &args);

} // namespace tfhub::cli
