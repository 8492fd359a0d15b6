// The whole extraction pipeline (compression detection, gzip, tar member policy, writers) fed
// arbitrary bytes into a tmp folder inside a scratch cache root. After every input, whatever the
// outcome: nothing exists in the root but the tmp folder (nothing escaped, nothing was published
// under the entry's name), and the folder holds only regular files and folders.

#include "core/archive/archiveextractor.h"
#include "tests/fuzz/fuzzsupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QTemporaryDir>

#include <csignal>
#include <sys/resource.h>

using namespace tfhub;

namespace {

const QString kTmpName = QStringLiteral("0123456789abcdef0123456789abcdef01234567.fuzz.tmp");

QString scratchParent()
{
    // fsync on tmpfs costs nothing, and the extractor syncs every file it writes.
    return QFileInfo(QStringLiteral("/dev/shm")).isWritable() ? QStringLiteral("/dev/shm") : QDir::tempPath();
}

void checkRoot(const QString &root, const QString &destination)
{
    const QStringList inRoot
        = QDir(root).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden);
    fuzz::check(inRoot == QStringList { kTmpName }, "only the tmp folder exists in the cache root",
        inRoot.join(QLatin1Char(' ')));
    QDirIterator it(destination, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System | QDir::Hidden,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QFileInfo info(it.next());
        fuzz::check(!info.isSymLink() && (info.isFile() || info.isDir()),
            "the tmp folder holds only regular files and folders", info.filePath());
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // A small input can inflate to gigabytes of zeros on a RAM-backed folder: past 64 MiB a file
    // write fails with EFBIG (instead of SIGXFSZ), which the extractor must report as an error.
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit { 64 << 20, 64 << 20 };
    setrlimit(RLIMIT_FSIZE, &limit);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static QTemporaryDir scratch(scratchParent() + QStringLiteral("/tfhub-fuzz-tar-XXXXXX"));
    fuzz::check(scratch.isValid(), "a scratch folder");
    const QString root = scratch.filePath(QStringLiteral("root"));
    const QString destination = root + QLatin1Char('/') + kTmpName;
    QDir(root).removeRecursively();
    fuzz::check(QDir().mkpath(destination), "the tmp folder can be made");
    if (size == 0)
        return 0;
    // The first byte chooses how the stream is split into feed() calls.
    const qsizetype piece = 1 + qsizetype(data[0]) * 64;
    {
        ArchiveExtractor extractor(destination, QStringLiteral("fuzz-archive"));
        for (size_t offset = 1; offset < size; offset += static_cast<size_t>(piece)) {
            const qsizetype n = qMin<qsizetype>(piece, static_cast<qsizetype>(size - offset));
            if (!extractor.feed(reinterpret_cast<const char *>(data + offset), n))
                break;
        }
        const Status status = extractor.finish();
        if (status.ok()) {
            for (const ArchiveExtractor::FileRecord &f : extractor.manifest())
                fuzz::check(QFileInfo(destination + QLatin1Char('/') + f.path).isFile(),
                    "every file of the manifest was written inside the tmp folder", f.path);
        }
    }
    checkRoot(root, destination);
    return 0;
}
