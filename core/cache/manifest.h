#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>

namespace tfhub {

/// What we record about a prefetched entry, in `K.manifest.json` beside the model folder (never
/// inside it: the folder holds exactly what the archive held).
struct Manifest final
{
    struct File
    {
        QString path; ///< relative, '/'-separated
        qint64 size = 0;
        QByteArray sha256; ///< hex
    };
    QString handle;
    QString key;
    QString url; ///< the final URL after redirects
    qint64 archiveBytes = 0;
    QByteArray archiveSha256;
    QDateTime downloaded;
    QString format; ///< formatName() of the model folder, e.g. "tf2-saved-model"; empty if unknown
    QList<File> files;

    QByteArray toJson() const;
    static Result<Manifest> fromJson(const QByteArray &json, const QString &pathForMessages);
    static Result<Manifest> load(const QString &path);
};

/// The outcome of checking a model folder against its manifest.
struct VerifyReport final
{
    QStringList modified; ///< size or content differs
    QStringList missing;
    QStringList extra; ///< files in the folder that the archive did not hold
    qint64 checkedFiles = 0;
    bool ok() const { return modified.isEmpty() && missing.isEmpty() && extra.isEmpty(); }
};

/// Hashes every file of `folder` and compares with the manifest. `cancelled` is polled between
/// files and between chunks of a file, and stops it early with an error.
Result<VerifyReport> verifyFolder(
    const QString &folder, const Manifest &manifest, const std::function<bool()> &cancelled = {});

} // namespace tfhub
