#!/usr/bin/env python3
"""The ctest check_layering: every #include in core/, ui/, app/ and tests/ obeys the rules written in
that folder's README.md, which is the one place the rules live (people read them there too).

README lines it reads (anything else is prose):
    Never includes: `ui/`, `app/`, `QtWidgets`     the whole library; `QtWidgets` = any Qt Widgets header
    - `cache/` — owns ...                          a folder entry ...
      may include: util, hub                       ... and what it may include besides itself: sibling
                                                   folders by name, whole libraries (core, ui, app) by
                                                   name, `nothing` or `anything`
Every folder holding C++ sources needs an entry.

    python3 tests/checks/layering.py [--root SOURCE_DIR] [--qt-widgets-include DIR]
    python3 tests/checks/layering.py --self-test ...   plants violations in a copy and expects them found
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

LIBRARIES = ("core", "ui", "app", "tests")
TOP_DIRS = ("core", "ui", "app", "tests", "bench")
SOURCE_SUFFIXES = (".h", ".hpp", ".cpp")
ENTRY = re.compile(r"^- `([\w.-]+)/`\s+—\s+\S")
MAY_INCLUDE = re.compile(r"^\s+may include:\s*(.+?)\s*$")
NEVER = re.compile(r"^Never includes:\s*(.+)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
ANYTHING = "anything"


class Rules:
    def __init__(self, readme):
        self.readme = readme
        self.never = []  # path prefixes like "ui/", or "QtWidgets"
        self.folders = {}  # folder -> set of allowed names, or None for anything
        self.problems = []


def parse_readme(path):
    rules = Rules(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    current = None
    for number, line in enumerate(lines, 1):
        if m := NEVER.match(line):
            rules.never = re.findall(r"`([^`]+)`", m.group(1))
        elif m := ENTRY.match(line):
            current = m.group(1)
            rules.folders[current] = "missing"
        elif (m := MAY_INCLUDE.match(line)) and current:
            names = [n.strip() for n in m.group(1).split(",") if n.strip()]
            if names == [ANYTHING]:
                rules.folders[current] = None
            elif names == ["nothing"]:
                rules.folders[current] = set()
            else:
                rules.folders[current] = set(names)
            current = None
    for folder, allowed in rules.folders.items():
        if allowed == "missing":
            rules.problems.append(f"{path}: the entry for `{folder}/` has no 'may include:' line under it")
    return rules


def widgets_headers(include_dir):
    if include_dir and os.path.isdir(include_dir):
        return set(os.listdir(include_dir))
    return set()


def is_widgets_header(name, widgets):
    return name == "QtWidgets" or name.startswith("QtWidgets/") or ("/" not in name and name in widgets)


def project_path(root, source, bracket, name):
    """The include as a path from the source root when it names a project file, else None."""
    if bracket == '"':
        beside = os.path.normpath(os.path.join(os.path.dirname(source), name))
        if os.path.isfile(os.path.join(root, beside)):
            return beside
    first = name.split("/", 1)[0]
    if first in TOP_DIRS and "/" in name:
        return os.path.normpath(name)
    return None


def allowed(rules, library, folder, target):
    """Whether `library/folder/...` may include the project file `target`."""
    names = rules.folders.get(folder)
    if names is None:
        return True
    parts = target.split("/")
    if parts[0] == library:
        return len(parts) < 3 or parts[1] == folder or parts[1] in names
    return parts[0] in names and parts[0] not in rules.folders


def check_file(root, library, rules, source, widgets):
    problems = []
    parts = source.split("/")
    folder = parts[1] if len(parts) > 2 else None
    with open(os.path.join(root, source), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            bracket, name = m.groups()
            target = project_path(root, source, bracket, name)
            where = f"{source}:{number}: includes {name}"
            before = len(problems)
            for banned in rules.never:
                if banned == "QtWidgets" and target is None and is_widgets_header(name, widgets):
                    problems.append(f"{where}, a Qt Widgets header: {rules.readme} says {library}/ never does")
                elif banned.endswith("/") and target and target.startswith(banned):
                    problems.append(f"{where}: {rules.readme} says {library}/ never includes {banned}")
            if len(problems) > before:
                continue
            if target and folder and folder in rules.folders and not allowed(rules, library, folder, target):
                names = rules.folders[folder]
                listed = ", ".join(sorted(names)) if names else "nothing"
                problems.append(f"{where}: {rules.readme} lets {folder}/ include only: {listed}")
    return problems


def check(root, widgets_dir):
    widgets = widgets_headers(widgets_dir)
    problems = []
    for library in LIBRARIES:
        readme = os.path.join(library, "README.md")
        if not os.path.isdir(os.path.join(root, library)):
            continue
        if not os.path.isfile(os.path.join(root, readme)):
            problems.append(f"{readme} is missing: it holds the include rules of {library}/")
            continue
        rules = parse_readme(os.path.join(root, readme))
        rules.readme = readme
        problems += rules.problems
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, library)):
            dirnames.sort()
            sources = sorted(f for f in filenames if f.endswith(SOURCE_SUFFIXES))
            rel_dir = os.path.relpath(dirpath, root)
            parts = rel_dir.split(os.sep)
            if sources and len(parts) >= 2 and parts[1] not in rules.folders:
                problems.append(f"{rel_dir}/ has no entry in {readme} (what it owns, what it may include)")
            for name in sources:
                problems += check_file(root, library, rules, "/".join(parts + [name]), widgets)
    return problems


def plant(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def replace_in(root, path, old, new):
    full = os.path.join(root, path)
    with open(full, encoding="utf-8") as f:
        text = f.read()
    if old not in text:
        raise SystemExit(f"self-test: {path} no longer holds {old!r}; update the self-test")
    with open(full, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def self_test(root, widgets_dir):
    """Plants violations in a copy of the sources: each must be named, and allowed includes not."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="check_layering-") as tmp:
        for library in LIBRARIES:
            shutil.copytree(os.path.join(root, library), os.path.join(tmp, library))
        baseline = set(check(tmp, widgets_dir))
        expected = {
            "core/util/zz_planted.h": '#include "core/hub/handle.h"\n',
            "core/util/zz_relative.h": '#include "../hub/handle.h"\n',
            "core/cache/zz_widget.cpp": "#include <QWidget>\n",
            "core/hub/zz_module.cpp": "#include <QtWidgets/QLabel>\n",
            "core/catalog/zz_ui.h": '#include "ui/widgets/messagebar.h"\n',
            "ui/widgets/zz_app.h": '#include "app/cli/cli.h"\n',
            "app/cli/zz_ui.cpp": '#include "ui/window/mainwindow.h"\n',
            "core/zz_newfolder/x.h": "#include <QString>\n",
        }
        fine = {
            "core/cache/zz_fine.h": '#include "core/hub/handle.h"\n#include "core/util/result.h"\n'
            '#include "lock.h"\n#include <QString>\n#include <QtCore/QObject>\n',
            "ui/usage/zz_fine.h": '#include "core/cache/cachescanner.h"\n#include "ui/cache/cachemodel.h"\n'
            "#include <QWidget>\n",
            "tests/core/zz_fine.cpp": '#include "app/cli/cli.h"\n#include "ui/window/mainwindow.h"\n',
        }
        for path, text in {**expected, **fine}.items():
            plant(tmp, path, text)
        found = [p for p in check(tmp, widgets_dir) if p not in baseline]
        for path in expected:
            folder = os.path.dirname(path)
            if not any(p.startswith(path + ":") or p.startswith(folder + "/ has no entry") for p in found):
                failures.append(f"the planted violation in {path} was not reported")
        for path in fine:
            failures += [f"an allowed include was reported: {p}" for p in found if p.startswith(path)]
        if widgets_dir and not widgets_headers(widgets_dir):
            failures.append(f"no Qt Widgets headers in {widgets_dir}")

        # The rules come from the README: taking hub away from cache/ must make cache's includes of
        # hub violations.
        replace_in(tmp, "core/README.md", "may include: util, hub\n", "may include: util\n")
        after = check(tmp, widgets_dir)
        if not any(p.startswith("core/cache/") and "core/hub/" in p for p in after):
            failures.append("editing core/README.md did not change the rules the check applies")
    for failure in failures:
        print(f"SELF-TEST FAILED: {failure}", file=sys.stderr)
    if not failures:
        print(f"check_layering self-test: {len(expected)} planted violations reported, allowed includes not")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    parser.add_argument("--qt-widgets-include", default="", help="the QtWidgets include folder (its header names)")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    if args.self_test:
        return self_test(root, args.qt_widgets_include)
    problems = check(root, args.qt_widgets_include)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} include rule violations; the rules are in each folder's README.md", file=sys.stderr)
        return 1
    print("check_layering: every include in core/, ui/, app/ and tests/ follows its README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
