#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make grade-class-parallel`: grade a class in N shards on a lab of
# machines with GNU parallel over ssh, one shard at a time per machine
# (grade-class grades one student at a time, so that speedup checks run
# alone: two shards on one machine would break that), bring each shard's
# gradebook back (--return) and merge them (merge-gradebooks.sh) into
# OUT, the gradebook a serial run gives.
#
# Every machine needs a built checkout of this repository at REMOTE_ROOT
# (default: this checkout's path) and the submissions at the same path as
# here (a shared home, or rsync them first). `-S :` runs the shards on this
# machine, one after another, which is how make check tests it.
#
# Usage: grade-class-parallel.sh --submissions DIR --shards N
#            [-S LOGINS | --sshloginfile FILE] [--remote-root PATH]
#            [--out DIR] [--work DIR] [grade-class options: --labs, --only, --jobs,
#            --deadline] [--roster FILE]
# (--work: where the shards go, build/shards by default: relative to the
# checkout on every machine, or an absolute path.)
# Exit: 0 all graded and merged; 1 some student not fully graded (the
# gradebook's notes say which) or some shard failed; 2 bad arguments, or
# the shards could not be merged.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
subs='' shards='' logins=() remote='' out='' pass=() roster=() work=build/shards
while [[ $# -gt 0 ]]; do
    case $1 in
    --submissions) subs=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    -S | --sshlogin) logins+=(-S "$2"); shift 2 ;;
    --sshloginfile) logins+=(--sshloginfile "$2"); shift 2 ;;
    --remote-root) remote=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --roster) roster=(--roster "$2"); shift 2 ;;
    --labs | --only | --jobs | --deadline) pass+=("$1" "$2"); shift 2 ;;
    *) echo "grade-class-parallel: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $subs && $shards =~ ^[1-9][0-9]*$ && ${#logins[@]} -gt 0 ]] || {
    echo "usage: grade-class-parallel.sh --submissions DIR --shards N -S LOGINS|--sshloginfile FILE [--remote-root PATH] [--out DIR] [--labs L] [--only C] [--deadline D]" >&2
    exit 2
}
command -v parallel >/dev/null || { echo "grade-class-parallel: GNU parallel is missing (make deps)" >&2; exit 2; }
subs=$(cd "$subs" && pwd) || exit 2
remote=${remote:-$root}
out=${out:-$root/build/grade}
cd "$root" || exit 2
rm -rf "${work:?}"
mkdir -p "$work"
w=$(printf '%q' "$work")

# The job on each machine: one shard into WORK/I of its checkout.
# Exit 1 (a student not fully graded) is a result, not a failure of the
# machine: the shard's gradebook says which.
job="mkdir -p $w/{}; bash grader/scripts/grade-class.sh --root . --submissions $(printf '%q' "$subs")"
for a in "${pass[@]}"; do job+=" $(printf '%q' "$a")"; done
job+=" --shard {}/$shards --out $w/{} >$w/{}.log 2>&1;"
job+=' rc=$?; echo $rc >'"$w"'/{}/exit; [ $rc -le 1 ]'
parallel -j1 "${logins[@]}" --wd "$remote" --return "$work/{}" --return "$work/{}.log" \
    "$job" ::: $(seq 1 "$shards") 2> >(grep -v -e '--return ignored' >&2)
failed=$?
dirs=()
for i in $(seq 1 "$shards"); do dirs+=("$work/$i"); done
bash grader/scripts/merge-gradebooks.sh --out "$out" "${roster[@]}" "${dirs[@]}" || exit 2
incomplete=$(cat "$work"/*/exit 2>/dev/null | grep -cv '^0$')
[[ $failed -eq 0 && $incomplete -eq 0 ]] || {
    echo "grade-class-parallel: $failed shard(s) failed, $incomplete not fully graded: see $work/*.log and the gradebook's notes" >&2
    exit 1
}
exit 0
