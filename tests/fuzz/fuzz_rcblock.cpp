// The managed-block editor for rc files (~/.bashrc, fish conf.d, environment.d): for any file
// content it agrees to edit, and any value, the bytes outside our block are unchanged, the block
// reads back the values written, and removing it restores the file without a block.

#include "core/shellenv/envsyntax.h"
#include "tests/fuzz/fuzzsupport.h"

using namespace tfhub;
using namespace tfhub::shellenv;

namespace {

const QString kHome = QStringLiteral("/home/fuzz");

// Values the settings accept: a path or format without line breaks or NULs.
bool writable(const QString &value)
{
    for (const QChar c : value) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return false;
    }
    return !value.isEmpty();
}

void checkTarget(Target target, const QByteArray &content, const QString &value)
{
    QMap<Variable, QString> values { { Variable::CacheDir, value } };
    if (value.size() % 2 == 0)
        values.insert(Variable::LoadFormat, QStringLiteral("COMPRESSED"));
    const QByteArray block = block::render(target, values, kHome);
    const QByteArray edited = block::replace(content, block);
    const QByteArray withoutOld = block::replace(content, QByteArray());
    const QByteArray withoutNew = block::replace(edited, QByteArray());
    const QString name = targetName(target);
    fuzz::check(withoutNew == withoutOld, "bytes outside the block are unchanged", name);
    bool hadBlock = false;
    block::parse(target, content, kHome, &hadBlock);
    if (!hadBlock)
        fuzz::check(withoutNew == content, "removing a block we added restores the file", name);
    fuzz::check(block::markerProblem(edited).isEmpty(), "an edited file has one well-formed block", name);
    fuzz::check(
        block::replace(edited, block) == edited, "writing the same block again changes nothing", name);
    bool found = false;
    const QMap<Variable, QString> readBack = block::parse(target, edited, kHome, &found);
    fuzz::check(found, "the block written is found", name);
    fuzz::check(readBack == values, "the block reads back the values written",
        name + QLatin1Char(' ') + readBack.value(Variable::CacheDir));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto [content, valueBytes] = fuzz::splitAtNul(fuzz::bytes(data, size));
    // Reading never fails, whatever the file holds.
    for (const Target target : allTargets()) {
        bool found = false;
        block::parse(target, content, kHome, &found);
    }
    block::markerLines(content);
    block::hasCreatedNote(content);
    if (!block::markerProblem(content).isEmpty())
        return 0; // such a file is left alone (envpersistence refuses to edit it)
    QString value = QString::fromUtf8(valueBytes);
    if (!writable(value))
        value = QStringLiteral("/data/tfhub cache");
    if (value.startsWith(QLatin1Char('~')))
        value.prepend(QLatin1Char('/'));
    for (const Target target : allTargets())
        checkTarget(target, content, value);
    return 0;
}
