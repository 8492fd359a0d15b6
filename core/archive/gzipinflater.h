#pragma once

#include "core/util/result.h"

#include <QCoreApplication>

#include <memory>

struct inflate_state;

namespace tfhub {

/// Streaming gzip decompression with ISA-L that verifies what libarchive does not: each member's
/// CRC-32 and ISIZE trailer, and that nothing but further gzip members follows (multi-member
/// streams, as made by `cat a.gz b.gz` or pigz, are valid). Messages name the cause only; the
/// caller prefixes the archive's name.
///
/// The member headers are parsed here, not by ISA-L: ISA-L 2.30 misparses a header with a file
/// name when it arrives split across calls (seen with one-byte feeds and valgrind), and a network
/// stream splits anywhere.
class GzipInflater final
{
    Q_DECLARE_TR_FUNCTIONS(tfhub::GzipInflater)

public:
    GzipInflater();
    ~GzipInflater();
    GzipInflater(const GzipInflater &) = delete;
    GzipInflater &operator=(const GzipInflater &) = delete;

    /// Consumes input from `in` (advancing it and shrinking `inSize`) and writes up to
    /// `outCapacity` bytes to `out`; returns how many. Fewer than `outCapacity` means all the
    /// input given was used (call again with more, or with none to collect buffered output).
    Result<qsizetype> inflate(const char *&in, qsizetype &inSize, char *out, qsizetype outCapacity);

    /// To be called once all input has been given: fails when the stream stops inside a member.
    Status finish() const;

private:
    enum class Step { Magic, Fixed, ExtraLength, Extra, Name, Comment, HeaderCrc, Body };

    Status parseHeader(const char *&in, qsizetype &inSize);
    void skipAbsentParts();
    void startBody();

    std::unique_ptr<inflate_state> m_state;
    Step m_step = Step::Magic;
    int m_stepBytes = 0; // bytes read of the current header step
    quint8 m_flags = 0;
    quint32 m_extraLength = 0;
    quint16 m_headerCrcRead = 0;
    quint32 m_headerCrc = 0; // of the header bytes so far, for FHCRC
    int m_membersCompleted = 0;
    bool m_outputPending = false;
    bool m_failed = false;
};

} // namespace tfhub
