#pragma once

#include <QProcessEnvironment>
#include <QString>

namespace tfhub {

enum class LoadFormat { Auto, Compressed, Uncompressed, Invalid };

/// Where an effective value came from; the UI shows this next to the value.
enum class ValueSource {
    CommandLine, ///< our --cache-dir / --tfhub_cache_dir (or --load-format)
    Environment, ///< TFHUB_CACHE_DIR / TFHUB_MODEL_LOAD_FORMAT of this process
    Default, ///< the library's default
};

QString sourceLabel(ValueSource source); ///< translated, e.g. "environment (TFHUB_CACHE_DIR)"
QString sourceName(ValueSource source); ///< stable machine name, e.g. "environment"
QString loadFormatName(LoadFormat format); ///< "AUTO", "COMPRESSED", "UNCOMPRESSED", "invalid"

/// The effective cache folder and load format, with the library's precedence.
struct HubSettings final
{
    QString cacheDir;
    ValueSource cacheDirSource = ValueSource::Default;
    QString tempDir; ///< Python's tempfile.gettempdir() equivalent, used for the default

    LoadFormat loadFormat = LoadFormat::Auto;
    QString loadFormatRaw; ///< the value as found (may be invalid, e.g. "compressed")
    ValueSource loadFormatSource = ValueSource::Default;

    /// Resolves the values. `cacheDirOverride` / `loadFormatOverride` are our command-line options
    /// (empty when not given) and win over everything.
    static HubSettings resolve(const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
        const QString &cacheDirOverride = QString(), const QString &loadFormatOverride = QString());

    /// Python's tempfile.gettempdir(): the first usable folder of TMPDIR, TEMP, TMP, /tmp, /var/tmp,
    /// /usr/tmp, then the current folder.
    static QString pythonTempDir(const QProcessEnvironment &env);

    /// Exact, case-sensitive parse of a TFHUB_MODEL_LOAD_FORMAT value.
    static LoadFormat parseLoadFormat(const QString &value);
};

} // namespace tfhub
