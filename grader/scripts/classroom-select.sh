#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Which labs a GitHub Classroom run grades: for a push, the labs whose
# folder (labs/NN-topic/) the push changed, from `git diff` of the pushed
# commit against the commit before the push; a change anywhere outside
# labs/ (the harness, the Makefile, the grader) grades every lab. Every
# other event (the deadline's schedule, workflow_dispatch, Classroom's
# repository_dispatch), a new branch, or a `before` commit this clone does
# not have grades every lab. Prints the labs, one a line.
#
# Usage: classroom-select.sh EVENT [BEFORE [HEAD]]
#   in the repository (HEAD defaults to HEAD). The labs are the grader's
#   (grader labs); CLASSROOM_ALL_LABS="a b" gives them instead (the check).
set -u
event=${1:?usage: classroom-select.sh EVENT [BEFORE [HEAD]]}
before=${2:-}
head=${3:-HEAD}
root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -n ${CLASSROOM_ALL_LABS:-} ]]; then
    all=$(tr ' ' '\n' <<<"$CLASSROOM_ALL_LABS" | grep .)
else
    all=$("$root/build/bin/grader" labs --root "$root" --tsv | tail -n +2 | cut -f1) || exit 2
fi
everything() { echo "$all"; exit 0; }

[[ $event == push ]] || everything
[[ -n $before && ! $before =~ ^0+$ ]] || everything
git cat-file -e "$before^{commit}" 2>/dev/null || everything
changed=$(git diff --name-only --no-renames "$before" "$head") || everything
[[ -n $changed ]] || exit 0 # nothing changed: nothing to grade again
# Any path outside a lab folder can change every lab's build.
grep -qvE '^labs/[^/]+/' <<<"$changed" && everything
grep -xF -f <(cut -d/ -f2 <<<"$changed" | sort -u) <<<"$all" || true
