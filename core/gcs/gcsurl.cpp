#include "core/gcs/gcsurl.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace tfhub::gcs {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::gcs", text);
}

QString bucketProblem(const QString &bucket)
{
    static const QRegularExpression allowed(QStringLiteral("^[a-z0-9][a-z0-9._-]*[a-z0-9]$"));
    const qsizetype limit = bucket.contains(QLatin1Char('.')) ? 222 : 63;
    if (bucket.isEmpty())
        return tr("it names no bucket");
    if (bucket.size() < 3 || bucket.size() > limit)
        return tr("the bucket name \"%1\" must have 3 to %2 characters").arg(bucket).arg(limit);
    if (!allowed.match(bucket).hasMatch())
        return tr("the bucket name \"%1\" may only hold lower-case letters, digits, '-', '_' and '.', and "
                  "must start and end with a letter or digit")
            .arg(bucket);
    if (bucket.contains(QLatin1String("..")))
        return tr("the bucket name \"%1\" has two dots in a row").arg(bucket);
    return QString();
}

} // namespace

QString GcsUrl::url() const
{
    return prefix.isEmpty() ? QStringLiteral("gs://%1").arg(bucket)
                            : QStringLiteral("gs://%1/%2").arg(bucket, prefix);
}

QString GcsUrl::objectPrefix() const
{
    return prefix.isEmpty() ? QString() : prefix + QLatin1Char('/');
}

QString GcsUrl::objectName(const QString &relative) const
{
    return objectPrefix() + relative;
}

bool isGcsUrl(const QString &text)
{
    return text.startsWith(QLatin1String("gs://"));
}

Result<GcsUrl> parseGcsUrl(const QString &text)
{
    const auto bad = [&text](const QString &why) {
        return Error { tr("%1 is not a usable Cloud Storage location: %2.").arg(text, why) };
    };
    if (!isGcsUrl(text))
        return bad(tr("it does not start with gs://"));
    const QString rest = text.mid(5);
    GcsUrl url;
    url.bucket = rest.section(QLatin1Char('/'), 0, 0);
    if (const QString why = bucketProblem(url.bucket); !why.isEmpty())
        return bad(why);
    QString prefix = rest.mid(url.bucket.size() + 1);
    if (prefix.endsWith(QLatin1Char('/')))
        prefix.chop(1);
    if (prefix.contains(QLatin1Char('?')) || prefix.contains(QLatin1Char('#')))
        return bad(tr("it has a query or fragment"));
    if (!prefix.isEmpty()) {
        for (const QString &part : prefix.split(QLatin1Char('/'))) {
            if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String(".."))
                return bad(tr("the path has an empty, \".\" or \"..\" part"));
        }
    }
    if (prefix.toUtf8().size() > 900)
        return bad(tr("the path is longer than Cloud Storage's object names allow"));
    url.prefix = prefix;
    return url;
}

} // namespace tfhub::gcs
