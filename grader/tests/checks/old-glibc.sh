#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Older platforms: in a Debian 11 root (glibc 2.31, older than the 2.35 of
# Gradescope's default image; `make old-glibc-root` builds it once, at
# install time), the autograder `make gradescope LAB=01 ONLY=functional`
# builds is set up as Gradescope sets it up (its setup.sh, the package
# installs already done), every lab's skeleton and reference compile, and
# run_autograder gives lab 01's reference files full marks. No network:
# without the root this fails and says how to build it (.ci/run builds it
# before make check). Not root: skipped, as the other checks that need it.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
t0=$SECONDS
if [[ $(id -u) -ne 0 ]]; then
    echo "not root: the Debian 11 root needs chroot; skipped"
    exit 0
fi
dir=$(bash grader/scripts/old-glibc-root.sh --print-dir)
[[ -f $dir/.labs-root-ok ]] ||
    fail "no Debian 11 root at $dir: make old-glibc-root builds it (once; needs root and the network)"
lab=01-processes
make -s --no-print-directory gradescope LAB=01 ONLY=functional >/dev/null 2>&1 ||
    fail "make gradescope failed: $(make -s gradescope LAB=01 ONLY=functional 2>&1 | tail)"

# Gradescope's layout, at its own path inside the root: setup.sh and
# run_autograder name /autograder. One check at a time uses it.
ag=$dir/autograder
rm -rf "$ag" "$dir/tmp/old-glibc"
trap 'rm -rf "$ag" "$dir/tmp/old-glibc"' EXIT
mkdir -p "$ag/source" "$ag/submission" "$dir/tmp/old-glibc/shim"
(cd "$ag/source" && unzip -q "$root/build/gradescope/autograder.zip") || fail "cannot unzip"
cp "solutions/$lab"/*.c "$ag/submission/"
cp -r solutions "$dir/tmp/old-glibc/solutions"
# The packages are in the root already; apt-get would want the network.
printf '#!/bin/sh\nexit 0\n' >"$dir/tmp/old-glibc/shim/apt-get"
chmod 755 "$dir/tmp/old-glibc/shim/apt-get"

# A PID namespace and a /proc of its own; the root's /dev is debootstrap's.
in_root() { # script
    unshare --mount --pid --fork --mount-proc="$dir/proc" \
        chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
        PATH=/tmp/old-glibc/shim:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$1"
}
glibc=$(in_root 'ldd --version | head -1 | grep -oE "[0-9.]+$"')
log=$(in_root 'bash /autograder/source/setup.sh' 2>&1) ||
    fail "setup.sh failed under glibc $glibc: $(tail -20 <<<"$log")"
t_setup=$((SECONDS - t0))

# Every lab's skeleton (the release's labs/) and reference compile.
labs=$(bash grader/scripts/rubric-points.sh . | awk -F'\t' 'NR > 1 { print $1 }' | tr '\n' ' ')
log=$(in_root "cd /autograder/source && for t in labs /tmp/old-glibc/solutions; do
        for l in $labs; do
            make -s -j2 lab-build-\$l TREE=\$(realpath \$t) OUT=/tmp/old-glibc/cc/\$(basename \$t) \
                VARIANT=plain >/tmp/old-glibc/cc.log 2>&1 ||
                { echo \"\$t/\$l does not compile:\"; grep -m5 -E 'error|Error' /tmp/old-glibc/cc.log; exit 1; }
        done
    done" 2>&1) || fail "under glibc $glibc: $log"
t_cc=$((SECONDS - t0 - t_setup))

in_root 'bash /autograder/source/run_autograder' >/dev/null 2>&1 ||
    fail "run_autograder exited non-zero under glibc $glibc"
r=$ag/results/results.json
[[ -f $r ]] || fail "no results.json under glibc $glibc"
max=$(bash grader/scripts/rubric-points.sh . | awk -F'\t' -v l="$lab" '$1 == l { print $4 }')
got=$(jq .score "$r")
[[ $got == "$max" ]] || fail "under glibc $glibc, lab 01's reference scored $got of $max:
$(jq -r '.output, (.tests[] | select(.status != "passed") | "\(.name): \(.output)")' "$r" | head -30)"
echo "glibc $glibc: setup.sh ${t_setup} s, 7 labs x 2 trees compile ${t_cc} s," \
    "lab 01 reference $got/$max in $((SECONDS - t0)) s"
