#include "core/shellenv/envpersistence.h"

#include "core/hub/hubsettings.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>
#include <QStandardPaths>

#include <optional>

#include <cerrno>
#include <unistd.h>

namespace tfhub::shellenv {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::env", text);
}

const QString FileStem = QStringLiteral("tfhub-cache-manager");
const QString BackupSuffix = QStringLiteral(".tfhub-backup");
const QString SessionGenerator
    = QStringLiteral("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator");

bool hasExecutable(const QProcessEnvironment &env, const QString &name)
{
    const QStringList path = env.value(QStringLiteral("PATH")).split(QLatin1Char(':'), Qt::SkipEmptyParts);
    return !QStandardPaths::findExecutable(name, path).isEmpty();
}

// Dotfile managers (stow, chezmoi, yadm) keep the real file elsewhere and link to it: we edit the
// file the link points to, so the link stays a link.
QString resolveLinks(const QString &path)
{
    QString current = path;
    for (int depth = 0; depth < 40; ++depth) {
        const QFileInfo info(current);
        if (!info.isSymLink())
            return current;
        current = info.symLinkTarget();
    }
    return current;
}

Result<QByteArray> readFile(const QString &path, bool *exists)
{
    QFile file(path);
    *exists = QFileInfo::exists(path);
    if (!*exists)
        return QByteArray();
    if (!file.open(QIODevice::ReadOnly))
        return Error { tr("Cannot read %1: %2").arg(path, file.errorString()) };
    return file.readAll();
}

// `permissions`, when given, are set before the file takes its name: a backup of a private rc
// file (tokens, passwords) must never be readable by others, not even for a moment.
Status writeAtomically(const QString &path, const QByteArray &data,
    std::optional<QFileDevice::Permissions> permissions = std::nullopt)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error { tr("Cannot write %1: %2").arg(path, file.errorString()) };
    if (permissions && !file.setPermissions(*permissions))
        return Error { tr("Cannot set the permissions of %1: %2").arg(path, file.errorString()) };
    if (file.write(data) != data.size() || !file.commit())
        return Error { tr("Cannot write %1: %2").arg(path, file.errorString()) };
    return {};
}

// A replace-by-rename only needs the folder to be writable; a file the user made read-only must
// stay untouched all the same.
Status checkWritable(const QString &real, bool exists)
{
    const QByteArray native = QFile::encodeName(exists ? real : QFileInfo(real).absolutePath());
    if (::access(native.constData(), W_OK) != 0)
        return Error { tr("Cannot write %1: %2").arg(real, util::errnoText(errno)) };
    return {};
}

} // namespace

Result<QString> normalizeValue(Variable variable, const QString &value, const QString &home)
{
    if (variable == Variable::LoadFormat) {
        if (HubSettings::parseLoadFormat(value) == LoadFormat::Invalid)
            return Error { tr(
                "\"%1\" is not a load format tensorflow_hub accepts: use COMPRESSED, UNCOMPRESSED "
                "or AUTO, in capitals.")
                               .arg(value) };
        return value;
    }
    if (value.isEmpty())
        return Error { tr("The cache folder is empty: give a folder such as ~/.cache/tfhub_modules.") };
    for (const QChar c : value) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return Error { tr(
                "The cache folder \"%1\" contains a control character (such as a line break), which "
                "cannot be written to a shell file safely.")
                               .arg(value) };
    }
    QString path = value;
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = home + path.mid(1);
    if (!path.startsWith(QLatin1Char('/')))
        return Error { tr(
            "The cache folder \"%1\" is not an absolute path: programs started in other folders "
            "would each use a different cache.")
                           .arg(value) };
    return QDir::cleanPath(path);
}

QString persistentCacheDir(const QProcessEnvironment &env)
{
    const QString cache = env.value(QStringLiteral("XDG_CACHE_HOME"));
    if (cache.startsWith(QLatin1Char('/')))
        return QDir::cleanPath(cache + QStringLiteral("/tfhub_modules"));
    return QDir::cleanPath(
        env.value(QStringLiteral("HOME"), QDir::homePath()) + QStringLiteral("/.cache/tfhub_modules"));
}

bool isTemporaryDir(const QString &dir, const QString &tempDir)
{
    const QString clean = QDir::cleanPath(dir);
    // The temporary folder Python picks (TMPDIR, else /tmp) is the one the library's default uses.
    QStringList temporary { QStringLiteral("/dev/shm"),
        QDir::cleanPath(tempDir.isEmpty()
                ? HubSettings::pythonTempDir(QProcessEnvironment::systemEnvironment())
                : tempDir) };
    for (const QString &t : std::as_const(temporary)) {
        if (clean == t || clean.startsWith(t + QLatin1Char('/')))
            return true;
    }
    return false;
}

Locations Locations::fromEnvironment(const QProcessEnvironment &env)
{
    Locations l;
    l.environment = env;
    l.home = env.value(QStringLiteral("HOME"), QDir::homePath());
    const QString zdotdir = env.value(QStringLiteral("ZDOTDIR"));
    l.zdotdir = zdotdir.isEmpty() ? l.home : zdotdir;
    // The XDG rules: a relative XDG_CONFIG_HOME is invalid and ignored.
    const QString config = env.value(QStringLiteral("XDG_CONFIG_HOME"));
    l.configHome = config.startsWith(QLatin1Char('/')) ? config : l.home + QStringLiteral("/.config");
    return l;
}

QString Locations::fileFor(Target target) const
{
    switch (target) {
    case Target::Bash:
        return home + QStringLiteral("/.bashrc");
    case Target::Zsh:
        return zdotdir + QStringLiteral("/.zshrc");
    case Target::Profile:
        // bash as a login shell reads only the first of these that exists.
        for (const char *name : { "/.bash_profile", "/.bash_login", "/.profile" }) {
            QString path = home + QLatin1String(name);
            if (QFileInfo::exists(path) || QFileInfo(path).isSymLink())
                return path;
        }
        return home + QStringLiteral("/.profile");
    case Target::Fish:
        return configHome + QStringLiteral("/fish/conf.d/") + FileStem + QStringLiteral(".fish");
    case Target::Session:
        return configHome + QStringLiteral("/environment.d/") + FileStem + QStringLiteral(".conf");
    }
    return QString();
}

QList<Target> Locations::defaultTargets() const
{
    QList<Target> targets;
    if (QFileInfo::exists(fileFor(Target::Bash)) || hasExecutable(environment, QStringLiteral("bash")))
        targets << Target::Bash;
    if (QFileInfo::exists(fileFor(Target::Zsh)) || hasExecutable(environment, QStringLiteral("zsh")))
        targets << Target::Zsh;
    targets << Target::Profile;
    if (QFileInfo::exists(configHome + QStringLiteral("/fish"))
        || hasExecutable(environment, QStringLiteral("fish")))
        targets << Target::Fish;
    if (QFileInfo::exists(SessionGenerator)
        || QFileInfo::exists(configHome + QStringLiteral("/environment.d")))
        targets << Target::Session;
    return targets;
}

EnvPersistence::EnvPersistence(Locations locations) : m_locations(std::move(locations)) { }

TargetState EnvPersistence::read(Target target) const
{
    TargetState state;
    state.target = target;
    state.path = m_locations.fileFor(target);
    const Result<QByteArray> content = readFile(state.path, &state.exists);
    if (!content) {
        state.error = content.error();
        return state;
    }
    state.values = block::parse(target, *content, m_locations.home, &state.hasBlock);
    return state;
}

QList<TargetState> EnvPersistence::readAll() const
{
    QList<TargetState> states;
    for (const Target t : allTargets())
        states << read(t);
    return states;
}

QString EnvPersistence::previewBlock(Target target, const Changes &changes) const
{
    QMap<Variable, QString> values = read(target).values;
    for (auto it = changes.cbegin(); it != changes.cend(); ++it) {
        if (it.value())
            values.insert(it.key(), *it.value());
        else
            values.remove(it.key());
    }
    return QString::fromUtf8(block::render(target, values, m_locations.home));
}

QList<TargetResult> EnvPersistence::apply(const QList<Target> &targets, const Changes &changes) const
{
    QList<TargetResult> results;
    for (const Target target : targets) {
        TargetResult r;
        r.target = target;
        r.path = m_locations.fileFor(target);
        r.writtenPath = resolveLinks(r.path);
        bool exists = false;
        const Result<QByteArray> content = readFile(r.writtenPath, &exists);
        if (!content) {
            r.error = content.error();
            results << r;
            continue;
        }
        if (const QString problem = block::markerProblem(*content); !problem.isEmpty()) {
            r.error = tr("Left %1 unchanged: %2. Remove the damaged block by hand, then apply again.")
                          .arg(r.writtenPath, problem);
            results << r;
            continue;
        }
        const QByteArray updated = block::replace(*content, previewBlock(target, changes).toUtf8());
        if (updated == *content && (exists || updated.isEmpty())) {
            results << r; // nothing to do: applying twice changes nothing, not even the mtime
            continue;
        }
        if (Status s = checkWritable(r.writtenPath, exists); !s) {
            // The folder may not exist yet (fish's conf.d, environment.d): that is not the error.
            if (exists || QFileInfo::exists(QFileInfo(r.writtenPath).absolutePath())) {
                r.error = s.error();
                results << r;
                continue;
            }
        }
        if (!QDir().mkpath(QFileInfo(r.writtenPath).absolutePath())) {
            r.error = tr("Cannot create the folder %1: %2")
                          .arg(QFileInfo(r.writtenPath).absolutePath(), util::errnoText(errno));
            results << r;
            continue;
        }
        if (exists) {
            r.backupPath = r.writtenPath + BackupSuffix;
            if (Status s = writeAtomically(r.backupPath, *content, QFile::permissions(r.writtenPath)); !s) {
                r.error = s.error();
                results << r;
                continue;
            }
        }
        // Files that are ours alone go away when they would be empty; a user's rc file stays.
        const bool ownFile = target == Target::Fish || target == Target::Session;
        if (updated.isEmpty() && ownFile) {
            if (exists && !QFile::remove(r.writtenPath))
                r.error = tr("Cannot remove %1: %2").arg(r.writtenPath, util::errnoText(errno));
        } else if (Status s = writeAtomically(r.writtenPath, updated); !s) {
            r.error = s.error();
        }
        r.changed = r.error.isEmpty();
        results << r;
    }
    return results;
}

QList<std::pair<QString, Target>> EnvPersistence::scannedFiles() const
{
    QList<std::pair<QString, Target>> files;
    QSet<QString> seen;
    const auto add = [&](const QString &path, Target syntax) {
        if (!seen.contains(path)) {
            seen.insert(path);
            files.append({ path, syntax });
        }
    };
    for (const Target t : allTargets())
        add(m_locations.fileFor(t), t);
    const QString &h = m_locations.home;
    for (const char *name : { "/.bash_profile", "/.bash_login", "/.profile" })
        add(h + QLatin1String(name), Target::Profile);
    for (const char *name : { "/.zshenv", "/.zprofile", "/.zlogin" })
        add(m_locations.zdotdir + QLatin1String(name), Target::Zsh);
    add(m_locations.configHome + QStringLiteral("/fish/config.fish"), Target::Fish);
    const QDir confD(m_locations.configHome + QStringLiteral("/fish/conf.d"));
    for (const QString &name : confD.entryList({ QStringLiteral("*.fish") }, QDir::Files, QDir::Name))
        add(confD.filePath(name), Target::Fish);
    const QDir envD(m_locations.configHome + QStringLiteral("/environment.d"));
    for (const QString &name : envD.entryList({ QStringLiteral("*.conf") }, QDir::Files, QDir::Name))
        add(envD.filePath(name), Target::Session);
    return files;
}

QList<Conflict> EnvPersistence::conflicts(const QProcessEnvironment &current) const
{
    QList<Conflict> found;
    const QString ourSession = m_locations.fileFor(Target::Session);
    for (const auto &[path, syntax] : scannedFiles()) {
        bool exists = false;
        const Result<QByteArray> content = readFile(path, &exists);
        if (!content || !exists)
            continue;
        const auto [begin, end] = block::markerLines(*content);
        const QByteArrayList lines = content->split('\n');
        for (int n = 1; n <= lines.size(); ++n) {
            if (begin > 0 && n >= begin && n <= end)
                continue;
            const std::optional<Assignment> a = findAssignment(syntax, lines.at(n - 1));
            if (!a)
                continue;
            Conflict c;
            c.variable = a->variable;
            c.file = path;
            c.line = n;
            c.text = QString::fromUtf8(lines.at(n - 1)).trimmed();
            const QString where = tr("%1, line %2").arg(path).arg(n);
            const QString name = variableName(a->variable);
            if (begin > 0 && n > end) {
                c.kind = Conflict::Kind::WinsOverOurs;
                c.message = tr("%1 sets %2 after the managed block, so this line wins: %3")
                                .arg(where, name, c.text);
            } else if (begin > 0) {
                c.kind = Conflict::Kind::LosesToOurs;
                c.message = tr("%1 sets %2 before the managed block; the managed value wins: %3")
                                .arg(where, name, c.text);
            } else if (syntax == Target::Session) {
                // environment.d files are read in the order of their names; later ones win.
                const bool later = QFileInfo(path).fileName() > QFileInfo(ourSession).fileName();
                c.kind = later ? Conflict::Kind::WinsOverOurs : Conflict::Kind::LosesToOurs;
                c.message = later
                    ? tr("%1 also sets %2 and is read after ours, so it wins: %3").arg(where, name, c.text)
                    : tr("%1 also sets %2 but is read before ours: %3").arg(where, name, c.text);
            } else {
                c.kind = Conflict::Kind::SetElsewhere;
                c.message = tr("%1 also sets %2; whichever file the shell reads last wins: %3")
                                .arg(where, name, c.text);
            }
            found << c;
            if (a->variable == Variable::LoadFormat && !a->unset) {
                const std::optional<QString> v = syntax == Target::Fish ? decode::fishWord(a->value, current)
                    : syntax == Target::Session ? decode::environmentD(a->value, current)
                                                : decode::posixWord(a->value, current);
                if (v && HubSettings::parseLoadFormat(*v) == LoadFormat::Invalid) {
                    Conflict invalid = c;
                    invalid.kind = Conflict::Kind::InvalidValue;
                    invalid.message
                        = tr("%1 sets TFHUB_MODEL_LOAD_FORMAT to \"%2\", which tensorflow_hub does not "
                             "accept (use COMPRESSED, UNCOMPRESSED or AUTO, in capitals).")
                              .arg(where, *v);
                    found << invalid;
                }
            }
        }
    }

    for (const Variable v : allVariables()) {
        QStringList persisted;
        for (const TargetState &s : readAll()) {
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
