#pragma once

#include <QStringList>

namespace tfhub::cli {

/// Arguments of a verb handled in its own source file: `cacheDir` is the global --cache-dir (empty
/// when not given); `args` are the verb's own arguments and options, in order, after the verb.
/// Each returns an exit code (0 ok, 1 failure, 2 usage error) and prints its own output.

/// `config set ...`, `config unset ...`, `config show ...` (plain `config` stays in cli.cpp).
int runConfigVerb(const QString &cacheDir, const QStringList &args);
/// `search WORDS...`
int runSearchVerb(const QString &cacheDir, const QStringList &args);
/// `catalog import DIR` and friends.
int runCatalogVerb(const QString &cacheDir, const QStringList &args);
/// `rm HANDLE|KEY... [--trash] [--yes] [--dry-run]`.
int runRemoveVerb(const QString &cacheDir, const QStringList &args);

} // namespace tfhub::cli
