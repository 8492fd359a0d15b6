#pragma once

#include "core/prefetch/hubrequest.h"
#include "core/util/result.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace tfhub {

/// Where a ResumableDownload's bytes go, in order, exactly once each.
class DownloadSink
{
public:
    virtual ~DownloadSink() = default;
    /// The stream starts over at byte 0 (the server ignored a Range, or the handle is asked
    /// again): forget everything written. An error ends the download with its message.
    virtual Status restart() = 0;
    /// The next bytes. An error ends the download with its message.
    virtual Status write(const QByteArray &bytes) = 0;
};

/// One HTTP(S) GET that survives a flaky network: follows redirects (http(s), at most
/// TransportOptions::maxRedirects), resumes a dropped body with Range + If-Range, restarts into
/// the sink when a server ignores the range, treats no byte for `stallSecs` as a failure, and
/// retries transient failures (5xx, 429, resets, stalls) with exponential backoff or the
/// server's Retry-After. Other 4xx end it at once. Lives in the thread of `nam`.
class ResumableDownload final : public QObject
{
    Q_OBJECT
public:
    ResumableDownload(
        QNetworkAccessManager *nam, DownloadSink *sink, TransportOptions options, QObject *parent = nullptr);
    ~ResumableDownload() override;

    /// Starts at `url`; `name` is what messages call the download (e.g. the handle).
    void start(const QUrl &url, const QString &name);
    /// Stops at once without any signal.
    void abort();

    qint64 received() const { return m_offset; } ///< bytes handed to the sink
    qint64 total() const { return m_expectedEnd; } ///< -1 while unknown
    int attempt() const { return m_attempt; }
    QUrl finalUrl() const { return m_currentUrl; } ///< after redirects

Q_SIGNALS:
    /// A request is being sent; `detail` tells about retries ("retrying in 2 s: ...").
    void connecting(int attempt, const QString &detail);
    /// A response body begins; `total` is the size of the whole file when known (-1 otherwise).
    void bodyStarted(qint64 total, bool fresh);
    void progressed(qint64 received);
    /// Every byte arrived and was written.
    void succeeded();
    void failed(const QString &message);

private:
    void send(const QUrl &url);
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void onStall();
    bool handleRedirect(QNetworkReply *reply, int status);
    bool handleHttpError(QNetworkReply *reply, int status);
    void retryOrFail(const QString &why);
    void fail(const QString &message);
    void succeed();
    bool restartSink();
    bool authorizeAfterRefusal(QNetworkReply *reply, int status, const QString &what);

    QNetworkAccessManager *m_nam;
    DownloadSink *m_sink;
    TransportOptions m_options;
    QString m_name;
    QPointer<QNetworkReply> m_reply;
    QTimer m_stallTimer;
    QTimer m_retryTimer;

    QUrl m_startUrl; ///< the URL asked for
    QUrl m_currentUrl; ///< after redirects: where the bytes come from
    int m_redirects = 0;
    int m_attempt = 1;
    int m_nameRetries = 0; ///< name-lookup failures retried so far (at most kNameRetries)
    qint64 m_offset = 0; ///< bytes written to the sink
    qint64 m_expectedEnd = -1; ///< size per Content-Length / Content-Range
    QByteArray m_validator; ///< ETag or Last-Modified for If-Range
    bool m_resumeRequested = false;
    int m_retryAfterMs = 0; ///< from a 429/503 Retry-After, for the next retry only
    bool m_aborting = false; ///< the reply is aborted on purpose
    QString m_abortReason; ///< set: retry for this reason; empty: the sink failed
    QString m_sinkError;
    QList<QSslError> m_sslErrors; ///< of the current reply
    qint64 m_discarded = 0; ///< bytes of a non-2xx body thrown away
    bool m_done = false;
    QByteArray m_authorization; ///< sent to m_options.authorizeHost once a refusal asked for it
    bool m_authorizeAsked = false;
};

} // namespace tfhub
