#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make release: the student copy leaves out solutions, mutants, wheats, the
# instructor-only files and after-deadline decks, holds no line of a
# reference answer and no link to what it left out, builds, and
# grades there as here (a skeleton: exit 1, score 0); its own make check
# passes, and catches an edited test file.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-release.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp" # the grader runs tests as an unprivileged user when root
dest=$tmp/course
lab=02-threads

# A deck marked for after the deadline (the one marker the slides use) is
# left out; an untracked file is released like a tracked one.
deck=slides/zz-after-deadline-check.md
printf '# Answers\n\n<!-- deck: after-deadline -->\n' >"$deck"
trap 'rm -rf "$tmp" "$deck"' EXIT
log=$(make -s --no-print-directory release DEST="$dest" 2>&1) || fail "make release failed: $log"
rm -f "$deck"
[[ ! -e $dest/$deck ]] || fail "the release holds $deck, marked <!-- deck: after-deadline -->"
# No link in the copy points at a file the copy left out.
grep -q 'docs/instructors.md' README.md && {
    ! grep -q '](docs/instructors.md' "$dest/README.md" ||
        fail "the release's README links docs/instructors.md, which it leaves out"
    grep -q "instructors' copy" "$dest/README.md" ||
        fail "the release's README lost the words of its link to docs/instructors.md"
}
for p in solutions grader/tests/mutants grader/tests/wheats grader/tests/submissions grader/tests/checks \
    docs/instructors.md .github/workflows/ci.yml; do
    [[ ! -e $dest/$p ]] || fail "the release holds $p"
done
for p in Makefile README.md labs/$lab/rubric.ini labs/$lab/tests harness grader/src \
    grader/scripts/check.sh grader/release-manifest.sha256; do
    [[ -e $dest/$p ]] || fail "the release lacks $p"
done
for p in .github/workflows/classroom.yml .github/classroom/autograding.json; do
    [[ ! -e $p || -e $dest/$p ]] || fail "the release lacks $p (students' repositories run it)"
done
cmp -s grader/scripts/release-check.sh "$dest/grader/scripts/check.sh" ||
    fail "the release's make check is not release-check.sh"
leaks=$(bash grader/scripts/release-leaks.sh . "$dest") && [[ -z $leaks ]] ||
    fail "the release holds lines of the reference answers: $leaks"
# And the scan does find one when it is there.
answers=(solutions/"$lab"/*.c)
cp "${answers[0]}" "$dest/slides/leak.md"
[[ -n $(bash grader/scripts/release-leaks.sh . "$dest") ]] || fail "the leak scan missed a solution copied into slides/"
rm "$dest/slides/leak.md"
# One line of meaningful length is enough to be an answer.
line=$(awk 'length($0) >= 40 && /;/' "${answers[0]}" | while IFS= read -r l; do
    grep -rqF -- "$l" labs harness grader/src || { printf '%s\n' "$l"; break; }
done)
[[ -n $line ]] || fail "no line of ${answers[0]} to test the leak scan with"
printf 'notes\n%s\n' "$line" >"$dest/slides/one-line.md"
[[ -n $(bash grader/scripts/release-leaks.sh . "$dest") ]] || fail "the leak scan missed one line of a solution: $line"
rm "$dest/slides/one-line.md"

(cd "$dest" && make -s --no-print-directory grader unit) >"$tmp/build.log" 2>&1 ||
    fail "the release does not build: $(tail -20 "$tmp/build.log")"
(cd "$dest" && make -s --no-print-directory grade LAB=${lab%%-*} ONLY=functional) >"$tmp/grade.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "make grade in the release exited $rc, want 1: $(tail -20 "$tmp/grade.log")"
score=$(jq '.score' "$dest/build/grade/results.json")
max=$(jq '[.tests[].max_score] | add' "$dest/build/grade/results.json")
[[ $score == 0 && $max -gt 0 ]] || fail "the skeleton scored $score/$max in the release, want 0"

(cd "$dest" && bash grader/scripts/check.sh "$lab") >"$tmp/check.log" 2>&1 ||
    fail "make check in the release failed: $(cat "$tmp/check.log")"
test_file=$(ls "$dest/labs/$lab/tests/"*.c | head -1)
echo '/* edited */' >>"$test_file"
(cd "$dest" && bash grader/scripts/check.sh "$lab") >"$tmp/check2.log" 2>&1 &&
    fail "make check in the release did not notice an edited test file"
grep -q 'provided files changed' "$tmp/check2.log" || fail "no 'provided files changed' in: $(cat "$tmp/check2.log")"
echo "release: $(find "$dest" -type f -not -path '*/build/*' | wc -l) files, builds, skeleton $score/$max, its make check passes"
