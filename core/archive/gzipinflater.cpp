#include "core/archive/gzipinflater.h"

#include <isa-l.h>

#include <algorithm>
#include <limits>

namespace tfhub {

namespace {

// RFC 1952 header flags.
constexpr quint8 kFlagHeaderCrc = 0x02;
constexpr quint8 kFlagExtra = 0x04;
constexpr quint8 kFlagName = 0x08;
constexpr quint8 kFlagComment = 0x10;
constexpr quint8 kFlagReserved = 0xe0;

} // namespace

GzipInflater::GzipInflater() : m_state(std::make_unique<inflate_state>())
{
    isal_inflate_init(m_state.get());
}

GzipInflater::~GzipInflater() = default;

void GzipInflater::startBody()
{
    isal_inflate_reset(m_state.get());
    // Raw deflate, then ISA-L reads the 8-byte trailer and checks CRC-32 and ISIZE itself.
    m_state->crc_flag = ISAL_GZIP_NO_HDR_VER;
    m_step = Step::Body;
    m_stepBytes = 0;
}

// Skips the optional parts the flags do not announce (possibly several in a row).
void GzipInflater::skipAbsentParts()
{
    for (bool skipped = true; skipped && m_step != Step::Body;) {
        skipped = false;
        if ((m_step == Step::ExtraLength && !(m_flags & kFlagExtra))
            || (m_step == Step::Extra && quint32(m_stepBytes) == m_extraLength)) {
            m_step = Step::Name;
            m_stepBytes = 0;
            skipped = true;
        }
        if ((m_step == Step::Name && !(m_flags & kFlagName))
            || (m_step == Step::Comment && !(m_flags & kFlagComment))) {
            m_step = m_step == Step::Name ? Step::Comment : Step::HeaderCrc;
            skipped = true;
        }
        if (m_step == Step::HeaderCrc && !(m_flags & kFlagHeaderCrc)) {
            startBody();
            skipped = true;
        }
    }
}

Status GzipInflater::parseHeader(const char *&in, qsizetype &inSize)
{
    while (inSize > 0 && m_step != Step::Body) {
        const auto byte = static_cast<quint8>(*in);
        if (m_step != Step::HeaderCrc)
            m_headerCrc = crc32_gzip_refl(m_headerCrc, &byte, 1);
        ++in;
        --inSize;
        ++m_stepBytes;
        switch (m_step) {
        case Step::Magic: {
            static constexpr quint8 magic[3] = { 0x1f, 0x8b, 0x08 };
            if (byte != magic[m_stepBytes - 1]) {
                if (m_membersCompleted > 0)
                    return Error { tr("unexpected data follows the end of the gzip stream") };
                return Error { tr("the gzip header is invalid") };
            }
            if (m_stepBytes == 3) {
                m_step = Step::Fixed;
                m_stepBytes = 0;
            }
            break;
        }
        case Step::Fixed: // FLG, MTIME (4), XFL, OS
            if (m_stepBytes == 1) {
                m_flags = byte;
                if (m_flags & kFlagReserved)
                    return Error { tr("the gzip header is invalid") };
            }
            if (m_stepBytes == 7) {
                m_step = Step::ExtraLength;
                m_stepBytes = 0;
            }
            break;
        case Step::ExtraLength:
            m_extraLength |= quint32(byte) << (8 * (m_stepBytes - 1));
            if (m_stepBytes == 2) {
                m_step = Step::Extra;
                m_stepBytes = 0;
            }
            break;
        case Step::Extra:
            break;
        case Step::Name:
        case Step::Comment:
            if (byte == 0) {
                m_step = m_step == Step::Name ? Step::Comment : Step::HeaderCrc;
                m_stepBytes = 0;
            }
            break;
        case Step::HeaderCrc:
            m_headerCrcRead |= quint16(byte << (8 * (m_stepBytes - 1)));
            if (m_stepBytes == 2) {
                if (m_headerCrcRead != (m_headerCrc & 0xffff))
                    return Error { tr("the gzip header checksum does not match") };
                startBody();
            }
            break;
        case Step::Body:
            break;
        }
        skipAbsentParts();
    }
    return {};
}

Result<qsizetype> GzipInflater::inflate(const char *&in, qsizetype &inSize, char *out, qsizetype outCapacity)
{
    if (m_failed)
        return Error { tr("the gzip data is invalid") };
    qsizetype produced = 0;
    while (produced < outCapacity) {
        if (m_step != Step::Body) {
            if (Status header = parseHeader(in, inSize); !header) {
                m_failed = true;
                return Error { header.error() };
            }
            if (m_step != Step::Body)
                break; // all input used inside the header
        }
        // A full output buffer may leave decoded bytes inside ISA-L even when all input is used.
        if (inSize == 0 && !m_outputPending)
            break;
        const auto inChunk
            = static_cast<uint32_t>(std::min<qsizetype>(inSize, std::numeric_limits<uint32_t>::max() / 2));
        const auto outChunk = static_cast<uint32_t>(
            std::min<qsizetype>(outCapacity - produced, std::numeric_limits<uint32_t>::max() / 2));
        // ISA-L's API is not const-correct; it never writes through next_in.
        m_state->next_in = reinterpret_cast<uint8_t *>(const_cast<char *>(in));
        m_state->avail_in = inChunk;
        m_state->next_out = reinterpret_cast<uint8_t *>(out + produced);
        m_state->avail_out = outChunk;

        const int rc = isal_inflate(m_state.get());
        const qsizetype consumed = inChunk - m_state->avail_in;
        const qsizetype written = outChunk - m_state->avail_out;
        in += consumed;
        inSize -= consumed;
        produced += written;
        m_outputPending = m_state->avail_out == 0;

        if (rc < 0) {
            m_failed = true;
            if (rc == ISAL_INCORRECT_CHECKSUM)
                return Error { tr("the gzip checksum or length does not match the data") };
            return Error { tr("the gzip data is invalid (ISA-L error %1)").arg(rc) };
        }
        if (m_state->block_state == ISAL_BLOCK_FINISH && !m_outputPending) {
            ++m_membersCompleted;
            m_step = Step::Magic;
            m_stepBytes = 0;
            m_flags = 0;
            m_extraLength = 0;
            m_headerCrc = 0;
            m_headerCrcRead = 0;
            continue;
        }
        if (consumed == 0 && written == 0)
            break; // ISA-L holds what it needs and waits for more input
    }
    return produced;
}

Status GzipInflater::finish() const
{
    if (m_failed)
        return Error { tr("the gzip data is invalid") };
    const bool betweenMembers = m_step == Step::Magic && m_stepBytes == 0 && m_membersCompleted > 0;
    if (!betweenMembers)
        return Error { tr("the gzip data ends before its end-of-stream trailer") };
    return {};
}

} // namespace tfhub
