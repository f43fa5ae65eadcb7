# SPDX-License-Identifier: MIT
# Shared by the student scripts (student-*.sh): which lab LAB names, what a
# lab's rubric says per test, and its tasks' titles. Sourced, never run.
# Needs $root (the repository).

# The lab folder LAB names: 4, 04 and 04-mutexes-semaphores all give
# 04-mutexes-semaphores. Prints nothing (and fails) when no lab matches.
student_lab() {
    local arg=$1 d name
    [[ -n $arg ]] || return 1
    for d in "$root"/labs/[0-9][0-9]-*/; do
        name=$(basename "$d")
        [[ -f $d/rubric.ini ]] || continue
        if [[ $name == "$arg" ]] ||
            [[ $arg =~ ^[0-9]+$ && $((10#$arg)) -eq $((10#${name%%-*})) ]]; then
            echo "$name"
            return 0
        fi
    done
    return 1
}

student_labs() {
    local d
    for d in "$root"/labs/[0-9][0-9]-*/; do
        [[ -f $d/rubric.ini ]] && basename "$d"
    done
}

# One line per test of the lab's rubric, in rubric order, tab-separated:
#   test  task  functional-points  all-points  chaos  timeout  params
# params: space-separated KEY=VALUE for HARNESS_PARAM_KEY.
student_rubric() {
    awk '
    function flush() {
        if (t != "")
            printf "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", t, task, fn, all, chaos, to, params
    }
    { sub(/[ \t]+;.*$/, ""); sub(/^[ \t]*;.*$/, "") }
    /^\[/ {
        flush()
        t = ""; task = "0"; fn = 0; all = 0; chaos = 0; to = "10"; params = ""
        s = $0; gsub(/[][ \t]/, "", s)
        if (s != "lab") t = s
        next
    }
    /=/ && t != "" {
        k = $0; sub(/=.*/, "", k); gsub(/[ \t]/, "", k)
        v = $0; sub(/^[^=]*=[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
        if (k == "task") task = v
        else if (k == "timeout") to = v
        else if (k == "chaos") chaos = v + 0
        else if (k ~ /^param\./) params = params (params == "" ? "" : " ") substr(k, 7) "=" v
        else if (k ~ /^(functional|tsan|helgrind|drd|memcheck|asan|speedup)$/) {
            all += v
            if (k == "functional") fn += v
        }
    }
    END { flush() }' "$root/labs/$1/rubric.ini"
}

# The files of the lab that are the student's (its lab.mk, through make).
student_files() {
    make -s --no-print-directory -C "$root" lab-info LAB="$1" 2>/dev/null |
        sed -n 's/^student: //p'
}

# The lab's title, from [lab] title = ... in its rubric.
student_title() {
    sed -n 's/^title[[:space:]]*=[[:space:]]*//p' "$root/labs/$1/rubric.ini" | head -1
}

# "N<TAB>title" for each task of the lab, from the "## Task N — title"
# headings of its HINTS.md (or "task N" when it has none).
student_tasks() {
    local lab=$1 n
    if [[ -f $root/labs/$lab/HINTS.md ]]; then
        sed -n 's/^## Task \([0-9]\+\)[^[:alnum:]`]*\(.*\)$/\1\t\2/p' "$root/labs/$lab/HINTS.md"
    else
        for n in $(student_rubric "$lab" | cut -f2 | sort -un); do
            printf '%s\ttask %s\n' "$n" "$n"
        done
    fi
}

# Colour on a terminal, unless NO_COLOR is set.
if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
    c_bold=$'\e[1m' c_dim=$'\e[2m' c_green=$'\e[32m' c_yellow=$'\e[33m'
    c_red=$'\e[31m' c_off=$'\e[0m'
else
    c_bold='' c_dim='' c_green='' c_yellow='' c_red='' c_off=''
fi
