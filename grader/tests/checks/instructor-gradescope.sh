#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Gradescope: make gradescope builds autograder.zip (setup.sh and
# run_autograder at its top, a student release as the source), and
# run_autograder, run on sample submissions in a stand-in /autograder,
# writes a results.json with the fields and values Gradescope documents:
# top level score, execution_time, output, output_format, visibility,
# stdout_visibility, tests (and optionally test_output_format,
# test_name_format, extra_data, leaderboard); each test score, max_score,
# status (passed/failed), name, number, output, tags, visibility
# (hidden, after_due_date, after_published, visible), extra_data.
set -u
cd "$(dirname "$0")/../../.." || exit 1
root=$PWD
fail() { echo "$*"; exit 1; }
lab=02-threads
make -s --no-print-directory gradescope LAB=02 ONLY=functional >/dev/null 2>&1 ||
    fail "make gradescope failed: $(make -s gradescope LAB=02 ONLY=functional 2>&1 | tail)"
zip=build/gradescope/autograder.zip
[[ -f $zip ]] || fail "no $zip"
names=$(unzip -Z1 "$zip")
for f in setup.sh run_autograder gradescope.env Makefile "labs/$lab/rubric.ini" grader/src/main.c; do
    grep -qx "$f" <<<"$names" || fail "$zip lacks $f"
done
! grep -q '^solutions/\|^grader/tests/mutants/' <<<"$names" || fail "$zip holds solutions or mutants"
[[ $(unzip -Z "$zip" run_autograder | awk '{print $1}') == -rwx* ]] || fail "run_autograder is not executable in the zip"

tmp=$(mktemp -d /tmp/instructor-gradescope.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
max=$(bash grader/scripts/rubric-points.sh | awk -F'\t' -v l="$lab" '$1 == l { print $4 }')

validate() { # results.json
    jq -e '
      def vis: IN("hidden", "after_due_date", "after_published", "visible");
      (keys - ["score", "execution_time", "output", "output_format", "test_output_format",
               "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
               "leaderboard"] | length == 0)
      and (.score | type == "number") and (.execution_time | type == "number")
      and (.output | type == "string") and (.output_format | IN("text", "html", "simple_format", "md", "ansi"))
      and (.visibility | vis) and (.stdout_visibility | vis)
      and (.tests | type == "array")
      and (.tests | all(
            (keys - ["score", "max_score", "status", "name", "name_format", "number", "output",
                     "output_format", "tags", "visibility", "extra_data"] | length == 0)
            and (.score | type == "number") and (.max_score | type == "number")
            and (.status | IN("passed", "failed"))
            and (.name | type == "string") and (.number | type == "string")
            and (.output | type == "string") and (.tags | type == "array" and all(type == "string"))
            and (.visibility | vis)))
      and (.score == ([.tests[].score] | add // 0))' "$1" >/dev/null
}

# A submission of loose files (as uploaded to a one-lab assignment): the
# reference files, so full marks.
ag=$tmp/ag
mkdir -p "$ag/source" "$ag/submission/nested"
(cd "$ag/source" && unzip -q "$root/$zip")
cp "solutions/$lab"/*.c "$ag/submission/nested/"
AUTOGRADER=$ag bash "$ag/source/run_autograder" >"$tmp/run.log" 2>&1 || fail "run_autograder exited non-zero"
r=$ag/results/results.json
[[ -f $r ]] || fail "no results.json: $(tail "$tmp/run.log")"
validate "$r" || fail "results.json does not follow Gradescope's format: $(head -c 600 "$r")"
[[ $(jq .score "$r") == "$max" ]] || fail "the reference files scored $(jq .score "$r"), want $max: $(jq -r .output "$r")"

# An empty submission: 0, still a valid results.json.
rm -rf "$ag/submission" "$ag/results" "$ag/work"
mkdir -p "$ag/submission"
AUTOGRADER=$ag bash "$ag/source/run_autograder" >"$tmp/run2.log" 2>&1 || fail "run_autograder exited non-zero"
validate "$ag/results/results.json" || fail "results.json of an empty submission is not valid: $(head -c 600 "$ag/results/results.json")"
[[ $(jq .score "$ag/results/results.json") == 0 ]] || fail "an empty submission scored $(jq .score "$ag/results/results.json")"
echo "gradescope: $(wc -c <"$zip") bytes; reference $max/$max, empty 0, results.json as documented"
