#pragma once

namespace tfhub::util {

/// Makes the C library read the local time zone once for this process. With TZ unset, glibc stats
/// /etc/localtime again at every local-time conversion (Qt converts through it): a scan of 1,000
/// entries paid some 20,000 stats for it, a tenth of its whole walk. TZ=":/etc/localtime" names
/// the same zone (glibc's default) and is read once. Call first in main(), before any thread
/// starts; does nothing when TZ is set or /etc/localtime is missing.
void readLocalZoneOnce();

} // namespace tfhub::util
