#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Slides quote the real files: every <!-- include: FILE:START-END --> in
# slides/*.md resolves, and the fenced copy under it still matches the file's
# lines (make slides-sync refreshes them). No browser, no network, no packages.
set -u
cd "$(dirname "$0")/../../.."
command -v node >/dev/null 2>&1 || {
    echo "node not found: install it (sudo apt-get install -y nodejs) to check the slides"
    exit 1
}
exec node slides/tools/includes.mjs check
