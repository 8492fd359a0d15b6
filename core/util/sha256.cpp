#include "core/util/sha256.h"

#include <openssl/evp.h>

namespace tfhub {

struct Sha256::Context
{
    EVP_MD_CTX *md = nullptr;
};

Sha256::Sha256() : m_context(std::make_unique<Context>())
{
    m_context->md = EVP_MD_CTX_new();
    // An allocation failure here leaves nothing sensible to do; Qt aborts on OOM elsewhere too.
    Q_ASSERT(m_context->md);
    reset();
}

Sha256::~Sha256()
{
    if (m_context)
        EVP_MD_CTX_free(m_context->md);
}

Sha256::Sha256(Sha256 &&other) noexcept = default;
Sha256 &Sha256::operator=(Sha256 &&other) noexcept
{
    if (this != &other) {
        if (m_context)
            EVP_MD_CTX_free(m_context->md);
        m_context = std::move(other.m_context);
    }
    return *this;
}

void Sha256::reset()
{
    EVP_DigestInit_ex(m_context->md, EVP_sha256(), nullptr);
}

void Sha256::addData(const char *data, qsizetype size)
{
    if (size > 0)
        EVP_DigestUpdate(m_context->md, data, static_cast<size_t>(size));
}

QByteArray Sha256::result()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->md, digest, &length);
    reset();
    return QByteArray(reinterpret_cast<const char *>(digest), static_cast<qsizetype>(length));
}

QByteArray Sha256::hashHex(const QByteArray &data)
{
    Sha256 hash;
    hash.addData(data);
    return hash.resultHex();
}

} // namespace tfhub
