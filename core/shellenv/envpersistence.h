#pragma once

#include "core/shellenv/envsyntax.h"
#include "core/shellenv/shellprobe.h"
#include "core/util/result.h"

#include <QList>
#include <QMap>
#include <QProcessEnvironment>
#include <QSet>
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

/// A path given as raw bytes (a command-line argument), decoded with the local 8-bit encoding
/// (QFile::decodeName). Refused when it does not survive the way back (QFile::encodeName): bytes
/// that are not valid in the locale's encoding (Latin-1 in a UTF-8 locale) would turn into U+FFFD
/// and the setting would name another folder than the one given. A name that really holds U+FFFD
/// survives and is accepted. Call it before normalizeValue() wherever raw bytes are at hand.
Result<QString> pathFromLocalBytes(const QByteArray &raw);

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
    /// The file is ours to delete once our block goes: fish's and the session's own files, and an
    /// rc file that did not exist before we wrote our block into it (block::createdNote()).
    bool ours = false;
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
    QString shell; ///< the probe that saw it (ProbeResult::name); empty for findings from files alone
};

/// The outcome for one target of apply().
struct TargetResult final
{
    Target target = Target::Bash;
    QString path; ///< the file as named (a symlink stays a symlink)
    QString writtenPath; ///< the file actually written (a symlink's target)
    bool changed = false;
    bool removed = false; ///< the file was ours and held nothing but our block: it was deleted
    /// The previous version, when it held anything of the user's (a file that held only our block
    /// gets no backup).
    QString backupPath;
    QString error; ///< empty on success
};

/// Writes and reads TFHUB_CACHE_DIR and TFHUB_MODEL_LOAD_FORMAT in shell and session files.
/// Each file gets one block between marker comments; everything outside the block is kept byte
/// for byte. Writes are atomic, keep a backup of a previous version that held anything of the
/// user's, and follow symlinks. Files created only for our block are deleted when it goes, so a
/// set and an unset leave the home folder as they found it.
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

    /// What keeps the persisted values from being seen, judged by what new shells and the session
    /// really see (`probes`, from probe::all(); the shells' answer is the truth): a shell that sees
    /// another value than its file's block gives a WinsOverOurs conflict naming the file and line
    /// that most likely set it; an invalid load format a shell sees gives InvalidValue. Lines that
    /// mention a variable outside our blocks without winning are LosesToOurs or SetElsewhere, and
    /// differences between `current` and what is persisted are EnvironmentDiffers.
    QList<Conflict> conflicts(const QProcessEnvironment &current, const QList<ProbeResult> &probes) const;
    /// The same, probing the shells itself (blocking: seconds at worst; off the GUI thread).
    QList<Conflict> conflicts(const QProcessEnvironment &current) const;

    /// Startup files that are scanned for conflicts, with the target syntax each uses.
    QList<std::pair<QString, Target>> scannedFiles() const;

private:
    QList<Conflict> effectiveConflicts(const QList<ProbeResult> &probes, QSet<QString> *named) const;
    QList<Conflict> lineConflicts(const QSet<QString> &named) const;
    QList<Conflict> environmentConflicts(const QProcessEnvironment &current) const;
    TargetResult applyOne(Target target, const Changes &changes) const;

    Locations m_locations;
};

} // namespace tfhub::shellenv
