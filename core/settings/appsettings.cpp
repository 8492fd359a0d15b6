#include "core/settings/appsettings.h"

#include <QSettings>

namespace tfhub::settings {

int IntSetting::read(const QSettings &settings) const
{
    bool ok = false;
    const int value = settings.value(name()).toInt(&ok);
    return ok ? clamp(value) : defaultValue;
}

void IntSetting::write(QSettings &settings, int value) const
{
    settings.setValue(name(), clamp(value));
}

qint64 SizeSetting::read(const QSettings &settings) const
{
    bool ok = false;
    const qint64 value = settings.value(name()).toLongLong(&ok);
    return ok ? clamp(value) : defaultValue;
}

void SizeSetting::write(QSettings &settings, qint64 value) const
{
    settings.setValue(name(), clamp(value));
}

double DoubleSetting::read(const QSettings &settings) const
{
    bool ok = false;
    const double value = settings.value(name()).toDouble(&ok);
    // NaN passes toDouble(); it would compare false with both limits and slip through clamp().
    return ok && value == value ? clamp(value) : defaultValue;
}

void DoubleSetting::write(QSettings &settings, double value) const
{
    settings.setValue(name(), clamp(value));
}

bool BoolSetting::read(const QSettings &settings) const
{
    const QVariant v = settings.value(name());
    // QVariant converts any non-empty string but "false" and "0" to true: only accept real booleans.
    if (v.typeId() == QMetaType::Bool)
        return v.toBool();
    const QString text = v.toString().trimmed().toLower();
    if (text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    return defaultValue;
}

void BoolSetting::write(QSettings &settings, bool value) const
{
    settings.setValue(name(), value);
}

QString organizationName()
{
    return QStringLiteral("tfhub-cache-manager");
}

QString applicationName()
{
    return QStringLiteral("tfhub-cache-manager");
}

std::unique_ptr<QSettings> openShared()
{
    return std::make_unique<QSettings>(organizationName(), applicationName());
}

} // namespace tfhub::settings
