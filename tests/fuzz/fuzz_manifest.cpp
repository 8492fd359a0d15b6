// K.manifest.json as read from a shared cache: any bytes are a manifest or an error, and an
// accepted manifest names only files inside the model folder (verify reads and hashes each one).

#include "core/cache/manifest.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;

namespace {

bool staysInside(const QString &path)
{
    if (path.isEmpty() || path.startsWith(QLatin1Char('/')) || path.contains(QChar(0)))
        return false;
    const QStringList parts = path.split(QLatin1Char('/'));
    for (const QString &part : parts) {
        if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String(".."))
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const Result<Manifest> manifest = Manifest::fromJson(fuzz::bytes(data, size), QStringLiteral("fuzz"));
    if (!manifest.ok()) {
        fuzz::check(manifest.error().contains(QLatin1String("fuzz")), "the error names the manifest");
        return 0;
    }
    for (const Manifest::File &f : manifest.value().files)
        fuzz::check(staysInside(f.path), "manifest paths stay inside the model folder", f.path);
    const Result<Manifest> again = Manifest::fromJson(manifest.value().toJson(), QStringLiteral("again"));
    fuzz::check(again.ok(), "a manifest we write reads back", again.ok() ? QString() : again.error());
    fuzz::check(again.value().files.size() == manifest.value().files.size(), "manifest files round-trip");
    return 0;
}
