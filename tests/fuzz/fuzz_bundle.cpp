// The zip bundle reader (zipio, the bundle manifest, the importer) fed arbitrary bytes as a bundle
// file, imported into an empty cache folder inside a scratch box. After every input, whatever the
// outcome: the box holds only the bundle and the cache (nothing escaped), the cache holds no tmp
// folder or lock (a failed import cleans up after itself), a failed import published nothing, and
// every published entry matches its manifest file for file (nothing partly verified was
// published). An import that succeeded is run again with `replace` after one published file was
// changed, which must restore it.

#include "core/bundle/bundleimport.h"
#include "core/cache/cacheentry.h"
#include "core/cache/manifest.h"
#include "tests/fuzz/fuzzsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <csignal>
#include <sys/resource.h>

using namespace tfhub;

namespace {

const QString kZipName = QStringLiteral("bundle.zip");
const QString kCacheName = QStringLiteral("cache");

QString scratchParent()
{
    // fsync on tmpfs costs nothing, and the importer syncs every file it writes.
    return QFileInfo(QStringLiteral("/dev/shm")).isWritable() ? QStringLiteral("/dev/shm") : QDir::tempPath();
}

QStringList entriesOf(const QString &folder)
{
    return QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden);
}

// Returns the keys of the published entries after checking the cache folder's names and contents.
QStringList checkCache(const QString &box, const QString &cache)
{
    const QStringList inBox = entriesOf(box);
    for (const QString &name : inBox)
        fuzz::check(name == kZipName || name == kCacheName, "only the bundle and the cache exist in the box",
            inBox.join(QLatin1Char(' ')));
    QStringList keys;
    for (const QString &name : entriesOf(cache)) {
        const QFileInfo info(cache + QLatin1Char('/') + name);
        const QString key = name.left(40);
        const QString rest = name.mid(40);
        fuzz::check(isCacheKey(key) && !info.isSymLink(), "the cache holds only entries", name);
        if (rest.isEmpty()) {
            fuzz::check(info.isDir(), "an entry is a folder", name);
            keys << key;
        } else {
            fuzz::check(info.isFile()
                    && (rest == QLatin1String(".descriptor.txt") || rest == QLatin1String(".manifest.json")),
                "no tmp folder or lock is left", name);
        }
    }
    for (const QString &key : std::as_const(keys)) {
        const QString folder = cache + QLatin1Char('/') + key;
        const Result<Manifest> manifest = Manifest::load(folder + QStringLiteral(".manifest.json"));
        fuzz::check(manifest.ok(), "a published entry has its manifest", key);
        const Result<VerifyReport> report = verifyFolder(folder, *manifest);
        fuzz::check(report.ok() && report->ok(), "a published entry matches its manifest file for file", key);
        QDirIterator it(folder, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden,
            QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo info(it.next());
            fuzz::check(!info.isSymLink() && (info.isFile() || info.isDir()),
                "an entry holds only regular files and folders", info.filePath());
        }
    }
    return keys;
}

Result<BundleImportSummary> import(const QString &zip, const QString &cache, bool replace)
{
    BundleImportRequest request;
    request.zipPath = zip;
    request.options.cacheRoot = cache;
    request.options.lockPollMs = 10;
    request.replace = replace;
    return bundle::importBundle(request);
}

// Changes the first file of the entry and imports again with `replace`: the entry must match again.
void checkReplace(const QString &box, const QString &zip, const QString &cache, const QString &key)
{
    QDirIterator it(cache + QLatin1Char('/') + key, QDir::Files, QDirIterator::Subdirectories);
    if (!it.hasNext())
        return;
    QFile file(it.next());
    fuzz::check(file.open(QIODevice::Append) && file.write("x", 1) == 1, "a published file can be changed");
    file.close();
    const Result<BundleImportSummary> again = import(zip, cache, true);
    fuzz::check(
        again.ok(), "importing a bundle again with replace succeeds", again.ok() ? QString() : again.error());
    checkCache(box, cache);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // Taking an entry's lock runs an event loop (it waits for another process's lock with a timer).
    static QCoreApplication app(*argc, *argv);
    // The importer refuses more than 1000:1 per member, still megabytes for a small input on a
    // RAM-backed folder: past 64 MiB a write fails with EFBIG, which must be reported as an error.
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit { 64 << 20, 64 << 20 };
    setrlimit(RLIMIT_FSIZE, &limit);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static QTemporaryDir scratch(scratchParent() + QStringLiteral("/tfhub-fuzz-bundle-XXXXXX"));
    fuzz::check(scratch.isValid(), "a scratch folder");
    const QString box = scratch.filePath(QStringLiteral("box"));
    const QString zip = box + QLatin1Char('/') + kZipName;
    const QString cache = box + QLatin1Char('/') + kCacheName;
    QDir(box).removeRecursively();
    fuzz::check(QDir().mkpath(box), "the box can be made");
    {
        QFile out(zip);
        fuzz::check(out.open(QIODevice::WriteOnly)
                && out.write(reinterpret_cast<const char *>(data), static_cast<qint64>(size))
                    == static_cast<qint64>(size),
            "the bundle can be written");
    }
    const Result<BundleImportSummary> summary = import(zip, cache, false);
    const QStringList keys = checkCache(box, cache);
    if (!summary.ok()) {
        fuzz::check(keys.isEmpty(), "a failed import publishes nothing", summary.error());
        return 0;
    }
    fuzz::check(keys.size() == summary->entries.size(), "every entry of a successful import is published",
        keys.join(QLatin1Char(' ')));
    if (!keys.isEmpty())
        checkReplace(box, zip, cache, keys.first());
    return 0;
}
