#pragma once

namespace tfhub::cli {

struct Invocation;

/// `tfhub-cache export HANDLE|KEY...|--all -o FILE.zip [--json]`: writes an offline bundle.
int runExportVerb(const Invocation &in);
/// `tfhub-cache import FILE.zip [--replace] [--json]` and `import ARCHIVE --as HANDLE [--json]`.
int runImportVerb(const Invocation &in);

} // namespace tfhub::cli
