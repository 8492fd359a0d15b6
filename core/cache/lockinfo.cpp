#include "core/cache/lockinfo.h"

#include "core/util/fsutil.h"

#include <QRegularExpression>

namespace tfhub::lock {

LockOwner parse(const QByteArray &content)
{
    LockOwner owner;
    owner.raw = QString::fromUtf8(content);
    const QString text = owner.raw.trimmed();
    const qsizetype lastDot = text.lastIndexOf(QLatin1Char('.'));
    if (lastDot <= 0)
        return owner;
    const qsizetype pidDot = text.lastIndexOf(QLatin1Char('.'), lastDot - 1);
    if (pidDot <= 0)
        return owner;
    bool pidOk = false;
    const qint64 pid = text.mid(pidDot + 1, lastDot - pidDot - 1).toLongLong(&pidOk);
    const QString uid = text.mid(lastDot + 1);
    static const QRegularExpression hex32(QStringLiteral("^[0-9a-f]{32}$"));
    if (!pidOk || pid <= 0 || !hex32.match(uid).hasMatch())
        return owner;
    owner.host = text.left(pidDot);
    owner.pid = pid;
    owner.uid = uid;
    owner.valid = true;
    return owner;
}

QByteArray content(const QString &host, qint64 pid, const QString &uid)
{
    return (host + QLatin1Char('.') + QString::number(pid) + QLatin1Char('.') + uid).toUtf8();
}

Liveness judge(const LockOwner &owner, const QDateTime &lockWritten, const QDateTime &lastProgress,
    const QString &localHost, int noProgressSecs, const QDateTime &now)
{
    const bool progressed = lastProgress.isValid() && lastProgress.secsTo(now) < noProgressSecs;
    if (!owner.valid)
        return progressed ? Liveness::Unreadable : Liveness::RemoteStale;
    if (owner.host != localHost)
        return progressed ? Liveness::RemoteActive : Liveness::RemoteStale;
    const util::ProcessInfo p = util::processInfo(owner.pid);
    if (!p.alive)
        return Liveness::Dead;
    // A PID is reused once its process is gone: a process younger than the lock is not its writer.
    // Start times are known to a clock tick; allow a second of slack.
    if (p.started.isValid() && lockWritten.isValid() && p.started > lockWritten.addSecs(1))
        return Liveness::Dead;
    return Liveness::Alive;
}

} // namespace tfhub::lock
