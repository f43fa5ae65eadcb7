#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A timeout under every tool shows where each thread was (#23): lab 04's
# bbuf_close that signals where it must broadcast (the mutant
# bbuf-close-signal, a lost wake-up) is graded under ThreadSanitizer,
# Helgrind, DRD and Memcheck, and each report must name the threads'
# waits in the student's bbuf_get, with the likely cause. The run is a
# scratch copy of the repository whose lab 04 rubric gives that test
# points under each tool and shrinks the tools' timeout factors to 2
# (30 for Valgrind would make it a 90 s wait per tool): about 35 s of
# waiting and 4 s of CPU.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
fail() { echo "FAIL: $*"; exit 1; }
lab=04-mutexes-semaphores test=test_bbuf_close_wakes_all_getters
mutant=grader/tests/mutants/$lab/bbuf-close-signal.patch
[[ -f $mutant ]] || fail "$mutant is gone: pick another lost wake-up"
make -s grader >/dev/null || fail "the grader does not build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

# The copy (tracked and untracked files) and the grader just built.
mkdir -p "$tmp/repo/build" "$tmp/tree"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$tmp/repo" -xf -
cp -a build/bin build/grader "$tmp/repo/build/"
rubric=$tmp/repo/labs/$lab/rubric.ini
sed -i -e '/^\[lab\]$/a valgrind_factor = 2\ntsan_factor = 2' \
    -e "/^\\[$test\\]\$/a helgrind = 1\\ndrd = 1\\nmemcheck = 1" "$rubric"
grep -q "^tsan = " <(sed -n "/^\\[$test\\]\$/,/^\\[/p" "$rubric") ||
    fail "$test has no tsan points in the rubric any more: give it some here too"
cp -r solutions "$tmp/tree/"
(cd "$tmp/tree" && patch -p0 -s <"$root/$mutant") || fail "$mutant does not apply"

# No functional entry in the run, so the tool checks are not held back by
# the functional failure (no vacuous credit does not apply).
(cd "$tmp/repo" && build/bin/grader grade --root . --src "$tmp/tree/solutions" --lab $lab \
    --only tsan,helgrind,drd,memcheck --test $test --out "$tmp/out" --quiet) >"$tmp/log" 2>&1
results=$tmp/out/results.json
[[ -f $results ]] || { cat "$tmp/log"; fail "the grading wrote no results.json"; }
for check in tsan helgrind drd memcheck; do
    out=$(jq -r --arg c $check '.tests[] | select(.extra_data.check == $c) | .output' "$results")
    what="$test under $check"
    [[ -n $out ]] || fail "$what: no result"
    grep -q 'timed out' <<<"$out" || fail "$what did not time out: $(head -3 <<<"$out")"
    grep -q 'where each thread was at the timeout' <<<"$out" ||
        fail "$what: the report does not show where each thread was: $(head -8 <<<"$out")"
    grep -Eq "waits in pthread_cond_(timed)?wait.*called from bbuf_get \\([^)]*bbuf\\.c:[0-9]+\\)" <<<"$out" ||
        fail "$what: no thread shown waiting in bbuf_get (bbuf.c:LINE): $(head -12 <<<"$out")"
    grep -q 'likely cause: a lost wake-up' <<<"$out" ||
        fail "$what: the likely cause is not a lost wake-up: $(head -12 <<<"$out")"
done
echo "tool timeouts: under tsan, helgrind, drd and memcheck a lost wake-up's report shows each thread's wait in bbuf_get"
