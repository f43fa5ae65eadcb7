#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make bench`: run every benchmark program, gather their rows into
# build/bench/bench.csv (benchmark,variant,value,unit,goal,verdict; the
# last two only on the goal rows), time the grader and the student's fast
# loop (`make` in each lab folder), judge the goals of
# docs/benchmarks.md, print a table, draw SVG plots
# (plot.sh, with gnuplot).
# Usage: bench.sh [--quick] [--ref DIR]   (--quick: do not time `make
# check`; --ref: the reference tree the programs were built from and the
# grader times, default solutions, as `make bench REF=DIR` passes it)
# Knobs (environment): ECHO_SECONDS (2) per echo run, ECHO_TRIALS (5),
# ECHO_CONNS ("10 100 1000 10000").
set -u -o pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/bench
bin=$out/bin
csv=$out/bench.csv
quick=0
ref=solutions
while (($#)); do
    case $1 in
    --quick) quick=1 ;;
    --ref) ref=${2:?--ref needs a directory}; shift ;;
    *) echo "usage: bench.sh [--quick] [--ref DIR]" >&2; exit 2 ;;
    esac
    shift
done
echo_seconds=${ECHO_SECONDS:-2}
echo_trials=${ECHO_TRIALS:-5}
echo_conns=${ECHO_CONNS:-10 100 1000 10000}
mkdir -p "$out"
rows=$out/rows.tmp
: >"$rows"
notes=()

say() { printf '== %s\n' "$*" >&2; }

# run NAME CMD...: a benchmark program; its CSV rows are kept, a failure
# is reported and the rest still runs.
run() {
    local name=$1
    shift
    say "$name"
    if ! "$@" >>"$rows"; then
        notes+=("$name: FAILED (see the message above)")
    fi
}

# The machine, named with every absolute figure.
cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -1; }
machine() {
    local virt=no
    grep -qw hypervisor /proc/cpuinfo && virt=yes
    printf 'cpu: %s (%s family %s model %s, %s MHz)\n' "$(cpuinfo 'model name')" \
        "$(cpuinfo vendor_id)" "$(cpuinfo 'cpu family')" "$(cpuinfo model)" \
        "$(cpuinfo 'cpu MHz')"
    printf 'cpus usable: %s (online %s); virtual machine: %s\n' "$(nproc)" \
        "$(getconf _NPROCESSORS_ONLN)" "$virt"
    printf 'memory: %s\nkernel: %s\nload at start: %s\n' \
        "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
        "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
machine >"$out/machine.txt"
cat "$out/machine.txt" >&2

run "context-switch ladder" "$bin/switch"

# Lab 06 and libuv, interleaved, the same client: the median of the
# trials, each figure apart (a shared machine makes single runs noisy both
# ways). The CPU each server and the generator used go to echo.log.
say "echo servers: lab 06 against libuv, ${echo_trials} x ${echo_seconds} s each"
echo_rows=$out/echo.tmp
: >"$echo_rows"
: >"$out/echo.log"
for conns in $echo_conns; do
    for ((t = 0; t < echo_trials; t++)); do
        for server in lab06 libuv; do
            prog=$bin/echo_lab06
            [[ $server == libuv ]] && prog=$bin/echo_uv
            "$bin/echo_load" "$prog" "$server" "$conns" "$echo_seconds" \
                >>"$echo_rows" 2>>"$out/echo.log" ||
                notes+=("echo $server c=$conns: FAILED (build/bench/echo.log)")
        done
    done
done
awk -F, '{ k = $1 FS $2; u[k] = $4; if (!(k in n)) order[++keys] = k
           v[k, ++n[k]] = $3 }
     function median(k,   i, j, t, m) {
         m = n[k]
         for (i = 1; i <= m; i++) a[i] = v[k, i]
         for (i = 2; i <= m; i++)
             for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                 t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
         return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
     END { for (i = 1; i <= keys; i++)
               print order[i] FS median(order[i]) FS u[order[i]] }' \
    "$echo_rows" | sort -s -t, -k1,1r >>"$rows"

run "lab 07: pipe against ring" "$bin/ipc"
run "lab 02: speedups" "$bin/speedup02"
run "lab 07: speedups" "$bin/speedup07"

# The grader: each lab alone, then every lab in one run, each into a fresh
# output directory, so each timing includes building the lab's variants
# (the harness library, shared by all, is built already).
timed() { # timed VARIANT CMD...: one "grader" row; notes a failure
    local variant=$1 t0 t1 rc log
    shift
    log=$(echo "$variant" | tr -c 'A-Za-z0-9\n' -).log
    t0=$(date +%s.%N)
    "$@" >"$out/$log" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    awk -v v="$variant" -v a="$t0" -v b="$t1" \
        'BEGIN { printf "grader,%s,%.1f,s\n", v, b - a }' >>"$rows"
    ((rc == 0)) || notes+=("$variant: exit $rc (log: build/bench/$log)")
}
grader=$root/build/bin/grader
for lab in "$root"/labs/[0-9][0-9]-*/; do
    lab=$(basename "$lab")
    say "grading one lab: $lab ($ref)"
    rm -rf "$out/grade/$lab"
    timed "grade one lab ${lab%%-*}" "$grader" grade --root "$root" \
        --src "$ref" --lab "$lab" --out "$out/grade/$lab"
done
say "grading all labs ($ref)"
rm -rf "$out/grade/all"
timed "grade all labs" "$grader" grade --root "$root" --src "$ref" \
    --out "$out/grade/all"
# The student's fast loop: `make` in a lab's folder (the functional tests
# of the plain build, through the folder's forwarding Makefile), on the
# untouched skeleton and on the finished lab, each a copy laid out like
# labs/ (SRC=copy). Built once first; then "warm" is a run with nothing
# changed (the goal: the verdict in 1.5 s), "edited" the run after one
# student file changed (a comment appended: a compile and a relink), each
# the best of three. The skeleton is the committed one (git archive), not
# what the working tree holds now.
loop_dir=$(mktemp -d)
if git -C "$root" archive HEAD labs 2>/dev/null | tar -x -C "$loop_dir"; then
    mv "$loop_dir/labs" "$loop_dir/skeleton"
else
    cp -r "$root/labs" "$loop_dir/skeleton"
fi
cp -r "$(cd "$root" && cd "$ref" && pwd)" "$loop_dir/finished"
loop_run() { # loop_run LAB TREE: seconds of one `make` in the lab folder
    local t0 t1
    t0=$(date +%s.%N)
    env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory \
        -C "$root/labs/$1" SRC="$2" >/dev/null 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
for lab in "$root"/labs/[0-9][0-9]-*/; do
    lab=$(basename "$lab")
    say "the fast loop: make in labs/$lab"
    first=$("$grader" labs --root "$root" --lab "$lab" --tsv |
        awk -F'\t' 'NR == 2 { split($5, f, " "); print f[1] }')
    for tree in skeleton finished; do
        dir=$loop_dir/$tree
        loop_run "$lab" "$dir" >/dev/null # build
        for kind in warm edited; do
            best=
            for trial in 1 2 3; do
                [[ $kind == edited ]] && echo "/* edited */" >>"$dir/$lab/$first"
                t=$(loop_run "$lab" "$dir")
                best=$(awk -v a="$t" -v b="${best:-$t}" 'BEGIN { print a < b ? a : b }')
            done
            echo "fast loop,$tree $kind ${lab%%-*},$best,s" >>"$rows"
        done
    done
done
rm -rf "$loop_dir"

if ((quick)); then
    notes+=("make check: not timed (QUICK=1)")
else
    say "make check (several minutes)"
    timed "make check" env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
        make -s --no-print-directory -C "$root" check
fi

# The goals (docs/benchmarks.md): each a ratio of two figures measured in
# this run, so that it holds on any CPU (the grader's times, which no
# baseline of this run can scale, stay seconds). One "goal" row each:
# goal,WHAT,RATIO,UNIT,GOAL,VERDICT, the goal as "<= 1.5" and the verdict
# met, missed or not measured.
goals=$out/goals.tmp
awk -F, -v cpus="$(nproc)" -v echo_conns="$echo_conns" '
function get(b, v) { return (b FS v) in x ? x[b FS v] : -1 }
function ratio(a, b) { return a > 0 && b > 0 ? a / b : -1 }
function goal(what, val, unit, op, target) {
    if (val < 0) { printf "goal,%s,,%s,%s %g,not measured\n", what, unit, op, target; return }
    ok = op == "<=" ? val <= target : val >= target
    printf "goal,%s,%.4g,%s,%s %g,%s\n", what, val, unit, op, target, ok ? "met" : "missed"
}
{ x[$1 FS $2] = $3 }
/^grader,grade one lab/ { if ($3 > worst) worst = $3 }
/^fast loop,[a-z]+ warm / { loop[++nloop] = $2 }
END {
    for (p = 1; p >= 0; p--) {
        pin = p ? "pinned" : "unpinned"
        coro = get("switch", "coroutine (lab 05) " pin)
        goal("coroutine switch / bare pop+jmp switch " pin, ratio(coro, get("switch", "bare switch (pop+jmp) " pin)), "x", "<=", 1.5)
    }
    goal("thread switch (futex) / coroutine switch pinned", ratio(get("switch", "thread (futex) pinned"), get("switch", "coroutine (lab 05) pinned")), "x", ">=", 100)
    n = split(echo_conns, conns, " ")
    for (i = 1; i <= n; i++) {
        c = conns[i]
        goal("echo req/s lab06 / libuv at c=" c, ratio(get("echo req/s", "lab06 c=" c), get("echo req/s", "libuv c=" c)), "x", ">=", 1)
        goal("echo p99 lab06 / libuv at c=" c, ratio(get("echo p99", "lab06 c=" c), get("echo p99", "libuv c=" c)), "x", "<=", 1)
        # the same work for less CPU: what a loaded machine disturbs least
        goal("echo server cpu/req lab06 / libuv at c=" c, ratio(get("echo server cpu", "lab06 c=" c), get("echo server cpu", "libuv c=" c)), "x", "<=", 1)
    }
    goal("ring / pipe at 4 KiB", ratio(get("ipc", "ring 4 KiB"), get("ipc", "pipe 4 KiB")), "x", ">=", 3)
    if (cpus >= 2) {
        bare = get("speedup cpu-bound", "bare pthreads w=2")
        goal("lab02 cpu-bound speedup / bare pthreads w=2", ratio(get("speedup cpu-bound", "lab02 pmap w=2"), bare), "x", ">=", 0.95)
        goal("lab07 cpu-bound speedup / bare pthreads w=2", ratio(get("speedup cpu-bound", "lab07 pool w=2"), bare), "x", ">=", 0.95)
    }
    ideal = get("speedup io-bound", "ideal w=8")
    goal("lab02 io-bound speedup / ideal w=8", ratio(get("speedup io-bound", "lab02 pool w=8"), ideal), "x", ">=", 0.95)
    goal("lab07 io-bound speedup / ideal w=8", ratio(get("speedup io-bound", "lab07 pool w=8"), ideal), "x", ">=", 0.95)
    goal("slowest one-lab grade", worst > 0 ? worst : -1, "s", "<=", 15)
    goal("grade all labs", get("grader", "grade all labs"), "s", "<=", 300)
    for (i = 1; i <= nloop; i++)
        goal("fast loop " loop[i], get("fast loop", loop[i]), "s", "<=", 1.5)
}' "$rows" >"$goals"

{
    echo "benchmark,variant,value,unit,goal,verdict"
    # each benchmark's rows together, benchmarks in the order they ran
    awk -F, '!($1 in seen) { seen[$1] = ++n; name[n] = $1 }
             { rows[$1] = rows[$1] $0 ",,\n" }
             END { for (i = 1; i <= n; i++) printf "%s", rows[name[i]] }' \
        "$rows"
    cat "$goals"
} >"$csv"
rm -f "$rows" "$echo_rows"
rm -f "$out"/*.svg # no chart of a benchmark that did not run this time
bash "$root/bench/plot.sh" "$csv" "$out" || notes+=("plots: not drawn (gnuplot)")

# The table.
printf 'load at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
    >>"$out/machine.txt"
echo
cat "$out/machine.txt"
awk -F, 'NR > 1 && $1 != "goal" {
    if ($1 != last) { printf "\n%s\n", $1; last = $1 }
    printf "  %-40s %12.4g %s\n", $2, $3, $4 }' "$csv"
printf '\ngoals\n'
awk -F, '{ printf "  %-50s %8s %-2s %-7s %s\n", $2, $3, $4, $5, $6 }' "$goals"
rm -f "$goals"
for n in "${notes[@]}"; do printf 'note: %s\n' "$n"; done
printf '\nwritten: %s and %s/*.svg\n' "${csv#$root/}" "${out#$root/}"
