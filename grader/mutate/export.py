#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make mutate-sample: keep one killed mechanical mutant per operator and
lab in make check.

make mutate is too long for make check (docs/mutation.md); what make
check can afford is a sample: for each operator that has a killed mutant
in a lab, one whose diff still applies to the reference and that the
grader catches here, preferring those killed on the most tests. Each is
written as an ordinary mutant patch,
grader/tests/mutants/NN-topic/gen-OPERATOR.patch, whose header names that
check and test: make check then proves, at every run, that the kill still
holds, at the cost of one test of one check. Reads build/mutate/NN/
report.json (and the mutants' files beside it) as make mutate left them;
patches of operators that no longer have a killed mutant are removed.

Usage: export.py --root DIR [--lab NN[,NN]] [--from DIR]
  --from DIR   read DIR/NN/report.json instead of build/mutate (another
               checkout's run)
"""
import argparse
import json
import os
import functools
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutate import UNUSED_OK  # noqa: E402  the pragmas make mutate adds


def kill_of(m):
    """(check, test) when one check on one test killed m, else None."""
    by = m.get("by", "").split()
    if m.get("status") != "killed" or not by:
        return None
    k = re.match(r"^([a-z]+):(test_[A-Za-z0-9_]+)\(", by[0])
    return (k.group(1), k.group(2)) if k else None


@functools.lru_cache(maxsize=None)
def compile_command(root, lab):
    """How the lab's build compiles a student file (plain variant), as the
    Makefile says it (make lab-info's compile line), without the file.
    MAKEFLAGS and the rest are dropped, as the grader drops them (lab.c):
    make mutate-sample's own LAB=NN must not reach this make."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    out = subprocess.run(["make", "-s", "--no-print-directory", "-C", root,
                          "lab-info", "LAB=" + lab, "VARIANT=plain"],
                         capture_output=True, text=True, env=env).stdout
    for line in out.splitlines():
        if line.startswith("compile: "):
            return tuple(shlex.split(line[len("compile: "):]))
    sys.exit("export.py: make lab-info LAB=%s printed no compile line" % lab)


def builds(root, lab, name, text):
    """Does the mutated file compile with the labs' warnings as errors?"""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        open(path, "w").write(text)
        # cwd: the build's -MMD writes its .d file there
        r = subprocess.run(list(compile_command(root, lab)) +
                           ["-fsyntax-only", path], capture_output=True, cwd=d)
        return r.returncode == 0


def patch_of(root, src_dir, lab, m):
    """The mutant as a patch against solutions/ as it is now: make mutate's
    diff applied (without fuzz) to the current reference file, or None when
    it no longer applies (the reference changed since that run). make
    mutate put a line of pragmas before each mutant (a deleted call can
    leave a variable unused, which -Werror refuses); the patch keeps them
    only when the mutant needs them."""
    ref = os.path.join(root, "solutions", lab, m["file"])
    with tempfile.TemporaryDirectory() as d:
        out, diff = os.path.join(d, m["file"]), os.path.join(d, "diff")
        open(diff, "w").write(m["diff"])
        r = subprocess.run(["patch", "-s", "-F", "0", "-o", out, ref, diff],
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.isfile(out):
            return None
        text = open(out).read()
        if not builds(root, lab, m["file"], text):
            text = UNUSED_OK + text
            open(out, "w").write(text)
        label = "solutions/%s/%s" % (lab, m["file"])
        r = subprocess.run(["diff", "-u", "--label", label, "--label", label,
                            ref, out], capture_output=True, text=True)
    return r.stdout if r.returncode == 1 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--lab", default="")
    ap.add_argument("--from", dest="src", default="")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    src = os.path.abspath(a.src) if a.src else os.path.join(root, "build/mutate")
    labs = sorted(d for d in os.listdir(os.path.join(root, "labs"))
                  if re.match(r"^\d\d-", d))
    if a.lab:
        want = {l.strip()[:2].zfill(2) for l in a.lab.split(",")}
        labs = [l for l in labs if l[:2] in want]
    wrote = 0
    for lab in labs:
        rep = os.path.join(src, lab[:2], "report.json")
        if not os.path.isfile(rep):
            print("%s: no %s (run make mutate LAB=%s first)" % (lab, rep, lab[:2]))
            continue
        mutants = json.load(open(rep))["mutants"]
        outdir = os.path.join(root, "grader/tests/mutants", lab)
        os.makedirs(outdir, exist_ok=True)
        # Per operator, the mutants killed the most ways first (a kill
        # seen on several tests is the least likely to have been the
        # machine's doing), then by id; each is graded here as make check
        # will grade it, and the first that is caught is kept.
        order = sorted((m for m in mutants if kill_of(m)),
                       key=lambda m: (-len(m["by"].split()), m["id"]))
        chosen, tried = {}, {}
        for m in order:
            op = m["op"]
            if op in chosen or tried.get(op, 0) >= 3:
                continue
            p = patch_of(root, os.path.join(src, lab[:2]), lab, m)
            if not p:
                continue
            tried[op] = tried.get(op, 0) + 1
            check, test = kill_of(m)
            path = os.path.join(outdir, "gen-%s.patch" % op)
            with open(path, "w") as f:
                f.write("; SPDX-License-Identifier: MIT\n")
                f.write("; generated by make mutate-sample from make mutate's "
                        "mutant %s\n" % m["id"])
                f.write("; at %s:%d in %s: %s\n" % (m["file"], m["line"],
                        m["function"], m["site"].replace("\n", " ")[:120]))
                f.write("check = %s\n" % check)
                f.write("test = %s\n" % test)
                f.write("why = a mechanical mutant (operator %s) that make "
                        "mutate saw this check kill\n" % op)
                f.write(p)
            r = subprocess.run([os.path.join(root, "build/bin/grader"), "grade",
                                "--root", root, "--mutant", path],
                               capture_output=True, text=True)
            if r.returncode == 0:
                chosen[op] = m
            else:
                os.unlink(path)
                print("%s: %s not caught here (exit %d); trying the next"
                      % (lab, m["id"], r.returncode))
        for name in os.listdir(outdir):
            if name.startswith("gen-") and name[4:-6] not in chosen:
                os.unlink(os.path.join(outdir, name))
        wrote += len(chosen)
        print("%s: %d operators sampled (%s)" % (lab, len(chosen),
                                                 " ".join(sorted(chosen))))
    return 0 if wrote else 1


if __name__ == "__main__":
    sys.exit(main())
