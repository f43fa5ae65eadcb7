#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile corpus again, in the configurations corpus.sh (run from the
# repository as it lies) does not cover:
#   private   a copy of the repository in a private (0700) folder made by
#             mktemp -d, graded as root: the grader cannot hand such a
#             folder's run folders to its test uid, so before the view
#             (docs/architecture.md) tests ran there as root, unbounded;
#   user      a copy owned by an ordinary user, graded as that user (an
#             instructor who is not root), the entries that write or read
#             what they must not, the fork bomb, and a test that hangs at
#             exit with SIGTERM ignored;
#   container root with Docker's default capabilities (Gradescope's
#             containers): no CAP_SYS_ADMIN, so no mount, PID or network
#             namespace, only a uid of its own per test. Emulated with
#             setpriv's bounding set: no seccomp profile, no masked /proc
#             paths. The tests can read what `nobody` can (the repository:
#             Gradescope's zip is a student release, without solutions/),
#             so the entries that read are left out; the ones that write,
#             signal, escape or fork-bomb are graded.
# Each pass is corpus.sh itself, run in the copy: every entry its verdict,
# exit status, budget, no survivor, nothing outside build/ changed, nothing
# forbidden in the feedback.
set -u
cd "$(dirname "$0")/../../.."
user=${GRADER_USER:-nobody}

# A copy of the tree as it is (tracked and untracked files), with the
# grader this run built (its objects too, mtimes kept, so the pass's own
# `make grader` finds it up to date: three builds were 12 s of CPU).
copy_tree() { # dest
    git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$1" -xf -
    mkdir -p "$1/build"
    cp -a build/bin build/grader "$1/build/" 2>/dev/null || rm -rf "$1/build"
}

# The three passes run at once, each in its own copy (most of an entry's
# time is its test's timeout, waited out): 308 s one after another in make
# check's busy phase. One entry at a time in each (CORPUS_JOBS), so three
# at once in all, as before when one pass ran three: each entry builds lab
# 01 afresh, and more at once starved them past their budgets on a busy
# machine. Their fork bombs take one lock, which every user can
# open (CORPUS_BOMB_LOCK: make check shares its own with corpus.sh), so
# that only one stands at its bound at a time.
pass() { # name dir [runuser-user [wrapper...]]: the verdict in $results/NAME
    local name=$1 dir=$2 as=${3:-} t0=$SECONDS rc log
    shift 3 2>/dev/null || shift $#
    if [[ $# -gt 0 ]]; then
        # The pass must run in the configuration it names: the grader's own
        # word for what held comes first in the log.
        log=$(cd "$dir" && "$@" env CORPUS_ONLY="${CORPUS_ONLY:-}" CORPUS_BOMB_LOCK="$lock" CORPUS_JOBS=1 bash -c 'make -s grader >/dev/null 2>&1
            build/bin/grader doctor --root . | grep -A1 "^containment" | tail -1
            bash grader/tests/checks/corpus.sh' 2>&1)
    elif [[ -n $as ]]; then
        log=$(cd "$dir" && runuser -u "$as" -- env HOME="$dir" PATH=/usr/local/bin:/usr/bin:/bin \
            CORPUS_ONLY="${CORPUS_ONLY:-}" CORPUS_BOMB_LOCK="$lock" CORPUS_JOBS=1 bash -c 'make -s grader >/dev/null 2>&1; bash grader/tests/checks/corpus.sh' 2>&1)
    else
        log=$(cd "$dir" && { make -s grader >/dev/null 2>&1; CORPUS_ONLY="${CORPUS_ONLY:-}" CORPUS_BOMB_LOCK="$lock" CORPUS_JOBS=1 bash grader/tests/checks/corpus.sh; } 2>&1)
    fi
    rc=$?
    printf '%s\n' "$log" >"$results/$name.log"
    if [[ $rc -ne 0 ]]; then
        echo "FAIL: the corpus in the $name configuration:"
        echo "$log" | sed 's/^/    /'
    else
        echo "ok $name: $(grep -c '^ok ' <<<"$log") corpus checks held ($((SECONDS - t0)) s)"
    fi >"$results/$name"
}

if [[ $(id -u) -ne 0 ]]; then
    echo "not root: the private-folder and ordinary-user passes need root to set up; skipped"
    exit 0
fi

results=$(mktemp -d)
priv=$(mktemp -d)
trap 'rm -rf "$priv" "${shared:-}" "${box:-}" "$results" "${locks:-}"' EXIT
lock=${CORPUS_BOMB_LOCK:-}
if [[ -z $lock ]]; then
    locks=$(mktemp -d)
    chmod 755 "$locks"
    lock=$locks/forkbomb.lock
fi
touch "$lock" && chmod 666 "$lock" 2>/dev/null
[[ $(stat -c %a "$priv") == 700 ]] || { echo "FAIL: mktemp -d made a folder that is not 0700"; exit 1; }
copy_tree "$priv"
# The entries whose containment depends on the folder (and so on whether
# the grader could hand the test a uid of its own): what a test can read
# or write, whom it can signal, how its processes and memory are bounded
# (one fork bomb: each holds both CPUs until it is killed, and the other
# two are bounded by the same limit), what a constructor can reach, and
# how they are killed. The forged outputs are judged by the grader the
# same wherever it runs: corpus.sh grades them.
CORPUS_ONLY="forkbomb reads-private-files symlinked-tool-log writes-results-file edits-test-file setsid-escapee signals-everyone dtor-sigterm-sleeper ctor-escape huge-allocation kills-parent gcov-link" \
    pass private "$priv" &

# The ordinary user's copy must be theirs, under folders they may enter.
shared=$(mktemp -d)
chmod 755 "$shared"
copy_tree "$shared"
chown -R "$user" "$shared"
# The entries whose containment depends on who grades: what a test can
# read or write, whom it can signal, and how its processes are bounded and
# killed (a test that outlives its verdict, SIGTERM ignored, is killed
# without a uid of its own). Forged output is judged the same everywhere.
CORPUS_ONLY="forkbomb reads-private-files symlinked-tool-log writes-results-file edits-test-file setsid-escapee signals-everyone dtor-sigterm-sleeper ctor-escape" \
    pass "user ($user)" "$shared" "$user" &

box=$(mktemp -d)
chmod 755 "$box"
copy_tree "$box"
docker_caps=-all,+chown,+dac_override,+fsetid,+fowner,+mknod,+net_raw,+setgid,+setuid,+setfcap,+setpcap,+net_bind_service,+sys_chroot,+kill,+audit_write
CORPUS_ONLY="forkbomb setsid-escapee nondumpable-escapee signals-everyone writes-results-file edits-test-file symlinked-tool-log" \
    pass container "$box" "" \
    setpriv --bounding-set "$docker_caps" --inh-caps=-all -- &
wait

problems=0
for name in private "user ($user)" container; do
    cat "$results/$name" 2>/dev/null || echo "FAIL: the $name pass left no verdict"
    grep -q '^ok ' "$results/$name" 2>/dev/null || problems=$((problems + 1))
done
log=$(cat "$results/container.log" 2>/dev/null)
if [[ $log != *"uid of its own"*"no mount namespace here"* ]]; then
    echo "FAIL: the container pass (root, Docker's capabilities) did not run as a uid of its own without a mount namespace:"
    head -3 <<<"$log" | sed 's/^/    /'
    problems=$((problems + 1))
fi
exit $((problems > 0))
