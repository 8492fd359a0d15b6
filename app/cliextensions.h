#pragma once

#include <QStringList>

namespace tfhub::cli {

/// Arguments of a verb handled in its own source file: `cacheDir` is the global --cache-dir (empty
/// when not given); `args` are the verb's own arguments and options, in order, after the verb.
/// Each returns an exit code (0 ok, 1 failure, 2 usage error) and prints its own output.
/// A verb whose source file is not built reports itself as unknown.

/// `config set ...`, `config unset ...`, `config show ...` (plain `config` stays in cli.cpp).
[[gnu::weak]] int runConfigVerb(const QString &cacheDir, const QStringList &args);
/// `search WORDS...`
[[gnu::weak]] int runSearchVerb(const QString &cacheDir, const QStringList &args);
/// `catalog import DIR` and friends.
[[gnu::weak]] int runCatalogVerb(const QString &cacheDir, const QStringList &args);
/// `rm HANDLE|KEY... [--trash] [--yes] [--dry-run]`.
[[gnu::weak]] int runRemoveVerb(const QString &cacheDir, const QStringList &args);

} // namespace tfhub::cli
