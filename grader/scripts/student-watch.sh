#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make watch LAB=NN`: run the lab's functional tests (make test), then
# again each time a .c or .h file of the lab folder is saved. File
# notifications come from inotifywait (inotify-tools); where inotify does
# not work (some container mounts, network file systems) or WATCH=poll,
# it polls the files' mtimes once a second instead. It says which.
#
# Usage: student-watch.sh LAB
#   env: WATCH=inotify|poll (default: inotify when it works)
#        WATCH_CMD   what to run on a change (default: make test LAB=...)
#        WATCH_PATHS the folder to watch (default: labs/<lab>)
#        WATCH_MAX_RUNS stop after that many runs (for tests; default never)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/grader/scripts/student-lib.sh"
arg=${1:-}
[[ -n $arg ]] || { echo "usage: make watch LAB=NN (or make watch inside labs/NN-topic/)" >&2; exit 2; }
lab=$(student_lab "$arg") || { echo "watch: LAB=$arg: no such lab (try 02 or 02-threads)" >&2; exit 2; }
dir=${WATCH_PATHS:-$root/labs/$lab}
cmd=${WATCH_CMD:-make -s --no-print-directory -C "$root" test LAB=$lab}
max=${WATCH_MAX_RUNS:-0}

# What a change is: any .c or .h under the folder changing size or mtime
# (an editor's swap and backup files do not count).
signature() {
    find "$dir" -type f \( -name '*.c' -o -name '*.h' \) -printf '%p %s %T@\n' 2>/dev/null | sort
}

mode=${WATCH:-}
if [[ -z $mode ]]; then
    mode=poll
    if command -v inotifywait >/dev/null; then
        # Exit status 2 (timed out) or 0 (an event): the watch was set up.
        inotifywait -qq -t 1 -e modify "$dir" >/dev/null 2>&1
        [[ $? -ne 1 ]] && mode=inotify
    fi
fi
case $mode in
inotify) how="inotify notifications (WATCH=poll to poll instead)" ;;
poll) how="polling mtimes every second, ${WATCH:+as WATCH=poll asks}${WATCH:-inotify does not work here}" ;;
*) echo "watch: WATCH=$mode: use inotify or poll" >&2; exit 2 ;;
esac

# Block until the signature differs from $1.
wait_change() {
    local before=$1
    while [[ $(signature) == "$before" ]]; do
        if [[ $mode == inotify ]]; then
            # A timeout too: an event that came while the tests ran, or one
            # inotify missed, is still seen by the signature check.
            inotifywait -qq -r -t 5 -e close_write,moved_to,create,delete "$dir" >/dev/null 2>&1
            sleep 0.2 # let the editor finish writing (rename, chmod)
        else
            sleep 1
        fi
    done
}

printf '%swatch:%s %s, waiting for saves with %s; Ctrl-C to stop\n' "$c_bold" "$c_off" "${dir#"$root"/}" "$how"
runs=0
trap 'echo; echo "watch: stopped"; exit 0' INT TERM
while :; do
    sig=$(signature)
    [[ -t 1 && $runs -gt 0 ]] && clear
    printf '%swatch:%s %s, run %d at %s\n' "$c_bold" "$c_off" "${dir#"$root"/}" $((runs + 1)) "$(date +%T)"
    bash -c "$cmd"
    runs=$((runs + 1))
    [[ $max -gt 0 && $runs -ge $max ]] && exit 0
    printf '\n%swatch: waiting for a save in %s (%s); Ctrl-C to stop%s\n' "$c_dim" "${dir#"$root"/}" "$mode" "$c_off"
    wait_change "$sig"
done
