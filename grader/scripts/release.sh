#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make release DEST=dir`: the student copy of the repository. Everything
# but what release-exclude.txt lists (solutions, mutants, wheats,
# instructor-only tests), the decks marked for after the deadline and the
# tests hidden until the due date (release-hidden.sh). In the copy,
# `make check` checks the copy itself (release-check.sh): the grader's
# unit tests, the provided files unchanged since the release (a manifest
# of their SHA-256), no reference answer present, and every lab gradeable.
# Before it finishes, it scans the copy for lines of the reference answers.
#
# Usage: release.sh DEST     (FORCE=1 to write into a non-empty DEST;
#                            KEEP_HIDDEN=1 to keep the hidden tests)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=${1:?usage: make release DEST=dir}

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
case $dest/ in
"$root"/build/*) ;; # make gradescope builds its copy there
"$root"/*) echo "release: DEST=$dest is inside the repository; choose a folder outside it" >&2; exit 2 ;;
esac
if [[ -n $(ls -A "$dest") && -z ${FORCE:-} ]]; then
    echo "release: $dest is not empty (FORCE=1 to write into it anyway)" >&2
    exit 2
fi

# The files: tracked and untracked-but-not-ignored (what the instructor
# sees in the working tree), or everything outside build/ without git.
cd "$root"
if git rev-parse --show-toplevel >/dev/null 2>&1; then
    list=$(git ls-files -co --exclude-standard | sort -u)
else
    list=$(find . -type f -not -path './build/*' -not -path './.git/*' | sed 's|^\./||' | sort)
fi
mapfile -t prefixes < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$here/release-exclude.txt" | grep -v '^$')
# A deck for after the deadline carries the line <!-- deck: after-deadline -->:
# the one marker, which the slides' own check (slides/tools/includes.mjs)
# reads too, there to allow quoting solutions/.
after_deadline() {
    [[ $1 == slides/*.md ]] || return 1
    grep -qE '^[[:space:]]*<!--[[:space:]]*deck:[[:space:]]*after-deadline[[:space:]]*-->[[:space:]]*$' "$1"
}
n=0 skipped=0
while IFS= read -r f; do
    [[ -n $f && -f $f ]] || continue
    keep=1
    for p in "${prefixes[@]}"; do
        if [[ $p == *'*'* ]]; then
            # shellcheck disable=SC2053 # a glob, on purpose
            [[ $f == $p ]] && { keep=0; break; }
        elif [[ $f == "$p"* ]]; then keep=0; break; fi
    done
    if [[ $keep -eq 1 ]] && after_deadline "$f"; then keep=0; fi
    if [[ $keep -eq 0 ]]; then skipped=$((skipped + 1)); continue; fi
    mkdir -p "$dest/$(dirname "$f")"
    cp -p "$f" "$dest/$f"
    n=$((n + 1))
done <<<"$list"

# Links in the copy's Markdown to files the copy leaves out (the
# instructors' guide, the benchmarks) would dangle: the link becomes its
# text, said to be in the instructors' copy. A link to a file that is in
# neither (a generated diagram) is left alone.
find "$dest" -name '*.md' -not -path '*/.git/*' -print0 |
    xargs -0 -r perl -pi -e '
        use File::Basename qw(dirname);
        use File::Spec;
        BEGIN { ($root, $dest) = splice(@ARGV, 0, 2) }
        s{\[([^\]]+)\]\(([^)#\s]+)(#[^)]*)?\)}{
            my ($text, $target) = ($1, $2);
            my $rel = File::Spec->abs2rel(dirname($ARGV), $dest);
            my $path = File::Spec->canonpath("$rel/$target");
            ($target =~ m{^[a-z]+:} || -e "$dest/$path" || !-e "$root/$path")
                ? $& : "$text (in the instructors\x27 copy)"
        }ge' "$root" "$dest"

# Tests hidden until the due date (`hidden = 1`) are held back: the copy
# has neither their code nor their rubric sections, so its make grade
# scores the visible tests. make gradescope keeps them (KEEP_HIDDEN=1):
# its copy is the autograder, which students do not see, and it reports
# their results after the due date.
if [[ -z ${KEEP_HIDDEN:-} ]]; then
    bash "$here/release-hidden.sh" "$root" "$dest"
fi

# make check in the copy checks the copy (check.sh grades solutions/ and
# mutants, which a student copy does not have).
cp "$here/release-check.sh" "$dest/grader/scripts/check.sh"

# The manifest of provided files: everything but the students' own files.
student=()
while IFS=$'\t' read -r lab files; do
    for f in $files; do student+=("labs/$lab/$f"); done
done < <("$root/build/bin/grader" labs --root "$root" --json | jq -r '.labs[] | [.lab, (.student | join(" "))] | @tsv')
(
    cd "$dest"
    find . -type f -not -path './.git/*' -not -path './build/*' \
        -not -name release-manifest.sha256 | sed 's|^\./||' | sort |
        grep -vxF -f <(printf '%s\n' "${student[@]}") |
        xargs -d '\n' sha256sum >grader/release-manifest.sha256
)

# No reference answer may travel in the copy: look for lines of solutions/
# that appear nowhere in what students are given anyway (labs/, harness/).
leaks=$(bash "$here/release-leaks.sh" "$root" "$dest") || true
if [[ -n $leaks ]]; then
    echo "release: the copy holds lines of the reference answers:" >&2
    echo "$leaks" >&2
    if [[ -z ${RELEASE_ALLOW_LEAKS:-} ]]; then
        echo "release: fix those files (or RELEASE_ALLOW_LEAKS=1)" >&2
        exit 1
    fi
fi
echo "release: $n files in $dest ($skipped left out: solutions, mutants, instructor-only files)"
echo "release: next: cd $dest && git init && git add -A && git commit -m 'Labs' (see docs/instructors.md)"
