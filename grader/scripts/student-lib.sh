# SPDX-License-Identifier: MIT
# Shared by the student scripts (student-*.sh): which lab LAB names, what a
# lab's rubric says per test, and its tasks' titles, all from the grader.
# Sourced, never run.
# Needs $root (the repository).

# The grader is the only reader of rubric.ini, lab.mk and the task
# headings of HINTS.md; these ask it (grader labs, grader rubric: see
# grader/src/query.c), building it first when it is missing.
student_grader() {
    local g=$root/build/bin/grader
    if [[ ! -x $g ]]; then
        make -s --no-print-directory -C "$root" grader >&2 || return 2
    fi
    "$g" "$@"
}

# The lab folder LAB names: 4, 04 and 04-mutexes-semaphores all give
# 04-mutexes-semaphores. Prints nothing (and fails) when no lab matches.
student_lab() {
    [[ -n $1 ]] || return 1
    student_grader labs --root "$root" --lab "$1" --tsv 2>/dev/null |
        awk -F'\t' 'NR == 2 { print $1; found = 1 } END { exit !found }'
}

student_labs() {
    student_grader labs --root "$root" --tsv | tail -n +2 | cut -f1
}

# One line per test of the lab's rubric, in rubric order, tab-separated:
#   test  task  functional-points  all-points  chaos  timeout  params
# params: space-separated KEY=VALUE for HARNESS_PARAM_KEY.
student_rubric() {
    student_grader rubric --root "$root" --lab "$1" --json |
        jq -r '.labs[].tests[] | [.name, .task, .points.functional, .max_score,
            (if .chaos then 1 else 0 end), .timeout, (.params | join(" "))] | @tsv'
}

# The files of the lab that are the student's (its lab.mk).
student_files() {
    student_grader labs --root "$root" --lab "$1" --json | jq -r '.labs[].student | join(" ")'
}

# The lab's title ([lab] title = ... in its rubric).
student_title() {
    student_grader labs --root "$root" --lab "$1" --json | jq -r '.labs[].title'
}

# "N<TAB>title" for each task of the lab: the "## Task N — title"
# headings of its HINTS.md, or "task N" when it has none.
student_tasks() {
    student_grader labs --root "$root" --lab "$1" --json |
        jq -r '.labs[].tasks[] | [.task, .title] | @tsv'
}

# Colour on a terminal, unless NO_COLOR is set.
if [[ -t 1 && -z ${NO_COLOR:-} ]]; then
    c_bold=$'\e[1m' c_dim=$'\e[2m' c_green=$'\e[32m' c_yellow=$'\e[33m'
    c_red=$'\e[31m' c_off=$'\e[0m'
else
    c_bold='' c_dim='' c_green='' c_yellow='' c_red='' c_off=''
fi
