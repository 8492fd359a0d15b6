#pragma once

#include "core/shellenv/envsyntax.h"

#include <QList>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

namespace tfhub::shellenv {

/// What one kind of new shell (or the desktop session) sees, found by starting it.
struct ProbeResult final
{
    QString name; ///< "bash", "bash (login)", "zsh", "fish", "session"
    QString command; ///< what was run, for the curious
    Target target = Target::Session; ///< the file of ours this shell reads
    bool available = false; ///< the shell or generator is installed
    QString error; ///< it did not finish, or printed nothing we could read
    std::optional<QString> cacheDir; ///< std::nullopt: not set
    std::optional<QString> loadFormat; ///< std::nullopt: not set

    bool ok() const { return available && error.isEmpty(); }
    std::optional<QString> value(Variable v) const { return v == Variable::CacheDir ? cacheDir : loadFormat; }
};

/// Starts the shells and systemd's user environment generator to learn the effective values.
/// Blocking (each run is bounded by `timeoutMs`): call it off the GUI thread.
namespace probe {

/// The path of systemd's environment.d generator, empty when it is not installed.
QString sessionGenerator();

/// What a new desktop session would get: runs the generator with `env`.
ProbeResult session(const QProcessEnvironment &env, int timeoutMs);

/// What a new shell of each kind sees: bash -ic, bash -lc (login), zsh -ic, fish -c, started with
/// `env` minus our variables plus what the session would give them (a terminal opened after the
/// next login inherits that), so the result reflects the startup files, not this process.
QList<ProbeResult> shells(const QProcessEnvironment &env, int timeoutMs, const ProbeResult &sessionResult);

/// session() and shells() together, the session first.
QList<ProbeResult> all(const QProcessEnvironment &env, int timeoutMs = 10000);

} // namespace probe

} // namespace tfhub::shellenv
