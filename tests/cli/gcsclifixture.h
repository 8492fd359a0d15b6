#pragma once

#include "clifixtures.h"
#include "tests/support/gcsdouble.h"

namespace tfhub::test::cli {

/// A CliFixture whose CLI reaches a Cloud Storage double through STORAGE_EMULATOR_HOST, as it
/// would reach a real emulator.
class GcsCliFixture : public CliFixture
{
protected:
    static inline const QString bucket = QStringLiteral("team-cache");
    GcsDouble m_double;

    QList<std::pair<QString, QString>> env() const
    {
        return { { QStringLiteral("STORAGE_EMULATOR_HOST"), m_double.endpoint() } };
    }

    /// The CLI with `args` on the cache gs://bucket/prefix.
    Run gs(const QString &prefix, const QStringList &args)
    {
        return run(
            QStringList { QStringLiteral("--cache-dir"), QStringLiteral("gs://%1/%2").arg(bucket, prefix) }
                + args,
            env());
    }
};

} // namespace tfhub::test::cli
