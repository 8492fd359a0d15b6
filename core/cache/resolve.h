#pragma once

#include "core/cache/cacheentry.h"
#include "core/hub/handle.h"
#include "core/hub/hubsettings.h"

namespace tfhub {

/// What hub.resolve() would return for a handle, without any network access.
struct Resolution final
{
    enum class Kind {
        Cached, ///< the cache folder, present and complete
        NotCached, ///< would be downloaded into `path`
        Remote, ///< read from remote storage (UNCOMPRESSED, gs:// paths): nothing is cached
        LocalPath, ///< used in place
        Failure, ///< the library would fail (invalid load format, missing path)
    };
    Kind kind = Kind::Failure;
    QString key;
    QString path; ///< the path the library returns (cache folder, gs:// entry or the local path)
    QString message; ///< plain words for the user
    EntryState state = EntryState::Foreign; ///< for cacheable handles: the entry's state
};

Resolution resolveHandle(const Handle &handle, const HubSettings &settings);

class CacheLocation;

/// The same with the cache at `location` (settings.cacheDir's folder, or a gs:// prefix, whose
/// entry paths are gs://bucket/prefix/<key> as the library returns them there).
Resolution resolveHandle(const Handle &handle, const HubSettings &settings, CacheLocation &location);

} // namespace tfhub
