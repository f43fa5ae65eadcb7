#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make old-glibc-root`: a Debian 11 (bullseye, glibc 2.31) root with what
# Gradescope's setup.sh installs, for grader/tests/checks/old-glibc.sh.
# Gradescope's default image (Ubuntu 22.04) has glibc 2.35; 2.31 is
# older still, so what builds here builds there. Built once, with
# debootstrap from Debian's archive (the mirror this machine's apt uses),
# into OLD_GLIBC_ROOT (default /var/cache/labs-bullseye), outside any
# checkout; built again only when the package list changes. Needs root
# and the network; the check itself needs neither the network nor this
# script. Usage: old-glibc-root.sh [--print-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${OLD_GLIBC_ROOT:-/var/cache/labs-bullseye}
if [[ ${1:-} == --print-dir ]]; then
    echo "$dir"
    exit 0
fi

# setup.sh's own package list, so the root holds what Gradescope's image
# would; patch for the grader's mutants; libc6-dev is gcc's anyway.
pkgs=$(awk '/apt-get install/ { on = 1; next }
            on { more = /\\$/; sub(/\\$/, ""); for (i = 1; i <= NF; i++) print $i
                 on = more }' "$here/gradescope/setup.sh" |
    grep -v '^-' | sort -u | tr '\n' ',')
pkgs=${pkgs}patch,libc6-dev
want="bullseye $pkgs"
stamp=$dir/.labs-root-ok
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "old-glibc-root: $dir is ready ($(chroot "$dir" ldd --version | head -1))"
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    sudo -n true 2>/dev/null && exec sudo -n OLD_GLIBC_ROOT="$dir" bash "$0" "$@"
    echo "old-glibc-root: needs root (debootstrap, chroot): sudo make old-glibc-root" >&2
    exit 1
fi
command -v debootstrap >/dev/null ||
    apt-get install -y -qq debootstrap >/dev/null ||
    { echo "old-glibc-root: cannot install debootstrap" >&2; exit 1; }

# The first Debian archive this machine's apt names, else Debian's CDN.
mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
    /etc/apt/sources.list.d/ 2>/dev/null | grep -v security | head -1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}

t0=$SECONDS
rm -rf "$dir.new"
mkdir -p "$(dirname "$dir")"
echo "old-glibc-root: debootstrap bullseye from $mirror into $dir (a few minutes)"
# debootstrap's own resolver knows no virtual packages (gdb needs one):
# a bare system first, then apt inside it, as setup.sh installs them.
if ! debootstrap --variant=minbase bullseye "$dir.new" "$mirror" >"$dir.log" 2>&1 ||
    ! unshare --mount --pid --fork --mount-proc="$dir.new/proc" chroot "$dir.new" \
        /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${pkgs//,/ } &&
         apt-get clean" >>"$dir.log" 2>&1; then
    tail -5 "$dir.log" >&2
    echo "old-glibc-root: failed; log in $dir.log" >&2
    exit 1
fi
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "$want" >"$stamp"
echo "old-glibc-root: $dir ready in $((SECONDS - t0)) s ($(du -sh "$dir" | cut -f1)," \
    "$(chroot "$dir" ldd --version | head -1))"
