#include "core/hub/handle.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QRegularExpression>
#include <QUrl>

namespace tfhub {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::Handle", text);
}

const QLatin1String kHttp("http://");
const QLatin1String kHttps("https://");
const QLatin1String kGs("gs://");
const QLatin1String kHubCn("https://hub.tensorflow.google.cn/");

bool isUrlSafe(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
        || c == '-' || c == '~';
}

// urllib.parse.quote_plus(s, safe=''): UTF-8 bytes, unreserved kept, space as '+'.
QString quotePlus(const QString &s)
{
    static const char hex[] = "0123456789ABCDEF";
    QString out;
    const QByteArray utf8 = s.toUtf8();
    out.reserve(utf8.size() * 3);
    for (const char c : utf8) {
        if (isUrlSafe(c)) {
            out += QLatin1Char(c);
        } else if (c == ' ') {
            out += QLatin1Char('+');
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += QLatin1Char('%');
            out += QLatin1Char(hex[b >> 4]);
            out += QLatin1Char(hex[b & 0xf]);
        }
    }
    return out;
}

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= '0' && u <= '9')
        return u - '0';
    if (u >= 'a' && u <= 'f')
        return u - 'a' + 10;
    if (u >= 'A' && u <= 'F')
        return u - 'A' + 10;
    return -1;
}

// bytes.decode("utf-8", "replace") as Python does it: each maximal invalid subpart becomes one
// U+FFFD (QString::fromUtf8 may give one per byte, which would change the re-encoded query).
QString decodeUtf8Replacing(const QByteArray &bytes)
{
    QString out;
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n;) {
        const auto b = static_cast<uchar>(bytes.at(i));
        if (b < 0x80) {
            out += QLatin1Char(static_cast<char>(b));
            ++i;
            continue;
        }
        int length = 0;
        uchar low = 0x80, high = 0xbf; // allowed range of the second byte
        if (b >= 0xc2 && b <= 0xdf) {
            length = 2;
        } else if (b >= 0xe0 && b <= 0xef) {
            length = 3;
            if (b == 0xe0)
                low = 0xa0;
            else if (b == 0xed)
                high = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            length = 4;
            if (b == 0xf0)
                low = 0x90;
            else if (b == 0xf4)
                high = 0x8f;
        }
        if (length == 0) {
            out += QChar(QChar::ReplacementCharacter);
            ++i;
            continue;
        }
        char32_t cp = b & (0xff >> (length + 1));
        qsizetype j = i + 1;
        for (int k = 1; k < length && j < n; ++k, ++j) {
            const auto c = static_cast<uchar>(bytes.at(j));
            if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xbf))
                break;
            cp = (cp << 6) | (c & 0x3f);
        }
        if (j - i == length)
            out += QString::fromUcs4(&cp, 1);
        else
            out += QChar(QChar::ReplacementCharacter);
        i = j;
    }
    return out;
}

// urllib.parse.unquote_plus(s): '+' is space, valid %XX decoded as UTF-8 bytes (invalid → U+FFFD),
// a '%' not followed by two hex digits kept as it is.
QString unquotePlus(const QString &s)
{
    QByteArray bytes;
    bytes.reserve(s.size());
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s.at(i);
        if (c == QLatin1Char('+')) {
            bytes += ' ';
        } else if (c == QLatin1Char('%') && i + 2 < s.size() && hexValue(s.at(i + 1)) >= 0
            && hexValue(s.at(i + 2)) >= 0) {
            bytes += static_cast<char>(hexValue(s.at(i + 1)) * 16 + hexValue(s.at(i + 2)));
            i += 2;
        } else {
            bytes += QString(c).toUtf8();
        }
    }
    return decodeUtf8Replacing(bytes);
}

// Percent-encodes a GCS object name for a JSON-API-free media URL: '/' separates, the rest quoted.
QString quotePath(const QString &path)
{
    QStringList parts = path.split(QLatin1Char('/'));
    for (QString &p : parts)
        p = QString::fromLatin1(QUrl::toPercentEncoding(p));
    return parts.join(QLatin1Char('/'));
}

} // namespace

Result<Handle> Handle::parse(const QString &text)
{
    if (text.isEmpty())
        return Error { tr("The handle is empty.") };
    if (text.trimmed().isEmpty())
        return Error { tr("The handle consists only of whitespace.") };
    if (text.size() > MaxLength)
        return Error {
            tr("The handle is %1 characters long; at most %2 are accepted.").arg(text.size()).arg(MaxLength)
        };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t u = text.at(i).unicode();
        if (u < 0x20 || (u >= 0x7f && u <= 0x9f))
            return Error { tr("The handle contains a control character (U+%1) at position %2.")
                               .arg(static_cast<uint>(u), 4, 16, QLatin1Char('0'))
                               .arg(i + 1) };
    }
    if (text.front().isSpace() || text.back().isSpace())
        return Error { tr("The handle \"%1\" begins or ends with whitespace, which tensorflow_hub would "
                          "keep as part of a different handle.")
                           .arg(text) };

    Handle h;
    h.m_text = text;
    if (text.startsWith(kHttps) || text.startsWith(kHttp)) {
        const qsizetype start = text.indexOf(QLatin1String("://")) + 3;
        qsizetype end = start;
        while (end < text.size() && text.at(end) != QLatin1Char('/') && text.at(end) != QLatin1Char('?')
            && text.at(end) != QLatin1Char('#'))
            ++end;
        if (end == start)
            return Error { tr("The URL \"%1\" has no host name.").arg(text) };
        for (const QChar c : text) {
            if (c.isSpace())
                return Error { tr("The URL \"%1\" contains a space; encode it as %20.").arg(text) };
        }
        const QString host = text.mid(start, end - start);
        const QString path = text.mid(end);
        if (text.startsWith(kHubCn))
            h.m_kind = Kind::HubCn;
        else if (host == QLatin1String("tfhub.dev") && path.size() > 1)
            h.m_kind = Kind::TfHub;
        else if ((host == QLatin1String("www.kaggle.com") || host == QLatin1String("kaggle.com"))
            && path.startsWith(QLatin1String("/models/")))
            h.m_kind = Kind::Kaggle;
        else
            h.m_kind = Kind::Http;
        return h;
    }
    if (text.startsWith(kGs)) {
        const QString rest = text.mid(kGs.size());
        if (rest.isEmpty() || rest.startsWith(QLatin1Char('/')))
            return Error { tr("The location \"%1\" names no bucket.").arg(text) };
        const bool tarball = text.endsWith(QLatin1String(".tar")) || text.endsWith(QLatin1String(".tar.gz"))
            || text.endsWith(QLatin1String(".tgz"));
        h.m_kind = tarball ? Kind::GcsTarball : Kind::GcsPath;
        return h;
    }
    static const QRegularExpression scheme(QStringLiteral("^([A-Za-z][A-Za-z0-9+.-]*)://"));
    const QRegularExpressionMatch m = scheme.match(text);
    if (m.hasMatch())
        return Error { tr("The scheme \"%1\" of \"%2\" is not supported: tensorflow_hub downloads only "
                          "http:// and https:// handles (written in lower case) and gs:// tarballs.")
                           .arg(m.captured(1), text) };
    h.m_kind = Kind::LocalPath;
    return h;
}

bool Handle::isHttp() const
{
    return m_kind == Kind::TfHub || m_kind == Kind::Kaggle || m_kind == Kind::HubCn || m_kind == Kind::Http;
}

bool Handle::isCached(LoadFormat format) const
{
    if (m_kind == Kind::GcsTarball)
        return true;
    return isHttp() && (format == LoadFormat::Auto || format == LoadFormat::Compressed);
}

QString Handle::cacheKey() const
{
    return cacheKeyOf(m_text);
}

QString Handle::cacheKeyOf(const QString &text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex());
}

QString Handle::compressedUrl(const QString &storageHost) const
{
    switch (m_kind) {
    case Kind::HubCn:
        return QStringLiteral("https://gcs.tensorflow.google.cn/tfhub-modules/") + m_text.mid(kHubCn.size())
            + QStringLiteral(".tar.gz");
    case Kind::TfHub:
    case Kind::Kaggle:
    case Kind::Http:
        return appendQuery(m_text, QStringLiteral("tf-hub-format"), QStringLiteral("compressed"));
    case Kind::GcsTarball: {
        QString host = storageHost.isEmpty() ? QStringLiteral("https://storage.googleapis.com") : storageHost;
        if (!host.contains(QLatin1String("://")))
            host.prepend(QStringLiteral("http://"));
        while (host.endsWith(QLatin1Char('/')))
            host.chop(1);
        const QString rest = m_text.mid(kGs.size());
        const qsizetype slash = rest.indexOf(QLatin1Char('/'));
        const QString bucket = rest.left(slash);
        const QString object = slash < 0 ? QString() : rest.mid(slash + 1);
        return host + QLatin1Char('/') + bucket + QLatin1Char('/') + quotePath(object);
    }
    case Kind::GcsPath:
    case Kind::LocalPath:
        break;
    }
    return QString();
}

QString Handle::uncompressedUrl() const
{
    if (!isHttp())
        return QString();
    return appendQuery(m_text, QStringLiteral("tf-hub-format"), QStringLiteral("uncompressed"));
}

QString Handle::publisher() const
{
    const auto segmentAfter = [this](const QString &prefix) {
        const qsizetype at = m_text.indexOf(prefix);
        if (at < 0)
            return QString();
        const QString rest = m_text.mid(at + prefix.size());
        return rest.section(QLatin1Char('/'), 0, 0).section(QLatin1Char('?'), 0, 0);
    };
    switch (m_kind) {
    case Kind::TfHub:
        return segmentAfter(QStringLiteral("tfhub.dev/"));
    case Kind::HubCn:
        return segmentAfter(kHubCn);
    case Kind::Kaggle:
        return segmentAfter(QStringLiteral("/models/"));
    default:
        return QString();
    }
}

QString Handle::kindName(Kind kind)
{
    switch (kind) {
    case Kind::TfHub:
        return QStringLiteral("tfhub");
    case Kind::Kaggle:
        return QStringLiteral("kaggle");
    case Kind::HubCn:
        return QStringLiteral("hub-cn");
    case Kind::Http:
        return QStringLiteral("http");
    case Kind::GcsTarball:
        return QStringLiteral("gcs-tarball");
    case Kind::GcsPath:
        return QStringLiteral("gcs-path");
    case Kind::LocalPath:
        return QStringLiteral("local-path");
    }
    return QString();
}

QString Handle::kindLabel(Kind kind)
{
    switch (kind) {
    case Kind::TfHub:
        return tr("tfhub.dev model");
    case Kind::Kaggle:
        return tr("Kaggle Models URL");
    case Kind::HubCn:
        return tr("hub.tensorflow.google.cn model");
    case Kind::Http:
        return tr("HTTP(S) archive URL");
    case Kind::GcsTarball:
        return tr("Cloud Storage tarball");
    case Kind::GcsPath:
        return tr("Cloud Storage location (read in place)");
    case Kind::LocalPath:
        return tr("local path (used in place)");
    }
    return QString();
}

QString Handle::appendQuery(const QString &url, const QString &name, const QString &value)
{
    QString rest = url;
    QString fragment;
    const qsizetype hash = rest.indexOf(QLatin1Char('#'));
    if (hash >= 0) {
        fragment = rest.mid(hash + 1);
        rest.truncate(hash);
    }
    QString query;
    const qsizetype question = rest.indexOf(QLatin1Char('?'));
    if (question >= 0) {
        query = rest.mid(question + 1);
        rest.truncate(question);
    }
    // urlparse splits ";params" off the last path segment and urlunparse drops it again when empty.
    const qsizetype lastSlash = rest.lastIndexOf(QLatin1Char('/'));
    const qsizetype schemeEnd = rest.indexOf(QLatin1String("://")) + 3;
    if (lastSlash >= schemeEnd) {
        const qsizetype semi = rest.indexOf(QLatin1Char(';'), lastSlash);
        if (semi >= 0 && semi == rest.size() - 1)
            rest.chop(1);
    }

    QStringList pairs;
    const QStringList parts = query.split(QLatin1Char('&'));
    for (const QString &part : parts) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (part.isEmpty() || eq < 0 || eq == part.size() - 1)
            continue; // parse_qsl drops blank values and names without '='
        pairs << quotePlus(unquotePlus(part.left(eq))) + QLatin1Char('=')
                + quotePlus(unquotePlus(part.mid(eq + 1)));
    }
    pairs << quotePlus(name) + QLatin1Char('=') + quotePlus(value);

    QString out = rest + QLatin1Char('?') + pairs.join(QLatin1Char('&'));
    if (!fragment.isEmpty())
        out += QLatin1Char('#') + fragment;
    return out;
}

} // namespace tfhub
