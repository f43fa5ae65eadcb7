#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make similarity: a class's files of lab 03 compared pairwise with sim_c,
# the skeleton's lines left out. A gradebook folder is made here as
# grade-class leaves one (order.tsv, each student's staged src/), without
# grading: ann hands in the reference; ben the same with its identifiers
# renamed and its layout changed; cat the untouched skeleton; dan files of
# another lab under the same names. ann and ben must top the ranking;
# cat, whose every line is the skeleton's, must not be in it at all; dan
# must stay below the threshold.
set -u
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "$*"; exit 1; }
tmp=$(mktemp -d /tmp/instructor-similarity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
lab=03-race-conditions
o=$tmp/out
printf '# shard 1/1 of 4 students\n0\tann\n1\tben\n2\tcat\n3\tdan\n' >"$o.order" && mkdir -p "$o" && mv "$o.order" "$o/order.tsv"
others=(solutions/02-threads/*.c)
k=0
for f in $(build/bin/grader labs --root . --lab 03 --json | jq -r '.labs[].student[]'); do
    for s in ann ben cat dan; do mkdir -p "$o/$s/src/$lab"; done
    cp "solutions/$lab/$f" "$o/ann/src/$lab/$f"
    sed -E 's/counter/tally/g; s/lock/mtx/g; s/^    /\t/' "solutions/$lab/$f" >"$o/ben/src/$lab/$f"
    cp "labs/$lab/$f" "$o/cat/src/$lab/$f"
    cp "${others[$((k++ % ${#others[@]}))]}" "$o/dan/src/$lab/$f"
done
make -s --no-print-directory similarity LAB=03 GRADEBOOK_DIR="$o" >"$tmp/log" 2>&1 ||
    { cat "$tmp/log"; fail "make similarity failed"; }
r=$o/similarity.tsv
[[ -s $r ]] || { cat "$tmp/log"; fail "no similarity.tsv"; }
[[ $(head -1 "$r") == $'lab\tfile\tstudent\tother\tpercent\tpercent_back' ]] || fail "similarity.tsv: wrong header"
top=$(sed -n 2p "$r")
[[ $(cut -f3,4 <<<"$top" | tr '\t' ' ') =~ ^(ann\ ben|ben\ ann)$ && $(cut -f5 <<<"$top") -ge 90 ]] ||
    { cat "$r"; fail "ann and ben (the same code renamed) are not first at 90% or more"; }
[[ $(awk -F"\t" 'NR > 1 && ($3 == "ann" && $4 == "ben" || $3 == "ben" && $4 == "ann")' "$r" | wc -l) -eq 3 ]] || fail "ann and ben: not one row per file of the lab"
! cut -f3,4 "$r" | grep -qw cat || { cat "$r"; fail "cat handed in the skeleton: it must not be ranked at all"; }
awk -F'\t' 'NR > 1 && ($3 == "dan" || $4 == "dan") && ($5 >= 50 || $6 >= 50) { bad = 1 } END { exit bad }' "$r" ||
    { cat "$r"; fail "dan (another lab's code) is ranked at 50% or more"; }
grep -q 'similarity: .* pair(s)' "$tmp/log" || fail "no summary printed"
echo "similarity: the renamed copy first ($(cut -f5 <<<"$top")%), the skeleton left out, unrelated code below 50%"
