#include "core/cache/resolve.h"

#include "core/cache/cachescanner.h"

#include <QCoreApplication>
#include <QFileInfo>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::resolve", text);
}
} // namespace

Resolution resolveHandle(const Handle &handle, const HubSettings &settings)
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
    r.path = settings.cacheDir + QLatin1Char('/') + r.key;
    const CacheEntry e = cache::scanKey(settings.cacheDir, r.key, ScanOptions());
    r.state = e.artifacts.isEmpty() ? EntryState::Foreign : e.state;
    // The library's own test is "folder exists and is not empty"; we also say when that is wrong.
    if (e.hasFolder && e.state == EntryState::Complete) {
        r.kind = Resolution::Kind::Cached;
        r.message = tr("Cached.");
    } else if (e.hasFolder && e.state == EntryState::NotLoadable) {
        r.kind = Resolution::Kind::Cached;
        r.message = tr("Cached, but the folder holds no loadable model: tensorflow_hub would return it and "
                       "loading would fail.");
    } else if (e.state == EntryState::Downloading) {
        r.kind = Resolution::Kind::NotCached;
        r.message = e.stateDetail;
    } else {
        r.kind = Resolution::Kind::NotCached;
        r.message = e.artifacts.isEmpty()
            ? tr("Not cached: tensorflow_hub would download it.")
            : tr("Not cached (%1): tensorflow_hub would download it.").arg(stateLabel(e.state).toLower());
    }
    return r;
}

} // namespace tfhub
