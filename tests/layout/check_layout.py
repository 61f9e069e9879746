#!/usr/bin/env python3
"""Checks that the house is as ARCHITECTURE.md draws it.

    python3 tests/layout/check_layout.py [REPO]

- Layers: the layer list in ARCHITECTURE.md's map says which folder of
  libcore/ stands on which; a folder includes only folders of lower layers
  (and itself), so no include runs back up and there is no circle. Every
  folder of libcore/ is on the list, and every folder on the list exists.
- Ableton Link's headers are included by session/Session.cpp alone.
- No two source files of one name (libcore/, bench/, tests/, tools/ and
  fuzz/ sources; each tool's main.cpp and each benchmark's `run` excepted).
- No libcore source file over 600 lines, no function over 80 lines (by brace
  matching, after comments and strings are taken out).
Prints each breach and exits 1 when there is one.
"""

import collections
import os
import re
import sys

MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 80
SOURCE = (".cpp", ".hpp", ".h")


def layers(architecture):
    """The layer of each libcore folder, from the map's layer block: lines
    "N  folder folder ..." inside a fenced block, the first word a number."""
    layer_of = {}
    for line in architecture.splitlines():
        m = re.match(r"^(\d)\s{2,}(.*)$", line)
        if not m:
            continue
        words = re.sub(r"\(.*\)", "", m.group(2)).split()
        for word in words:
            layer_of[word.split("/")[0]] = int(m.group(1))
    return layer_of


def sources(root, top):
    for base, dirs, files in os.walk(os.path.join(root, top)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(SOURCE):
                yield os.path.join(base, name)


def strip(text):
    """Comments, strings and character literals out; line breaks kept."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r'R"(\w*)\(.*?\)\1"', lambda m: "\n" * m.group().count("\n"), text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])+'", "''", text)
    return text


def long_functions(text):
    """(first line, length) of every function body over the limit. A body is
    a brace block opened outside any other block but namespaces, classes,
    structs, enums and unions (so member functions count, lambdas do not)."""
    lines = strip(text).split("\n")
    stack = []
    found = []
    for i, line in enumerate(lines):
        for m in re.finditer(r"[{}]", line):
            if m.group() == "{":
                before = " ".join(lines[max(0, i - 3):i] + [line[:m.start()]])
                scope = re.search(r"\b(namespace|class|struct|enum|union)\b[^;{}()]*$", before)
                if scope:
                    stack.append("scope")
                elif all(kind == "scope" for kind in stack):
                    stack.append(i)
                else:
                    stack.append("block")
            elif stack:
                kind = stack.pop()
                if isinstance(kind, int) and i - kind + 1 > MAX_FUNCTION_LINES:
                    found.append((kind + 1, i - kind + 1))
    return found


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../.."))
    problems = []
    with open(os.path.join(root, "ARCHITECTURE.md"), encoding="utf-8") as f:
        layer_of = layers(f.read())
    libcore = os.path.join(root, "libcore")
    folders = {d for d in os.listdir(libcore) if os.path.isdir(os.path.join(libcore, d))}
    for d in sorted(folders - set(layer_of)):
        problems.append(f"libcore/{d}/: not on ARCHITECTURE.md's layer list")
    for d in sorted(set(layer_of) - folders):
        problems.append(f"ARCHITECTURE.md's layer list names {d}/, which libcore/ does not have")

    include = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
    for path in sources(root, "libcore"):
        rel = os.path.relpath(path, libcore)
        folder = rel.split(os.sep)[0]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for target in include.findall(text):
            top = target.split("/")[0]
            if target.startswith("ableton/") and rel != os.path.join("session", "Session.cpp"):
                problems.append(f"libcore/{rel}: includes {target}: only session/Session.cpp sees Link")
            if top not in folders or top == folder or folder not in layer_of or top not in layer_of:
                continue
            if layer_of[top] >= layer_of[folder]:
                problems.append(f"libcore/{rel}: includes {target}: layer {layer_of[top]} from layer "
                                f"{layer_of[folder]} ({folder}/ may include only lower layers)")
        count = text.count("\n")
        if count > MAX_FILE_LINES:
            problems.append(f"libcore/{rel}: {count} lines (at most {MAX_FILE_LINES})")
        for line, length in long_functions(text):
            problems.append(f"libcore/{rel}:{line}: a function of {length} lines (at most {MAX_FUNCTION_LINES})")

    names = collections.defaultdict(list)
    for top in ("libcore", "bench", "tests", "tools", "fuzz"):
        for path in sources(root, top):
            name = os.path.basename(path)
            if name != "main.cpp":
                names[name].append(os.path.relpath(path, root))
    for name, paths in sorted(names.items()):
        if len(paths) > 1:
            problems.append(f"{name}: {len(paths)} files of one name: {', '.join(paths)}")

    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"ok: layers as ARCHITECTURE.md draws them ({len(layer_of)} folders), no file of another's name, "
          f"no file over {MAX_FILE_LINES} lines, no function over {MAX_FUNCTION_LINES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
