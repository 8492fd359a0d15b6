#pragma once

// Shared by the libFuzzer targets in tests/fuzz/. A failed invariant must stop the fuzzer with a
// report naming it, also in a build with NDEBUG, so the checks do not use assert().

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace tfhub::fuzz {

[[noreturn]] inline void fail(const char *what, const QString &detail = QString())
{
    std::fprintf(stderr, "fuzz invariant broken: %s %s\n", what, qPrintable(detail));
    std::abort();
}

inline void check(bool ok, const char *what, const QString &detail = QString())
{
    if (!ok)
        fail(what, detail);
}

inline QByteArray bytes(const uint8_t *data, size_t size)
{
    return QByteArray(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
}

/// Splits an input at its first NUL byte: the parts a target feeds to two different calls.
inline std::pair<QByteArray, QByteArray> splitAtNul(const QByteArray &input)
{
    const qsizetype nul = input.indexOf('\0');
    if (nul < 0)
        return { input, QByteArray() };
    return { input.left(nul), input.mid(nul + 1) };
}

} // namespace tfhub::fuzz
