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

// Fish's conf.d file and the session's environment.d file are ours alone.
bool isOwnFile(Target target)
{
    return target == Target::Fish || target == Target::Session;
}

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

Result<QString> pathFromLocalBytes(const QByteArray &raw)
{
    const QString decoded = QFile::decodeName(raw);
    if (QFile::encodeName(decoded) == raw)
        return decoded;
    // The bytes as they are: those beyond ASCII as \xNN, so the user sees which ones are at fault.
    QString shown;
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        shown += byte < 0x80 ? QString(QLatin1Char(c))
                             : QStringLiteral("\\x") + QString::number(byte, 16).toUpper();
    }
    const bool utf8 = QFile::decodeName(QByteArrayLiteral("\xc3\xa9")) == QString(QChar(0xe9));
    const QString encoding = utf8 ? QStringLiteral("UTF-8") : tr("this system's encoding");
    return Error { tr("The cache folder \"%1\" is not valid %2 text: saved, it would become \"%3\", another "
                      "folder, and bash and Python would look there. Rename the folder so that its name "
                      "is valid %2, or choose another.")
                       .arg(shown, encoding, decoded) };
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
    state.ours = isOwnFile(target) || !state.exists || block::hasCreatedNote(*content);
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
    const TargetState state = read(target);
    QMap<Variable, QString> values = state.values;
    for (auto it = changes.cbegin(); it != changes.cend(); ++it) {
        if (it.value())
            values.insert(it.key(), *it.value());
        else
            values.remove(it.key());
    }
    const QByteArray lines = block::render(target, values, m_locations.home);
    // An rc file we create for the block says so, so that removing the block removes the file.
    return QString::fromUtf8(state.ours && !isOwnFile(target) ? block::withCreatedNote(lines) : lines);
}

TargetResult EnvPersistence::applyOne(Target target, const Changes &changes) const
{
    TargetResult r;
    r.target = target;
    r.path = m_locations.fileFor(target);
    r.writtenPath = resolveLinks(r.path);
    bool exists = false;
    const Result<QByteArray> content = readFile(r.writtenPath, &exists);
    if (!content) {
        r.error = content.error();
        return r;
    }
    if (const QString problem = block::markerProblem(*content); !problem.isEmpty()) {
        r.error = tr("Left %1 unchanged: %2. Remove the damaged block by hand, then apply again.")
                      .arg(r.writtenPath, problem);
        return r;
    }
    const QByteArray updated = block::replace(*content, previewBlock(target, changes).toUtf8());
    if (updated == *content && (exists || updated.isEmpty()))
        return r; // nothing to do: applying twice changes nothing, not even the mtime
    if (Status s = checkWritable(r.writtenPath, exists); !s) {
        // The folder may not exist yet (fish's conf.d, environment.d): that is not the error.
        if (exists || QFileInfo::exists(QFileInfo(r.writtenPath).absolutePath())) {
            r.error = s.error();
            return r;
        }
    }
    if (!QDir().mkpath(QFileInfo(r.writtenPath).absolutePath())) {
        r.error = tr("Cannot create the folder %1: %2")
                      .arg(QFileInfo(r.writtenPath).absolutePath(), util::errnoText(errno));
        return r;
    }
    // Only the user's own lines are worth a backup: a file that held only our block has none.
    if (exists && !block::replace(*content, QByteArray()).isEmpty()) {
        r.backupPath = r.writtenPath + BackupSuffix;
        if (Status s = writeAtomically(r.backupPath, *content, QFile::permissions(r.writtenPath)); !s) {
            r.error = s.error();
            r.backupPath.clear();
            return r;
        }
    }
    const bool ours = isOwnFile(target) || block::hasCreatedNote(*content);
    if (updated.isEmpty() && ours) {
        if (exists && !QFile::remove(r.writtenPath))
            r.error = tr("Cannot remove %1: %2").arg(r.writtenPath, util::errnoText(errno));
        r.removed = r.error.isEmpty();
    } else if (Status s = writeAtomically(r.writtenPath, updated); !s) {
        r.error = s.error();
    }
    r.changed = r.error.isEmpty();
    return r;
}

QList<TargetResult> EnvPersistence::apply(const QList<Target> &targets, const Changes &changes) const
{
    QList<TargetResult> results;
    for (const Target target : targets)
        results << applyOne(target, changes);
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

} // namespace tfhub::shellenv
