// K.lock as read from a shared cache (another machine, another version, a damaged disk): any bytes
// parse, and an owner we accept reads back the same from the content we would write.

#include "core/cache/lock.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const LockOwner owner = cache::parseLock(fuzz::bytes(data, size));
    if (!owner.valid)
        return 0;
    fuzz::check(owner.pid > 0, "a valid lock names a positive pid", owner.raw);
    fuzz::check(owner.uid.size() == 32, "a valid lock names a 32-digit uid", owner.raw);
    const LockOwner again = cache::parseLock(cache::lockContent(owner.host, owner.pid, owner.uid));
    fuzz::check(again.valid && again.host == owner.host && again.pid == owner.pid && again.uid == owner.uid,
        "lock content round-trips", owner.raw);
    return 0;
}
