#pragma once

#include <QString>
#include <QStringList>

namespace tfhub::ui {

/// Python code that loads `handles` with tensorflow_hub, as the Cache and Browse pages copy it:
/// one `hub.load("…")` a handle, named `model` (one handle) or `model_1`, `model_2`, … Each handle
/// is a Python string literal, so a `"` or `\` in it cannot end the string or escape a character.
QString pythonSnippet(const QStringList &handles);

} // namespace tfhub::ui
