#pragma once

#include <QString>
#include <QStringList>

#include <memory>

class QSettings;

// Every key the desktop app and the command-line tool keep in their shared settings file, with its
// default and limits, so that the two executables and a hand-edited file agree on them.
namespace tfhub::settings {

/// A whole-number setting with inclusive limits. Reading clamps, so a hand-edited file cannot ask
/// for 500 downloads at once or none.
struct IntSetting final
{
    const char *key;
    int defaultValue;
    int min;
    int max;

    QString name() const { return QString::fromLatin1(key); }
    constexpr int clamp(int value) const { return value < min ? min : (value > max ? max : value); }
    /// The stored value clamped to the limits; the default when absent or not a number.
    int read(const QSettings &settings) const;
    /// Stores `value` clamped to the limits.
    void write(QSettings &settings, int value) const;
};

struct BoolSetting final
{
    const char *key;
    bool defaultValue;

    QString name() const { return QString::fromLatin1(key); }
    bool read(const QSettings &settings) const;
    void write(QSettings &settings, bool value) const;
};

/// A byte count with inclusive limits (sizes outgrow an int).
struct SizeSetting final
{
    const char *key;
    qint64 defaultValue;
    qint64 min;
    qint64 max;

    QString name() const { return QString::fromLatin1(key); }
    constexpr qint64 clamp(qint64 value) const { return value < min ? min : (value > max ? max : value); }
    /// The stored value clamped to the limits; the default when absent or not a number.
    qint64 read(const QSettings &settings) const;
    void write(QSettings &settings, qint64 value) const;
};

/// A decimal number with inclusive limits (a price).
struct DoubleSetting final
{
    const char *key;
    double defaultValue;
    double min;
    double max;

    QString name() const { return QString::fromLatin1(key); }
    constexpr double clamp(double value) const { return value < min ? min : (value > max ? max : value); }
    /// The stored value clamped to the limits; the default when absent or not a number.
    double read(const QSettings &settings) const;
    void write(QSettings &settings, double value) const;
};

/// A key with no default: window geometry, splitter and header states (opaque bytes), lists.
struct Key final
{
    const char *key;

    QString name() const { return QString::fromLatin1(key); }
};

// Downloads (the GUI's Settings page; the CLI's `prefetch --jobs`).
inline constexpr IntSetting DownloadConcurrency { "downloads/concurrency", 3, 1, 16 };
inline constexpr IntSetting StallTimeoutSecs { "downloads/stallTimeoutSecs", 60, 5, 3600 };
inline constexpr IntSetting Retries { "downloads/retries", 5, 0, 20 };

// Which shell and session files `config set` / the Settings page write by default (target names).
inline constexpr Key EnvironmentTargets { "environment/targets" };
// The user's extra catalogs (folders or handle lists), shared by `catalog import` and Browse.
inline constexpr Key CatalogExtraSources { "catalog/extraSources" };
// "Not now" on the temporary-cache-folder bar.
inline constexpr BoolSetting TemporaryCacheDismissed { "firstRun/temporaryCacheDismissed", false };

// The automatic cleanup policy (the Settings page; `tfhub-cache clean --policy` from the user
// timer). Off by default; when on it always removes stale leftovers, and optionally entries unused
// for some days and the least recently used ones beyond a size budget.
inline constexpr BoolSetting CleanPolicyEnabled { "cleanPolicy/enabled", false };
inline constexpr BoolSetting CleanPolicyUnusedEnabled { "cleanPolicy/unusedEnabled", false };
inline constexpr IntSetting CleanPolicyUnusedDays { "cleanPolicy/unusedDays", 90, 1, 3650 };
inline constexpr BoolSetting CleanPolicyBudgetEnabled { "cleanPolicy/budgetEnabled", false };
inline constexpr SizeSetting CleanPolicyMaxBytes { "cleanPolicy/maxBytes", 50'000'000'000LL, 100'000'000LL,
    1'000'000'000'000'000LL };

// The Usage page's monthly cost estimate of a gs:// cache: US$ per GiB-month. The default is Google's
// published price of Standard storage in the us-central1 (Iowa) region (cloud.google.com/storage/pricing,
// unchanged from the archived copy of 30 December 2022 onwards; the US multi-region is US$0.026).
inline constexpr DoubleSetting GcsPricePerGibMonth { "usage/gcsPricePerGibMonth", 0.020, 0.0, 10.0 };

// Window state.
inline constexpr Key MainWindowGeometry { "mainWindow/geometry" };
inline constexpr Key MainWindowState { "mainWindow/windowState" };
// The width of the Cache page's details pane (shown while an entry is selected).
inline constexpr IntSetting CachePageDetailsWidth { "cachePage/detailsWidth", 300, 120, 4000 };
inline constexpr Key CachePageHeader { "cachePage/header" };
inline constexpr Key BrowseSplitter { "browse/splitter" };
inline constexpr Key BrowseHeader { "browse/header" };
inline constexpr BoolSetting BrowseFiltersVisible { "browse/filtersVisible", true };
inline constexpr BoolSetting BrowseLatestOnly { "browse/latestOnly", true };

/// The organisation and application name of the settings file both executables share; the CLI's
/// own application name differs, so it must open the file by these names.
QString organizationName();
QString applicationName();
/// The shared settings file (QSettings' native format and location for the names above).
std::unique_ptr<QSettings> openShared();

} // namespace tfhub::settings
