#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make mutate-sample: keep one killed mechanical mutant per operator and
lab in make check.

make mutate is too long for make check (docs/mutation.md); what make
check can afford is a sample: for each operator that has a killed mutant
in a lab, the first one (by id) killed by a single check on a single
test. Each is written as an ordinary mutant patch,
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
import re
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


def builds(root, lab, name, text):
    """Does the mutated file compile with the labs' warnings as errors?"""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        open(path, "w").write(text)
        r = subprocess.run(["gcc", "-std=c11", "-D_GNU_SOURCE", "-Wall",
                            "-Wextra", "-Werror", "-pthread", "-fsyntax-only",
                            "-iquote", os.path.join(root, "labs", lab),
                            "-I", os.path.join(root, "harness"), path],
                           capture_output=True)
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
        chosen = {}
        for m in sorted(mutants, key=lambda m: m["id"]):
            k = kill_of(m)
            if k and m["op"] not in chosen:
                p = patch_of(root, os.path.join(src, lab[:2]), lab, m)
                if p:
                    chosen[m["op"]] = (m, k, p)
        for name in os.listdir(outdir):
            if name.startswith("gen-") and name[4:-6] not in chosen:
                os.unlink(os.path.join(outdir, name))
        for op, (m, (check, test), p) in sorted(chosen.items()):
            site = m["site"].replace("\n", " ")[:80]
            with open(os.path.join(outdir, "gen-%s.patch" % op), "w") as f:
                f.write("; SPDX-License-Identifier: MIT\n")
                f.write("; generated by make mutate-sample from make mutate's "
                        "mutant %s\n" % m["id"])
                f.write("check = %s\n" % check)
                f.write("test = %s\n" % test)
                f.write("why = operator %s at %s:%d in %s (`%s`): a mechanical "
                        "mutant that make mutate found killed by this check; "
                        "kept so that the kill holds.\n"
                        % (op, m["file"], m["line"], m["function"], site))
                f.write(p)
            wrote += 1
        print("%s: %d operators sampled (%s)" % (lab, len(chosen),
                                                 " ".join(sorted(chosen))))
    return 0 if wrote else 1


if __name__ == "__main__":
    sys.exit(main())
