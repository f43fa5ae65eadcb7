#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what the build and the grader need, or say exactly how to.
# Debian/Ubuntu: apt-get as root, sudo -n when it works without a password.
set -u

# tool-or-header : Debian package
need=(
    "cc:gcc"
    "clang:clang"
    "make:make"
    "patch:patch"
    "valgrind:valgrind"
    "gcovr:gcovr"
    "gcov-tool:gcc"
    "readelf:binutils"
    "jq:jq"
    "clang-format:clang-format"
    "gdb:gdb"
    "setarch:util-linux"
    "/usr/include/cmocka.h:libcmocka-dev"
    "/usr/include/ini.h:libinih-dev"
    "/usr/include/jansson.h:libjansson-dev"
    "/usr/include/uv.h:libuv1-dev"
    "inotifywait:inotify-tools"
    "xmllint:libxml2-utils"
    "parallel:parallel"
    "sim_c:similarity-tester"
    "/usr/lib/python3/dist-packages/yaml/__init__.py:python3-yaml"
    "/usr/sbin/debootstrap:debootstrap"
    "spatch:coccinelle"
    "python3:python3"
    "bear:bear"
    "gnuplot:gnuplot-nox"
    "ccache:ccache"
)

missing=()
for item in "${need[@]}"; do
    what=${item%%:*} pkg=${item#*:}
    if [[ $what == /* ]]; then
        [[ -e $what ]] || missing+=("$pkg")
    else
        command -v "$what" >/dev/null 2>&1 || missing+=("$pkg")
    fi
done
# ThreadSanitizer's runtime for gcc: libtsan2 on Debian 12 (libtsan0 before).
if command -v gcc >/dev/null 2>&1 && ! echo 'int main(void){return 0;}' |
    gcc -fsanitize=thread -x c - -o /dev/null 2>/dev/null; then
    missing+=("libtsan2")
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "deps: installing: $pkgs" >&2
if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "deps: missing packages; run:  sudo apt-get install -y $pkgs" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An empty package list (a fresh image) needs one update first.
if ! "${sudo[@]}" apt-get install -y -qq $pkgs >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq &&
        "${sudo[@]}" apt-get install -y -qq $pkgs >/dev/null || {
        echo "deps: apt-get failed; run:  sudo apt-get install -y $pkgs" >&2
        exit 1
    }
fi
echo "deps: done" >&2
