#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Grade one source tree lab by lab, each lab in its own grader run (so a
# lab the grader cannot grade costs that lab only), and merge the per-lab
# results into OUT/results.json (Gradescope's format, as the grader writes).
# Used by grade-class.sh and by the Gradescope autograder.
#
# Usage: grade-labs.sh --root DIR --src DIR --out DIR [--labs "01 02"]
#                      [--only CHECKS] [--timeout SECONDS] [--jobs N]
# Exit: 2 when some lab could not be graded, else 1 when some check
# failed, else 0. Per-lab results stay in OUT/labs/<lab>/.
set -u
root='' src='' out='' labs='' only='' timeout='' jobs=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --src) src=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --labs) labs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "grade-labs: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $root && -n $src && -n $out ]] || {
    echo "usage: grade-labs.sh --root DIR --src DIR --out DIR [--labs LIST] [--only CHECKS]" >&2
    exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
# GRADE_LABS_GRADER= replaces the grader (the sample-class check uses it to stand in
# for a grader that fails on one student).
grader=${GRADE_LABS_GRADER:-$root/build/bin/grader}
[[ -x $grader ]] || { echo "grade-labs: no grader at $grader (make grader)" >&2; exit 2; }

# Every lab with a rubric, or the ones asked for (01, 1, 01-processes).
all=$(bash "$here/rubric-points.sh" "$root" | awk -F'\t' 'NR > 1 { print $1 }')
selected=()
if [[ -z $labs ]]; then
    mapfile -t selected <<<"$all"
else
    for want in ${labs//,/ }; do
        num=$(printf '%02d' "$((10#${want%%-*}))" 2>/dev/null) || num=$want
        hit=$(grep -E "^($want|$num-.*)\$" <<<"$all" | head -1)
        [[ -n $hit ]] || { echo "grade-labs: no lab $want" >&2; exit 2; }
        selected+=("$hit")
    done
fi

mkdir -p "$out/labs"
status=0 parts=()
for lab in "${selected[@]}"; do
    dir=$out/labs/$lab
    rm -rf "$dir"; mkdir -p "$dir"
    cmd=("$grader" grade --root "$root" --src "$src" --lab "$lab" --out "$dir" --quiet)
    [[ -n $only ]] && cmd+=(--only "$only")
    [[ -n $jobs ]] && cmd+=(--jobs "$jobs")
    # The grader bounds every lab by its rubric budget; this outer limit is
    # for the grader itself (it should never be reached).
    [[ -n $timeout ]] && cmd=(timeout -k 30 "$timeout" "${cmd[@]}")
    "${cmd[@]}" >"$dir/report.txt" 2>&1
    rc=$?
    echo "$rc" >"$dir/exit"
    if [[ ! -s $dir/results.json ]] || ! jq -e .tests "$dir/results.json" >/dev/null 2>&1; then
        rc=2
        # No results: say why, as a result the platforms can show.
        jq -n --arg lab "$lab" --arg out "$(tail -20 "$dir/report.txt")" \
            '{score: 0, execution_time: 0, tests: [], output:
              ("\($lab): could not be graded (grader error):\n\($out)\n")}' \
            >"$dir/results.json"
    fi
    [[ $rc -gt 2 ]] && rc=2 # killed by the outer timeout, or a signal
    ((rc > status)) && status=$rc
    parts+=("$dir/results.json")
done

# One results.json: the tests of every lab, the scores summed, the labs'
# top-level outputs (containment, grader errors) kept once each, and the
# provisional checks (docs/architecture.md) of them all.
jq -s '(map(.extra_data // empty | select(.provisional))) as $p
       | {score: (map(.score // 0) | add),
          execution_time: (map(.execution_time // 0) | add),
          output: (map(.output // empty) | unique | join("\n")),
          tests: (map(.tests) | add)}
       + if ($p | length) > 0 then
           {extra_data: {provisional: true,
                         pending_points: ($p | map(.pending_points) | add),
                         regrade: ($p | map(.regrade) | add)}}
         else {} end' "${parts[@]}" >"$out/results.json.tmp" &&
    mv "$out/results.json.tmp" "$out/results.json"
cat "$out"/labs/*/report.txt >"$out/report.txt" 2>/dev/null
# regrade.tsv: one header, every lab's lines.
{
    printf 'lab\ttest\tcheck\toutcome\tpoints\twhere\tcommand\n'
    for lab in "${selected[@]}"; do
        tail -n +2 "$out/labs/$lab/regrade.tsv" 2>/dev/null
    done
} >"$out/regrade.tsv"
exit "$status"
