#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the slides need, from Debian's packages: `deps.sh node` (Node.js and
# npm, for Marp CLI) or `deps.sh chromium` (the browser slides-check drives).
# apt-get as root, sudo -n when it needs no password; else the command to run.
set -u
case ${1:-} in
node) need=("node:nodejs" "npm:npm") ;;
chromium) need=("/usr/bin/chromium:chromium" "/usr/share/fonts/truetype/dejavu:fonts-dejavu-core") ;;
*) echo "usage: deps.sh node|chromium" >&2; exit 2 ;;
esac
missing=()
for item in "${need[@]}"; do
    what=${item%%:*} pkg=${item#*:}
    if [[ $what == /* ]]; then [[ -e $what ]] || missing+=("$pkg")
    else command -v "$what" >/dev/null 2>&1 || missing+=("$pkg"); fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "slides-deps: installing: ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then sudo=()
elif sudo -n true 2>/dev/null; then sudo=(sudo -n)
else echo "slides-deps: missing; run:  sudo apt-get install -y ${missing[*]}" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq &&
        "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null || {
        echo "slides-deps: apt-get failed; run:  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    }
fi
