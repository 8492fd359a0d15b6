// The streaming gzip inflater fed arbitrary bytes in arbitrary pieces (the network splits a stream
// anywhere): it must never write past the buffer it is given, and it must end with either the
// whole stream or an error, never an endless loop.

#include "core/archive/gzipinflater.h"
#include "tests/fuzz/fuzzsupport.h"

#include <vector>

using namespace tfhub;

namespace {

// Enough for every small input's honest output; a bomb stops here instead of filling memory.
constexpr qint64 kMaxOutput = 64 * 1024 * 1024;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    // The first two bytes choose the piece sizes, the rest is the stream.
    const qsizetype piece = 1 + data[0] % 64 * (data[0] >= 128 ? 1024 : 1);
    const qsizetype outCapacity = 1 + data[1] % 32 * 512;
    const QByteArray input = fuzz::bytes(data + 2, size - 2);
    GzipInflater inflater;
    std::vector<char> out(static_cast<size_t>(outCapacity));
    qint64 produced = 0;
    qsizetype offset = 0;
    while (offset < input.size() && produced < kMaxOutput) {
        const char *in = input.constData() + offset;
        qsizetype inSize = qMin(piece, input.size() - offset);
        const qsizetype given = inSize;
        Result<qsizetype> n = inflater.inflate(in, inSize, out.data(), outCapacity);
        if (!n.ok())
            return 0;
        fuzz::check(n.value() >= 0 && n.value() <= outCapacity, "inflate stays inside the buffer");
        fuzz::check(inSize >= 0 && inSize <= given, "inflate consumes what it was given");
        fuzz::check(n.value() > 0 || inSize < given, "inflate makes progress");
        produced += n.value();
        offset += given - inSize;
    }
    // Collect what is buffered, then ask whether the stream ended well.
    for (int round = 0; round < 1 << 16 && produced < kMaxOutput; ++round) {
        const char *in = nullptr;
        qsizetype inSize = 0;
        Result<qsizetype> n = inflater.inflate(in, inSize, out.data(), outCapacity);
        if (!n.ok() || n.value() == 0)
            break;
        fuzz::check(n.value() <= outCapacity, "inflate stays inside the buffer");
        produced += n.value();
    }
    Q_UNUSED(inflater.finish());
    return 0;
}
