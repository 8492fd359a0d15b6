#include "app/cli/clibundle.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/cligcs.h"
#include "app/cli/clitarget.h"
#include "app/cli/verbs.h"
#include "core/bundle/archiveadopt.h"
#include "core/bundle/bundleexport.h"
#include "core/bundle/bundleimport.h"
#include "core/cache/cachescanner.h"
#include "core/hub/hubsettings.h"
#include "core/util/humanize.h"

#include "tfhubversion.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcessEnvironment>

#include <csignal>
#include <unistd.h>

namespace tfhub::cli {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::cli", text);
}

volatile std::sig_atomic_t g_interrupted = 0;

void onInterrupt(int)
{
    g_interrupted = 1;
}

// Ctrl-C (or SIGTERM) while it runs sets a flag the work polls; it then cleans up and fails.
class InterruptGuard final
{
public:
    InterruptGuard()
    {
        g_interrupted = 0;
        struct sigaction sa
        {
        };
        sa.sa_handler = onInterrupt;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &m_oldInt);
        ::sigaction(SIGTERM, &sa, &m_oldTerm);
    }
    ~InterruptGuard()
    {
        ::sigaction(SIGINT, &m_oldInt, nullptr);
        ::sigaction(SIGTERM, &m_oldTerm, nullptr);
    }
    static bool interrupted() { return g_interrupted != 0; }

private:
    struct sigaction m_oldInt
    {
    };
    struct sigaction m_oldTerm
    {
    };
};

// One line on stderr, redrawn at most every 100 ms, only on a terminal.
class ProgressLine final
{
public:
    explicit ProgressLine(bool enabled) : m_enabled(enabled && ::isatty(STDERR_FILENO)) { m_timer.start(); }
    ~ProgressLine() { done(); }

    void show(const BundleProgress &p)
    {
        if (!m_enabled || (m_timer.elapsed() < 100 && p.bytesDone < p.bytesTotal))
            return;
        m_timer.restart();
        const int percent = p.bytesTotal > 0 ? int(100 * p.bytesDone / p.bytesTotal) : 0;
        const int filled = percent / 5;
        err() << '\r' << '[' << QString(filled, QLatin1Char('#')) << QString(20 - filled, QLatin1Char('-'))
              << "] " << QStringLiteral("%1% ").arg(percent, 3) << util::humanSize(p.bytesDone) << '/'
              << util::humanSize(p.bytesTotal) << "  " << tr("%1/%2 files").arg(p.filesDone).arg(p.filesTotal)
              << "\x1b[K";
        err().flush();
        m_shown = true;
    }
    void done()
    {
        if (m_shown) {
            err() << "\r\x1b[K";
            err().flush();
            m_shown = false;
        }
    }

private:
    bool m_enabled;
    bool m_shown = false;
    QElapsedTimer m_timer;
};

HubSettings settingsOf(const Invocation &in)
{
    return HubSettings::resolve(QProcessEnvironment::systemEnvironment(), in.cacheDir);
}

QJsonObject envelope(const HubSettings &s)
{
    return { { QStringLiteral("schema"), 1 }, { QStringLiteral("cacheDir"), s.cacheDir },
        { QStringLiteral("cacheDirSource"), sourceName(s.cacheDirSource) } };
}

PrefetchOptions lockOptions(const HubSettings &s)
{
    PrefetchOptions o = PrefetchOptions::fromEnvironment(s);
    o.cacheRoot = s.cacheDir;
    return o;
}

Result<QStringList> exportKeys(const Invocation &in, CacheLocation &location)
{
    const QString cacheDir = location.displayName();
    QStringList keys;
    if (in.has("--all")) {
        const Result<QList<CacheEntry>> entries = location.scan(ScanOptions());
        if (!entries)
            return Error { entries.error() };
        for (const CacheEntry &e : *entries) {
            if (e.folderNonEmpty)
                keys << e.key;
        }
        if (keys.isEmpty())
            return Error { tr("%1 holds no model to export.").arg(cacheDir) };
        return keys;
    }
    for (const QString &arg : in.positional) {
        const Target t = targetAt(location, arg);
        if (t.code != Ok)
            return Error { t.message };
        if (!keys.contains(t.key))
            keys << t.key;
    }
    return keys;
}

int printExport(const HubSettings &s, const QString &zip, const BundleExportSummary &sum, bool json)
{
    if (json) {
        QJsonArray entries;
        for (const BundleManifest::Entry &e : sum.manifest.entries)
            entries.append(QJsonObject { { QStringLiteral("key"), e.key },
                { QStringLiteral("handle"), e.handle }, { QStringLiteral("format"), e.format },
                { QStringLiteral("files"), e.files.size() }, { QStringLiteral("bytes"), e.bytes() } });
        QJsonObject o = envelope(s);
        o.insert(QStringLiteral("output"), zip);
        o.insert(QStringLiteral("entries"), entries);
        o.insert(QStringLiteral("files"), sum.files);
        o.insert(QStringLiteral("bytes"), sum.bytes);
        o.insert(QStringLiteral("zipBytes"), sum.zipBytes);
        o.insert(QStringLiteral("deflatedFiles"), sum.deflatedFiles);
        o.insert(QStringLiteral("reusedHashes"), sum.reusedHashes);
        printJson(o);
        return Ok;
    }
    for (const BundleManifest::Entry &e : sum.manifest.entries)
        out() << e.key.left(12) << "  " << (e.handle.isEmpty() ? tr("(handle unknown)") : e.handle) << '\n';
    out() << tr("Exported %1 entries (%2 files, %3) to %4 (%5).")
                 .arg(sum.entries)
                 .arg(sum.files)
                 .arg(util::humanSize(sum.bytes), zip, util::humanSize(sum.zipBytes))
          << '\n';
    out().flush();
    return Ok;
}

int runAdopt(const Invocation &in, const HubSettings &s)
{
    AdoptRequest r { in.positional.first(), in.value("--as"), lockOptions(s) };
    InterruptGuard guard;
    ProgressLine line(!in.has("--json"));
    const Result<AdoptSummary> a = bundle::adoptArchive(
        r, [&](const BundleProgress &p) { line.show(p); }, [] { return InterruptGuard::interrupted(); },
        [](const QString &why) { err() << tr("Waiting: %1").arg(why) << '\n'; });
    line.done();
    if (!a)
        return failure(a.error());
    if (in.has("--json")) {
        QJsonObject o = envelope(s);
        o.insert(QStringLiteral("archive"), r.archivePath);
        o.insert(QStringLiteral("handle"), r.handle);
        o.insert(QStringLiteral("key"), a->key);
        o.insert(QStringLiteral("path"), a->path);
        o.insert(QStringLiteral("outcome"),
            a->alreadyCached ? QStringLiteral("already-cached") : QStringLiteral("adopted"));
        o.insert(QStringLiteral("files"), a->files);
        o.insert(QStringLiteral("bytes"), a->bytes);
        printJson(o);
        return Ok;
    }
    for (const QString &w : a->warnings)
        err() << "tfhub-cache: " << tr("warning: ") << w << '\n';
    out() << (a->alreadyCached ? tr("%1 is already cached in %2; left as it is.").arg(r.handle, a->path)
                               : tr("Adopted %1 as %2 (%3 files, %4).")
                                     .arg(r.handle, a->path)
                                     .arg(a->files)
                                     .arg(util::humanSize(a->bytes)))
          << '\n';
    out().flush();
    return Ok;
}

int printImport(const HubSettings &s, const QString &zip, const BundleImportSummary &sum, bool json)
{
    bool differs = false;
    QJsonArray entries;
    for (const BundleEntryOutcome &e : sum.entries) {
        differs = differs || e.kind == BundleEntryOutcome::Kind::Differs;
        entries.append(QJsonObject { { QStringLiteral("key"), e.key }, { QStringLiteral("handle"), e.handle },
            { QStringLiteral("outcome"), outcomeName(e.kind) }, { QStringLiteral("files"), e.files },
            { QStringLiteral("bytes"), e.bytes }, { QStringLiteral("detail"), e.detail } });
        if (!json)
            out() << QStringLiteral("%1  %2  %3")
                         .arg(outcomeName(e.kind), -8)
                         .arg(e.key.left(12), e.handle.isEmpty() ? tr("(handle unknown)") : e.handle)
                  << (e.detail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(e.detail)) << '\n';
    }
    if (json) {
        QJsonObject o = envelope(s);
        o.insert(QStringLiteral("bundle"), zip);
        o.insert(QStringLiteral("entries"), entries);
        o.insert(QStringLiteral("files"), sum.files);
        o.insert(QStringLiteral("bytes"), sum.bytes);
        o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(sum.warnings));
        printJson(o);
    } else {
        for (const QString &w : sum.warnings)
            err() << "tfhub-cache: " << tr("warning: ") << w << '\n';
        out() << tr("Wrote %1 files (%2) into %3.").arg(sum.files).arg(util::humanSize(sum.bytes), s.cacheDir)
              << '\n';
        if (differs)
            out() << tr("Entries that differ were left alone; --replace replaces them.") << '\n';
        out().flush();
    }
    return differs ? Failure : Ok;
}

} // namespace

int runExportVerb(const Invocation &in)
{
    if (in.positional.isEmpty() == !in.has("--all"))
        return verbUsageError(in.verb, tr("'export' takes HANDLE or KEY arguments, or --all."));
    if (!in.has("--output") || in.value("--output").isEmpty())
        return verbUsageError(in.verb, tr("'export' needs -o FILE.zip."));
    const HubSettings s = settingsOf(in);
    const std::unique_ptr<CacheLocation> location = openLocation(s.cacheDir);
    if (!location)
        return Failure;
    const Result<QStringList> keys = exportKeys(in, *location);
    if (!keys)
        return failure(keys.error());
    const QString zip = QFileInfo(in.value("--output")).absoluteFilePath();
    InterruptGuard guard;
    ProgressLine line(!in.has("--json"));
    const Result<BundleExportSummary> sum = bundle::exportBundle(
        { s.cacheDir, *keys, zip, QStringLiteral(TFHUB_VERSION),
            location->isLocal() ? nullptr : location.get() },
        [&](const BundleProgress &p) { line.show(p); }, [] { return InterruptGuard::interrupted(); });
    line.done();
    if (!sum)
        return failure(sum.error());
    return printExport(s, zip, *sum, in.has("--json"));
}

int runImportVerb(const Invocation &in)
{
    if (in.positional.size() != 1)
        return verbUsageError(in.verb, tr("'import' takes one FILE.zip, or one ARCHIVE with --as HANDLE."));
    const HubSettings s = settingsOf(in);
    const QString file = in.positional.first();
    const bool zip = file.endsWith(QLatin1String(".zip"), Qt::CaseInsensitive);
    if (in.has("--as")) {
        if (zip || in.has("--replace"))
            return verbUsageError(
                in.verb, tr("--as adopts a .tar.gz, .tgz or .tar archive, without --replace."));
        return runAdopt(in, s);
    }
    if (!zip)
        return verbUsageError(
            in.verb, tr("%1 is not a .zip bundle; an archive needs --as HANDLE.").arg(file));
    BundleImportRequest r { file, lockOptions(s), in.has("--replace") };
    InterruptGuard guard;
    ProgressLine line(!in.has("--json"));
    const Result<BundleImportSummary> sum = bundle::importBundle(
        r, [&](const BundleProgress &p) { line.show(p); }, [] { return InterruptGuard::interrupted(); },
        [](const QString &why) { err() << tr("Waiting: %1").arg(why) << '\n'; });
    line.done();
    if (!sum)
        return failure(sum.error());
    return printImport(s, file, *sum, in.has("--json"));
}

} // namespace tfhub::cli
