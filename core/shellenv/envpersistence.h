#pragma once

#include "core/shellenv/envsyntax.h"
#include "core/util/result.h"

#include <QList>
#include <QMap>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <optional>

namespace tfhub::shellenv {

/// Where the files live, from HOME, ZDOTDIR and XDG_CONFIG_HOME of an environment.
struct Locations final
{
    QString home;
    QString zdotdir;
    QString configHome;
    QProcessEnvironment environment; ///< used to find installed shells (PATH)

    static Locations fromEnvironment(
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    QString fileFor(Target target) const;
    /// The targets chosen when the user picks none: those whose file exists or whose shell or
    /// session manager is installed.
    QList<Target> defaultTargets() const;
};

/// The wanted change: a value to write, or std::nullopt to drop the variable from our block.
/// Variables not in the map keep what the block already holds.
using Changes = QMap<Variable, std::optional<QString>>;

/// Checks and normalises a value before it is written: the cache folder gets `~` expanded and must
/// be absolute and free of control characters; the load format must be exactly COMPRESSED,
/// UNCOMPRESSED or AUTO.
Result<QString> normalizeValue(Variable variable, const QString &value, const QString &home);

/// The persistent cache folder to offer instead of a temporary one: $XDG_CACHE_HOME/tfhub_modules,
/// or ~/.cache/tfhub_modules when XDG_CACHE_HOME is unset or not absolute (the XDG rules).
QString persistentCacheDir(const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

/// Whether `dir` lies in a folder that is cleared on restart: `tempDir` (when empty, the folder
/// Python's tempfile picks, as the library's default does) or /dev/shm.
bool isTemporaryDir(const QString &dir, const QString &tempDir = QString());

/// What one target's file holds now.
struct TargetState final
{
    Target target = Target::Bash;
    QString path;
    bool exists = false;
    bool hasBlock = false;
    QMap<Variable, QString> values; ///< the values inside our block
    QString error; ///< the file could not be read
};

/// A line outside our block that also sets one of the variables, or an environment that differs.
struct Conflict final
{
    enum class Kind {
        WinsOverOurs, ///< after our block in the same file: it wins
        LosesToOurs, ///< before our block in the same file: ours wins
        SetElsewhere, ///< in a file without our block; which wins depends on the order of reading
        EnvironmentDiffers, ///< this process's environment differs from what is persisted
        InvalidValue, ///< a load format that tensorflow_hub does not accept
    };
    Kind kind = Kind::SetElsewhere;
    Variable variable = Variable::CacheDir;
    QString file; ///< empty for EnvironmentDiffers
    int line = 0; ///< 1-based
    QString text; ///< the line as found
    QString message; ///< translated, plain words
};

/// The outcome for one target of apply().
struct TargetResult final
{
    Target target = Target::Bash;
    QString path; ///< the file as named (a symlink stays a symlink)
    QString writtenPath; ///< the file actually written (a symlink's target)
    bool changed = false;
    QString backupPath; ///< the previous version, when there was one
    QString error; ///< empty on success
};

/// Writes and reads TFHUB_CACHE_DIR and TFHUB_MODEL_LOAD_FORMAT in shell and session files.
/// Each file gets one block between marker comments; everything outside the block is kept byte
/// for byte. Writes are atomic, keep a backup of the previous version and follow symlinks.
class EnvPersistence final
{
public:
    explicit EnvPersistence(Locations locations = Locations::fromEnvironment());

    const Locations &locations() const { return m_locations; }

    TargetState read(Target target) const;
    QList<TargetState> readAll() const;

    /// The exact lines of the block `target` would hold after `changes`; empty when the block
    /// would be removed. Values must be normalised first.
    QString previewBlock(Target target, const Changes &changes) const;

    /// Applies `changes` to each of `targets`; a failing target does not stop the others.
    QList<TargetResult> apply(const QList<Target> &targets, const Changes &changes) const;

    /// Lines outside our blocks that set the variables (in the target files and the other startup
    /// files of each shell), and differences between `current` and what is persisted.
    QList<Conflict> conflicts(const QProcessEnvironment &current) const;

    /// Startup files that are scanned for conflicts, with the target syntax each uses.
    QList<std::pair<QString, Target>> scannedFiles() const;

private:
    Locations m_locations;
};

} // namespace tfhub::shellenv
