#pragma once

#include "core/gcs/credentials.h"

#include <QList>
#include <QPair>

// The HTTP side of the token sources: OAuth token endpoints and the GCE metadata server. Each call
// runs its own event loop and network manager, so it works in any thread that may block.
namespace tfhub::gcs {

/// application/x-www-form-urlencoded, every byte but the unreserved ones percent-encoded (so a '+'
/// in a secret stays a '+').
QByteArray formEncode(const QList<QPair<QString, QString>> &fields);

/// POSTs an OAuth token request and reads {access_token, expires_in}. Errors name the endpoint, the
/// HTTP status and the server's error code and description, never the request's secrets.
Result<AccessToken> postTokenRequest(
    const QUrl &endpoint, const QByteArray &form, const QString &source, int timeoutMs);

/// GETs the metadata server's token with "Metadata-Flavor: Google", and insists on the same header
/// in the answer (anything else, a captive portal say, is not a metadata server).
Result<AccessToken> getMetadataToken(const QUrl &url, const QString &source, int timeoutMs);

/// Connects to host:port and hangs up: empty when that worked within timeoutMs, else why not.
/// Bounds the name lookup too, which a blocking connect would not.
QString probeConnection(const QString &host, quint16 port, int timeoutMs);

} // namespace tfhub::gcs
