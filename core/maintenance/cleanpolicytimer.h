#pragma once

#include "core/util/result.h"

#include <QString>
#include <QStringList>

// The systemd user timer that applies the cleanup policy daily with `tfhub-cache clean --policy`,
// and the cron line offered where no user manager runs.
namespace tfhub::maintenance {

/// Names and places of the two unit files.
QString timerUnitName(); ///< tfhub-cache-clean.timer
QString serviceUnitName(); ///< tfhub-cache-clean.service
/// $XDG_CONFIG_HOME/systemd/user ($HOME/.config/systemd/user when unset).
QString userUnitDir();

/// The tfhub-cache executable beside the running one (build tree or installed bin), else the one
/// on PATH; empty when neither exists.
QString cliExecutable();

/// One word of a unit's command line, quoted as systemd splits it: plain when it has nothing
/// special; else in double quotes with `\` and `"` escaped. `%` is always doubled (specifiers),
/// and `$` doubled when `expandsVariables` (ExecStart's arguments; not its executable path, not
/// Environment=).
QString systemdWord(const QString &word, bool expandsVariables = true);
/// Splits an ExecStart= value back into words (quotes, backslash escapes, `%%` and `$$`), as
/// systemd does for the words systemdWord() writes.
QStringList splitExecLine(const QString &line);
/// One word for a POSIX shell (crontab): single-quoted unless it has nothing special.
QString shellWord(const QString &word);

/// The command both the service and the cron line run.
QStringList policyCommand(const QString &cli, const QString &cacheRoot);

/// The service unit: a oneshot that runs the policy command at low CPU and I/O priority. It carries
/// XDG_CONFIG_HOME and XDG_STATE_HOME when they are set here, since a user manager never reads the
/// shell files that set them, and the settings and the report must be the ones the app uses.
QString serviceUnitText(const QString &cli, const QString &cacheRoot);
/// The timer unit: daily, catching up after the machine was off.
QString timerUnitText();
/// A crontab line for where no user manager runs: daily at 03:17.
QString cronLine(const QString &cli, const QString &cacheRoot);

/// Whether this session has a systemd user manager (its private socket in XDG_RUNTIME_DIR).
bool userManagerRunning();

struct TimerState final
{
    bool installed = false; ///< both unit files exist
    bool current = false; ///< ... and the service names this cache folder and executable
    bool managerRunning = false;
    bool enabled = false; ///< systemctl --user is-enabled (only asked when the manager runs)
    QString installedCacheRoot; ///< the folder the installed service cleans
};

/// Reads the unit files (and asks systemctl when a user manager runs).
TimerState timerState(const QString &cli, const QString &cacheRoot);

/// Writes both units (atomically) into userUnitDir(); when a user manager runs, reloads it and
/// enables and starts the timer. Without one, writes them anyway and says so in the error-free
/// return `*note` (the units take effect at the next login with a user manager).
Status installTimer(const QString &cli, const QString &cacheRoot, QString *note = nullptr);
/// Disables the timer (when a user manager runs) and deletes both unit files.
Status removeTimer();

} // namespace tfhub::maintenance
