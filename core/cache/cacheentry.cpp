#include "core/cache/cacheentry.h"

#include <QCoreApplication>

namespace tfhub {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("tfhub::CacheEntry", text);
}
} // namespace

QString CacheEntry::folderPath(const QString &cacheRoot) const
{
    return cacheRoot + QLatin1Char('/') + key;
}

QList<EntryState> allStates()
{
    return { EntryState::Complete, EntryState::EmptyFolder, EntryState::Downloading, EntryState::StaleLock,
        EntryState::AbandonedPartial, EntryState::OrphanDescriptor, EntryState::NotLoadable,
        EntryState::Broken, EntryState::Foreign };
}

QString stateName(EntryState state)
{
    switch (state) {
    case EntryState::Complete:
        return QStringLiteral("complete");
    case EntryState::EmptyFolder:
        return QStringLiteral("empty");
    case EntryState::Downloading:
        return QStringLiteral("downloading");
    case EntryState::StaleLock:
        return QStringLiteral("stale-lock");
    case EntryState::AbandonedPartial:
        return QStringLiteral("partial");
    case EntryState::OrphanDescriptor:
        return QStringLiteral("orphan-descriptor");
    case EntryState::NotLoadable:
        return QStringLiteral("not-loadable");
    case EntryState::Broken:
        return QStringLiteral("broken");
    case EntryState::Foreign:
        return QStringLiteral("foreign");
    }
    return QString();
}

bool stateFromName(const QString &name, EntryState *out)
{
    for (const EntryState s : allStates()) {
        if (stateName(s) == name) {
            *out = s;
            return true;
        }
    }
    return false;
}

QString stateLabel(EntryState state)
{
    switch (state) {
    case EntryState::Complete:
        return tr("Complete");
    case EntryState::EmptyFolder:
        return tr("Empty folder");
    case EntryState::Downloading:
        return tr("Downloading");
    case EntryState::StaleLock:
        return tr("Stale lock");
    case EntryState::AbandonedPartial:
        return tr("Abandoned download");
    case EntryState::OrphanDescriptor:
        return tr("Orphan descriptor");
    case EntryState::NotLoadable:
        return tr("Not loadable");
    case EntryState::Broken:
        return tr("Broken");
    case EntryState::Foreign:
        return tr("Not a cache item");
    }
    return QString();
}

QString stateExplanation(EntryState state)
{
    switch (state) {
    case EntryState::Complete:
        return tr("Complete: tensorflow_hub loads this model without downloading it.");
    case EntryState::EmptyFolder:
        return tr("Empty folder: tensorflow_hub will download this model again.");
    case EntryState::Downloading:
        return tr("Being downloaded: a running process holds this model's lock.");
    case EntryState::StaleLock:
        return tr("Stale lock: the download that locked this model is gone, or has made no progress for "
                  "about 20 minutes. tensorflow_hub waits that long before it ignores the lock.");
    case EntryState::AbandonedPartial:
        return tr("Abandoned download: a half-finished download was left behind. It is never used and "
                  "tensorflow_hub never removes it.");
    case EntryState::OrphanDescriptor:
        return tr("Orphan descriptor: the model's description remains but its folder is gone.");
    case EntryState::NotLoadable:
        return tr("Not loadable: the folder holds no SavedModel, TFLite or TF.js model, yet tensorflow_hub "
                  "treats it as complete and will fail to load it.");
    case EntryState::Broken:
        return tr("Broken: a file the model needs (such as a weight shard) is missing. tensorflow_hub "
                  "treats the folder as complete and will fail to load it.");
    case EntryState::Foreign:
        return tr(
            "Not a cache item: something else stored in the cache folder. It is shown but never touched.");
    }
    return QString();
}

QList<ModelFormat> allFormats()
{
    return { ModelFormat::Tf2SavedModel, ModelFormat::Tf1SavedModel, ModelFormat::Tf1HubModule,
        ModelFormat::TfLite, ModelFormat::TfJs, ModelFormat::Unknown };
}

QString formatName(ModelFormat format)
{
    switch (format) {
    case ModelFormat::Unknown:
        return QStringLiteral("unknown");
    case ModelFormat::Tf2SavedModel:
        return QStringLiteral("tf2-saved-model");
    case ModelFormat::Tf1SavedModel:
        return QStringLiteral("tf1-saved-model");
    case ModelFormat::Tf1HubModule:
        return QStringLiteral("tf1-hub-module");
    case ModelFormat::TfLite:
        return QStringLiteral("tflite");
    case ModelFormat::TfJs:
        return QStringLiteral("tfjs");
    }
    return QString();
}

QString formatLabel(ModelFormat format)
{
    switch (format) {
    case ModelFormat::Unknown:
        return tr("Unknown");
    case ModelFormat::Tf2SavedModel:
        return tr("TF2 SavedModel");
    case ModelFormat::Tf1SavedModel:
        return tr("TF1 SavedModel");
    case ModelFormat::Tf1HubModule:
        return tr("TF1 Hub module");
    case ModelFormat::TfLite:
        return tr("TFLite");
    case ModelFormat::TfJs:
        return tr("TF.js");
    }
    return QString();
}

bool isCacheKey(const QString &name)
{
    if (name.size() != 40)
        return false;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'f')))
            return false;
    }
    return true;
}

} // namespace tfhub
