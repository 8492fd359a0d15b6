#pragma once

#include "core/hub/handle.h"
#include "core/prefetch/hubrequest.h"
#include "core/util/result.h"

#include <QObject>
#include <QPointer>

class QNetworkAccessManager;
class QNetworkReply;

namespace tfhub {

/// TFHUB_MODEL_LOAD_FORMAT=UNCOMPRESSED: asks the hub where the model lives, as the library does
/// (`?tf-hub-format=uncompressed`, answered by a 303 whose body is a `gs://` location), with the
/// library's exact error messages. Redirects are followed as urlopen follows them (a 303 to an
/// http(s) URL too); the answer that cannot be followed is the result. Nothing is cached.
class UncompressedQuery final : public QObject
{
    Q_OBJECT
public:
    UncompressedQuery(QNetworkAccessManager *nam, TransportOptions options, QObject *parent = nullptr);
    ~UncompressedQuery() override;

    /// Asks for `url` (the handle's uncompressed URL).
    void start(const QUrl &url);
    /// Stops without any signal.
    void abort();

    /// Asks for a handle and waits (a local event loop): the `gs://` location, or the error.
    static Result<QString> ask(const Handle &handle, const TransportOptions &options);

Q_SIGNALS:
    void resolved(const QString &location);
    void failed(const QString &message);

private:
    void send(const QUrl &url);
    void onFinished();

    QNetworkAccessManager *m_nam;
    TransportOptions m_options;
    QPointer<QNetworkReply> m_reply;
    int m_redirects = 0;
    QList<QSslError> m_sslErrors; ///< of the current reply
};

} // namespace tfhub
