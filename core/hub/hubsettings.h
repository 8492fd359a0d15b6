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

/// What a cache folder setting names, checked before anything reads or writes it.
struct CacheDirCheck final
{
    enum class State {
        Folder, ///< an existing folder (or a link to one)
        Missing, ///< nothing there yet: an empty cache, which tensorflow_hub creates on first download
        NotAFolder, ///< a file, or a path through one: no cache can be there
        Unsupported, ///< a URL such as gs://bucket/cache, which tensorflow_hub reads through tf.io.gfile
    };
    State state = State::Folder;
    QString message; ///< one line naming the folder and the cause; empty for Folder

    /// Folder or Missing: the cache can be read (a missing one is empty) and written.
    bool usable() const { return state == State::Folder || state == State::Missing; }
};

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

    /// The one check of a cache folder both executables make before touching it. A "scheme://"
    /// value (gs://, s3://, file:// ...) is refused: taken as a local path it would become a folder
    /// named "gs:" in the working directory.
    static CacheDirCheck checkCacheDir(const QString &cacheDir);
    /// True for "scheme://..." (RFC 3986 scheme), which tensorflow_hub hands to tf.io.gfile.
    static bool isUrl(const QString &path);

    /// Exact, case-sensitive parse of a TFHUB_MODEL_LOAD_FORMAT value.
    static LoadFormat parseLoadFormat(const QString &value);
};

} // namespace tfhub
