#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# After the GitHub Classroom steps: a job summary (a Markdown table of every
# check, per lab) into $GITHUB_STEP_SUMMARY, and `::error file=,line=::`
# annotations at the student's file:line for every failed check -- the
# grader's messages name the file and line (labs/NN-topic/file.c:LINE, or
# the same under another tree), and a race report names the student's
# frames. Without GITHUB_STEP_SUMMARY the summary goes to stdout.
# Usage: classroom-report.sh [DIR]   (DIR: where classroom-lab.sh wrote,
# default build/grade/classroom; any DIR/**/results.json is read)
set -u
cd "$(dirname "$0")/../.." || exit 2
dir=${1:-build/grade/classroom}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
mapfile -t files < <(find "$dir" -name results.json 2>/dev/null | sort)
if [[ ${#files[@]} -eq 0 ]]; then
    echo "::error title=Autograding::no results under $dir: the grader did not run (see the steps above)"
    printf '## Autograding\n\nNo results: the grader did not run (see the job log).\n' >>"$summary"
    exit 1
fi

# Each lab's student files (the grader reads lab.mk): annotations prefer them.
students=$(build/bin/grader labs --root . --json 2>/dev/null |
    jq '[.labs[] | {(.lab): .student}] | add // {}') || students='{}'

# A check appears once even if both a merged and a per-lab file hold it.
all=$(jq -s '{tests: (map(.tests) | add // [] | unique_by(.name) | sort_by(.extra_data.lab))}' "${files[@]}")

# The summary: a line per lab, then a table per lab, failures in full.
jq -r '
  def lab: .extra_data.lab;
  def check: .extra_data.check;
  def result: .extra_data.outcome;
  def icon: if .status == "passed" then "✅" elif (result == "skip" or result == "inconclusive" or result == "not-run") then "⚠️" else "❌" end;
  def test: .extra_data.test;
  def cell: gsub("\\|"; "\\|") | gsub("\n"; " ");
  .tests as $t
  | ($t | group_by(lab)) as $labs
  | ($t | map(select(.extra_data.provisional))) as $p
  | "## Autograding: \([$t[].score] | add // 0)/\([$t[].max_score] | add // 0) points\(if ($p | length) > 0 then " (provisional)" else "" end)\n",
    (if ($p | length) > 0 then
       "⚠️ **Provisional**: \([$p[] | .max_score - .score] | add) points were not measured on this runner (too few CPUs, or too busy) and do not fail the lab in Classroom; your instructor grades them again: \([$p[] | "`\(.extra_data.lab): \(test) [\(check)]`"] | join(", ")).\n"
     else empty end),
    "| lab | points | checks passed |", "| --- | ---: | ---: |",
    ($labs[] | "| \(.[0] | lab) | \([.[].score] | add)/\([.[].max_score] | add) | \(map(select(.status == "passed")) | length)/\(length) |"),
    "",
    ($labs[] |
      "### \(.[0] | lab): \([.[].score] | add)/\([.[].max_score] | add) points\n",
      "| test | check | result | points |", "| --- | --- | --- | ---: |",
      (.[] | "| `\(test)` | \(check) | \(icon) \(result) | \(.score)/\(.max_score) |"),
      "",
      (map(select(.status != "passed" and result != "not-run"))
       | unique_by(if result == "build" then "" else .name end) as $f
       | if ($f | length) > 0 then
           "<details><summary>\($f | length) failed check(s) of \(.[0] | lab)</summary>\n",
           ($f[:40][] | "**`\(test)` [\(check)]**: \(result)\n\n```\n\(.output | split("\n") | .[:25] | join("\n"))\n```\n"),
           "</details>\n"
         else empty end))
' <<<"$all" >>"$summary"

# Annotations: one per failed check, at the student's file:line when the
# output names one (else at the first file:line it names, else none).
jq -r --argjson students "$students" '
  def result: .extra_data.outcome;
  def esc: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
  def prop: esc | gsub(":"; "%3A") | gsub(","; "%2C");
  .tests[]
  | select(.status != "passed")
  | select(result as $r | ["skip", "inconclusive", "not-run"] | any(.[]; . == $r) | not)
  | .extra_data.lab as $lab
  | [.output | scan("(?:[^\\s:\"'"'"'(]*/)?([0-9][0-9]-[A-Za-z0-9_-]+)/([A-Za-z0-9_./-]+\\.[ch]):([0-9]+)")
     | {lab: .[0], file: .[1], line: .[2]}] as $refs
  | ($refs | map(select(.lab == $lab and (.file as $f | $students[$lab] // [] | any(.[]; . == $f))))) as $mine
  | (if ($mine | length) > 0 then $mine[0] elif ($refs | length) > 0 then $refs[0] else null end) as $at
  | (if result == "build" then "\($lab): not graded" else "\(.extra_data.test) [\(.extra_data.check)]" end) as $title
  | (.output | split("\n") | map(select(length > 0)) | .[:12] | join("\n")) as $msg
  | if $at then "::error file=labs/\($at.lab)/\($at.file | prop),line=\($at.line),title=\($title | prop)::\($msg | esc)"
    else "::error title=\($title | prop)::\($msg | esc)" end
' <<<"$all" | awk '!seen[$0]++'
# Provisional checks: a warning each, not an error (classroom-lab.sh).
jq -r '
  def esc: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
  def prop: esc | gsub(":"; "%3A") | gsub(","; "%2C");
  .tests[] | select(.extra_data.provisional)
  | "::warning title=\("\(.extra_data.test) [\(.extra_data.check)] provisional" | prop)::\("not measured on this runner: to grade again \(.extra_data.regrade)" | esc)"
' <<<"$all"
exit 0
