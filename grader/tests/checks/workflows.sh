#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every GitHub Actions workflow parses as YAML and names its triggers and
# jobs; the weekly mutation run (mutate.yml) grades every lab that has
# reference solutions, keeps each report, and fails on a survivor. GitHub
# itself cannot be run here: this is what can be checked without it.
set -u
cd "$(dirname "$0")/../../.."
labs=$(build/bin/grader labs --root . --tsv | tail -n +2 | cut -f1 | cut -c1-2 | paste -sd' ' -)
python3 - "$labs" .github/workflows/*.yml <<'PY'
import sys, yaml
labs, files, bad = sys.argv[1].split(), sys.argv[2:], 0
for f in files:
    try:
        w = yaml.safe_load(open(f))
        # YAML 1.1 reads a bare `on:` key as true.
        assert (w.get("on") or w.get(True)) and w.get("jobs"), "no triggers or no jobs"
        for name, job in w["jobs"].items():
            assert job.get("steps") and job.get("runs-on"), f"job {name}: no steps or runs-on"
    except Exception as e:
        print(f"{f}: {e}")
        bad += 1
m = yaml.safe_load(open(".github/workflows/mutate.yml"))
job = m["jobs"]["mutate"]
run = " ".join(s.get("run", "") for s in job["steps"])
if not m["on"].get("schedule"):
    print("mutate.yml: no schedule"); bad += 1
if sorted(job["strategy"]["matrix"]["lab"]) != sorted(labs):
    print(f"mutate.yml: its matrix {job['strategy']['matrix']['lab']} is not the labs {labs}"); bad += 1
if "make --no-print-directory mutate" not in run or "survived" not in run:
    print("mutate.yml: does not run make mutate and fail on a survivor"); bad += 1
if not any("upload-artifact" in s.get("uses", "") for s in job["steps"]):
    print("mutate.yml: keeps no report"); bad += 1
print(f"{len(files)} workflows parse; mutate.yml covers labs {' '.join(labs)}" if not bad else "")
sys.exit(1 if bad else 0)
PY
