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

# The shared libraries' names (what libc and libm define, what cmocka
# defines and calls) are the same for every build with the same compiler:
# 4,000 names from three nm runs, which cost more than the rest of this
# check. They are kept in a file under $STUDENT_SYMBOLS_CACHE (the
# Makefile's build folder), named after the compiler and checked against
# the three libraries' sizes and times, written whole or not at all.
# Lines: "D name" (libc, libm), "C name" (cmocka defines), "u name"
# (cmocka calls).
read -ra ccv <<<"$cc"
lib() { "${ccv[@]}" -print-file-name="$1"; }
dyn() { # --defined-only or --undefined-only, of a shared library
    nm -D "$1" "$2" 2>/dev/null | awk -v tag="$3" '{ sub(/@.*/, "", $NF); print tag, $NF }'
}
shared_names() {
    local cache=${STUDENT_SYMBOLS_CACHE:-} key libs stamp file tmp
    if [[ -n $cache ]]; then
        key=$(printf '%s' "$cc" | cksum | cut -d' ' -f1)
        file=$cache/shared-$key.txt
        if [[ -f $file ]]; then
            read -r libs <"$file"
            # shellcheck disable=SC2086 # three paths, no spaces (gcc's own)
            stamp=$(stat -L -c '%n %s %Y' $libs 2>/dev/null | tr '\n' ' ')
            if [[ -n $stamp && $(sed -n 2p "$file") == "$stamp" ]]; then
                tail -n +3 "$file"
                return
            fi
        fi
    fi
    local c m l
    c=$(lib libcmocka.so) m=$(lib libm.so.6) l=$(lib libc.so.6)
    names() {
        dyn --defined-only "$l" D
        dyn --defined-only "$m" D
        dyn --defined-only "$c" C
        dyn --undefined-only "$c" u
    }
    # No cache, or one this user cannot write: the names, as they are.
    if [[ -z $cache ]] || ! mkdir -p "$cache" 2>/dev/null ||
        ! tmp=$(mktemp "$file.XXXXXX" 2>/dev/null); then
        names
        return
    fi
    {
        echo "$l $m $c"
        stat -L -c '%n %s %Y' "$l" "$m" "$c" | tr '\n' ' '
        echo
        names
    } >"$tmp" && mv -f "$tmp" "$file"
    rm -f "$tmp"
    if [[ -f $file ]]; then tail -n +3 "$file"; else names; fi
}

# The reserved names: what the other objects define; what cmocka defines;
# and what the others or cmocka call that libc or libm defines (the lab's
# own API, which the student must define, is provided by neither). Then
# each student object's global definitions against them, in one awk.
# The objects' symbols come from readelf, once for all of them: nm loads
# the linker plugins of /usr/lib/bfd-plugins (LLVM's, where clang is
# installed), 90 ms of CPU a run against readelf's 12, and make check
# builds a lab some 400 times. symbols TAG [FIRST]: readelf -sW's table
# on stdin, one "TAG name file" line per global definition, and "u name"
# per undefined reference; FIRST names the file when readelf, given one
# file only, prints no "File:" line.
symbols() {
    awk -v tag="$1" -v f="${2:-}" '
        /^File: / { f = substr($0, 7); sub(/\.o\)?$/, "", f); sub(/.*[\/(]/, "", f); next }
        NF < 8 || $1 !~ /^[0-9]+:$/ { next }
        $5 != "GLOBAL" && $5 != "WEAK" && $5 != "UNIQUE" { next }
        { name = $8; sub(/@.*/, "", name) }
        $7 == "UND" { if (tag == "O") print "u", name; next }
        $4 != "FILE" && $4 != "SECTION" { print tag, name, f }'
}
bad=0
first=$(basename "${students[0]%.o}")
report=$(
    {
        shared_names
        readelf -sW "${others[@]}" 2>/dev/null | symbols O
        readelf -sW "${students[@]}" 2>/dev/null | symbols S "$first"
    } | awk '
        $1 == "D" { libc[$2] = 1; next }
        $1 == "C" || $1 == "O" { reserved[$2] = 1; next }
        $1 == "u" { called[$2] = 1; next }
        $1 == "S" && !seen[$3 " " $2]++ { n++; sym[n] = $2; file[n] = $3 }
        END {
            for (i = 1; i <= n; i++)
                if (reserved[sym[i]] || (called[sym[i]] && libc[sym[i]]))
                    print file[i], sym[i]
        }' | sort
)
while read -r f s; do
    [[ -n $f ]] || continue
    echo "$shown/$f.c: error: defines '$s', which the" \
        "tests, the harness or cmocka also use: a submission may not" \
        "replace it (rename yours, or make it static)" >&2
    bad=1
done <<<"$report"
exit $bad
