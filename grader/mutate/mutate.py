#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make mutate [LAB=NN] [OPS=a,b]: mechanical mutants of the reference files.

Each operator (grader/mutate/ops/NAME.cocci, a Coccinelle semantic patch whose
rules mark the mutated token with `position p` constrained by mutate_site(p))
is applied to every student file of the lab in solutions/, one site at a
time: one mutant per site. Each mutant is graded only on the tests whose run
covers its line (student-coverage.sh --per-test) and only on the checks the
reference itself passes on those tests (speedup checks are never counted: a
machine under load is not a kill). Results: build/mutate/NN/report.txt,
report.tsv, report.json and the mutants' diffs under build/mutate/NN/mutants/.

Usage: mutate.py --root DIR [--lab NN[,NN]] [--ops a,b] [--timeout S]
                 [--report-only]
  --report-only  rewrite the reports from the last run's report.json, with
                 grader/mutate/equivalent.txt as it is now
Exit: 0 done, 2 could not run.
"""
import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# Checks a mutant may be killed by; speedup is left out on purpose.
CHECKS = ["functional", "tsan", "helgrind", "drd", "memcheck", "asan"]

PRELUDE = r"""
@initialize:python@
@@
import os, sys
MUTATE_WANT = os.environ.get("MUTATE_SITE")
MUTATE_SEEN = set()
def mutate_site(p):
    key = "%s:%s" % (p[0].line, p[0].column)
    if MUTATE_WANT == "all":
        if key not in MUTATE_SEEN:
            MUTATE_SEEN.add(key)
            sys.stderr.write("SITE\t%s\t%s\t%s\n"
                             % (p[0].line, p[0].column, p[0].current_element))
        return True
    return key == MUTATE_WANT
"""

UNUSED_OK = "".join('_Pragma("GCC diagnostic ignored \\"-W%s\\"") ' % w for w in (
    "unused-parameter", "unused-variable", "unused-but-set-variable",
    "unused-but-set-parameter", "unused-function", "unused-label",
    "unused-value", "type-limits", "tautological-compare"))


def log(*a):
    print("mutate:", *a, file=sys.stderr, flush=True)


def lab_dir(root, arg):
    arg = arg.strip()
    for d in sorted(os.listdir(os.path.join(root, "labs"))):
        if not os.path.isdir(os.path.join(root, "labs", d)):
            continue
        if d == arg or d.split("-")[0] == arg.zfill(2):
            return d
    return None


def student_files(root, lab):
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", root,
                          "lab-info", "LAB=" + lab],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("student: "):
            return line[len("student: "):].split()
    return []


def spatch(cocci, path, site, outfile=None):
    env = dict(os.environ, MUTATE_SITE=site)
    cmd = ["spatch", "--very-quiet", "--sp-file", cocci, path]
    if outfile:
        cmd += ["-o", outfile]
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=120)


# Spellings Coccinelle 1.1.1 cannot parse (a declaration's __attribute__
# before its type, _Alignas): spatch sees a copy with them blanked out, and
# the mutation is carried back onto the real file line by line.
UNPARSED = re.compile(r"__attribute__|_Alignas")


def blank_unparsed(text):
    """text with each UNPARSED spelling and its (...) turned to spaces."""
    out, i = [], 0
    for m in UNPARSED.finditer(text):
        if m.start() < i:
            continue
        k, depth = m.end(), 0
        while k < len(text):
            if text[k] == "(":
                depth += 1
            elif text[k] == ")":
                depth -= 1
                if depth == 0:
                    k += 1
                    break
            k += 1
        out.append(text[i:m.start()])
        out.append(re.sub(r"[^\n]", " ", text[m.start():k]))
        i = k
    out.append(text[i:])
    return "".join(out)


def unblank(orig, blanked, new):
    """new (a mutant of blanked) with blanked's unchanged lines from orig."""
    a, b = blanked.splitlines(True), new.splitlines(True)
    o, out = orig.splitlines(True), []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
            None, a, b, autojunk=False).get_opcodes():
        out += o[i1:i2] if tag == "equal" else b[j1:j2]
    return "".join(out)


def changed_lines(diff):
    """Lines of the original file a unified diff removes or changes."""
    lines, old = set(), 0
    for l in diff.splitlines():
        m = re.match(r"^@@ -(\d+)", l)
        if m:
            old = int(m.group(1))
            continue
        if l.startswith("---") or l.startswith("+++"):
            continue
        if l.startswith("-"):
            lines.add(old)
            old += 1
        elif l.startswith("+"):
            lines.add(old)
        elif l.startswith(" "):
            old += 1
    return lines


def make_mutants(root, lab, files, ops, outdir, opsdirs=("grader/mutate/ops",),
                 each_site=False):
    """Every mutant of the lab: a list of dicts, the mutated file in outdir.
    An operator NAME is opsdirs' first NAME.cocci (sched-mutants.py adds
    grader/mutate/sched-ops, whose operators make mutate does not run).
    each_site: when spatch fails on all sites at once (two moves that add
    code at one place conflict), try each candidate site alone."""
    mutants, seen = [], set()
    tmp = tempfile.mkdtemp(prefix="mutate-")
    try:
        for op in ops:
            cocci = os.path.join(tmp, op + ".cocci")
            src_op = next(q for q in (os.path.join(root, d, op + ".cocci")
                                      for d in opsdirs) if os.path.exists(q))
            with open(cocci, "w") as f:
                f.write(PRELUDE)
                f.write(open(src_op).read())
            for name in files:
                real = os.path.join(root, "solutions", lab, name)
                orig = open(real).read()
                src = os.path.join(tmp, name)
                blanked = blank_unparsed(orig)
                open(src, "w").write(blanked)
                # All sites at once: which candidate positions really match
                # (the constraint is also asked about partial matches).
                r = spatch(cocci, src, "all")
                cands = []
                for l in r.stderr.splitlines():
                    p = l.split("\t")
                    if p[0] == "SITE" and len(p) == 4:
                        cands.append((int(p[1]), int(p[2]), p[3]))
                if r.returncode != 0 and not (each_site and cands):
                    log("%s on %s: spatch failed: %s" % (op, name,
                        r.stderr.strip().splitlines()[-1:]))
                    continue
                touched = (changed_lines(r.stdout) if r.returncode == 0
                           else set(c[0] for c in cands))
                for line, col, fn in sorted(set(cands)):
                    if line not in touched:
                        continue
                    out = os.path.join(tmp, "out.c")
                    if os.path.exists(out):
                        os.unlink(out)
                    r = spatch(cocci, src, "%d:%d" % (line, col), out)
                    if r.returncode != 0 or not os.path.exists(out):
                        continue
                    new = unblank(orig, blanked, open(out).read())
                    h = hashlib.sha1((name + "\0" + new).encode()).hexdigest()
                    if new == orig or h in seen:
                        continue
                    seen.add(h)
                    mid = "%s-%s-%d-%d" % (op, name[:-2], line, col)
                    d = subprocess.run(
                        ["diff", "-u", "--label", "a/%s/%s" % (lab, name),
                         "--label", "b/%s/%s" % (lab, name), real, "-"],
                        input=new,
                        capture_output=True, text=True).stdout
                    mdir = os.path.join(outdir, "mutants", mid)
                    os.makedirs(mdir, exist_ok=True)
                    # A deleted call can leave a parameter or variable
                    # unused, and `unsigned >= 0` is always true: -Werror
                    # would make those build failures. Silence them on
                    # line 1, so line numbers hold.
                    open(os.path.join(mdir, name), "w").write(UNUSED_OK + new)
                    open(os.path.join(mdir, "diff"), "w").write(d)
                    lines = sorted(changed_lines(d)) or [line]
                    text = orig.splitlines()[line - 1].strip()
                    mutants.append({"id": mid, "op": op, "file": name,
                                    "line": line, "col": col, "function": fn,
                                    "lines": lines, "site": text,
                                    "diff": d})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return mutants


def coverage(root, lab, outdir):
    """{(file, line): set(tests)} from the reference's coverage run."""
    tsv = os.path.join(outdir, "coverage.tsv")
    cmd = ["bash", os.path.join(root, "grader/scripts/student-coverage.sh"),
           "--lab", lab, "--src", "solutions", "--per-test", tsv]
    r = subprocess.run(JAIL + cmd, capture_output=True, text=True)
    # Its report (not --quiet: it names the tests that failed there).
    with open(os.path.join(outdir, "coverage.log"), "w") as f:
        f.write(r.stdout + r.stderr)
    if not os.path.exists(tsv):
        log("coverage failed:", r.stdout[-2000:], r.stderr[-2000:])
        sys.exit(2)
    cov = {}
    for l in open(tsv):
        t, f, n = l.rstrip("\n").split("\t")
        cov.setdefault((f, int(n)), set()).add(t)
    # A test with no line here is never tried on any mutant: say so, with
    # what the coverage run (quiet otherwise) said about it.
    ran = set().union(*cov.values()) if cov else set()
    rub = subprocess.run([os.path.join(root, "build/bin/grader"), "rubric",
                          "--root", root, "--lab", lab, "--tsv"],
                         capture_output=True, text=True).stdout.splitlines()
    for row in rub[1:]:
        t = row.split("\t")[1]
        if t not in ran:
            why = [l.strip() for l in r.stdout.splitlines() if t in l]
            log("%s: %s ran no line of the student's files in the coverage "
                "run: no mutant is tried on it%s" %
                (lab, t, " (" + "; ".join(why) + ")" if why else ""))
    return cov


def grade(root, tree, lab, tests, checks, out, timeout):
    """{(test, check): passed?}, or None when it did not build, or 'timeout'."""
    cmd = JAIL + [os.path.join(root, "build/bin/grader"), "grade",
                  "--root", root, "--src", tree, "--lab", lab,
                  "--test", ",".join(sorted(tests)),
                  "--only", ",".join(checks), "--out", out]
    try:
        subprocess.run(cmd, capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "timeout"
    try:
        res = json.load(open(os.path.join(out, "results.json")))
    except (OSError, ValueError):
        return "timeout"
    got = {}
    for t in res.get("tests", []):
        # "LAB: TEST [check]", tags check:KIND and result:OUTCOME
        tags = dict(x.split(":", 1) for x in t.get("tags", []) if ":" in x)
        m = re.match(r"^[^:]*: (\S+) \[", t.get("name", ""))
        outcome = tags.get("result", "")
        if outcome == "build":
            return None
        if m:
            got[(m.group(1), tags.get("check"))] = (
                t.get("status") == "passed", outcome)
    return got


def load_equivalents(root):
    eq = []
    path = os.path.join(root, "grader/mutate/equivalent.txt")
    if os.path.exists(path):
        for l in open(path):
            l = l.rstrip("\n")
            if not l.strip() or l.startswith("#"):
                continue
            p = l.split("\t")
            if len(p) >= 5:
                eq.append(p)
    return eq


def is_equivalent(m, lab, eq):
    for op, f, fn, site, why in (e[:5] for e in eq):
        if (op == m["op"] and f == lab + "/" + m["file"]
                and fn == m["function"] and site == m["site"]):
            return why
    return None


def run_lab(root, lab, ops, timeout, only_ids=None):
    t0 = time.time()
    outdir = os.path.join(root, "build/mutate", lab.split("-")[0])
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    files = student_files(root, lab)
    log("%s: generating mutants of %s" % (lab, " ".join(files)))
    mutants = make_mutants(root, lab, files, ops, outdir)
    t_gen = time.time() - t0
    log("%s: %d mutants in %.0f s; coverage of the reference" %
        (lab, len(mutants), t_gen))
    cov = coverage(root, lab, outdir)
    eq = load_equivalents(root)

    # The reference on every covered test: the checks it passes are the
    # only ones a mutant can be killed by.
    alltests = set().union(*cov.values()) if cov else set()
    ref = {}
    if alltests:
        ref = grade(root, "solutions", lab, alltests, CHECKS,
                    os.path.join(outdir, "ref"), timeout * 10)
        if not isinstance(ref, dict):
            log("%s: the reference did not grade" % lab)
            sys.exit(2)
    t_ref = time.time() - t0

    for i, m in enumerate(mutants):
        why = is_equivalent(m, lab, eq)
        tests = set()
        for n in m["lines"]:
            tests |= cov.get((m["file"], n), set())
        m["tests"] = sorted(tests)
        if why or not tests:
            m["status"] = "equivalent" if why else "survived"
            m["by"] = why or "no test runs this line"
            log("%s [%d/%d] %s %s %s" % (lab, i + 1, len(mutants), m["id"],
                                         m["status"], m["by"]))
            continue
        tree = os.path.join(outdir, "tree", lab)
        shutil.rmtree(os.path.join(outdir, "tree"), ignore_errors=True)
        os.makedirs(tree)
        for f in files:
            shutil.copy(os.path.join(root, "solutions", lab, f), tree)
        shutil.copy(os.path.join(outdir, "mutants", m["id"], m["file"]), tree)
        m["status"], m["by"] = "survived", ""
        # Functional first (one quick build); the tools only if it survives.
        for stage in (["functional"], CHECKS[1:]):
            want = [c for c in stage
                    if any(ref.get((t, c), (False,))[0] for t in tests)]
            if not want:
                continue
            got = grade(root, os.path.join(outdir, "tree"), lab, tests, want,
                        os.path.join(outdir, "run"), timeout)
            if got is None:
                m["status"], m["by"] = "build-failed", ""
                break
            if got == "timeout":
                m["status"], m["by"] = "killed", "timeout (whole grade)"
                break
            kills = ["%s:%s(%s)" % (c, t, o) for (t, c), (ok, o)
                     in sorted(got.items())
                     if not ok and ref.get((t, c), (False,))[0]]
            if kills:
                m["status"], m["by"] = "killed", " ".join(kills[:3])
                break
        log("%s [%d/%d] %s %s %s" % (lab, i + 1, len(mutants), m["id"],
                                     m["status"], m["by"]))
    shutil.rmtree(os.path.join(outdir, "tree"), ignore_errors=True)
    shutil.rmtree(os.path.join(outdir, "run"), ignore_errors=True)
    elapsed = time.time() - t0
    write_report(outdir, lab, mutants, ops, elapsed, t_gen, t_ref)
    return mutants, elapsed


def write_report(outdir, lab, mutants, ops, elapsed, t_gen, t_ref):
    kinds = ["killed", "survived", "equivalent", "build-failed"]
    count = lambda ms, k: sum(1 for m in ms if m["status"] == k)
    with open(os.path.join(outdir, "report.tsv"), "w") as f:
        f.write("id\top\tfile\tline\tfunction\tstatus\tby\ttests\tsite\n")
        for m in mutants:
            f.write("\t".join([m["id"], m["op"], m["file"], str(m["line"]),
                               m["function"], m["status"], m["by"],
                               ",".join(m["tests"]), m["site"]]) + "\n")
    json.dump({"lab": lab, "seconds": round(elapsed), "generate": t_gen,
               "reference": t_ref, "mutants": mutants},
              open(os.path.join(outdir, "report.json"), "w"), indent=1)
    with open(os.path.join(outdir, "report.txt"), "w") as f:
        n = len(mutants)
        k = count(mutants, "killed")
        e = count(mutants, "equivalent")
        b = count(mutants, "build-failed")
        live = n - e - b
        f.write("%s: %d mutants, %d killed, %d survived, %d equivalent, "
                "%d build-failed; kill rate %s; %.0f s (generate %.0f s, "
                "coverage + reference %.0f s)\n\n" %
                (lab, n, k, count(mutants, "survived"), e, b,
                 "%.0f%%" % (100.0 * k / live) if live else "n/a",
                 elapsed, t_gen, t_ref - t_gen))
        f.write("%-22s %6s %6s %8s %6s %6s\n" % ("operator", "total",
                "killed", "survived", "equiv", "build"))
        for op in ops:
            ms = [m for m in mutants if m["op"] == op]
            f.write("%-22s %6d %6d %8d %6d %6d\n" % (op, len(ms),
                    count(ms, "killed"), count(ms, "survived"),
                    count(ms, "equivalent"), count(ms, "build-failed")))
        f.write("\nSurvivors (a test of the header is missing, or the "
                "mutant is equivalent):\n")
        for m in mutants:
            if m["status"] != "survived":
                continue
            new = [l[1:].strip() for l in m["diff"].splitlines()
                   if l.startswith("+") and not l.startswith("+++")]
            f.write("  %s %s:%d (%s): %s -> %s%s\n" % (
                m["op"], m["file"], m["line"], m["function"], m["site"],
                " ".join(new) or "(deleted)",
                "  [" + m["by"] + "]" if m["by"] else ""))
        f.write("\nKilled:\n")
        for m in mutants:
            if m["status"] == "killed":
                f.write("  %s %s:%d by %s\n" % (m["op"], m["file"],
                                              m["line"], m["by"]))
        for kind in ("equivalent", "build-failed"):
            ms = [m for m in mutants if m["status"] == kind]
            if ms:
                f.write("\n%s:\n" % kind.capitalize())
                for m in ms:
                    f.write("  %s %s:%d %s\n" % (m["op"], m["file"],
                                                m["line"], m["by"]))


# Grading goes through the grader's own sandbox; nothing else runs tests.
JAIL = []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--lab", default="")
    ap.add_argument("--ops", default="")
    ap.add_argument("--timeout", type=float, default=300)
    # Rewrite the reports from report.json (after editing equivalent.txt)
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    if not shutil.which("spatch"):
        log("spatch is missing (make deps: Debian's coccinelle)")
        return 2
    allops = sorted(f[:-6] for f in os.listdir(
        os.path.join(root, "grader/mutate/ops")) if f.endswith(".cocci"))
    ops = [o for o in a.ops.split(",") if o] or allops
    for o in ops:
        if o not in allops:
            log("no operator %s (grader/mutate/ops/)" % o)
            return 2
    labs = []
    for l in (a.lab.split(",") if a.lab else
              sorted(os.listdir(os.path.join(root, "solutions")))):
        d = lab_dir(root, l)
        if not d:
            log("LAB=%s: no such lab" % l)
            return 2
        labs.append(d)
    if a.report_only:
        for lab in labs:
            outdir = os.path.join(root, "build/mutate", lab.split("-")[0])
            try:
                rep = json.load(open(os.path.join(outdir, "report.json")))
            except (OSError, ValueError):
                log("%s: no report.json to rewrite" % lab)
                return 2
            eq = load_equivalents(root)
            for m in rep["mutants"]:
                why = is_equivalent(m, lab, eq)
                if why:
                    m["status"], m["by"] = "equivalent", why
                elif m["status"] == "equivalent":
                    m["status"], m["by"] = "survived", "was listed equivalent"
            write_report(outdir, lab, rep["mutants"], ops, rep["seconds"],
                         rep.get("generate", 0), rep.get("reference", 0))
            print(open(os.path.join(outdir, "report.txt")).readline(), end="")
        return 0
    subprocess.run(["make", "-s", "--no-print-directory", "-C", root,
                    "grader"], check=True)
    summary = []
    for lab in labs:
        ms, secs = run_lab(root, lab, ops, a.timeout)
        k = sum(1 for m in ms if m["status"] == "killed")
        s = sum(1 for m in ms if m["status"] == "survived")
        e = sum(1 for m in ms if m["status"] == "equivalent")
        b = sum(1 for m in ms if m["status"] == "build-failed")
        summary.append("%s: %d mutants, %d killed, %d survived, %d "
                       "equivalent, %d build-failed (%.0f s); "
                       "build/mutate/%s/report.txt" %
                       (lab, len(ms), k, s, e, b, secs, lab.split("-")[0]))
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
