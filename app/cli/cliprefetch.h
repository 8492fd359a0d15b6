#pragma once

#include "core/settings/appsettings.h"

#include <QString>
#include <QStringList>

namespace tfhub::cli {

struct PrefetchArgs
{
    QString cacheDir;
    QStringList handles;
    int jobs = settings::DownloadConcurrency.defaultValue;
    bool json = false;
};

/// `tfhub-cache prefetch HANDLE... [--jobs N] [--json]`: runs the download queue until every job
/// ended; a progress bar per model on a terminal, plain lines otherwise; Ctrl-C cancels cleanly.
int runPrefetch(const PrefetchArgs &args);

} // namespace tfhub::cli
