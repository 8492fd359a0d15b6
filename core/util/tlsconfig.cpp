#include "core/util/tlsconfig.h"

#include <QDir>
#include <QFile>
#include <QMutex>
#include <QSslCertificate>

namespace tfhub::util {

namespace {

// The certificates of SSL_CERT_FILE and SSL_CERT_DIR, read again only when they change.
QList<QSslCertificate> environmentCertificates()
{
    static QMutex mutex;
    static QByteArray key;
    static QList<QSslCertificate> certificates;
    const QByteArray file = qgetenv("SSL_CERT_FILE");
    const QByteArray dirs = qgetenv("SSL_CERT_DIR");
    const QByteArray now = file + '\0' + dirs;
    QMutexLocker lock(&mutex);
    if (now == key && !key.isEmpty())
        return certificates;
    key = now;
    certificates.clear();
    if (!file.isEmpty())
        certificates += QSslCertificate::fromPath(QFile::decodeName(file), QSsl::Pem);
    for (const QByteArray &dir : dirs.split(':')) {
        if (dir.isEmpty())
            continue;
        // OpenSSL looks up hashed names; every PEM file of the folder is the same set of CAs.
        const QDir folder(QFile::decodeName(dir));
        for (const QString &name : folder.entryList(QDir::Files | QDir::Readable))
            certificates += QSslCertificate::fromPath(folder.filePath(name), QSsl::Pem);
    }
    return certificates;
}

} // namespace

QSslConfiguration tlsConfiguration(bool disableVerification)
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (disableVerification) {
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        return ssl;
    }
    const QList<QSslCertificate> extra = environmentCertificates();
    if (!extra.isEmpty())
        ssl.addCaCertificates(extra);
    return ssl;
}

} // namespace tfhub::util
