// Handle parsing and the URLs built from a handle: any text, valid or not, must classify without
// crashing, and a cached handle is always fetched over http(s).

#include "core/hub/handle.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto [text, rest] = fuzz::splitAtNul(fuzz::bytes(data, size));
    const QString handleText = QString::fromUtf8(text);
    const QString key = Handle::cacheKeyOf(handleText);
    fuzz::check(key.size() == 40, "cache key is 40 hex digits", key);

    const auto [name, value] = fuzz::splitAtNul(rest);
    const QString appended
        = Handle::appendQuery(handleText, QString::fromUtf8(name), QString::fromUtf8(value));
    Q_UNUSED(appended);

    const Result<Handle> handle = Handle::parse(handleText);
    if (!handle.ok()) {
        fuzz::check(!handle.error().isEmpty(), "a rejected handle has a message", handleText);
        return 0;
    }
    const Handle &h = handle.value();
    fuzz::check(h.text() == handleText, "a handle keeps its exact text", handleText);
    fuzz::check(h.cacheKey() == key, "cacheKey() agrees with cacheKeyOf()", handleText);
    Q_UNUSED(h.publisher());
    Q_UNUSED(Handle::kindName(h.kind()));
    const QString compressed = h.compressedUrl();
    const QString emulated = h.compressedUrl(QString::fromUtf8(name));
    Q_UNUSED(emulated);
    const QString uncompressed = h.uncompressedUrl();
    if (h.isCached(LoadFormat::Compressed)) {
        // Not necessarily a valid URL (the library accepts "https://tfhub.dev`/x" too); the
        // prefetch job reports an invalid one. It must be an http(s) request, though.
        fuzz::check(compressed.startsWith(QLatin1String("http://"))
                || compressed.startsWith(QLatin1String("https://")),
            "a cached handle is downloaded over http(s)", compressed);
    }
    if (h.isHttp())
        fuzz::check(!uncompressed.isEmpty(), "an http handle has an uncompressed URL", handleText);
    return 0;
}
