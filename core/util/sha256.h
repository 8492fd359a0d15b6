#pragma once

#include <QByteArray>

#include <memory>

namespace tfhub {

/// Incremental SHA-256 backed by OpenSSL's libcrypto (EVP), several times faster here than
/// QCryptographicHash; hashing rides along every extraction, so it must not be the slowest stage.
class Sha256 final
{
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256 &&other) noexcept;
    Sha256 &operator=(Sha256 &&other) noexcept;
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(const char *data, qsizetype size);
    void addData(const QByteArray &data) { addData(data.constData(), data.size()); }

    /// Finalises the digest (further addData() calls start a new one) and returns 32 raw bytes.
    QByteArray result();
    /// Same as result(), as 64 lower-case hex digits.
    QByteArray resultHex() { return result().toHex(); }

    /// Starts over, as if newly constructed.
    void reset();

    static QByteArray hashHex(const QByteArray &data);

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace tfhub
