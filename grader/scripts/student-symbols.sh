#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run by the Makefile before it links a test binary: a submission may not
# define a function or variable that the tests, the harness or cmocka
# define or call. Its definition would replace theirs in the whole binary
# (the executable's symbols come first, even for calls made inside
# libcmocka.so): a `_cmocka_run_group_tests` that returns 0, a `longjmp`
# that does nothing (cmocka's failed assertion would then not leave the
# test), a `write` that edits the verdict, an `opendir` that hides what a
# test counts. A student's own helper with any other name is fine, even
# one that shares a name with a C library function nobody here calls
# (`error`, say): only what the grading code relies on is reserved.
#
# Usage: student-symbols.sh SHOWN_DIR CC STUDENT.o... -- OTHER.o|.a...
#   SHOWN_DIR  the folder the student's files are named by in messages
#   CC         the compiler, to find libcmocka, libc and libm
# Exit: 0 clean; 1 with one compiler-style line per symbol on stderr.
set -u
shown=$1 cc=$2
shift 2
students=()
while [[ $# -gt 0 && $1 != -- ]]; do students+=("$1"); shift; done
shift
others=("$@")
[[ ${#students[@]} -gt 0 ]] || exit 0

# Global definitions and undefined references, one name a line.
defs() { nm -g --defined-only "$@" 2>/dev/null | awk 'NF >= 3 && $2 ~ /[A-TV-Z]/ { print $3 }'; }
undefs() { nm -u "$@" 2>/dev/null | awk '$1 == "U" || $1 == "w" { print $2 }'; }
dyn() { # --defined-only or --undefined-only, of a shared library
    nm -D "$1" "$2" 2>/dev/null | awk '{ print $NF }' | sed 's/@.*//'
}
# CC may be a command line ("ccache gcc": make check's lab items).
read -ra ccv <<<"$cc"
lib() { "${ccv[@]}" -print-file-name="$1"; }

cmocka=$(lib libcmocka.so)
shared_defs=$(for l in libc.so.6 libm.so.6; do dyn --defined-only "$(lib $l)"; done)
reserved=$(
    defs "${others[@]}"
    dyn --defined-only "$cmocka"
    # What they call that a shared library provides (the lab's own API,
    # which the student must define, is provided by none).
    comm -12 <({ undefs "${others[@]}"; dyn --undefined-only "$cmocka"; } | sort -u) \
        <(sort -u <<<"$shared_defs")
)
bad=0
for o in "${students[@]}"; do
    hits=$(comm -12 <(defs "$o" | sort -u) <(sort -u <<<"$reserved"))
    for s in $hits; do
        echo "$shown/$(basename "${o%.o}").c: error: defines '$s', which the" \
            "tests, the harness or cmocka also use: a submission may not" \
            "replace it (rename yours, or make it static)" >&2
        bad=1
    done
done
exit $bad
