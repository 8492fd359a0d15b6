#include "tests/support/privilege.h"

#include <QFile>
#include <QProcess>
#include <QtTest>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

namespace tfhub::test {

namespace {

QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

// ENOSPC means the user namespace limit (user.max_user_namespaces) is 0 or reached.
const char *const UserNamespaceHint
    = "an ordinary user needs unprivileged user namespaces (sysctl "
      "kernel.unprivileged_userns_clone=1 on Debian, user.max_user_namespaces "
      "above 0, no AppArmor or container policy refusing them)";

// A user namespace made by one of these tests maps a single id: root there cannot become anyone else.
bool mapsManyUsers()
{
    QFile map(QStringLiteral("/proc/self/uid_map"));
    if (!map.open(QIODevice::ReadOnly))
        return true; // no user namespaces in this kernel: the initial one
    qint64 ids = 0;
    for (const QByteArray &line : map.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() == 3)
            ids += fields.at(2).toLongLong();
    }
    return ids > 1;
}

// Plain write(2): the uid_map and gid_map files take exactly one write each.
QString writeProcFile(const char *path, const QByteArray &text)
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return QStringLiteral("opening %1 failed: %2").arg(QLatin1String(path), errnoText());
    const bool ok = ::write(fd, text.constData(), size_t(text.size())) == text.size();
    const QString error
        = ok ? QString() : QStringLiteral("writing %1 failed: %2").arg(QLatin1String(path), errnoText());
    ::close(fd);
    return error;
}

} // namespace

bool isRoot()
{
    return ::geteuid() == 0 && mapsManyUsers();
}

QStringList privateMountPrefix()
{
    QStringList prefix { QStringLiteral("unshare"), QStringLiteral("--mount"),
        QStringLiteral("--propagation"), QStringLiteral("private") };
    if (!isRoot())
        prefix.insert(1, QStringLiteral("--map-root-user"));
    return prefix;
}

QString privateMountUnavailable()
{
    static const QString reason = [] {
        const QStringList prefix = privateMountPrefix();
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(prefix.first(), prefix.mid(1) << QStringLiteral("true"));
        if (!p.waitForFinished(30000))
            return QStringLiteral("'%1 true' did not run: %2").arg(prefix.join(u' '), p.errorString());
        if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
            return QString();
        return QStringLiteral("no private mount namespace can be made here ('%1 true' says: %2); %3")
            .arg(prefix.join(u' '), QString::fromLocal8Bit(p.readAll()).trimmed(),
                QLatin1String(UserNamespaceHint));
    }();
    return reason;
}

QString enterPrivateMountNamespace()
{
    const bool root = isRoot();
    const QByteArray uid = QByteArray::number(::geteuid());
    const QByteArray gid = QByteArray::number(::getegid());
    if (root && ::unshare(CLONE_NEWNS) != 0)
        return QStringLiteral("unshare(CLONE_NEWNS) was refused: %1").arg(errnoText());
    if (!root && ::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        return QStringLiteral("unshare(CLONE_NEWUSER | CLONE_NEWNS) was refused: %1; %2")
            .arg(errnoText(), QLatin1String(UserNamespaceHint));
    }
    if (!root) {
        // setgroups must be denied before an unprivileged process may map its group.
        for (const QString &error : { writeProcFile("/proc/self/setgroups", "deny"),
                 writeProcFile("/proc/self/uid_map", "0 " + uid + " 1"),
                 writeProcFile("/proc/self/gid_map", "0 " + gid + " 1") }) {
            if (!error.isEmpty())
                return error;
        }
    }
    // Private, so the test's mounts never show up outside its namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return QStringLiteral("making / private was refused: %1").arg(errnoText());
    return QString();
}

bool skipOrFail(const QString &why, const char *file, int line)
{
    if (qEnvironmentVariableIsSet("CI")) {
        const QString message
            = QStringLiteral("%1 (CI is set, so this case fails instead of being skipped)").arg(why);
        QTest::qFail(qPrintable(message), file, line);
    } else {
        QTest::qSkip(qPrintable(why), file, line);
    }
    return false;
}

bool requireRoot(const char *reason, const char *file, int line)
{
    if (isRoot())
        return true;
    return skipOrFail(QStringLiteral("needs root: %1").arg(QLatin1String(reason)), file, line);
}

bool requirePrivateMount(const char *file, int line)
{
    const QString why = privateMountUnavailable();
    return why.isEmpty() || skipOrFail(why, file, line);
}

QString mountPrivateTmpfs(const char *name, qint64 bytes, QString *path)
{
    path->clear();
    QByteArray folder = QByteArray("/tmp/") + name + "-tmpfs-XXXXXX";
    if (!::mkdtemp(folder.data()))
        return QStringLiteral("mkdtemp: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    if (const QString error = enterPrivateMountNamespace(); !error.isEmpty())
        return error;
    const QByteArray options = "size=" + QByteArray::number(bytes) + ",mode=0755";
    if (::mount("tmpfs", folder.constData(), "tmpfs", 0, options.constData()) != 0)
        return QStringLiteral("mounting a tmpfs on %1 was refused: %2")
            .arg(QString::fromLocal8Bit(folder), QString::fromLocal8Bit(std::strerror(errno)));
    *path = QString::fromLocal8Bit(folder);
    return QString();
}

} // namespace tfhub::test
