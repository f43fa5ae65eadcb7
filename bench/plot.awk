# SPDX-License-Identifier: MIT
# bench.csv -> one SVG bar chart per benchmark, written to DIR/<name>.svg.
# Usage: awk -F, -v dir=DIR -f plot.awk bench.csv
# Bars: ours (the reference solutions) blue, the baselines orange, the
# ideal and the bare machine grey. The switch ladder and latencies span decades: log scale.

function slug(s) {
    gsub(/[^A-Za-z0-9]+/, "-", s)
    return s
}
function esc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
    return s
}
function colour(v) {
    if (v ~ /^ideal|^bare/) return "#b0b0b0"
    if (v ~ /lab0|coroutine|^ring|grade|check/) return "#1f77b4"
    return "#ff7f0e"
}
function log10(x) { return log(x) / log(10) }
function floor(x) { return x == int(x) || x > 0 ? int(x) : int(x) - 1 }

NR > 1 && $1 != "goal" {
    b = $1
    if (!(b in n)) order[++nb] = b
    n[b]++
    label[b, n[b]] = $2; val[b, n[b]] = $3 + 0; unit[b] = $4
}

END {
    left = 280; plotw = 380; barh = 18; gap = 6; top = 40
    for (k = 1; k <= nb; k++) {
        b = order[k]
        file = dir "/" slug(b) ".svg"
        logscale = (b == "switch" || b == "echo p99")
        lo = 1e300; hi = 0
        for (i = 1; i <= n[b]; i++) {
            if (val[b, i] > hi) hi = val[b, i]
            if (val[b, i] > 0 && val[b, i] < lo) lo = val[b, i]
        }
        if (hi <= 0) hi = 1
        if (logscale) { # whole decades around the data
            lo = floor(log10(lo)); hi = -floor(-log10(hi))
            if (hi <= lo) hi = lo + 1
        }
        h = top + n[b] * (barh + gap) + 30
        printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", left + plotw + 110, h > file
        printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n" > file
        printf "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s (%s%s)</text>\n", esc(b), esc(unit[b]), logscale ? ", log scale" : "" > file
        for (i = 1; i <= n[b]; i++) {
            y = top + (i - 1) * (barh + gap); v = val[b, i]
            if (logscale) w = v > 0 ? (log10(v) - lo) / (hi - lo) * plotw : 0
            else w = v / hi * plotw
            if (w < 1) w = 1
            printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8, y + 13, esc(label[b, i]) > file
            printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", left, y, w, barh, colour(label[b, i]) > file
            printf "<text x=\"%.1f\" y=\"%d\">%s</text>\n", left + w + 4, y + 13, \
                (v >= 10000 ? sprintf("%d", v + 0.5) : sprintf("%.4g", v)) > file
        }
        y = top + n[b] * (barh + gap)
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top - 4, left, y > file
        if (logscale)
            for (d = lo; d <= hi; d++)
                printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%g</text>\n", left + (d - lo) / (hi - lo) * plotw, y + 16, 10 ^ d > file
        print "</svg>" > file
        close(file)
    }
}
