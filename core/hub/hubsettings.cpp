#include "core/hub/hubsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUuid>

#include <fcntl.h>
#include <unistd.h>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::HubSettings", text);
}

// tempfile._get_default_tempdir: a folder is usable when a new file can be created, written and
// removed in it; checking permission bits alone would be wrong for root and for read-only mounts.
bool usableTempDir(const QString &dir)
{
    const QString probe = dir + QStringLiteral("/.tfhub-probe-") + QUuid::createUuid().toString(QUuid::Id128);
    const QByteArray name = QFile::encodeName(probe);
    const int fd = ::open(name.constData(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return false;
    const bool wrote = ::write(fd, "blat", 4) == 4;
    ::close(fd);
    ::unlink(name.constData());
    return wrote;
}
} // namespace

QString sourceName(ValueSource source)
{
    switch (source) {
    case ValueSource::CommandLine:
        return QStringLiteral("command-line");
    case ValueSource::Environment:
        return QStringLiteral("environment");
    case ValueSource::Default:
        return QStringLiteral("default");
    }
    return QString();
}

QString sourceLabel(ValueSource source)
{
    switch (source) {
    case ValueSource::CommandLine:
        return tr("command line");
    case ValueSource::Environment:
        return tr("environment");
    case ValueSource::Default:
        return tr("default");
    }
    return QString();
}

QString loadFormatName(LoadFormat format)
{
    switch (format) {
    case LoadFormat::Auto:
        return QStringLiteral("AUTO");
    case LoadFormat::Compressed:
        return QStringLiteral("COMPRESSED");
    case LoadFormat::Uncompressed:
        return QStringLiteral("UNCOMPRESSED");
    case LoadFormat::Invalid:
        return QStringLiteral("invalid");
    }
    return QString();
}

LoadFormat HubSettings::parseLoadFormat(const QString &value)
{
    if (value == QLatin1String("AUTO"))
        return LoadFormat::Auto;
    if (value == QLatin1String("COMPRESSED"))
        return LoadFormat::Compressed;
    if (value == QLatin1String("UNCOMPRESSED"))
        return LoadFormat::Uncompressed;
    return LoadFormat::Invalid;
}

QString HubSettings::pythonTempDir(const QProcessEnvironment &env)
{
    QStringList candidates;
    for (const char *var : { "TMPDIR", "TEMP", "TMP" }) {
        const QString v = env.value(QString::fromLatin1(var));
        if (!v.isEmpty())
            candidates << v;
    }
    candidates << QStringLiteral("/tmp") << QStringLiteral("/var/tmp") << QStringLiteral("/usr/tmp");
    for (const QString &c : std::as_const(candidates)) {
        // Python applies os.path.abspath, which also normalises "a/../b" and trailing slashes.
        QString dir = QDir::cleanPath(QDir::current().absoluteFilePath(c));
        if (usableTempDir(dir))
            return dir;
    }
    return QDir::currentPath();
}

HubSettings HubSettings::resolve(
    const QProcessEnvironment &env, const QString &cacheDirOverride, const QString &loadFormatOverride)
{
    HubSettings s;
    const QString envDir = env.value(QStringLiteral("TFHUB_CACHE_DIR"));
    if (!cacheDirOverride.isEmpty()) {
        s.cacheDir = cacheDirOverride;
        s.cacheDirSource = ValueSource::CommandLine;
    } else if (!envDir.isEmpty()) {
        s.cacheDir = envDir;
        s.cacheDirSource = ValueSource::Environment;
    } else {
        s.tempDir = pythonTempDir(env);
        s.cacheDir = s.tempDir + QStringLiteral("/tfhub_modules");
        s.cacheDirSource = ValueSource::Default;
    }

    const QString envFormat = env.value(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"));
    if (!loadFormatOverride.isEmpty()) {
        s.loadFormatRaw = loadFormatOverride;
        s.loadFormatSource = ValueSource::CommandLine;
    } else if (env.contains(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT")) && !envFormat.isEmpty()) {
        s.loadFormatRaw = envFormat;
        s.loadFormatSource = ValueSource::Environment;
    } else {
        s.loadFormatRaw = QStringLiteral("AUTO");
        s.loadFormatSource = ValueSource::Default;
    }
    s.loadFormat = parseLoadFormat(s.loadFormatRaw);
    return s;
}

bool HubSettings::isUrl(const QString &path)
{
    static const QRegularExpression scheme(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*://"));
    return scheme.match(path).hasMatch();
}

CacheDirCheck HubSettings::checkCacheDir(const QString &cacheDir)
{
    using State = CacheDirCheck::State;
    if (isUrl(cacheDir)) {
        const QString scheme = cacheDir.section(QLatin1Char(':'), 0, 0);
        QString why = scheme == QLatin1String("gs")
            ? tr("The cache folder %1 is in Google Cloud Storage. tensorflow_hub can keep its cache there; "
                 "this tool manages it through the Cloud Storage JSON API (tfhub-cache list, du, info, "
                 "resolve, "
                 "verify, rm, clean, pin, unpin, export and prefetch, and the app's Cache and Usage pages); "
                 "import into it and clean --policy are not supported yet; nothing was read or written.")
                  .arg(cacheDir)
            : tr("The cache folder %1 is a URL. This tool manages local cache folders and, from the command "
                 "line, gs:// caches (list, du, info, resolve, verify, rm, clean, pin, unpin, export and "
                 "prefetch); "
                 "%2:// is not supported; nothing was read or written.")
                  .arg(cacheDir, scheme);
        if (scheme == QLatin1String("file"))
            why += QLatin1Char(' ') + tr("Give the path without file://.");
        return { State::Unsupported, why };
    }
    const QFileInfo info(cacheDir);
    if (info.isDir())
        return { State::Folder, QString() };
    if (info.exists())
        return { State::NotAFolder, tr("The cache folder %1 is not a folder.").arg(cacheDir) };
    if (info.isSymLink())
        return { State::NotAFolder,
            tr("The cache folder %1 is not a folder: it is a link to %2, which does not exist.")
                .arg(cacheDir, info.symLinkTarget()) };
    // tensorflow_hub makes the missing folders on first download: that fails under a file.
    for (QFileInfo up(info.absolutePath()); !up.isRoot(); up.setFile(up.absolutePath())) {
        if (up.isDir())
            break;
        if (up.exists())
            return { State::NotAFolder,
                tr("The cache folder %1 cannot exist: %2 is not a folder.").arg(cacheDir, up.filePath()) };
    }
    return { State::Missing,
        tr("The cache folder %1 does not exist yet; tensorflow_hub creates it on first download.")
            .arg(cacheDir) };
}

} // namespace tfhub
