#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every clause of a lab's API headers has a test, or says why not: each
# lab's tests/clauses.tsv (docs/writing-a-lab.md, "The clause table") is
# checked against the headers and the tests it names. A row's header line
# must still hold the words it quotes (so the table cannot drift from the
# header unseen), every test it names must be a cmocka_unit_test of the
# lab, a `none` or `n/a` row must say why, and every function or object
# declared in a student header (a lab header declaring something a student
# file defines) must have a row. Prints, per lab, the clauses and how many
# have no test. Usage: clauses.sh [NN-topic...] (default: every lab).
set -u
cd "$(dirname "$0")/../../.."
grader=build/bin/grader
[[ -x $grader ]] || { echo "clauses.sh: $grader is not built (make grader)"; exit 2; }
"$grader" labs --root . --tsv | tail -n +2 | cut -f1,5 | python3 -c '
import glob, os, re, sys

only = sys.argv[1:]
bad = 0
missing_tables = []

def fail(msg):
    global bad
    bad += 1
    print(msg)

def strip_c(text):
    """The text without comments, string contents or preprocessor lines,
    line numbers kept."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"\"(\\.|[^\"\\\n])*\"", "\"\"", text)
    return re.sub(r"(?m)^\s*#.*$", "", text)

def declared(path):
    """Names of the functions and extern objects a header declares at
    file scope (not struct members, not function pointers)."""
    text, depth, stmt, names = strip_c(open(path).read()), 0, "", []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch == ";":
            s = " ".join(stmt.split())
            m = re.match(r"(?:extern\s+)?[A-Za-z_][\w\s\*]*?\b(\w+)\s*\(", s)
            if m and not s.startswith("typedef"):
                names.append(m.group(1))
            elif s.startswith("extern"):
                names.append(re.findall(r"\w+", s)[-1])
            stmt = ""
            continue
        if depth == 0 and ch not in "{}":
            stmt += ch
    return names

def defines(path, name):
    """Does this C file define `name` at file scope, not static?"""
    pat = re.compile(r"^(?!static\b)[A-Za-z_][^;]*\b" + re.escape(name) + r"\s*[(=][^;]*$", re.M)
    return bool(pat.search(strip_c(open(path).read())))

def words(s):
    return " ".join(s.split())

for line in sys.stdin:
    lab, student = line.rstrip("\n").split("\t")
    if only and lab not in only:
        continue
    d = "labs/" + lab
    tests = set()
    for t in glob.glob(d + "/tests/*.c"):
        tests |= set(re.findall(r"cmocka_unit_test\w*\(\s*(\w+)", open(t).read()))
    headers = {os.path.basename(h): declared(h) for h in sorted(glob.glob(d + "/*.h"))}
    sfiles = [d + "/" + f for f in student.split()]
    student_h = {h: names for h, names in headers.items()
                 if any(defines(f, n) for n in names for f in sfiles)}
    need = {n: h for h, names in student_h.items() for n in names}
    table = d + "/tests/clauses.tsv"
    if not os.path.isfile(table):
        missing_tables.append(lab)
        continue
    rows = none = na = 0
    covered, nones = set(), []
    hlines = {}
    for no, row in enumerate(open(table).read().splitlines(), 1):
        if not row.strip() or row.startswith("#"):
            continue
        f = row.split("\t")
        at = f"{table}:{no}"
        if len(f) != 5:
            fail(f"{at}: {len(f)} fields, not 5 (where, name, clause, tests, why)")
            continue
        where, name, clause, tlist, why = f
        if where == "where":
            continue
        rows += 1
        m = re.fullmatch(r"(\w[\w.-]*\.h):(\d+)", where)
        if not m or m.group(1) not in headers:
            fail(f"{at}: \"{where}\" is not FILE.h:LINE of a header of {lab}")
            continue
        h, ln = m.group(1), int(m.group(2))
        if h not in hlines:
            hlines[h] = open(d + "/" + h).read().splitlines()
        if not 1 <= ln <= len(hlines[h]) or words(clause) not in words(hlines[h][ln - 1]):
            have = hlines[h][ln - 1].strip() if 1 <= ln <= len(hlines[h]) else "(no such line)"
            moved = [i + 1 for i, l in enumerate(hlines[h]) if words(clause) in words(l)]
            hint = f" (it is on line {moved[0]} now)" if len(moved) == 1 else ""
            fail(f"{at}: {h}:{ln} no longer says \"{clause}\"{hint}; it says: {have}")
        if not re.search(r"\b" + re.escape(name) + r"\b", "\n".join(hlines[h])):
            fail(f"{at}: {h} never names \"{name}\"")
        covered.add(name)
        if tlist in ("none", "n/a"):
            if not why.strip():
                fail(f"{at}: a \"{tlist}\" row must say why in its last field")
            if tlist == "none":
                none += 1
                nones.append(f"{h}:{ln} {name}: {clause}")
            else:
                na += 1
            continue
        for t in tlist.split(","):
            if t.strip() not in tests:
                fail(f"{at}: no test \"{t.strip()}\" in {d}/tests (cmocka_unit_test)")
    for n, h in sorted(need.items()):
        if n not in covered:
            fail(f"{table}: no row for {n} ({h} declares it)")
    print(f"{lab}: {rows} clauses, {rows - none - na} tested, {none} without a test, {na} n/a (binding the caller, or untestable here)")
    for c in nones:
        print(f"    untested: {c}")
if missing_tables:
    print("no clause table yet: " + " ".join(missing_tables))
print(f"{bad} problem(s) in the clause tables" if bad else "clause tables: every row holds")
sys.exit(1 if bad else 0)
' "$@"
