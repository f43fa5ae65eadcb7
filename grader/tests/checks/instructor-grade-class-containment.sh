#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# grade-class against a hostile student, and where nothing contains one.
#   class      a class of lab 01 submissions graded as root: an honest
#              student, `a b` and `a_b` (a folder-name collision), and a
#              hostile one graded after the honest one, whose every test
#              tries to append a forged row to the gradebook (and its .tmp,
#              written during the run), overwrite the honest student's
#              results and append to the log, at their exact paths. The
#              honest row and results must be intact, no forged row, and
#              the hostile student's own results prove its code ran.
#   no userns  an ordinary user in a user namespace whose limit on nested
#              user namespaces is 0 (a real kernel limit, set only inside
#              that namespace; the machine is untouched), so the grader's
#              user-namespace probe fails as on a kernel that forbids
#              them: tests would run as that user. grade-class must refuse
#              (exit 2, saying how to go on) and write nothing; with
#              GRADE_CLASS_UNCONTAINED=1 it grades, and the report, the
#              results.json and the gradebook's notes say NOT CONTAINED.
# Lab 01, functional checks only, to stay fast.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
lab=01-processes
fail() { echo "FAIL: $*"; exit 1; }
if [[ $(id -u) -ne 0 ]]; then
    echo "not root: the hostile class needs test uids, and the no-userns pass root to set up; skipped"
    exit 0
fi
tmp=$(mktemp -d /tmp/grade-class-containment.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
max=$(bash grader/scripts/rubric-points.sh | awk -F'\t' -v l=$lab '$1 == l { print $4 }')

honest() { mkdir -p "$1/$lab" && cp solutions/$lab/*.c "$1/$lab/"; }

# The hostile run.c: the reference, after an attempt at every file that
# decides a grade. It then fails (so its output, the attempts, reaches its
# own results), which also proves its code ran.
hostile() { # dir out-dir
    honest "$1"
    sed -n '/^ \* The exec-status pipe/,$p' solutions/$lab/run.c |
        sed '1s/^/\/*\n/; s/^int run_command(/static int honest_run(/' >"$tmp/body.c"
    cat >"$1/$lab/run.c" <<EOF
/* SPDX-License-Identifier: MIT */
/* A hostile submission: it writes to the class's gradebook and another
 * student's results, then fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

static void attempt(const char *path, int flags, const char *text)
{
    int fd = open(path, flags | O_WRONLY | O_CREAT, 0666);

    if (fd < 0) {
        printf("attempt %s: %s\n", path, strerror(errno));
        return;
    }
    printf("attempt %s: WROTE\n", path);
    (void)!write(fd, text, strlen(text));
    close(fd);
}

$(cat "$tmp/body.c")

int run_command(char *const argv[], struct run_status *st)
{
    static const char row[] = "forged-student,999,999,\n";
    static const char json[] = "{\"score\": 999, \"tests\": [], \"output\": \"FORGED\"}\n";

    attempt("$2/gradebook.csv.tmp", O_APPEND, row);
    attempt("$2/gradebook.csv", O_APPEND, row);
    attempt("$2/grade-class.log", O_APPEND, row);
    attempt("$2/alice/results.json", O_TRUNC, json);
    attempt("$2/alice/labs/$lab/results.json", O_TRUNC, json);
    attempt("../../../../../../grade/gradebook.csv.tmp", O_APPEND, row);
    (void)honest_run;
    (void)argv;
    (void)st;
    return -EPERM;
}
EOF
}

# --- class: a hostile student among honest ones, graded as root --------
class=$tmp/class out=$tmp/out
honest "$class/alice"
honest "$class/a b"
mkdir -p "$class/a_b"
hostile "$class/mallory" "$out"
make -s --no-print-directory grade-class SUBMISSIONS="$class" LAB=01 ONLY=functional \
    GRADEBOOK_DIR="$out" >"$tmp/class.log" 2>&1
rc=$?
book=$out/gradebook.csv
show() { echo "--- gradebook"; cat "$book"; echo "--- log"; cat "$tmp/class.log"; }
[[ $rc -eq 0 && -f $book ]] || { show; fail "grade-class exited $rc (want 0: every student graded)"; }
row() { grep -E "^$1," "$book"; }
[[ $(row alice) == "alice,$max,$max," ]] || { show; fail "alice's row is not full marks and nothing else"; }
grep -qi forged "$book" "$out/grade-class.log" && { show; fail "a forged row reached the gradebook or the log"; }
[[ $(($(wc -l <"$book") - 1)) -eq 4 ]] || { show; fail "want 4 rows (alice, a_b, a_b-2, mallory)"; }
for r in "$out/alice/results.json" "$out/alice/labs/$lab/results.json"; do
    jq -e --argjson m "$max" '.score == $m and ([.tests[] | select(.status != "passed")] | length == 0)' \
        "$r" >/dev/null || fail "$r: not alice's own full marks"
done
grep -rq FORGED "$out/alice" && fail "alice's results hold the hostile student's text"
# Its code ran (every attempt in its feedback), and no attempt got through.
jq -r '.tests[].output' "$out/mallory/results.json" >"$tmp/mallory.txt"
grep -q "attempt $out/gradebook.csv.tmp: " "$tmp/mallory.txt" ||
    fail "mallory's attempts are not in its results: did its code run?"
grep -q 'attempt .*: WROTE' "$tmp/mallory.txt" &&
    fail "a write got through: $(grep -m3 WROTE "$tmp/mallory.txt")"
m=$(row mallory | cut -d, -f2)
[[ -n $m && $m -lt $max ]] || { show; fail "mallory: want less than $max (its run tests fail)"; }
# `a b` and `a_b` in the same class: a row and a results folder each.
[[ $(row a_b) == "a_b,$max,$max,"* && $(row a_b-2) == a_b-2,0,0,* ]] ||
    { show; fail "a b / a_b: want a_b (full marks) and a_b-2 (0)"; }
[[ $(row a_b-2) == *"recorded as a_b-2: a_b was taken by 'a b'"* ]] || fail "a_b-2: the collision is not in its notes"
echo "class: the hostile student wrote nothing outside its run folder ($(grep -c '^attempt' "$tmp/mallory.txt") attempts refused); alice intact; a b / a_b two rows"

# --- no userns: an ordinary user where no containment holds -------------
user=${GRADER_USER:-nobody}
group=$(id -gn "$user")
shared=$tmp/shared
mkdir -p "$shared"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$shared" -xf -
honest "$shared/class/alice"
chown -R "$user" "$shared"

# Run a command as $user in a new user namespace (identity-mapped, so
# files keep their owners) whose max_user_namespaces is 0.
without_userns() {
    unshare --user --setgroups allow -- bash -c '
        until [[ -n $(</proc/self/gid_map) ]]; do sleep 0.02; done
        echo 0 | dd of=/proc/sys/user/max_user_namespaces status=none || exit 97
        exec setpriv --reuid="$0" --regid="$1" --clear-groups -- \
            env -i HOME="$2" PATH=/usr/local/bin:/usr/bin:/bin "${@:3}"' \
        "$user" "$group" "$shared" "$@" &
    local pid=$! i
    for i in $(seq 250); do
        [[ $(readlink /proc/$pid/ns/user) != "$(readlink /proc/self/ns/user)" ]] && break
        sleep 0.02
    done
    echo "0 0 4294967295" >/proc/$pid/uid_map && echo "0 0 4294967295" >/proc/$pid/gid_map ||
        { kill $pid; wait $pid; return 98; }
    wait $pid
}

cd "$shared" || exit 1
without_userns make -s --no-print-directory grader >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; fail "could not build the grader as $user"; }
without_userns build/bin/grader containment --root . >"$tmp/containment.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] && grep -q '^contained: no' "$tmp/containment.log" ||
    { cat "$tmp/containment.log"; fail "grader containment: want exit 1 and 'contained: no' without user namespaces (got $rc)"; }
without_userns make -s --no-print-directory grade-class SUBMISSIONS=class LAB=01 \
    ONLY=functional GRADEBOOK_DIR="$shared/out" >"$tmp/refused.log" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q 'refusing to grade' "$tmp/refused.log" &&
    grep -q 'GRADE_CLASS_UNCONTAINED=1' "$tmp/refused.log" &&
    grep -q 'unprivileged_userns_clone' "$tmp/refused.log" ||
    { cat "$tmp/refused.log"; fail "grade-class without containment: want exit 2 and how to go on (got $rc)"; }
[[ ! -e $shared/out/gradebook.csv && ! -e $shared/out/alice ]] ||
    fail "the refused grade-class wrote results"
without_userns env GRADE_CLASS_UNCONTAINED=1 make -s --no-print-directory grade-class \
    SUBMISSIONS=class LAB=01 ONLY=functional GRADEBOOK_DIR="$shared/out" >"$tmp/uncontained.log" 2>&1
rc=$?
book=$shared/out/gradebook.csv
[[ $rc -eq 0 ]] && grep -qE "^alice,$max,$max,\".*NOT CONTAINED" "$book" ||
    { cat "$tmp/uncontained.log" "$book"; fail "GRADE_CLASS_UNCONTAINED=1: want exit 0, alice graded, NOT CONTAINED in her notes (got $rc)"; }
grep -q 'WARNING: tests NOT CONTAINED' "$shared/out/grade-class.log" || fail "the log does not say NOT CONTAINED"
jq -e '.output | contains("NOT CONTAINED")' "$shared/out/alice/results.json" >/dev/null ||
    fail "alice's results.json does not say NOT CONTAINED"
grep -q '^containment: NOT CONTAINED' "$shared/out/alice/labs/$lab/report.txt" ||
    fail "alice's report does not say NOT CONTAINED"
echo "no userns: grade-class refuses as $user (exit 2); GRADE_CLASS_UNCONTAINED=1 grades, and every report and row says NOT CONTAINED"
