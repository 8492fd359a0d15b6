// K.descriptor.txt as read from a shared cache: any bytes parse, and what we write for a parsed
// descriptor reads back the same.

#include "core/hub/descriptor.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const Descriptor d = Descriptor::parse(fuzz::bytes(data, size));
    const auto singleLine = [](const QString &s) {
        return !s.contains(QLatin1Char('\n')) && !s.contains(QLatin1Char('\r')) && s == s.trimmed();
    };
    if (!d.downloadTime.isValid() || !singleLine(d.handle) || !singleLine(d.host) || d.pid < 0)
        return 0;
    const Descriptor again
        = Descriptor::parse(Descriptor::serialize(d.handle, d.downloadTime, d.host, d.pid));
    fuzz::check(again.handle == d.handle, "descriptor handle round-trips", d.handle);
    fuzz::check(again.host == d.host, "descriptor host round-trips", d.host);
    fuzz::check(again.pid == d.pid, "descriptor pid round-trips", QString::number(d.pid));
    return 0;
}
