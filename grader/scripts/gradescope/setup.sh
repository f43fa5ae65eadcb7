#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Gradescope runs this once, as root, when it builds the autograder's
# image (Ubuntu): install the compilers, tools and libraries the grader
# needs, and build the grader and the harness ahead of the submissions.
set -eux
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    gcc clang make valgrind gdb jq util-linux ca-certificates \
    libcmocka-dev libinih-dev libjansson-dev
cd /autograder/source
# Anything else the repository's own list names (e.g. libtsan2 on Debian).
bash grader/scripts/deps.sh
make -s grader
for v in plain tsan asan vg; do
    make -s VARIANT=$v "$PWD/build/harness/$v/libharness.a"
done
# The grader runs the tests as an unprivileged user when it runs as root:
# they must be able to read the source and what it builds.
chmod -R a+rX /autograder/source
