#pragma once

#include "core/bundle/bundlemanifest.h"
#include "core/util/result.h"

#include <QString>

#include <functional>

class QuaZip;

namespace tfhub::zipio {

/// Files are read and written in blocks of this size, whatever their size.
inline constexpr qint64 kBlockSize = 1024 * 1024;
/// More than this many declared bytes per compressed byte is taken for a zip bomb.
inline constexpr qint64 kMaxRatio = 1000;

/// read(2) until `size` bytes or the end; -1 with errno on error.
qint64 readFull(int fd, char *data, qint64 size);
/// write(2) all of it; false with errno on error.
bool writeFull(int fd, const char *data, qint64 size);

/// QuaZip writes "version needed to extract" 6.3 for its UTF-8 names, in every local header and in
/// the central directory of Zip64 members; Info-ZIP's unzip (up to 4.6) then skips those members.
/// UTF-8 names need no more than 2.0 (Info-ZIP's own zip writes that), Zip64 4.5: this rewrites
/// every such field of the finished zip at `path` to 4.5 (Zip64) or 2.0, in place.
Status lowerVersionNeeded(const QString &path);

/// One member of a zip as its central directory declares it.
struct Member final
{
    QString name;
    bool folder = false; ///< the name ends with '/'
    int method = 0; ///< 0 stored, 8 deflated
    qint64 compressedSize = 0;
    qint64 size = 0; ///< declared uncompressed size
    quint32 crc = 0;
};

/// The members of the open zip, each checked on its own: a safe relative name (no "..", not
/// absolute), not a symbolic link or other special file (Unix mode in the external attributes),
/// not encrypted, stored or deflated only, no duplicate name, and no declared ratio over
/// kMaxRatio:1. Errors name the member and the rule.
Result<QList<Member>> survey(QuaZip *zip, const QString &zipName);

/// Streams the current member of `zip` to `sink`, inflating it ourselves so that every rule holds
/// on the way: reading stops the moment the inflated bytes exceed the declared size, and at the
/// end the size and the CRC-32 must equal the declared ones (a truncated or corrupt member fails).
/// `cancelled` is polled between blocks.
Status readMember(QuaZip *zip, const Member &member, const std::function<Status(const char *, qint64)> &sink,
    const BundleCancelFn &cancelled);

} // namespace tfhub::zipio
