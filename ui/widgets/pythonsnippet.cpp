#include "ui/widgets/pythonsnippet.h"

namespace tfhub::ui {

QString pythonSnippet(const QStringList &handles)
{
    QString code = QStringLiteral("import tensorflow_hub as hub\n\n");
    const bool many = handles.size() > 1;
    for (qsizetype i = 0; i < handles.size(); ++i) {
        QString literal = handles.at(i);
        // The backslash first, or the ones added for the quotes would be doubled too.
        literal.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
        const QString name = many ? QStringLiteral("model_%1").arg(i + 1) : QStringLiteral("model");
        code += name + QStringLiteral(" = hub.load(\"") + literal + QStringLiteral("\")\n");
    }
    return code;
}

} // namespace tfhub::ui
