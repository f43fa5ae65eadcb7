#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Editors and containers: compile_commands.json names every lab source with
# its flags; .editorconfig and .clang-format are there; the dev container
# is Debian 12 set up by the project's own deps.sh, and its JSON parses.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
fail() { echo "FAIL: $*"; exit 1; }
source grader/scripts/student-lib.sh

make -s compile_commands.json >/dev/null 2>&1 || fail "make compile_commands.json failed"
for lab in $(student_labs); do
    for f in $(student_files "$lab"); do
        jq -e --arg f "$root/labs/$lab/$f" 'any(.[]; .file == $f and (.command // (.arguments | join(" "))
            | contains("-Werror")))' compile_commands.json >/dev/null ||
            fail "compile_commands.json has no entry with the build's flags for labs/$lab/$f"
    done
done
[[ -f .editorconfig && -f .clang-format ]] || fail ".editorconfig or .clang-format is missing"
jq -e '.build.dockerfile == "Dockerfile" and .build.context == ".."' .devcontainer/devcontainer.json >/dev/null ||
    fail ".devcontainer/devcontainer.json does not parse or does not build .devcontainer/Dockerfile"
grep -q '^FROM debian:12' .devcontainer/Dockerfile || fail "the dev container is not Debian 12"
grep -q 'deps.sh' .devcontainer/Dockerfile || fail "the dev container does not run grader/scripts/deps.sh"
echo "editors and containers: compile_commands.json, .editorconfig, .clang-format, .devcontainer"
