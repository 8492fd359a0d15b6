// Verify on a cache in Google Cloud Storage (gs://): the objects' listing against the manifest,
// without downloading the models' content.

#include "ui/cache/cacheactions.h"

#include "core/gcs/gcslocation.h"
#include "core/maintenance/locationcleanup.h"
#include "ui/cache/cachemodel.h"

namespace tfhub::ui {

namespace {

QString differences(const VerifyReport &r)
{
    QStringList parts;
    if (!r.modified.isEmpty())
        parts << CacheActions::tr("size differs: %1").arg(r.modified.join(QStringLiteral(", ")));
    if (!r.missing.isEmpty())
        parts << CacheActions::tr("missing: %1").arg(r.missing.join(QStringLiteral(", ")));
    if (!r.extra.isEmpty())
        parts << CacheActions::tr("not in the download: %1").arg(r.extra.join(QStringLiteral(", ")));
    return parts.join(QStringLiteral("; "));
}

} // namespace

CacheActions::VerifySummary CacheActions::verifyCloud(
    const QString &root, const QList<CacheEntry> &entries, const std::function<bool()> &cancelled)
{
    VerifySummary s;
    Result<std::unique_ptr<CacheLocation>> location = openCacheLocation(root);
    if (!location) {
        s.text = location.error();
        return s;
    }
    QStringList failures;
    QStringList passes;
    for (const CacheEntry &e : entries) {
        if (cancelled && cancelled()) {
            s.cancelled = true;
            s.text = tr("Verification was cancelled after %1 of %2 models.")
                         .arg(failures.size() + passes.size())
                         .arg(entries.size());
            s.details = (failures + passes).join(u'\n');
            return s;
        }
        if (!e.hasFolder)
            continue;
        const QString name = CacheModel::displayName(e);
        if (!e.hasManifest) {
            // The scan judged the listing already: a model lacking a file hub.load() needs is Broken.
            if (e.state == EntryState::Complete) {
                passes << tr("%1 has no manifest to compare with; the objects hub.load() needs are listed.")
                              .arg(name);
                s.outcomes.append({ e.key, e.handle, false, QString() });
            } else {
                failures << tr("%1: %2").arg(
                    name, e.stateDetail.isEmpty() ? stateLabel(e.state) : e.stateDetail);
            }
            continue;
        }
        const Result<Manifest> m = maintenance::loadManifest(**location, e.key);
        const Result<VerifyReport> r = m ? maintenance::verifyEntry(**location, e.key, *m, false, cancelled)
                                         : Result<VerifyReport>(Error { m.error() });
        if (!r) {
            failures << r.error();
        } else if (r->ok()) {
            passes << tr("%1: all %2 files are listed with the manifest's sizes.")
                          .arg(name)
                          .arg(r->checkedFiles);
            s.outcomes.append({ e.key, e.handle, false, QString() });
        } else {
            failures << tr("%1 differs from its manifest (%2).").arg(name, differences(*r));
            s.outcomes.append({ e.key, e.handle, true, differences(*r) });
        }
    }
    s.ok = failures.isEmpty();
    const QList<QString> all = failures + passes;
    s.text = s.ok ? (passes.size() == 1 ? passes.constFirst()
                                        : tr("All %1 verified models are intact.").arg(passes.size()))
                  : tr("%1 of %2 models failed verification; the first: %3")
                        .arg(failures.size())
                        .arg(all.size())
                        .arg(failures.constFirst());
    // Reading every object back would download the models: the listing's paths and sizes stand in.
    s.text += u' ' + tr("Cloud Storage: file names and sizes were compared; the content was not read.");
    s.details = all.join(u'\n');
    return s;
}

} // namespace tfhub::ui
