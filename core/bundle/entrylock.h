#pragma once

#include "core/bundle/bundlemanifest.h"
#include "core/cache/lock.h"
#include "core/prefetch/prefetchtypes.h"

#include <QString>

#include <functional>
#include <memory>

namespace tfhub {

class LockTaker;

/// A key's lock under tensorflow_hub's protocol for code that runs to completion in one call (an
/// import, an adoption): acquire() waits in a local event loop for LockTaker, which watches the
/// holder and takes over a dead or stalled one exactly as a prefetch does.
class EntryLock final
{
public:
    EntryLock(EntryPaths paths, const PrefetchOptions &options, const QString &uid);
    ~EntryLock();
    EntryLock(const EntryLock &) = delete;
    EntryLock &operator=(const EntryLock &) = delete;

    /// Waits until the lock is ours; `waiting` hears why it waits. Fails on cancel or error.
    Status acquire(const BundleCancelFn &cancelled, const std::function<void(const QString &)> &waiting = {});
    /// Removes the lock if it is still ours.
    void release();

private:
    std::unique_ptr<LockTaker> m_taker;
};

} // namespace tfhub
