#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make grade-class SUBMISSIONS=dir`: grade a class, one student after
# another. Each folder of SUBMISSIONS is one student, laid out like labs/
# or a whole copy of the repository. Writes OUT/STUDENT/results.json and
# OUT/gradebook.csv (student, one column per lab, total).
#
# Students are graded one at a time, on purpose: the grader already runs
# the functional and tool checks of a lab in parallel and the speedup
# checks alone; grading two students at once would put one student's
# speedup check next to another student's tests, and distort it.
#
# Usage: grade-class.sh --root DIR --submissions DIR [--out DIR]
#                       [--labs "01 02"] [--only CHECKS] [--jobs N]
#                       [--shard I/N [--list-shard]] [--deadline DATE]
#                       [--roster FILE]
# (--jobs: the grader's parallel functional and tool checks within one
# student's lab; the default is the usable CPUs)
#
# --shard I/N grades every N-th student from the I-th (1 <= I <= N) in the
# class's one order (folder names, sorted bytewise), into a partial
# gradebook; merge-gradebooks.sh joins the N of them into the gradebook a
# serial run gives. OUT/order.tsv says where each row goes (its index in
# the whole class) and which shard it is: "# shard I/N of M students",
# then "INDEX<TAB>NAME" per row. --list-shard prints the shard's folder
# names, one a line, and grades nothing (the Actions workflow clones only
# those).
#
# --deadline DATE: each folder that is a git clone is graded at its last
# commit before DATE (git rev-list -1 --before), or, when a graded lab's
# rubric has a late policy (`late =`), at its last commit before the
# policy's cutoff, the penalty applied in the gradebook. DATE is what
# date(1) reads: give the zone ('2026-12-01 23:59 +0100').
#
# Beside the gradebook: regrade.tsv, canvas.csv and moodle.csv
# (class-reports.sh; --roster says who each folder is).
# Exit: 0 when every student was graded (whatever their scores), 1 when
# some student could not be graded (grader error, killed or timed out; see
# OUT/grade-class.log), 2 on bad arguments, when another grade-class runs
# in this checkout, or when the tests would not be contained here.
#
# GRADE_CLASS_UNCONTAINED=1: grade even where no containment holds (an
# ordinary user without user namespaces): each student's tests then run
# as you, able to read and change the repository, the gradebook and the
# other students' results. Every report and gradebook row says so.
set -u
# Students in the same order everywhere, so which of two folders whose
# names clean to one gets the suffix does not depend on the locale.
export LC_COLLATE=C
root='' subs='' out='' labs='' only='' jobs='' shard='' list_shard='' deadline='' roster=''
while [[ $# -gt 0 ]]; do
    case $1 in
    --root) root=$2; shift 2 ;;
    --submissions) subs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --labs) labs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --shard) shard=$2; shift 2 ;;
    --list-shard) list_shard=1; shift ;;
    --deadline) deadline=$2; shift 2 ;;
    --roster) roster=$2; shift 2 ;;
    *) echo "grade-class: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ -n $root && -n $subs ]] || {
    echo "usage: [GRADE_CLASS_UNCONTAINED=1] make grade-class SUBMISSIONS=dir [LAB=NN[,NN]] [ONLY=checks]" >&2
    exit 2
}
root=$(cd "$root" && pwd)
here=$root/grader/scripts
out=${out:-$root/build/grade}
[[ -d $subs ]] || { echo "grade-class: SUBMISSIONS=$subs: no such directory" >&2; exit 2; }
subs=$(cd "$subs" && pwd)
shard_i=1 shard_n=1
if [[ -n $shard ]]; then
    [[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] && shard_i=$((10#${BASH_REMATCH[1]})) shard_n=$((10#${BASH_REMATCH[2]})) &&
        ((shard_n >= 1 && shard_i >= 1 && shard_i <= shard_n)) ||
        { echo "grade-class: SHARD=$shard: want I/N with 1 <= I <= N (SHARD=2/4)" >&2; exit 2; }
fi
deadline_s=
if [[ -n $deadline ]]; then
    deadline_s=$(date -d "$deadline" +%s 2>/dev/null) ||
        { echo "grade-class: DEADLINE=$deadline: not a date (try '2026-12-01 23:59 +0100')" >&2; exit 2; }
fi

# The class in its one order: the folders, sorted bytewise (LC_COLLATE=C
# above), dot folders left out. Shards and the serial run share it, so a
# row's index, and which of two clashing names gets the suffix, is the
# same whichever shard grades it.
students=()
for dir in "$subs"/*/; do
    dir=${dir%/}
    [[ $(basename "$dir") == .* ]] && continue
    students+=("$dir")
done
mine() { (($1 % shard_n == shard_i - 1)); }
if [[ -n $list_shard ]]; then
    for k in "${!students[@]}"; do mine "$k" && basename "${students[$k]}"; done
    exit 0
fi

# One grade-class at a time per checkout. Two at once would grade two
# students at once, which the one-after-another rule above exists to
# prevent (one run's speedup checks next to the other's tests), and each
# would delete the build trees the other is using. So the second refuses,
# rather than getting separate work dirs and distorted speedups. The lock
# goes when this shell exits, however it exits.
mkdir -p "$root/build"
exec 9>>"$root/build/grade-class.lock"
if ! flock -n 9; then
    echo "grade-class: another grade-class is running in $root (lock: build/grade-class.lock held by pid $(cat "$root/build/grade-class.pid" 2>/dev/null || echo '?')); wait for it to finish, or grade from another checkout" >&2
    exit 2
fi
echo $$ >"$root/build/grade-class.pid"

# Containment, asked before anyone's code runs: where tests would run as
# this user with its view of the files (no root, no user namespaces), a
# hostile student could forge rows of this gradebook and rewrite other
# students' results, so refuse unless told to go on.
grader=${GRADE_LABS_GRADER:-$root/build/bin/grader}
contained=$("$grader" containment --root "$root" 2>&1)
case $? in
0) uncontained='' ;;
1)
    line=$(sed -n 's/^containment: //p' <<<"$contained")
    if [[ ${GRADE_CLASS_UNCONTAINED:-} != 1 ]]; then
        cat >&2 <<EOM
grade-class: refusing to grade: the tests would not be contained here.
  $line
Each student's tests would run as $(id -un), able to read solutions/ and
change the repository, this gradebook and every other student's results.
To contain them, either
  - run grade-class as root (each test then runs as a uid of its own, in a
    filesystem view of its own), or
  - allow unprivileged user namespaces: on Debian
    sysctl -w kernel.unprivileged_userns_clone=1, elsewhere
    sysctl -w user.max_user_namespaces=15000 (Ubuntu 24.04 also needs
    sysctl -w kernel.apparmor_restrict_unprivileged_userns=0);
  'make doctor' then says which layers hold. To grade anyway, uncontained
  (every report and gradebook row will say so): GRADE_CLASS_UNCONTAINED=1
EOM
        exit 2
    fi
    uncontained="tests NOT CONTAINED (GRADE_CLASS_UNCONTAINED=1): they ran as $(id -un) and could change the repository and other students' results"
    ;;
*)
    echo "grade-class: cannot tell whether tests would be contained here: $contained" >&2
    exit 2
    ;;
esac
mkdir -p "$out"

# The labs (name, budget), as the grader reads their rubrics.
all=$("$root/build/bin/grader" labs --root "$root" --tsv | tail -n +2 | cut -f1,3)
# The labs graded, in order (all, or LAB=), named as the grader names them.
if [[ -n $labs ]]; then
    lablist=()
    for want in ${labs//,/ }; do
        hit=$("$root/build/bin/grader" labs --root "$root" --lab "$want" --tsv 2>/dev/null |
            awk -F'\t' 'NR == 2 { print $1 }')
        [[ -n $hit ]] || { echo "grade-class: LAB=$want: no such lab" >&2; exit 2; }
        lablist+=("$hit")
    done
else
    mapfile -t lablist < <(cut -f1 <<<"$all")
fi
# Outer limit on each grader run (the grader bounds a lab by its budget;
# this bounds the grader): twice the budgets graded, plus time to build.
limit=300
for lab in "${lablist[@]}"; do
    b=$(awk -F'\t' -v lab="$lab" '$1 == lab { print int($2); exit }' <<<"$all")
    limit=$((limit + 2 * ${b:-180} + 120))
done

csv=$out/gradebook.csv
log=$out/grade-class.log
{
    printf 'student'
    printf ',%s' "${lablist[@]}"
    printf ',total,notes\n'
} >"$csv.tmp"
: >"$log"
echo "grade-class: ${#lablist[@]} lab(s): ${lablist[*]}${only:+ (only $only)}${shard:+; shard $shard_i/$shard_n}" | tee -a "$log"
[[ -n $uncontained ]] && echo "grade-class: WARNING: $uncontained" | tee -a "$log"

echo "# shard $shard_i/$shard_n of ${#students[@]} students" >"$out/order.tsv"

# DEADLINE=: the commits graded are the last before it; when a graded
# lab's rubric has a late policy (`late =`, read by the grader: `grader
# late`), the last before the latest cutoff (none: the last commit), and
# each lab's score loses the percent its policy says.
until_s=$deadline_s
if [[ -n $deadline_s ]]; then
    for lab in "${lablist[@]}"; do
        IFS=$'\t' read -r _ policy cutoff _ < <("$root/build/bin/grader" late --root "$root" --lab "$lab" | tail -n +2)
        [[ -z $policy ]] && continue
        echo "grade-class: $lab: late policy: $policy" | tee -a "$log"
        if [[ -z $cutoff ]]; then
            until_s='' no_cutoff=1
        elif [[ -z ${no_cutoff:-} ]] && ((deadline_s + cutoff > until_s)); then
            until_s=$((deadline_s + cutoff))
        fi
    done
fi
# An arithmetic expression of scores (numbers from the grader), with at
# most two decimals, trailing zeros dropped.
num() { awk "BEGIN { x = sprintf(\"%.2f\", $1); sub(/0+\$/, \"\", x); sub(/\\.\$/, \"\", x); print x }"; }
# git on a student's clone, its hooks and fsmonitor never run.
sgit() { git -c core.fsmonitor=false -c core.hooksPath=/dev/null -c safe.directory='*' -C "$dir" "$@"; }
# Sets from (the tree to stage: the commit's files in $sdir/checkout) and
# late_s (seconds after the deadline), and says what was taken.
at_deadline() {
    local commit when
    if [[ ! -e $dir/.git ]] || ! sgit rev-parse --verify -q HEAD >/dev/null 2>&1; then
        notes+=("not a git clone with commits: graded as it is (DEADLINE needs the history)")
        echo "grade-class: $safe: not a git clone with commits: graded as it is" | tee -a "$log"
        return
    fi
    commit=$(sgit rev-list -1 ${until_s:+--before="@$until_s"} HEAD 2>/dev/null)
    if [[ -z $commit ]]; then
        notes+=("no commit before the deadline: graded as empty")
        echo "grade-class: $safe: no commit before the deadline" | tee -a "$log"
        from=$sdir/checkout
        mkdir -p "$from"
        return
    fi
    when=$(sgit log -1 --format=%ct "$commit")
    mkdir -p "$sdir/checkout"
    sgit archive --format=tar "$commit" | tar -x -C "$sdir/checkout" ||
        notes+=("commit $commit could not be read whole")
    from=$sdir/checkout
    ((when > deadline_s)) && late_s=$((when - deadline_s))
    printf '%s\t%s\t%s\n' "$commit" "$(date -u -d "@$when" '+%F %T UTC')" "${late_s:-0}" >"$sdir/commit.tsv"
    echo "grade-class: $safe: commit ${commit:0:12} of $(date -u -d "@$when" '+%F %T UTC')${late_s:+, $late_s s late}" >>"$log"
}

# 93784 -> "1d 2h": how late, for the notes.
late_words() { printf '%dd %dh' $(($1 / 86400)) $(($1 % 86400 / 3600)); }

n=0 errors=0
declare -A taken=() # recorded names already used in this run
t_all=$SECONDS
for idx in "${!students[@]}"; do
    dir=${students[$idx]}
    name=$(basename "$dir")
    notes=(${uncontained:+"$uncontained"}) said=
    shown=${name//[$'\n\r\t']/?} # the name as notes show it: one line
    # The student's name becomes a folder and a CSV cell: keep it tame.
    safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._@+-' '_')
    # Two folders that clean to one name (`a b`, `a_b`) must not share a
    # row and results: the later one gets a suffix, and both places say so.
    if [[ -n ${taken[$safe]:-} ]]; then
        k=2
        while [[ -n ${taken[$safe-$k]:-} || -d $subs/$safe-$k ]]; do k=$((k + 1)); done
        said="grade-class: $name: $safe is taken (by ${taken[$safe]}): recorded as $safe-$k"
        notes+=("folder '$shown' recorded as $safe-$k: $safe was taken by '${taken[$safe]}'")
        safe=$safe-$k
    elif [[ $safe != "$name" ]]; then
        said="grade-class: $name is recorded as $safe"
        notes+=("folder '$shown' recorded as $safe")
    fi
    taken[$safe]=$shown
    # Another shard's student: named above (the suffixes need every name),
    # graded there.
    mine "$idx" || continue
    [[ -n $said ]] && echo "$said" | tee -a "$log"
    printf '%d\t%s\n' "$idx" "$safe" >>"$out/order.tsv"
    n=$((n + 1))
    t0=$SECONDS
    sdir=$out/$safe
    rm -rf "$sdir"; mkdir -p "$sdir"
    from=$dir late_s=
    [[ -n $deadline_s ]] && at_deadline
    # Only the declared student files, staged at a path the grader takes
    # safely; then every lab, each in its own grader run.
    bash "$here/stage-submission.sh" --root "$root" --from "$from" \
        --to "$sdir/src" --labs "${lablist[*]}" >"$sdir/stage.log" 2>&1
    rm -rf "$sdir/checkout"
    bash "$here/grade-labs.sh" --root "$root" --src "$sdir/src" --out "$sdir" \
        --labs "${lablist[*]}" ${only:+--only "$only"} ${jobs:+--jobs "$jobs"} --timeout "$limit" \
        >"$sdir/grade.log" 2>&1
    rc=$?
    # The grader's build tree for this student (build/trees/TAG, TAG as
    # the grader names the tree it graded): the results keep what matters;
    # KEEP_TREES=1 keeps the tool logs too. Only that one: other gradings
    # in this checkout (make grade, make check's other items) have theirs.
    if [[ -z ${KEEP_TREES:-} ]]; then
        t=$("$root/build/bin/grader" tag --root "$root" --src "$sdir/src" 2>/dev/null | cut -f1)
        [[ $t =~ ^sub-[A-Za-z0-9._-]+$ ]] && rm -rf "${root:?}/build/trees/$t"
    fi
    row=$safe total=0 incomplete=0
    for lab in "${lablist[@]}"; do
        r=$sdir/labs/$lab/results.json
        ex=$(cat "$sdir/labs/$lab/exit" 2>/dev/null)
        # A lab counts only when its grader finished (exit 0 or 1) and left
        # results for it: killed (SIGKILL, the outer timeout) or failed, it
        # may have written nothing, and nothing is not 0 points.
        s=
        [[ $ex == 0 || $ex == 1 ]] &&
            s=$(jq -e --arg lab "$lab" '[.tests[] | select(.extra_data.lab == $lab) | .score] |
                if length > 0 then add else empty end' "$r" 2>/dev/null)
        if [[ -z $s ]]; then
            # Not graded is not zero: leave the cell empty, say why.
            case $ex in
            '') why='the grader did not run' ;;
            0 | 1) why='no check of this lab was graded' ;;
            124) why="the grader timed out after $limit s" ;;
            129 | 1[3-9][0-9] | 2[0-9][0-9])
                sig=$(kill -l $((ex - 128)) 2>/dev/null)
                why="the grader was killed${sig:+ by SIG$sig} (exit $ex)" ;;
            *) why="grader exit $ex" ;;
            esac
            row+=, incomplete=1
            notes+=("$lab not graded: $why")
            echo "grade-class: $safe $lab: NOT GRADED ($why); see $sdir/labs/$lab/report.txt" | tee -a "$log"
        else
            if [[ -n $late_s ]]; then
                pen=$("$root/build/bin/grader" late --root "$root" --lab "$lab" --seconds "$late_s" |
                    awk -F'\t' 'NR == 2 { print $5 }')
                if [[ ${pen:-100} != 0 ]]; then
                    was=$s s=$(num "$s * (100 - ${pen:-100}) / 100")
                    notes+=("$lab: $(late_words "$late_s") late: -${pen:-100}% ($was -> $s)")
                fi
            fi
            row+=,$s
            total=$(num "$total + $s")
            # Points not measured on this machine: pending, not lost.
            p=$(tail -n +2 "$sdir/labs/$lab/regrade.tsv" 2>/dev/null |
                awk -F'\t' '{ n += $5 } END { print n + 0 }')
            if [[ $p -gt 0 ]]; then
                notes+=("$lab provisional: $p points to grade again (regrade.tsv)")
            fi
        fi
    done
    # A total over labs that were not all graded would look like a grade.
    [[ $incomplete -eq 1 ]] && total=
    # Notes: one CSV cell, quoted (a folder's name may hold commas and
    # quotes), its parts joined by "; ".
    note=$(printf '%s; ' "${notes[@]}")
    note=${note%; }
    note=${note//\"/\"\"}
    echo "$row,$total,${note:+\"$note\"}" >>"$csv.tmp"
    [[ $rc -eq 2 || $incomplete -eq 1 ]] && errors=$((errors + 1))
    printf 'grade-class: %-24s %4s points  exit %d  %3d s\n' "$safe" "${total:-?}" "$rc" "$((SECONDS - t0))" | tee -a "$log"
done
mv "$csv.tmp" "$csv"
# The class's regrade list and LMS gradebooks, from every student's
# results (class-reports.sh; merge-gradebooks writes the same).
bash "$here/class-reports.sh" --out "$out" ${roster:+--roster "$roster"} ||
    echo "grade-class: the regrade list and LMS gradebooks could not be written" | tee -a "$log"
k=$(($(wc -l <"$out/regrade.tsv" 2>/dev/null || echo 1) - 1))
[[ $k -gt 0 ]] && echo "grade-class: $k check(s) or lab(s) to grade again: $out/regrade.tsv" | tee -a "$log"
echo "grade-class: $n student(s) in $((SECONDS - t_all)) s; gradebook: $csv" | tee -a "$log"
if [[ $errors -gt 0 ]]; then
    echo "grade-class: $errors student(s) not fully graded: grader errors above (cells left empty)" | tee -a "$log"
    exit 1
fi
exit 0
