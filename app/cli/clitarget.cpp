#include "app/cli/clitarget.h"

#include "app/cli/cli.h"
#include "core/cache/cachescanner.h"
#include "core/hub/handle.h"

#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

namespace tfhub::cli {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("tfhub::cli", text, nullptr, n);
}

QStringList keysStartingWith(const QString &cacheDir, const QString &prefix)
{
    QSet<QString> keys;
    const QStringList names
        = QDir(cacheDir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System);
    for (const QString &name : names) {
        const QString key = cache::itemKey(name);
        if (isCacheKey(key) && key.startsWith(prefix))
            keys.insert(key);
    }
    QStringList sorted(keys.cbegin(), keys.cend());
    std::sort(sorted.begin(), sorted.end());
    return sorted;
}

QString candidates(const QString &cacheDir, const QStringList &keys)
{
    QString text;
    for (const QString &key : keys) {
        const CacheEntry e = cache::scanKey(cacheDir, key, ScanOptions());
        text += QStringLiteral("\n  ") + key + QStringLiteral("  ")
            + (e.handle.isEmpty() ? tr("(handle unknown)") : e.handle);
    }
    return text;
}

} // namespace

bool isKeyPrefix(const QString &arg)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{%1,39}$").arg(MinKeyPrefix));
    return hex.match(arg).hasMatch();
}

Target resolveTarget(const QString &cacheDir, const QString &arg)
{
    if (isCacheKey(arg))
        return { arg, Ok, QString() };
    if (isKeyPrefix(arg)) {
        const QString prefix = arg.toLower();
        const QStringList keys = keysStartingWith(cacheDir, prefix);
        if (keys.size() == 1)
            return { keys.first(), Ok, QString() };
        if (keys.isEmpty())
            return { QString(), Failure,
                tr("No cache entry in %1 has a key starting with %2.")
                    .arg(QDir::toNativeSeparators(cacheDir), arg) };
        return { QString(), Usage,
            tr("The key prefix %1 is ambiguous: %n entries start with it; give more digits.",
                int(keys.size()))
                    .arg(arg)
                + candidates(cacheDir, keys) };
    }
    const Result<Handle> h = Handle::parse(arg);
    if (!h)
        return { QString(), Failure, h.error() };
    return { h->cacheKey(), Ok, QString() };
}

} // namespace tfhub::cli
