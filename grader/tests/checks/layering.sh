#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The rooms of the tree and what each may include (docs/architecture.md,
# "Rooms"): every `#include "..."` of every tracked C file is resolved the
# way the Makefile's flags resolve it (the file's own folder, then -iquote
# labs/NN, then -I harness or grader/src), and the file it finds must be in
# a room the includer may use. Above all: nothing includes solutions/ (the
# grader grades any tree and never depends on the reference), the grader
# takes from harness/ only the protocol and compat.h, the harness and the
# labs never include the grader, and a student file includes only its own
# lab's headers and the harness (never a test's header or another lab).
set -u
cd "$(dirname "$0")/../../.."
git ls-files '*.c' '*.h' | python3 -c '
import os, re, sys

def room(p):
    parts = p.split("/")
    if p.startswith("grader/src/"): return "grader"
    if p.startswith("grader/tests/unit/"): return "unit"
    if p.startswith("harness/"): return "harness"
    if parts[0] == "labs" and len(parts) > 3 and parts[2] == "bench": return "bench"
    if parts[0] == "labs" and len(parts) > 2:
        return "lab-tests" if parts[2] == "tests" else "lab"
    if parts[0] == "solutions": return "solution"
    if parts[0] == "bench": return "bench"
    if p.startswith("slides/"): return "slides"
    return "other"

labs = sorted(d for d in os.listdir("labs") if re.match(r"\d\d-", d))

def search(p):
    """The folders a quoted include of p is looked up in, in order."""
    r, parts, d = room(p), p.split("/"), os.path.dirname(p)
    if r == "grader": return [d, "grader/src"]
    if r == "unit": return [d, "grader/src", "harness"]
    if r == "harness": return [d, "harness"]
    if r in ("lab", "lab-tests", "solution"): return [d, "labs/" + parts[1], "harness"]
    return [d, "harness"] + ["labs/" + l for l in labs]

def allowed(p, q):
    """May p (the includer) include q (the file found)?"""
    r, s = room(p), room(q)
    if s == "solution": return False
    if r == "grader": return s == "grader" or q in ("harness/protocol.h", "harness/compat.h")
    if r == "unit": return s in ("grader", "unit", "harness")
    if r == "harness": return s == "harness"
    if r in ("lab", "solution"):
        # A student file: its own lab'"'"'s headers, and the harness (its
        # hooks, compat.h): never another lab, a test or the grader.
        return (s == "lab" and q.split("/")[1] == p.split("/")[1]) or s == "harness"
    if r == "lab-tests":
        return (s in ("lab", "lab-tests") and q.split("/")[1] == p.split("/")[1]) or s == "harness"
    if r in ("bench", "slides"): return s in (r, "lab", "harness")
    return s != "grader"

bad = 0
files = sys.stdin.read().split()
for p in files:
    try:
        text = open(p, encoding="utf-8", errors="replace").read()
    except OSError:
        continue
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*#\s*include\s+\"([^\"]+)\"", line)
        if not m: continue
        name = m.group(1)
        found = next((os.path.normpath(os.path.join(d, name)) for d in search(p)
                      if os.path.isfile(os.path.join(d, name))), None)
        if found is None:
            print(f"{p}:{n}: #include \"{name}\" is not found where the build looks for it")
            bad += 1
        elif not allowed(p, found):
            print(f"{p}:{n}: #include \"{name}\" is {found} ({room(found)}): the {room(p)} room may not include it")
            bad += 1
print(f"{len(files)} files: {bad} include(s) out of place" if bad else f"{len(files)} files: every include in its room")
sys.exit(1 if bad else 0)
'
