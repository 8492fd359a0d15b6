#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace tfhub::shellenv {

/// The two variables tensorflow_hub reads that we persist.
enum class Variable { CacheDir, LoadFormat };
QString variableName(Variable variable); ///< "TFHUB_CACHE_DIR", "TFHUB_MODEL_LOAD_FORMAT"
QList<Variable> allVariables();

/// A place a persisted variable is written to; each has its own file and syntax.
enum class Target {
    Bash, ///< ~/.bashrc: interactive bash
    Zsh, ///< $ZDOTDIR/.zshrc (or ~/.zshrc)
    Profile, ///< the login file bash reads: ~/.bash_profile, else ~/.bash_login, else ~/.profile
    Fish, ///< $XDG_CONFIG_HOME/fish/conf.d/tfhub-cache-manager.fish
    Session, ///< $XDG_CONFIG_HOME/environment.d/tfhub-cache-manager.conf: the desktop session
};
QString targetName(Target target); ///< stable machine name: bash, zsh, profile, fish, session
QString targetLabel(Target target); ///< translated short description
bool targetFromName(const QString &name, Target *out);
QList<Target> allTargets();

/// Pure text operations, exposed for tests.
namespace block {

QByteArray beginMarker(); ///< "# >>> tfhub-cache-manager >>>"
QByteArray endMarker(); ///< "# <<< tfhub-cache-manager <<<"

/// Why our markers in `content` cannot be edited safely (a start marker without its end, an end
/// before its start, more than one block), naming the line; empty when they are fine. Editing such
/// a file could take the user's own lines for part of our block, so it must be left alone.
QString markerProblem(const QByteArray &content);

/// Line numbers (1-based) of our markers in `content`; {0, 0} when there is no complete block.
std::pair<int, int> markerLines(const QByteArray &content);

/// The comment line a block carries in a shell file that did not exist before we wrote it: such a
/// file holds nothing of the user's, so removing the block removes the file.
QByteArray createdNote(); ///< "# This file was created for this block; ..."
/// Whether our block in `content` carries createdNote().
bool hasCreatedNote(const QByteArray &content);
/// `block` (from render()) with createdNote() after its first two lines; empty stays empty.
QByteArray withCreatedNote(const QByteArray &block);

/// The block's lines for `values` in the syntax of `target` (no final newline); empty when no values.
QByteArray render(Target target, const QMap<Variable, QString> &values, const QString &home);

/// Replaces (or appends, or with an empty `block` removes) our block in `content`; everything
/// else is kept byte for byte.
QByteArray replace(const QByteArray &content, const QByteArray &block);

/// The values inside our block of `content`, decoded; `found` tells whether a block exists.
QMap<Variable, QString> parse(Target target, const QByteArray &content, const QString &home, bool *found);

/// Quotes `value` for one syntax. Paths under `home` are written relative to $HOME on purpose,
/// so a shared dotfile keeps working on a machine with another home folder.
QByteArray quote(Target target, const QString &value, const QString &home);

} // namespace block

/// Decoders for one assignment's value in each syntax, as the shell would expand it: quotes,
/// backslashes, $VAR and ${VAR} (from `vars`), and a leading ~ (POSIX and fish). std::nullopt for
/// constructs we do not evaluate, such as command substitution.
namespace decode {
std::optional<QString> posixWord(const QByteArray &bytes, const QProcessEnvironment &vars);
std::optional<QString> fishWord(const QByteArray &bytes, const QProcessEnvironment &vars);
std::optional<QString> environmentD(const QByteArray &bytes, const QProcessEnvironment &vars);
/// One `KEY=VALUE` line as systemd's environment generator prints it.
bool generatorLine(const QByteArray &line, QString *key, QString *value);
} // namespace decode

/// An assignment to one of our variables found on a line; `value` is the raw text after `=` (or
/// after the name, for fish), `unset` for `unset VAR` / `set -e VAR`.
struct Assignment final
{
    Variable variable = Variable::CacheDir;
    QByteArray value;
    bool unset = false;
};
std::optional<Assignment> findAssignment(Target syntax, const QByteArray &line);

} // namespace tfhub::shellenv
