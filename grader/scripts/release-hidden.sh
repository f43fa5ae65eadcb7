#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make release: hold back the tests hidden until the due date (`hidden = 1`
# in a rubric). In the copy DEST, each hidden test loses its function, its
# entry in the file's CMUnitTest array, the static helpers only it used,
# and its rubric section; a test file left with no test goes, with its name
# in lab.mk. The instructor's tree keeps them all and grades them.
# Fails (exit 1) when a visible test `requires` a hidden one, or when the
# name of a hidden test is still anywhere in the copy afterwards.
#
# Relies on the tree's clang-format layout: a function opens at column 0
# and its closing brace is the first `}` at column 0 after it.
# Usage: release-hidden.sh ROOT DEST   (prints one line per test held back)
set -eu
root=${1:?usage: release-hidden.sh ROOT DEST}
dest=${2:?usage: release-hidden.sh ROOT DEST}

rubric=$("$root/build/bin/grader" rubric --root "$root" --json)
hidden=$(jq -r '.labs[] | .lab as $l | .tests[] | select(.hidden) | [$l, .name] | @tsv' <<<"$rubric")
[[ -n $hidden ]] || exit 0
bad=$(jq -r '.labs[] | .lab as $l | [.tests[] | select(.hidden) | .name] as $h
    | .tests[] | select(.hidden | not) | .name as $t | .requires[]
    | select(. as $r | $h | index($r)) | "\($l): \($t) requires hidden \(.)"' <<<"$rubric")
if [[ -n $bad ]]; then
    echo "release: a visible test cannot require a hidden one:" >&2
    echo "$bad" >&2
    exit 1
fi

# Remove test function NAME from FILE, its array entry, and then every
# top-level static function or variable no longer named in the file.
strip_test() {
    perl -0777 -i -e '
        my $name = shift;
        local $_ = do { local $/; <> };
        my $n = 0;
        # the array entry: a line that is one macro call on NAME
        $n += s/^[ \t]+\w+\(\Q$name\E\b[^\n]*\),?[ \t]*\n//mg;
        # the function, with the comment block right above it
        $n += s/(?:^\/\*(?:(?!\*\/).)*\*\/\n)?^static void \Q$name\E\(void \*\*\w+\)\n\{\n.*?^\}\n(?:\n(?=\n))?//ms;
        die "release-hidden: $ARGV: $name: want one function and its entry, changed $n\n"
            unless $n == 2;
        # now-unused statics, until none is left
        my $fn = qr/(?:^\/\*(?:(?!\*\/).)*\*\/\n)?^static\b[^\n;=(]*?\b(\w+)\([^;{]*?\)\n\{\n.*?^\}\n(?:\n(?=\n))?/ms;
        my $var = qr/^static\b[^\n(]*?\b(\w+)(?:\[[^\]]*\])*(?: = [^\n]*)?;\n/m;
        for (my $again = 1; $again;) {
            $again = 0;
            for my $re ($fn, $var) {
                my @names = /$re/g;
                for my $f (@names) {
                    my @uses = /\b\Q$f\E\b/g;
                    next if @uses > 1;
                    s/$re/$1 eq $f ? "" : $&/ge;
                    $again = 1;
                }
            }
        }
        s/\n{3,}/\n\n/g;
        print;' "$2" "$1"
}

while IFS=$'\t' read -r lab name; do
    files=$(grep -lE "^static void $name\(" "$dest/labs/$lab/tests/"*.c || true)
    [[ $(wc -w <<<"$files") -eq 1 ]] || {
        echo "release-hidden: $lab: $name: defined in ${files:-no test file} (want exactly one)" >&2
        exit 1
    }
    strip_test "$files" "$name"
    # The rubric section, and a test file left with no test with its name
    # in lab.mk: the grader, their one reader, edits them.
    if ! grep -q 'cmocka_unit_test\|^static void test_' "$files"; then
        base=$(basename "$files" .c)
        rm "$files"
        "$root/build/bin/grader" hold-back --root "$dest" --lab "$lab" --test "$name" --binary "$base"
        echo "release: $lab: $name held back (hidden = 1), and with it tests/$base.c"
    else
        "$root/build/bin/grader" hold-back --root "$dest" --lab "$lab" --test "$name"
        echo "release: $lab: $name held back (hidden = 1)"
    fi
done <<<"$hidden"

# Nothing in the copy may still name a hidden test.
left=$(cut -f2 <<<"$hidden" | grep -rlwF -f - "$dest" --exclude-dir=build --exclude-dir=.git || true)
if [[ -n $left ]]; then
    echo "release: the copy still names a hidden test in:" >&2
    echo "$left" >&2
    exit 1
fi
