#pragma once

#include "core/hub/hubsettings.h"
#include "core/util/result.h"

#include <QString>

namespace tfhub {

/// A model handle exactly as the user wrote it, classified with tensorflow_hub's own
/// case-sensitive prefix rules. Never normalised: the exact string is the cache key's input.
class Handle final
{
public:
    enum class Kind {
        TfHub, ///< https://tfhub.dev/... (served by Kaggle Models since 2023-11-15)
        Kaggle, ///< https://www.kaggle.com/models/...
        HubCn, ///< https://hub.tensorflow.google.cn/... (downloaded from gcs.tensorflow.google.cn)
        Http, ///< any other http(s) URL
        GcsTarball, ///< gs://bucket/path.tar[.gz] / .tgz
        GcsPath, ///< other gs:// locations: read in place by TensorFlow, never cached
        LocalPath, ///< anything else: used as a path, never cached
    };

    static constexpr int MaxLength = 4096;

    /// Classifies `text`; malformed input (empty, surrounding whitespace, control characters,
    /// unsupported scheme, over-long, an http URL without a host) is an error naming the cause.
    static Result<Handle> parse(const QString &text);

    const QString &text() const { return m_text; }
    Kind kind() const { return m_kind; }
    bool isHttp() const;

    /// Whether tensorflow_hub stores this handle in its cache folder under the given load format.
    bool isCached(LoadFormat format) const;

    /// sha1(handle.encode("utf-8")).hexdigest()
    QString cacheKey() const;
    static QString cacheKeyOf(const QString &text);

    /// The URL tensorflow_hub requests for a compressed download (query rules of Python's urllib;
    /// the hub.tensorflow.google.cn rewrite; gs:// tarballs on the public GCS endpoint, or on
    /// STORAGE_EMULATOR_HOST when `storageHost` is given). Empty for paths.
    QString compressedUrl(const QString &storageHost = QString()) const;
    /// The URL asked under TFHUB_MODEL_LOAD_FORMAT=UNCOMPRESSED (http(s) handles only).
    QString uncompressedUrl() const;

    /// Publisher (tfhub.dev publisher or Kaggle owner), empty when not known.
    QString publisher() const;

    static QString kindName(Kind kind); ///< stable machine name, e.g. "tfhub"
    static QString kindLabel(Kind kind); ///< translated label

    /// Appends `name=value` to the URL's query as urllib.parse would (parse_qsl + urlencode):
    /// existing parameters kept and re-encoded, blank ones dropped, '+' for space, fragment kept.
    static QString appendQuery(const QString &url, const QString &name, const QString &value);

private:
    QString m_text;
    Kind m_kind = Kind::LocalPath;
};

} // namespace tfhub
