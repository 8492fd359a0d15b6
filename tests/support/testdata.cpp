#include "tests/support/testdata.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>

#include <sys/stat.h>
#include <utime.h>

namespace tfhub::test {

QString sharedDataDir()
{
    QString dir = qEnvironmentVariable("TFHUB_SHARED_DATA");
    if (dir.isEmpty() || !QFileInfo::exists(dir + QStringLiteral("/savedmodels"))) {
        qFatal("The shared test data is missing: TFHUB_SHARED_DATA='%s' has no savedmodels/ folder "
               "(run the tests through ctest, which sets it to ../shared/data beside the repository)",
            qPrintable(dir));
    }
    return dir;
}

QString savedModelsDir()
{
    return sharedDataDir() + QStringLiteral("/savedmodels");
}

bool copyTree(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    QDirIterator it(
        from, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const QFileInfo fi = it.fileInfo();
        const QString target = to + QLatin1Char('/') + QDir(from).relativeFilePath(fi.filePath());
        if (fi.isDir()) {
            if (!QDir().mkpath(target))
                return false;
        } else {
            if (!QFile::copy(fi.filePath(), target))
                return false;
            QFile::setPermissions(target, QFile::permissions(target) | QFileDevice::WriteOwner);
        }
    }
    return true;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(data) == data.size();
}

bool untar(const QString &archive, const QString &intoDir)
{
    QDir().mkpath(intoDir);
    QProcess tar;
    tar.start(QStringLiteral("tar"),
        { QStringLiteral("-xzf"), archive, QStringLiteral("-C"), intoDir,
            QStringLiteral("--no-same-owner") });
    return tar.waitForFinished(30000) && tar.exitStatus() == QProcess::NormalExit && tar.exitCode() == 0;
}

qint64 deadPid()
{
    // The shell reports its own PID and exits: that PID is free until the kernel wraps around.
    QProcess sh;
    sh.start(QStringLiteral("sh"), { QStringLiteral("-c"), QStringLiteral("echo $$") });
    sh.waitForFinished(10000);
    return sh.readAllStandardOutput().trimmed().toLongLong();
}

QString makeEntry(const QString &root, const QString &handle, const QString &modelDir)
{
    QString key
        = QString::fromLatin1(QCryptographicHash::hash(handle.toUtf8(), QCryptographicHash::Sha1).toHex());
    if (!copyTree(modelDir, root + QLatin1Char('/') + key))
        return QString();
    const QByteArray descriptor = "Module: " + handle.toUtf8()
        + "\nDownload Time: 2024-01-29 17:51:07.123456\nDownloader Hostname: builder.example (PID:4242)";
    if (!writeFile(root + QLatin1Char('/') + key + QStringLiteral(".descriptor.txt"), descriptor))
        return QString();
    return key;
}

void isolateHome(const QString &home)
{
    qputenv("HOME", QFile::encodeName(home));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(home + QStringLiteral("/.config")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(home + QStringLiteral("/.cache")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(home + QStringLiteral("/.local/share")));
    qputenv("XDG_STATE_HOME", QFile::encodeName(home + QStringLiteral("/.local/state")));
    QStandardPaths::setTestModeEnabled(true);
}

bool setMTime(const QString &path, qint64 secsSinceEpoch)
{
    struct utimbuf times
    {
    };
    times.actime = static_cast<time_t>(secsSinceEpoch);
    times.modtime = static_cast<time_t>(secsSinceEpoch);
    return ::utime(QFile::encodeName(path).constData(), &times) == 0;
}

} // namespace tfhub::test
