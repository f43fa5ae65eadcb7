#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.csv -> one SVG bar chart per benchmark, DIR/<name>.svg, drawn by
# gnuplot. Usage: plot.sh bench.csv DIR
# Bars: ours (the reference solutions) blue, the baselines orange, the
# ideal and the bare machine grey. The switch ladder and latencies span
# decades: log scale.
set -eu
csv=$1 dir=$2
command -v gnuplot >/dev/null || { echo "plot: gnuplot is missing (make deps)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One data file per benchmark, in the order of first appearance: the
# variant, its value and its colour, tab-separated; and the unit.
awk -F, -v tmp="$tmp" '
function slug(s) { gsub(/[^A-Za-z0-9]+/, "-", s); return s }
function colour(v) {
    if (v ~ /^ideal|^bare/) return "0xb0b0b0"
    if (v ~ /lab0|coroutine|^ring|grade|check/) return "0x1f77b4"
    return "0xff7f0e"
}
NR > 1 && $1 != "goal" {
    if (!($1 in seen)) { seen[$1] = 1; print slug($1) "\t" $1 "\t" $4 > (tmp "/list") }
    print $2 "\t" ($3 + 0) "\t" colour($2) > (tmp "/" slug($1) ".dat")
}' "$csv"
[[ -s $tmp/list ]] || exit 0

while IFS=$'\t' read -r slug name unit; do
    data=$tmp/$slug.dat
    n=$(wc -l <"$data")
    log=0
    [[ $name == switch || $name == "echo p99" ]] && log=1
    # A log scale starts at the decade below the smallest value.
    lo=$(awk -F'\t' -v log_="$log" '
        $2 > 0 && (!m || $2 < m) { m = $2 }
        END { if (!log_) print 0; else { d = log(m ? m : 1) / log(10)
              d = (d == int(d) || d > 0) ? int(d) : int(d) - 1; print 10 ^ d } }' "$data")
    title="$name ($unit)" scale="set xrange [0:*]"
    if [[ $log == 1 ]]; then
        title="$name ($unit, log scale)" scale="set logscale x 10"
    fi
    gnuplot <<EOF
set terminal svg size 770,$((90 + n * 26)) font "sans,12" background "white"
set output "$dir/$slug.svg"
set datafile separator "\t"
set title "${title//\"/\\\"}" font ",15"
unset key
set border 2
set xtics nomirror
unset mxtics
set ytics nomirror scale 0
set yrange [$n - 0.5:-0.5]
set style fill solid noborder
set offsets 0, graph 0.15, 0, 0
$scale
plot "$data" using ($lo):0:($lo):2:(\$0 - 0.38):(\$0 + 0.38):3:ytic(1) \\
         with boxxyerror lc rgb variable, \\
     "$data" using 2:0:(\$2 >= 10000 ? sprintf("%d", int(\$2 + 0.5)) : gprintf("%.4g", \$2)) \\
         with labels left offset 0.5, 0
EOF
done <"$tmp/list"
