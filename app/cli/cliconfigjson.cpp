#include "app/cli/cliconfigjson.h"

#include "app/cli/cli.h"
#include "app/cli/clicommon.h"
#include "app/cli/clioutput.h"

#include <QJsonArray>

namespace tfhub::cli {

namespace {

// JSON keys are camelCase: the variables are `cacheDir` and `loadFormat`, null when not set.
QString variableKey(shellenv::Variable v)
{
    return v == shellenv::Variable::CacheDir ? QStringLiteral("cacheDir") : QStringLiteral("loadFormat");
}

QJsonArray persistedJson(const QList<shellenv::TargetState> &states)
{
    QJsonArray persisted;
    for (const shellenv::TargetState &s : states) {
        QJsonObject o { { QStringLiteral("target"), shellenv::targetName(s.target) },
            { QStringLiteral("file"), s.path }, { QStringLiteral("exists"), s.exists },
            { QStringLiteral("managed"), s.hasBlock } };
        for (const shellenv::Variable v : shellenv::allVariables())
            o.insert(variableKey(v), s.values.contains(v) ? QJsonValue(s.values.value(v)) : QJsonValue());
        persisted.append(o);
    }
    return persisted;
}

QJsonArray effectiveJson(const QList<shellenv::ProbeResult> &probes)
{
    QJsonArray effective;
    for (const shellenv::ProbeResult &r : probes) {
        QJsonObject o { { QStringLiteral("shell"), r.name }, { QStringLiteral("available"), r.available },
            { QStringLiteral("error"), stringOrNull(r.error) } };
        for (const shellenv::Variable v : shellenv::allVariables())
            o.insert(variableKey(v), r.value(v) ? QJsonValue(*r.value(v)) : QJsonValue());
        effective.append(o);
    }
    return effective;
}

QJsonArray conflictsJson(const QList<shellenv::Conflict> &conflicts)
{
    QJsonArray conflictList;
    for (const shellenv::Conflict &c : conflicts)
        conflictList.append(QJsonObject { { QStringLiteral("variable"), shellenv::variableName(c.variable) },
            { QStringLiteral("file"), stringOrNull(c.file) },
            { QStringLiteral("line"), c.line > 0 ? QJsonValue(c.line) : QJsonValue() },
            { QStringLiteral("shell"), stringOrNull(c.shell) }, { QStringLiteral("message"), c.message } });
    return conflictList;
}

} // namespace

int showConfigJson(const HubSettings &current, const QList<shellenv::TargetState> &states,
    const QList<shellenv::ProbeResult> &probes, const QList<shellenv::Conflict> &conflicts)
{
    const QJsonObject o = jsonEnvelope(current,
        { { QStringLiteral("persisted"), persistedJson(states) },
            { QStringLiteral("current"),
                QJsonObject { { QStringLiteral("cacheDir"), current.cacheDir },
                    { QStringLiteral("cacheDirSource"), sourceName(current.cacheDirSource) },
                    { QStringLiteral("loadFormat"), current.loadFormatRaw },
                    { QStringLiteral("loadFormatSource"), sourceName(current.loadFormatSource) } } },
            { QStringLiteral("effective"), effectiveJson(probes) },
            { QStringLiteral("conflicts"), conflictsJson(conflicts) } });
    printJson(o);
    return Ok;
}

} // namespace tfhub::cli
