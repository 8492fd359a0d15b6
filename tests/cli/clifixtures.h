#pragma once

// Fixtures shared by the CLI suites (tst_cli, tst_clihelp): the executable run in a private HOME
// and TMPDIR against a small cache of two real SavedModels, an empty entry and a stray file.

#include "core/hub/handle.h"
#include "tests/support/testdata.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <utility>

namespace tfhub::test::cli {

struct Run
{
    int code = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

// The suites derive from this beside QObject.
class CliFixture
{
protected:
    QTemporaryDir m_tmp;
    QString m_cache;
    QString m_tf2, m_tf1, m_empty;

    // For initTestCase; a failed check here fails initTestCase, which skips the suite.
    void setUpCache()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(!qEnvironmentVariable("TFHUB_CLI").isEmpty(), "TFHUB_CLI is not set (run through ctest)");
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("home"))));
        QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("tmp"))));
        m_cache = m_tmp.filePath(QStringLiteral("my cache \"q\" é"));
        const QString sm = test::savedModelsDir();
        m_tf2 = test::makeEntry(m_cache, QStringLiteral("https://tfhub.dev/google/tf2/1"),
            sm + QStringLiteral("/half_plus_two_tf2_cpu"));
        m_tf1 = test::makeEntry(m_cache, QStringLiteral("https://tfhub.dev/google/tf1/1"),
            sm + QStringLiteral("/half_plus_two_cpu"));
        m_empty = Handle::cacheKeyOf(QStringLiteral("https://tfhub.dev/google/empty/1"));
        QVERIFY(QDir().mkpath(m_cache + QLatin1Char('/') + m_empty));
        QVERIFY(test::writeFile(m_cache + QStringLiteral("/notes.txt"), "mine"));
    }

    Run run(const QStringList &args, const QList<std::pair<QString, QString>> &env = {},
        const QString &workDir = QString())
    {
        QProcess p;
        if (!workDir.isEmpty())
            p.setWorkingDirectory(workDir);
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        // Scan indexes go to $XDG_CACHE_HOME: never the real one.
        e.insert(QStringLiteral("XDG_CACHE_HOME"), m_tmp.filePath(QStringLiteral("home/.cache")));
        e.insert(QStringLiteral("TMPDIR"), m_tmp.filePath(QStringLiteral("tmp")));
        e.remove(QStringLiteral("TFHUB_CACHE_DIR"));
        e.remove(QStringLiteral("TFHUB_MODEL_LOAD_FORMAT"));
        for (const auto &[k, v] : env)
            e.insert(k, v);
        p.setProcessEnvironment(e);
        // A leading "sh" runs the rest as a shell script, for arguments QProcess cannot pass: bytes
        // that are not valid UTF-8. The script finds the executable in $TFHUB_CLI.
        if (args.value(0) == QLatin1String("sh"))
            p.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), args.mid(1).join(QLatin1Char(' ')) });
        else
            p.start(qEnvironmentVariable("TFHUB_CLI"), args);
        Run r;
        if (!p.waitForFinished(30000))
            return r;
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
};

} // namespace tfhub::test::cli
