#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile-submission corpus (grader/tests/corpus/): each entry is a
# lab 01 submission that misbehaves on purpose. Each must get the verdict
# its corpus.ini expects (`expect = fail|crash`), make the grader exit 1
# (`exit = N` where an entry legitimately differs: one that passes exits 0;
# never 2, which blames the repository), say what the code did where its
# corpus.ini asks (`report = TEXT`), finish within its test's timeout
# plus 90 s, leave no process behind, and change nothing in the
# repository outside build/. Then: broken input (a compile error, a
# missing file, a binary file) scores 0 for its lab while the next lab is
# still graded, and a bad lab name exits 2.
set -u
cd "$(dirname "$0")/../../.."
grader=build/bin/grader
lab=01-processes
work=build/corpus
rm -rf "$work"
mkdir -p "$work"
problems=0
# Every entry builds lab 01 in a tree of its own: the same tests and the
# same student files but one. Through ccache where there is one (Debian's;
# make deps installs it), in a cache of this run's own, which a pass as
# another user (corpus-configurations.sh) can write: what an entry does
# is run in the sandbox; how its files compile is not what is checked.
if command -v ccache >/dev/null 2>&1 && [[ ${CC:-} != *ccache* ]]; then
    export CC="ccache ${CC:-gcc}" CCACHE_DIR=$PWD/$work/ccache
fi
say() { echo "$*"; }
bad() { echo "FAIL: $*"; problems=$((problems + 1)); }

# What a lab 01 test could reach and must not change: the lab, the
# reference, the harness and the grader (other folders may be in flux
# while people work, so they are not compared).
repo_state() {
    find labs/$lab solutions/$lab harness grader/src Makefile \
        -type f -print0 | sort -z | xargs -0 sha1sum
}
before=$(repo_state)

# A tree like labs/: the solution's files for $lab, with overrides.
make_tree() { # dir [file-to-overlay]
    mkdir -p "$1/$lab"
    cp solutions/$lab/*.c "$1/$lab/"
    [[ -n ${2:-} ]] && cp "$2" "$1/$lab/run.c"
    return 0
}

survivors() { # every process whose environment carries the mark
    local mark=$1 p
    for p in /proc/[0-9]*; do
        [[ $p == /proc/$$ ]] && continue
        { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "CORPUS_MARK=$mark" &&
            echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | cut -c1-60)"
    done
}

# A test's timeout in the lab's rubric (the grader's default: 10 s).
rubric_timeout() { # test
    "$grader" rubric --root . --lab "$lab" --tsv |
        awk -F'\t' -v t="$1" '$2 == t { print int($4); exit }' | grep . || echo 10
}

# One entry, graded by a grader of its own; its verdicts go to
# $work/NAME.out, one line each ("ok ..." or "FAIL: ...").
entry() { # dir
    local dir=$1 name test expect only want_rc budget tree mark t0 tpid peak sampler rc took most got forbid report left
    name=$(basename "$dir")
    exec >"$work/$name.out" 2>&1
    problems=0
    if grep -q '^peak *=' "$dir/corpus.ini"; then
        exec 9>>"${CORPUS_BOMB_LOCK:-$work/forkbomb.lock}"
        flock 9
    fi
    test=$(sed -n 's/^test *= *//p' "$dir/corpus.ini")
    expect=$(sed -n 's/^expect *= *//p' "$dir/corpus.ini")
    # The checks to grade (default functional): an entry aimed at the tool
    # checks' log reading names them.
    only=$(sed -n 's/^only *= *//p' "$dir/corpus.ini")
    want_rc=$(sed -n 's/^exit *= *//p' "$dir/corpus.ini")
    want_rc=${want_rc:-1}
    # Its build and the grader's own work come on top of the test's
    # timeout: 90 s for them, which a machine as loaded as make check's
    # busy phase needs (an entry that took 47 s at load 34); a grader
    # that hangs still meets the outer timeout below.
    budget=$(($(rubric_timeout "$test") + 90))
    tree=$work/trees/$name
    make_tree "$tree" "$dir/run.c"
    mark="$name-$$-$RANDOM"
    t0=$SECONDS
    # The grader must never hang (a FIFO named like a tool log, a
    # constructor that sleeps): the outer timeout makes a hang exit 124.
    CORPUS_MARK=$mark timeout -k 5 $((budget + 30)) "$grader" grade --root . \
        --src "$tree" --lab $lab --only "${only:-functional}" --test "$test" \
        --out "$work/$name" --quiet >"$work/$name.log" 2>&1 9>&- &
    tpid=$!
    # peak = N: as root, the most processes this grader's test uids may
    # have at once (SANDBOX_UID_BASE + (grader pid % 1000000) * 64 + slot,
    # sandbox.c: other graders on the machine have others): the grader
    # itself must bound a fork bomb, whatever jail make check runs in.
    peak=$(sed -n 's/^peak *= *//p' "$dir/corpus.ini")
    sampler=
    if [[ -n $peak && $(id -u) -eq 0 ]]; then
        (
            most=0 gp=
            while kill -0 "$tpid" 2>/dev/null; do
                [[ -n $gp ]] || gp=$(pgrep -P "$tpid" | head -1)
                if [[ -n $gp ]]; then
                    lo=$((100000000 + (gp % 1000000) * 64))
                    n=$(ps -e -o uid= | awk -v lo=$lo '$1 >= lo && $1 < lo + 64' | wc -l)
                    [[ $n -le $most ]] || { most=$n; echo "$most" >"$work/$name.peak"; }
                fi
                sleep 0.2
            done
        ) &
        sampler=$!
    fi
    wait "$tpid"
    rc=$? took=$((SECONDS - t0))
    if [[ -n $sampler ]]; then
        kill "$sampler" 2>/dev/null
        wait "$sampler" 2>/dev/null
        most=$(cat "$work/$name.peak" 2>/dev/null || echo 0)
        if [[ $most -gt $peak ]]; then
            bad "$name: $most processes of the test at once, more than its bound of $peak"
        else
            say "ok $name: at most $most processes at once (bound $peak)"
        fi
    fi
    got=$(jq -r '.tests[0].tags[] | select(startswith("result:")) | sub("result:"; "")' \
        "$work/$name/results.json" 2>/dev/null)
    if [[ "|$expect|" != *"|$got|"* || $rc -ne $want_rc || $took -gt $budget ]]; then
        bad "$name: expected $expect, exit $want_rc, within $budget s; got ${got:-nothing}, exit $rc, $took s"
        sed 's/^/    /' "$work/$name.log" | head -20
    else
        say "ok $name: $got, exit $rc ($took s)"
    fi
    # forbid = TEXT: what the entry tries to leak must not reach feedback.
    forbid=$(sed -n 's/^forbid *= *//p' "$dir/corpus.ini")
    if [[ -n $forbid ]] && grep -qF -- "$forbid" "$work/$name/results.json" "$work/$name.log" 2>/dev/null; then
        bad "$name: '$forbid' reached the feedback: $(grep -hF -m3 -- "$forbid" "$work/$name/results.json" | cut -c1-120)"
    fi
    # report = TEXT: the report must say what the code did, in these words.
    report=$(sed -n 's/^report *= *//p' "$dir/corpus.ini")
    if [[ -n $report ]] && ! grep -qF -- "$report" "$work/$name.log"; then
        bad "$name: the report does not say '$report'"
    fi
    # Nothing of a root-only file the entry linked to may reach the feedback.
    if [[ -r /etc/shadow ]] && grep -v '^$' /etc/shadow >"$work/secret" &&
        grep -qFf "$work/secret" "$work/$name.log" "$work/$name/results.json" 2>/dev/null; then
        bad "$name: a line of /etc/shadow is in the feedback"
    fi
    rm -f "$work/secret"
    left=$(survivors "$mark")
    [[ -z $left ]] || bad "$name left processes running: $left"
    [[ "$(repo_state)" == "$before" ]] || bad "$name changed the repository: $(diff <(echo "$before") <(repo_state))"
    return $((problems > 0))
}

# The entries, CORPUS_JOBS (default 3) at a time: most of an entry's time
# is its test's timeout, waited out, not CPU. The fork bombs (`peak =`)
# take one lock, one after another, so that two of them never stand at
# their bound at once inside whatever pids limit make check runs in.
# CORPUS_ONLY="a b": just those entries (corpus-configurations.sh).
# CORPUS_BOMB_LOCK=FILE: the lock the fork bombs take, when other corpus
# runs share the machine (corpus-configurations.sh runs three at once, and
# make check runs them beside this one): one fork bomb at a time in all.
names=()
for dir in grader/tests/corpus/$lab/*/; do
    name=$(basename "$dir")
    [[ -z ${CORPUS_ONLY:-} || " $CORPUS_ONLY " == *" $name "* ]] || continue
    names+=("$name")
    while (($(jobs -rp | wc -l) >= ${CORPUS_JOBS:-3})); do wait -n; done
    entry "$dir" &
done
wait
for name in "${names[@]}"; do
    cat "$work/$name.out" 2>/dev/null || echo "FAIL: $name: no verdict (its run died)"
    grep -q '^FAIL' "$work/$name.out" 2>/dev/null && problems=$((problems + 1))
    [[ -s $work/$name.out ]] || problems=$((problems + 1))
done
if grep -qs '"score": 1000' build/grade/results.json; then
    bad "writes-results-file forged build/grade/results.json"
fi

# Broken input: lab 01 cannot be graded, lab 05 next to it still is.
check_broken() { # name, how to break the tree, expected words
    local name=$1 tree=$work/trees/$1
    make_tree "$tree"
    mkdir -p "$tree/05-coroutines" && cp solutions/05-coroutines/*.c "$tree/05-coroutines/"
    eval "$2"
    "$grader" grade --root . --src "$tree" --lab 1,5 --only functional \
        --out "$work/$name" --quiet >"$work/$name.log" 2>&1
    local rc=$?
    local one five
    one=$(jq '[.tests[] | select(.tags | index("01-processes")) | select(.tags | index("result:build"))] | length' "$work/$name/results.json")
    five=$(jq '[.tests[] | select(.tags | index("05-coroutines")) | select(.status == "passed")] | length' "$work/$name/results.json")
    if [[ $rc -ne 1 || $one -eq 0 || $five -eq 0 ]] || ! grep -q "$3" "$work/$name.log"; then
        bad "$name: exit $rc, lab 01 build failures $one, lab 05 passes $five, '$3' in report?"
        head -20 "$work/$name.log" | sed 's/^/    /'
    else
        say "ok $name: lab 01 scores 0 ('$3'), lab 05 still graded"
    fi
}
check_broken compile-error "echo 'int run_command(void) { return }' > \$tree/$lab/run.c" "did not compile"
check_broken missing-file "rm \$tree/$lab/run.c" "missing file"
check_broken binary-file "printf 'int x;\\0\\1\\2' > \$tree/$lab/run.c" "not a text file"

"$grader" grade --root . --lab 99 --quiet >/dev/null 2>&1
[[ $? -eq 2 ]] && say "ok bad lab name: exit 2" || bad "LAB=99 did not exit 2"

[[ "$(repo_state)" == "$before" ]] || bad "the corpus changed the repository"
exit $((problems > 0))
