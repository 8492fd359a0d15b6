#pragma once

// Fixtures shared by the bundle suites (tst_bundle, tst_bundlehostile, tst_clibundle): caches made
// of the real models in ../shared/data, and runs of export, import and Python's zip tools.

#include "core/bundle/bundleexport.h"
#include "core/bundle/bundleimport.h"
#include "core/hub/handle.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace tfhub::test::bundlefixtures {

// The error of a result, empty on success (QVERIFY2 evaluates its message either way).
template<class T> QString errorOf(const Result<T> &r)
{
    return r ? QString() : r.error();
}

inline const QString kTf1Handle = QStringLiteral("https://tfhub.dev/test/half-plus-two-hub/1");
inline const QString kTf2Handle = QStringLiteral("https://tfhub.dev/test/half-plus-two-tf2/1");

// A cache with the TF1 hub module (from the served archive) and the TF2 SavedModel, both with
// descriptors, and the TF1 SavedModel as an entry whose handle is unknown (no descriptor).
// Returns the keys in that order.
inline QStringList makeSourceCache(const QString &root)
{
    QDir().mkpath(root);
    QTemporaryDir hub;
    if (!untar(savedModelsDir() + QStringLiteral("/half_plus_two_v1_hub_module.tar.gz"), hub.path()))
        return {};
    const QString tf1 = makeEntry(root, kTf1Handle, hub.path());
    const QString tf2
        = makeEntry(root, kTf2Handle, savedModelsDir() + QStringLiteral("/half_plus_two_tf2_cpu"));
    const QString unknown = makeEntry(root, QStringLiteral("https://tfhub.dev/test/unknown/1"),
        savedModelsDir() + QStringLiteral("/half_plus_two_cpu"));
    QFile::remove(root + QLatin1Char('/') + unknown + QStringLiteral(".descriptor.txt"));
    return { tf1, tf2, unknown };
}

inline QMap<QString, QByteArray> treeOf(const QString &dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(
        dir, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        const bool folder = it.fileInfo().isDir();
        if (!folder)
            f.open(QIODevice::ReadOnly);
        out.insert(QDir(dir).relativeFilePath(path) + (folder ? QStringLiteral("/") : QString()),
            folder ? QByteArray() : f.readAll());
    }
    return out;
}

inline QStringList namesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

inline Result<BundleExportSummary> exportKeys(
    const QString &root, const QStringList &keys, const QString &zip)
{
    return bundle::exportBundle({ root, keys, zip, QStringLiteral("test") });
}

inline BundleImportRequest importRequest(const QString &zip, const QString &root, bool replace = false)
{
    BundleImportRequest r;
    r.zipPath = zip;
    r.options.cacheRoot = root;
    r.options.lockPollMs = 50;
    r.options.graceSecs = 1;
    r.options.noProgressSecs = 600;
    r.replace = replace;
    return r;
}

// Runs a program; returns its exit code, with stdout and stderr merged into `output`.
inline int runTool(const QString &program, const QStringList &args, QByteArray *output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(120000))
        return -1;
    if (output)
        *output = p.readAll();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace tfhub::test::bundlefixtures
