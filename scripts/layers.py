#!/usr/bin/env python3
"""Check the folder layering (docs/ARCHITECTURE.md) and print the folder graph.

  scripts/layers.py [--build DIR] [--max-lines N] [--note-length]

Checks, each failing the run (exit 1) when broken:
  - every '#include "folder/file.h"' of a library folder names its own folder
    or one it may use (ALLOWED below), and the folder graph has no cycle;
  - with --build: every symbol a folder's library (DIR/libsr_FOLDER.a) takes
    from another folder's library comes from one it may use (catches calls
    without an include, e.g. a declaration copied by hand);
  - nothing below cli/ prints to the terminal or exits (a forked child's
    _exit is fine);
  - no function outside tests/ is longer than --max-lines (default 120;
    only a note with --note-length, or for a function in KNOWN_LONG).
Prints the folder include graph (with edge counts) and, per check, what broke.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

# Folder -> folders it may use. Order: lowest first.
ALLOWED = {
    "base": [],
    "trace": ["base"],
    "synth": ["base"],
    "devices": ["base"],
    "replay": ["base", "devices"],
    "policy": ["base", "devices", "replay", "synth", "trace"],
    "real": ["base", "devices", "replay", "synth", "trace", "policy"],
    "study": ["base", "devices", "replay", "synth", "trace", "policy", "real"],
    "cli": ["base", "devices", "replay", "synth", "trace", "policy", "real", "study"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([A-Za-z0-9_.]+)"')
# Terminal output and process exit below cli/ (comments are stripped first).
PRINTS = re.compile(r'\b(printf|puts|perror|exit|abort)\s*\(|\b(fprintf|fputs|fputc|vfprintf)\s*\([^;]*\b(stdout|stderr)\b')
FUNC_START = re.compile(r'^[A-Za-z_][^;(=]*\b([A-Za-z_]\w*)\s*\(')


def sources(root, folder):
    d = os.path.join(root, folder)
    return sorted(os.path.join(folder, f) for f in os.listdir(d) if f.endswith((".c", ".h")))


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r'//[^\n]*', "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def check_includes(root, errors):
    edges = collections.Counter()
    for folder in ALLOWED:
        for path in sources(root, folder):
            with open(os.path.join(root, path), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or m.group(1) == folder:
                        continue
                    to = m.group(1)
                    edges[(folder, to)] += 1
                    if to not in ALLOWED[folder]:
                        errors.append(f"{path}:{n}: includes {to}/{m.group(2)}, "
                                      f"but {folder}/ may use only: {' '.join(ALLOWED[folder]) or 'nothing'}")
    return edges


def find_cycle(edges):
    graph = collections.defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state, stack = {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if not state.get(w):
                c = visit(w)
                if c:
                    return c
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if not state.get(v):
            c = visit(v)
            if c:
                return c
    return None


def check_symbols(build, errors):
    defined, undefined = {}, {}
    for folder in ALLOWED:
        lib = os.path.join(build, f"libsr_{folder}.a")
        if not os.path.exists(lib):
            errors.append(f"{lib}: missing (build first)")
            continue
        out = subprocess.run(["nm", "-g", lib], capture_output=True, text=True, check=True).stdout
        undefined[folder] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined[folder].add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRCVW":
                defined.setdefault(parts[2], folder)
    calls = collections.Counter()
    for folder, syms in undefined.items():
        for s in sorted(syms):
            to = defined.get(s)
            if not to or to == folder:
                continue
            calls[(folder, to)] += 1
            if to not in ALLOWED[folder]:
                errors.append(f"libsr_{folder}.a uses {s} from {to}/, which {folder}/ may not use")
    return calls


def check_prints(root, errors):
    for folder in ALLOWED:
        if folder == "cli":
            continue
        for path in sources(root, folder):
            with open(os.path.join(root, path), encoding="utf-8") as f:
                text = strip_comments(f.read())
            for n, line in enumerate(text.splitlines(), 1):
                m = PRINTS.search(line)
                if m:
                    errors.append(f"{path}:{n}: {m.group(0).strip()}...: only cli/ prints to the terminal or exits")


# Functions over the limit that are notes, not violations (none: keep it so).
KNOWN_LONG = set()


def long_functions(root, limit):
    """Kernel style: a definition starts at column 0, its body opens with a
    lone "{" and closes with a lone "}"."""
    found = []
    for folder in ALLOWED:
        for path in sources(root, folder):
            if not path.endswith(".c"):
                continue
            with open(os.path.join(root, path), encoding="utf-8") as f:
                lines = f.read().split("\n")
            sig, name, start = None, None, 0
            for n, line in enumerate(lines, 1):
                if name is None:
                    m = FUNC_START.match(line)
                    if m and not line.startswith("#"):
                        sig = (m.group(1), n)
                    elif line == "{" and sig:
                        name, start = sig
                    elif line and not line[0].isspace() and line.rstrip().endswith(";"):
                        sig = None
                elif line == "}":
                    if n - start + 1 > limit:
                        found.append((n - start + 1, f"{path}:{start}", name))
                    sig, name = None, None
    return sorted(found, reverse=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--build", help="build directory holding libsr_FOLDER.a, for the symbol check")
    ap.add_argument("--max-lines", type=int, default=120)
    ap.add_argument("--note-length", action="store_true",
                    help="a function over --max-lines is only a note (else a violation)")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    errors = []

    edges = check_includes(root, errors)
    print("folder include graph (folder -> folder: #include lines):")
    for folder in ALLOWED:
        outs = [f"{b} ({n})" for (f, b), n in sorted(edges.items()) if f == folder]
        print(f"  {folder:8} -> {', '.join(outs) if outs else '-'}")
    cycle = find_cycle(edges)
    if cycle:
        errors.append("folder cycle: " + " -> ".join(cycle))

    if a.build:
        calls = check_symbols(a.build, errors)
        print("folder link graph (library -> library: symbols used):")
        for folder in ALLOWED:
            outs = [f"{b} ({n})" for (f, b), n in sorted(calls.items()) if f == folder]
            print(f"  {folder:8} -> {', '.join(outs) if outs else '-'}")
        cycle = find_cycle(calls)
        if cycle:
            errors.append("library cycle: " + " -> ".join(cycle))

    check_prints(root, errors)
    for n, where, name in long_functions(root, a.max_lines):
        msg = f"{where}: {name}() is {n} lines, more than {a.max_lines}"
        if not a.note_length and (where.split(":")[0], name) not in KNOWN_LONG:
            errors.append(msg)
        else:
            print("layers: note: " + msg, file=sys.stderr)

    for e in errors:
        print("layers: " + e, file=sys.stderr)
    print(f"layers: {len(errors)} violation(s)" if errors else "layers: ok")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
