#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make grade-class DEADLINE=: each clone is graded at its last commit before
# the deadline. Throwaway git repositories made here, their commits at fixed
# dates (GIT_COMMITTER_DATE) before and after 2026-12-01 23:59 UTC; lab 03,
# functional checks only. Then a late policy (`late =` in a copy of the
# repository whose lab 03 rubric has one): the last commit before the
# cutoff is graded, and the gradebook shows the penalty.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-deadline.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
lab=03-race-conditions
deadline='2026-12-01 23:59 +0000'
max=$(build/bin/grader points --root . | awk -F'\t' -v lab=$lab '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == "functional") c = i }
    $1 == lab { print $c }')
files=$(build/bin/grader labs --root . --lab $lab --json | jq -r '.labs[].student[]')

# commit DIR DATE FROM: the lab's student files from solutions/ or labs/,
# committed (as a clone lays them out) at DATE.
commit() {
    mkdir -p "$1/labs/$lab"
    [[ -d $1/.git ]] || git init -q "$1"
    for f in $files; do cp "$root/$3/$lab/$f" "$1/labs/$lab/$f"; done
    git -C "$1" add -A
    GIT_COMMITTER_DATE="$2" GIT_AUTHOR_DATE="$2" \
        git -C "$1" -c user.name=student -c user.email=s@example.org commit -q -m "$3 at $2"
}
c=$tmp/class
commit "$c/ontime" '2026-11-30 12:00 +0000' solutions
commit "$c/ontime" '2026-12-02 09:00 +0000' labs
commit "$c/late" '2026-11-29 12:00 +0000' labs
commit "$c/late" '2026-12-03 10:00 +0000' solutions
commit "$c/never" '2026-12-05 12:00 +0000' solutions
mkdir -p "$c/plain/$lab" && for f in $files; do cp "solutions/$lab/$f" "$c/plain/$lab/"; done
first() { git -C "$1" rev-list --max-parents=0 HEAD; }

make -s --no-print-directory grade-class SUBMISSIONS="$c" LAB=03 ONLY=functional JOBS=4 \
    DEADLINE="$deadline" GRADEBOOK_DIR="$tmp/out" >"$tmp/log" 2>&1
book=$tmp/out/gradebook.csv
[[ -s $book ]] || { cat "$tmp/log"; fail "no gradebook"; }
row() { grep -E "^$1," "$book"; }
[[ $(row ontime) == "ontime,$max,$max," ]] || { cat "$book"; fail "ontime: want $max (its commit of 11-30), got: $(row ontime)"; }
[[ $(cut -f1 "$tmp/out/ontime/commit.tsv") == "$(first "$c/ontime")" ]] || fail "ontime: commit.tsv names the wrong commit"
[[ $(row late) == "late,0,0," ]] || fail "late: want 0 (its skeleton of 11-29; the lab takes no late work), got: $(row late)"
[[ $(row never) == 'never,0,0,"no commit before the deadline: graded as empty"' ]] ||
    fail "never: want 0 and a note, got: $(row never)"
[[ $(row plain) == "plain,$max,$max,\"not a git clone with commits: graded as it is (DEADLINE needs the history)\"" ]] ||
    fail "plain: want $max and a note, got: $(row plain)"
grep -q "ontime: commit $(first "$c/ontime" | cut -c1-12) of 2026-11-30 12:00:00 UTC" "$tmp/out/grade-class.log" ||
    fail "the log does not say which commit was graded"
echo "DEADLINE: the last commit before it graded (on time, late, never, not a clone)"

# A late policy: 10% per started day, at most 50%, nothing after 7 days.
# In a copy of the repository (its lab 03 rubric gains the policy), with
# this grader.
r=$tmp/root
mkdir "$r"
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$r" -xf -
mkdir -p "$r/build/bin" && cp build/bin/grader "$r/build/bin/"
sed -i '/^\[lab\]/a late = 10%/day, max 50%, cutoff 7d' "$r/labs/$lab/rubric.ini"
got=$("$r/build/bin/grader" late --root "$r" --lab 03 --seconds 122400 | tail -1 | cut -f2-5)
[[ $got == $'10%/day, max 50%, cutoff 7d\t604800\t122400\t20' ]] || fail "grader late: 1d 10h late is not -20%: $got"
[[ $("$r/build/bin/grader" late --root "$r" --lab 03 --seconds 900000 | tail -1 | cut -f5) == 100 ]] ||
    fail "grader late: past the cutoff is not -100%"
c2=$tmp/class2
mkdir "$c2" && cp -a "$c/late" "$c2/"
commit "$c2/toolate" '2026-11-29 12:00 +0000' labs
commit "$c2/toolate" '2026-12-10 12:00 +0000' solutions
bash "$r/grader/scripts/grade-class.sh" --root "$r" --submissions "$c2" --labs 03 --only functional \
    --jobs 4 --deadline "$deadline" --out "$tmp/out2" >"$tmp/log2" 2>&1
book=$tmp/out2/gradebook.csv
want=$(awk -v m="$max" 'BEGIN { x = sprintf("%.2f", m * 0.8); sub(/0+$/, "", x); sub(/\.$/, "", x); print x }')
[[ $(row late) == "late,$want,$want,\"$lab: 1d 10h late: -20% ($max -> $want)\"" ]] ||
    { cat "$tmp/log2"; fail "late: want $want (-20%: 1d 10h late) and a note, got: $(row late)"; }
[[ $(row toolate) == "toolate,0,0," && $(cut -f1 "$tmp/out2/toolate/commit.tsv") == "$(first "$c2/toolate")" ]] ||
    fail "toolate: want its commit before the cutoff (the skeleton), got: $(row toolate)"
# A policy the grader cannot read is an error of the rubric, not a guess.
sed -i 's|^late = .*|late = 10 per day|' "$r/labs/$lab/rubric.ini"
"$r/build/bin/grader" late --root "$r" --lab 03 >/dev/null 2>&1
[[ $? -eq 2 ]] || fail "late = 10 per day: the grader took it"
echo "late policy: 1d 10h late loses 20% in the gradebook; past the cutoff, the earlier commit"
