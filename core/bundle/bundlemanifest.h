#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>

namespace tfhub {

/// The table of contents of an offline bundle: which entries it carries and every file's size and
/// SHA-256. Stored in the zip as kFileName, a name tensorflow_hub never looks at in a cache root, so
/// that `unzip -d CACHE bundle.zip` gives a working cache.
struct BundleManifest final
{
    static constexpr int kFormatVersion = 1;
    static constexpr const char *kFileName = ".tfhub-cache-bundle.json";

    struct File
    {
        QString path; ///< inside the entry's folder, '/'-separated
        qint64 size = 0;
        QByteArray sha256; ///< 64 lower-case hex digits
    };
    struct Entry
    {
        QString handle; ///< empty when the exporting cache did not know it
        QString key;
        QString format; ///< formatName() of the model folder; empty if unknown
        QList<File> files;
        QStringList folders; ///< every folder inside the entry's folder, empty ones included
        bool hasDescriptor = false;
        qint64 bytes() const;
    };

    int formatVersion = kFormatVersion;
    QString appVersion;
    QDateTime created;
    QList<Entry> entries;

    QByteArray toJson() const;
    /// Parses and checks it: version, keys (40 hex digits, equal to sha1(handle) when a handle is
    /// given), handles tensorflow_hub caches, safe relative paths, sizes, digests, no duplicates.
    static Result<BundleManifest> fromJson(const QByteArray &json);
};

/// Progress of an export or an import; totals are known from the start.
struct BundleProgress final
{
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    qint64 filesDone = 0;
    qint64 filesTotal = 0;
    QString current; ///< the file being read or written, as named in the bundle
};
using BundleProgressFn = std::function<void(const BundleProgress &)>;
/// Polled between and inside files; true stops the work, which then cleans up after itself.
using BundleCancelFn = std::function<bool()>;

namespace bundle {

/// A relative, '/'-separated name with no empty, "." or ".." component, no backslash and no control
/// character; the error names `name` and the cause.
Status checkRelativePath(const QString &name);

} // namespace bundle

} // namespace tfhub
