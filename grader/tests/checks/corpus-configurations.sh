#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile corpus again, in the configurations corpus.sh (run from the
# repository as it lies) does not cover:
#   private   a copy of the repository in a private (0700) folder made by
#             mktemp -d, graded as root: the grader cannot hand such a
#             folder's run folders to its test uid, so before the view
#             (docs/architecture.md) tests ran there as root, unbounded;
#   user      a copy owned by an ordinary user, graded as that user (an
#             instructor who is not root), the entries that write or read
#             what they must not, and the fork bomb.
# Each pass is corpus.sh itself, run in the copy: every entry its verdict,
# exit status, budget, no survivor, nothing outside build/ changed, nothing
# forbidden in the feedback.
set -u
cd "$(dirname "$0")/../../.."
problems=0
user=${GRADER_USER:-nobody}

# A copy of the tree as it is (tracked and untracked files, no build/).
copy_tree() { # dest
    git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$1" -xf -
}

pass() { # name dir [runuser-user]
    local name=$1 dir=$2 as=${3:-} t0=$SECONDS log rc
    if [[ -n $as ]]; then
        log=$(cd "$dir" && runuser -u "$as" -- env HOME="$dir" PATH=/usr/local/bin:/usr/bin:/bin \
            CORPUS_ONLY="${CORPUS_ONLY:-}" bash -c 'make -s grader >/dev/null 2>&1; bash grader/tests/checks/corpus.sh' 2>&1)
    else
        log=$(cd "$dir" && { make -s grader >/dev/null 2>&1; bash grader/tests/checks/corpus.sh; } 2>&1)
    fi
    rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "FAIL: the corpus in the $name configuration:"
        echo "$log" | sed 's/^/    /'
        problems=$((problems + 1))
    else
        echo "ok $name: $(grep -c '^ok ' <<<"$log") corpus checks held ($((SECONDS - t0)) s)"
    fi
}

if [[ $(id -u) -ne 0 ]]; then
    echo "not root: the private-folder and ordinary-user passes need root to set up; skipped"
    exit 0
fi

priv=$(mktemp -d)
trap 'rm -rf "$priv" "${shared:-}"' EXIT
[[ $(stat -c %a "$priv") == 700 ]] || { echo "FAIL: mktemp -d made a folder that is not 0700"; exit 1; }
copy_tree "$priv"
pass private "$priv"

# The ordinary user's copy must be theirs, under folders they may enter.
shared=$(mktemp -d)
chmod 755 "$shared"
copy_tree "$shared"
chown -R "$user" "$shared"
CORPUS_ONLY="forkbomb reads-private-files symlinked-tool-log writes-results-file edits-test-file setsid-escapee ctor-escape" \
    pass "user ($user)" "$shared" "$user"
exit $((problems > 0))
