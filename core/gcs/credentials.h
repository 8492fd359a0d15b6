#pragma once

#include "core/util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QProcessEnvironment>
#include <QRecursiveMutex>
#include <QString>
#include <QUrl>

#include <optional>

// Access tokens for Google Cloud Storage, found the way Google's client libraries find them. No
// secret (token, refresh token, key) ever goes into an error message or a log line.
namespace tfhub::gcs {

/// The OAuth scope asked for by service accounts: reading and writing objects.
inline constexpr char storageScope[] = "https://www.googleapis.com/auth/devstorage.read_write";

struct AccessToken
{
    QString value; ///< empty: no authorization header at all (a local emulator)
    QDateTime expiresAt; ///< invalid: unknown (an environment token, the emulator)
    QString source; ///< where it came from, for people ("gcloud auth print-access-token")
};

/// An Application Default Credentials file, as `gcloud auth application-default login` or the
/// Cloud Console's "create key" writes it.
struct AdcFile
{
    enum class Type { AuthorizedUser, ServiceAccount };
    Type type = Type::AuthorizedUser;
    QString path;
    QUrl tokenUri; ///< the file's token_uri, else https://oauth2.googleapis.com/token
    // authorized_user
    QString clientId;
    QString clientSecret;
    QString refreshToken;
    // service_account
    QString clientEmail;
    QString privateKeyId;
    QByteArray privateKey; ///< PEM
};

/// Reads and checks an ADC file; the error names the file and the missing or bad field.
Result<AdcFile> parseAdcFile(const QString &path);

/// The well-known ADC file: $CLOUDSDK_CONFIG/application_default_credentials.json, else
/// $HOME/.config/gcloud/application_default_credentials.json (%APPDATA%\gcloud on Windows).
QString wellKnownAdcPath(const QProcessEnvironment &env);

/// Finds an access token, in the order of Google's client libraries: STORAGE_EMULATOR_HOST (no
/// auth), GOOGLE_OAUTH_ACCESS_TOKEN, Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS
/// or the well-known file; authorized_user or service_account), `gcloud auth print-access-token`,
/// then the GCE metadata server (GCE_METADATA_HOST or metadata.google.internal). Tokens are kept in
/// memory only and fetched again about five minutes before they expire. Thread-safe.
class TokenSource final
{
public:
    explicit TokenSource(QProcessEnvironment env = QProcessEnvironment::systemEnvironment());

    /// Blocks (a local event loop; fine in the CLI and in worker threads) for at most timeoutMs.
    /// The error lists every source tried and why it gave no token.
    Result<AccessToken> token(int timeoutMs = 30000);
    /// Forgets the cached token, e.g. after the server answered 401 with it.
    void invalidate();

    bool usesEmulator() const;
    /// STORAGE_EMULATOR_HOST with a scheme (http:// when it had none), e.g. http://127.0.0.1:1234.
    QString emulatorHost() const;

private:
    Result<AccessToken> fetch(int timeoutMs);

    QProcessEnvironment m_env;
    QRecursiveMutex m_mutex;
    std::optional<AccessToken> m_cached;
};

} // namespace tfhub::gcs
