#pragma once

#include <QString>
#include <QStringList>

// Tests that mount (a tiny tmpfs, a read-only bind) or act as another user, for both root (CI
// containers) and an ordinary contributor. A private mount needs no root: an unprivileged user
// namespace maps the caller to root inside it, where mounts are allowed and invisible outside.
// Dropping to another uid does need root; without it such a case is skipped, saying why, except
// under CI (the CI environment variable is set), where a skip would hide a case that never runs,
// so it fails instead.

namespace tfhub::test {

/// True when the process has the real root user's powers (effective uid 0 in the initial namespace).
bool isRoot();

/// Why no private mount namespace can be made here (empty when one can): neither root nor
/// unprivileged user namespaces (kernel.unprivileged_userns_clone=0, or an AppArmor or container
/// policy refusing them).
QString privateMountUnavailable();

/// The program and options that run a command in a private mount namespace where it may mount:
/// `unshare --mount --propagation private`, plus `--map-root-user` unless we are root.
/// Start it as `p.start(prefix.first(), prefix.mid(1) + command)`.
QStringList privateMountPrefix();

/// Moves this process into a private mount namespace (in a user namespace that maps us to root
/// unless we are root) where it may mount. Call it from main() before any thread exists: the kernel
/// refuses a user namespace to a multi-threaded process. Returns the reason on failure.
QString enterPrivateMountNamespace();

/// Enters a private mount namespace (see above) and mounts a tmpfs of `bytes` on a new folder
/// named `/tmp/NAME-tmpfs-XXXXXX`; sets `path` to it. Call it from main() before any thread exists.
/// Returns the reason on failure (and leaves `path` empty).
QString mountPrivateTmpfs(const char *name, qint64 bytes, QString *path);

/// Skips the running test function with `why`, or fails it when the CI variable is set.
/// Returns false so the caller can return; use the TFHUB_REQUIRE macros below.
bool skipOrFail(const QString &why, const char *file, int line);

bool requireRoot(const char *reason, const char *file, int line);
bool requirePrivateMount(const char *file, int line);

} // namespace tfhub::test

/// Ends the test function unless running as root: skipped, saying `reason`, or failed under CI.
#define TFHUB_REQUIRE_ROOT(reason)                                                                           \
    do {                                                                                                     \
        if (!::tfhub::test::requireRoot(reason, __FILE__, __LINE__))                                         \
            return;                                                                                          \
    } while (false)

/// Ends the test function unless a private mount namespace can be made (see privateMountPrefix()).
#define TFHUB_REQUIRE_PRIVATE_MOUNT()                                                                        \
    do {                                                                                                     \
        if (!::tfhub::test::requirePrivateMount(__FILE__, __LINE__))                                         \
            return;                                                                                          \
    } while (false)

/// Ends the test function unless `condition` holds: skipped with `why`, or failed under CI.
#define TFHUB_REQUIRE(condition, why)                                                                        \
    do {                                                                                                     \
        if (!(condition)) {                                                                                  \
            ::tfhub::test::skipOrFail(why, __FILE__, __LINE__);                                              \
            return;                                                                                          \
        }                                                                                                    \
    } while (false)
