#include "core/cache/resolve.h"

#include "core/cache/cachelocation.h"
#include "core/cache/cachescanner.h"
#include "core/util/fsutil.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <algorithm>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::resolve", text);
}

bool hasLock(const CacheEntry &e)
{
    return std::any_of(e.artifacts.cbegin(), e.artifacts.cend(),
        [](const Artifact &a) { return a.kind == Artifact::Kind::Lock; });
}

// What the lock beside a cached folder means to a user; hub.resolve() does not look at it.
QString lockClause(const CacheEntry &e)
{
    if (!hasLock(e))
        return QString();
    if (e.state != EntryState::Downloading)
        return tr("; a stale lock is left over");
    QString detail = e.stateDetail;
    if (detail.endsWith(QLatin1Char('.')))
        detail.chop(1);
    return tr("; another process holds a lock (%1), which tensorflow_hub does not wait for").arg(detail);
}

// The library's order (atomic_download): a non-empty K/ is returned before any lock is looked
// at; otherwise it waits for a lock, deletes an empty K/ and downloads.
void resolveEntry(const CacheEntry &e, bool localFolder, Resolution &r)
{
    if (e.hasFolder && localFolder && !util::stat(r.path).isDir) {
        r.kind = Resolution::Kind::Failure;
        r.message = tr("%1 is a file, not a folder: tensorflow_hub would fail to list it.").arg(r.path);
    } else if (e.folderNonEmpty && e.loadable) {
        r.kind = Resolution::Kind::Cached;
        r.message = tr("Cached%1.").arg(lockClause(e));
    } else if (e.folderNonEmpty) {
        r.kind = Resolution::Kind::Cached;
        r.message = tr("Cached, but the folder holds no loadable model%1: tensorflow_hub would return it and "
                       "loading would fail.")
                        .arg(lockClause(e));
    } else if (e.state == EntryState::Downloading) {
        r.kind = Resolution::Kind::NotCached;
        r.message = tr("Not cached yet. %1 tensorflow_hub would wait for that download to finish.")
                        .arg(e.stateDetail);
    } else if (e.state == EntryState::StaleLock) {
        r.kind = Resolution::Kind::NotCached;
        r.message = tr("Not cached (stale lock): tensorflow_hub would wait until the lock has shown no "
                       "progress for about 20 minutes, remove it and download the model.");
    } else {
        r.kind = Resolution::Kind::NotCached;
        r.message = e.artifacts.isEmpty()
            ? tr("Not cached: tensorflow_hub would download it.")
            : tr("Not cached (%1): tensorflow_hub would download it.").arg(stateLabel(e.state).toLower());
    }
}

} // namespace

Resolution resolveHandle(const Handle &handle, const HubSettings &settings)
{
    LocalCacheLocation local(settings.cacheDir);
    return resolveHandle(handle, settings, local);
}

Resolution resolveHandle(const Handle &handle, const HubSettings &settings, CacheLocation &location)
{
    Resolution r;
    r.key = handle.cacheKey();
    if (handle.isHttp() && settings.loadFormat == LoadFormat::Invalid) {
        r.kind = Resolution::Kind::Failure;
        r.message
            = tr("TFHUB_MODEL_LOAD_FORMAT is \"%1\", which is not one of COMPRESSED, UNCOMPRESSED or AUTO "
                 "(the value is case-sensitive): tensorflow_hub would treat the handle as a local path "
                 "and fail.")
                  .arg(settings.loadFormatRaw);
        return r;
    }
    if (handle.kind() == Handle::Kind::LocalPath || handle.kind() == Handle::Kind::GcsPath) {
        r.path = handle.text();
        if (handle.kind() == Handle::Kind::GcsPath) {
            r.kind = Resolution::Kind::Remote;
            r.message = tr("A Cloud Storage location is read in place by TensorFlow; nothing is cached.");
        } else if (QFileInfo::exists(handle.text())) {
            r.kind = Resolution::Kind::LocalPath;
            r.message = tr("A local path is used in place; nothing is cached.");
        } else {
            r.kind = Resolution::Kind::Failure;
            r.message = tr("%1 does not exist.").arg(handle.text());
        }
        return r;
    }
    if (!handle.isCached(settings.loadFormat)) {
        r.kind = Resolution::Kind::Remote;
        r.path = handle.uncompressedUrl();
        r.message = tr("With TFHUB_MODEL_LOAD_FORMAT=UNCOMPRESSED the model is read from remote storage "
                       "(the server answers %1 with a gs:// location); nothing is cached.")
                        .arg(handle.uncompressedUrl());
        return r;
    }
    r.path = location.entryPath(r.key);
    const Result<CacheEntry> e = location.scanKey(r.key, ScanOptions());
    if (!e) {
        r.kind = Resolution::Kind::Failure;
        r.path.clear(); // nothing could be told about it
        r.message = e.error();
        return r;
    }
    r.state = e->artifacts.isEmpty() ? EntryState::Foreign : e->state;
    resolveEntry(*e, location.isLocal(), r);
    return r;
}

} // namespace tfhub
