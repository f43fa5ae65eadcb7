/* SPDX-License-Identifier: MIT */
/*
 * TRACE=1: the harness writes the spans of a speedup check's last
 * candidate run (harness/trace.c); this turns them into a Chrome
 * trace-event file and an SVG timeline, one lane per thread, process or
 * coroutine, so a student sees what ran when.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/protocol.h"
#include "trace.h"
#include "util.h"

#define TRACE_MAX_LANES 256
#define TRACE_MAX_SPANS 65536

static void rest_of(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strcspn(src, "\r\n") : 0;

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = '\0';
}

/* The n-th space-separated field's end: where a free-text tail starts. */
static const char *after_fields(const char *line, int n)
{
    const char *p = line;

    for (int i = 0; i < n && p; i++) {
        p = strchr(p, ' ');
        p = p ? p + 1 : NULL;
    }
    return p;
}

int trace_parse(const char *text, struct trace *t, char **err)
{
    const char *p = text;
    int lineno = 0;
    char line[512];

    memset(t, 0, sizeof(*t));
    *err = NULL;
    if (!text || strncmp(text, HARNESS_TRACE_VERSION "\n",
                         strlen(HARNESS_TRACE_VERSION "\n")) != 0) {
        *err = gr_strdup("not a harness trace (no \"" HARNESS_TRACE_VERSION
                         "\" line)");
        return -1;
    }
    t->lanes = gr_alloc(sizeof(*t->lanes) * TRACE_MAX_LANES);
    t->spans = gr_alloc(sizeof(*t->spans) * 1024);
    while (next_line(&p, line, sizeof(line))) {
        lineno++;
        if (starts_with(line, "title ")) {
            rest_of(t->title, sizeof(t->title), line + 6);
        } else if (starts_with(line, "main ")) {
            t->main_pid = atoi(line + 5);
        } else if (starts_with(line, "run ")) {
            if (t->nruns < TRACE_MAX_RUNS)
                rest_of(t->runs[t->nruns++], sizeof(t->runs[0]), line + 4);
        } else if (starts_with(line, "lane ")) {
            struct trace_lane l = {0};
            int idx;

            if (sscanf(line, "lane %d %15s %d %d", &idx, l.kind, &l.pid,
                       &l.tid) != 4 ||
                idx < 0 || idx >= TRACE_MAX_LANES)
                goto bad;
            rest_of(l.name, sizeof(l.name), after_fields(line, 5));
            l.run = t->nruns - 1;
            t->lanes[idx] = l;
            if (idx + 1 > t->nlanes)
                t->nlanes = idx + 1;
        } else if (starts_with(line, "span ")) {
            struct trace_span s = {0};
            unsigned long long a, b;

            if (sscanf(line, "span %d %llu %llu %c", &s.lane, &a, &b, &s.cat) !=
                    4 ||
                s.lane < 0 || s.lane >= TRACE_MAX_LANES || b < a)
                goto bad;
            if (t->nspans >= TRACE_MAX_SPANS)
                continue;
            s.t0 = a;
            s.t1 = b;
            rest_of(s.label, sizeof(s.label), after_fields(line, 5));
            if ((t->nspans & 1023) == 0 && t->nspans)
                t->spans = realloc(t->spans, sizeof(*t->spans) *
                                                 (size_t)(t->nspans + 1024));
            if (!t->spans)
                gr_die("out of memory");
            t->spans[t->nspans++] = s;
        }
    }
    for (int i = 0; i < t->nspans; i++)
        if (t->spans[i].lane >= t->nlanes ||
            !t->lanes[t->spans[i].lane].kind[0])
            goto bad_lane;
    return 0;
bad:
    *err = gr_printf("line %d: cannot read it", lineno);
    trace_free(t);
    return -1;
bad_lane:
    *err = gr_strdup("a span on a lane that was never declared");
    trace_free(t);
    return -1;
}

void trace_free(struct trace *t)
{
    free(t->lanes);
    free(t->spans);
    memset(t, 0, sizeof(*t));
}

static uint64_t first_t0(const struct trace *t)
{
    uint64_t lo = UINT64_MAX;

    for (int i = 0; i < t->nspans; i++)
        lo = t->spans[i].t0 < lo ? t->spans[i].t0 : lo;
    return t->nspans ? lo : 0;
}

static uint64_t last_t1(const struct trace *t)
{
    uint64_t hi = 0;

    for (int i = 0; i < t->nspans; i++)
        hi = t->spans[i].t1 > hi ? t->spans[i].t1 : hi;
    return hi;
}

static const char *cat_name(char c)
{
    return c == 'c'   ? "computing"
           : c == 'w' ? "waiting for I/O"
           : c == 'h' ? "holds it"
                      : "span";
}

/* Chrome wants a pid and a tid per row: coroutines and explicit lanes get
 * made-up tids, so each lane is a row of its own. */
static void lane_ids(const struct trace *t, int i, int *pid, int *tid)
{
    const struct trace_lane *l = &t->lanes[i];

    /* explicit and lock lanes (pid 0) belong to the test's process */
    *pid = l->pid > 0 ? l->pid : t->main_pid > 0 ? t->main_pid : 1;
    *tid = l->tid;
    if (t->nruns > 1 && l->run < t->nruns - 1) {
        /* an earlier run (the baseline's): rows of its own, under a made-up
         * pid above any real one (pid_max is at most 2^22) */
        *pid = (1 << 30) + l->run;
        *tid = 2000000 + i;
        return;
    }
    if (strcmp(l->kind, "coroutine") == 0 || strcmp(l->kind, "lane") == 0 ||
        strcmp(l->kind, "lock") == 0)
        *tid = 1000000 + i;
}

static int lane_used(const struct trace *t, int lane)
{
    for (int i = 0; i < t->nspans; i++)
        if (t->spans[i].lane == lane)
            return 1;
    return 0;
}

char *trace_chrome_json(const struct trace *t)
{
    json_t *root = json_object(), *ev = json_array();
    uint64_t lo = first_t0(t);
    int main_pid = t->main_pid;
    char *s;

    for (int i = 0; i < t->nlanes; i++) {
        int pid, tid, seen = 0;

        if (!lane_used(t, i))
            continue;
        lane_ids(t, i, &pid, &tid);
        for (int j = 0; j < i; j++) {
            int p2, t2;

            lane_ids(t, j, &p2, &t2);
            seen |= lane_used(t, j) && p2 == pid;
        }
        if (!seen) {
            char *pname = t->lanes[i].run >= 0 && t->lanes[i].run < t->nruns - 1
                              ? gr_printf("%s", t->runs[t->lanes[i].run])
                          : pid == main_pid || main_pid == 0
                              ? gr_printf("test process %d", pid)
                              : gr_printf("worker process %d", pid);

            json_array_append_new(ev, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}",
                                                "name", "process_name", "ph",
                                                "M", "pid", pid, "tid", 0,
                                                "args", "name", pname));
            free(pname);
        }
        json_array_append_new(ev, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}",
                                            "name", "thread_name", "ph", "M",
                                            "pid", pid, "tid", tid, "args",
                                            "name", t->lanes[i].name));
        json_array_append_new(ev, json_pack("{s:s, s:s, s:i, s:i, s:{s:i}}",
                                            "name", "thread_sort_index", "ph",
                                            "M", "pid", pid, "tid", tid, "args",
                                            "sort_index", i));
    }
    for (int i = 0; i < t->nspans; i++) {
        const struct trace_span *sp = &t->spans[i];
        int pid, tid;

        lane_ids(t, sp->lane, &pid, &tid);
        json_array_append_new(
            ev,
            json_pack("{s:s, s:s, s:s, s:f, s:f, s:i, s:i}", "name",
                      sp->label[0] ? sp->label : cat_name(sp->cat), "cat",
                      cat_name(sp->cat), "ph", "X", "ts",
                      (double)(sp->t0 - lo) / 1e3, "dur",
                      (double)(sp->t1 - sp->t0) / 1e3, "pid", pid, "tid", tid));
    }
    json_object_set_new(root, "traceEvents", ev);
    json_object_set_new(root, "displayTimeUnit", json_string("ms"));
    json_object_set_new(root, "otherData",
                        json_pack("{s:s}", "title", t->title));
    s = json_dumps(root, JSON_INDENT(1));
    json_decref(root);
    if (!s)
        gr_die("out of memory");
    {
        char *copy = gr_printf("%s\n", s);

        free(s);
        return copy;
    }
}

/* A round tick step (1, 2 or 5 times a power of ten) giving <= 10 ticks. */
static double tick_step(double span_ms)
{
    double p = 0.001; /* 1 us: finer is noise */

    for (;;) {
        if (span_ms / p <= 10)
            return p;
        if (span_ms / (2 * p) <= 10)
            return 2 * p;
        if (span_ms / (5 * p) <= 10)
            return 5 * p;
        p *= 10;
    }
}

#define SVG_W 960
#define SVG_LEFT 150
#define SVG_RIGHT 20
#define SVG_TOP 48
#define SVG_LANE 22
#define SVG_GAP 6

static const char *cat_colour(char c)
{
    return c == 'c'   ? "#4c78a8"
           : c == 'w' ? "#f58518"
           : c == 'h' ? "#b279a2"
                      : "#54a24b";
}

char *trace_svg(const struct trace *t)
{
    return trace_svg_axis(t, 0, NULL);
}

/* The first and last instants of run g's spans (-1: a file without runs). */
static void run_range(const struct trace *t, int g, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (int i = 0; i < t->nspans; i++) {
        const struct trace_span *s = &t->spans[i];

        if (t->lanes[s->lane].run != g)
            continue;
        *lo = s->t0 < *lo ? s->t0 : *lo;
        *hi = s->t1 > *hi ? s->t1 : *hi;
    }
    if (*lo > *hi)
        *lo = *hi = 0;
}

char *trace_svg_axis(const struct trace *t, uint64_t min_ns, const char *note)
{
    struct sbuf b = {0};
    uint64_t ran = 0, w, glo[TRACE_MAX_RUNS + 1], ghi[TRACE_MAX_RUNS + 1];
    int first = t->nruns ? 0 : -1, head[TRACE_MAX_RUNS + 1];
    double span_ms, step;
    double plot = SVG_W - SVG_LEFT - SVG_RIGHT;
    int *row = gr_alloc(sizeof(int) * (size_t)(t->nlanes + 1)), rows = 0;
    int height, drawn = 0;

    /* Runs (the baseline's, the student's) one above the other, each from
     * its own start, on the scale of the longest: the lengths compare. */
    memset(glo, 0, sizeof(glo));
    memset(ghi, 0, sizeof(ghi));
    for (int i = 0; i < t->nlanes; i++)
        row[i] = -1; /* not drawn (declared outside every run, or unused) */
    for (int g = first; g < t->nruns || g == first; g++) {
        run_range(t, g, &glo[g + 1], &ghi[g + 1]);
        if (ghi[g + 1] - glo[g + 1] > ran)
            ran = ghi[g + 1] - glo[g + 1];
        head[g + 1] = g >= 0 ? rows++ : -1;
        /* a lock's lane (who holds it) above the lanes that work */
        for (int k = 0; k < 2 * t->nlanes; k++) {
            int i = k % t->nlanes;

            if (t->lanes[i].run == g && lane_used(t, i) &&
                (strcmp(t->lanes[i].kind, "lock") == 0) == (k < t->nlanes)) {
                row[i] = rows++;
                drawn++;
            }
        }
    }
    w = ran > min_ns ? ran : min_ns;
    span_ms = (double)w / 1e6;
    step = tick_step(span_ms);
    height =
        SVG_TOP + rows * (SVG_LANE + SVG_GAP) + 60 + (note && note[0] ? 20 : 0);
    sbuf_printf(&b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                "height=\"%d\" viewBox=\"0 0 %d %d\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                "<text x=\"10\" y=\"20\" font-size=\"14\" "
                "font-weight=\"bold\">",
                SVG_W, height, SVG_W, height);
    sbuf_xml(&b, t->title[0] ? t->title : "timeline");
    sbuf_printf(&b,
                "</text>\n<text x=\"10\" y=\"36\" fill=\"#555\">%.1f ms "
                "across, %d lane(s)</text>\n",
                (double)ran / 1e6, drawn);
    if (note && note[0]) {
        sbuf_printf(&b, "<text x=\"10\" y=\"%d\" fill=\"#555\">", height - 8);
        sbuf_xml(&b, note);
        sbuf_puts(&b, "</text>\n");
    }
    /* Legend: only the kinds of span drawn */
    for (int k = 0, shown = 0; k < 4; k++) {
        const char cats[] = {'c', 'w', 'h', 's'};
        int used = 0, x = SVG_W - 560 + shown * 140;

        for (int i = 0; i < t->nspans && !used; i++)
            used = (t->spans[i].cat == cats[k]) ||
                   (cats[k] == 's' && !strchr("cwh", t->spans[i].cat));
        if (!used)
            continue;
        shown++;
        sbuf_printf(&b,
                    "<rect x=\"%d\" y=\"26\" width=\"12\" height=\"12\" "
                    "fill=\"%s\"/><text x=\"%d\" y=\"36\">%s</text>\n",
                    x, cat_colour(cats[k]), x + 16, cat_name(cats[k]));
    }
    /* Each run's heading, then its lanes and their labels */
    for (int g = first; g < t->nruns; g++) {
        if (g < 0)
            continue;
        sbuf_printf(&b, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">",
                    SVG_TOP + head[g + 1] * (SVG_LANE + SVG_GAP) + 15);
        sbuf_xml(&b, t->runs[g]);
        sbuf_printf(&b, ", %.1f ms</text>\n",
                    (double)(ghi[g + 1] - glo[g + 1]) / 1e6);
    }
    for (int i = 0; i < t->nlanes; i++) {
        int y = SVG_TOP + row[i] * (SVG_LANE + SVG_GAP);

        if (row[i] < 0)
            continue;
        sbuf_printf(&b,
                    "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" "
                    "fill=\"#f2f2f2\"/>\n<text x=\"%d\" y=\"%d\" "
                    "text-anchor=\"end\">",
                    SVG_LEFT, y, plot, SVG_LANE, SVG_LEFT - 8, y + 15);
        sbuf_xml(&b, t->lanes[i].name);
        sbuf_puts(&b, "</text>\n");
    }
    /* Spans: at least a pixel wide, so a short one still shows */
    for (int i = 0; i < t->nspans; i++) {
        const struct trace_span *s = &t->spans[i];
        uint64_t lo = glo[t->lanes[s->lane].run + 1];
        double wd = w > 0 ? (double)w : 1;
        double x = SVG_LEFT + (double)(s->t0 - lo) / wd * plot;
        double len = (double)(s->t1 - s->t0) / wd * plot;
        int y = SVG_TOP + row[s->lane] * (SVG_LANE + SVG_GAP) + 2;

        if (row[s->lane] < 0)
            continue;

        sbuf_printf(&b,
                    "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
                    "fill=\"%s\"><title>",
                    x, y, len < 1 ? 1 : len, SVG_LANE - 4, cat_colour(s->cat));
        sbuf_xml(&b, s->label[0] ? s->label : cat_name(s->cat));
        sbuf_printf(&b, ": %.3f ms at %.3f ms</title></rect>\n",
                    (double)(s->t1 - s->t0) / 1e6, (double)(s->t0 - lo) / 1e6);
    }
    /* The time axis */
    {
        int y = SVG_TOP + rows * (SVG_LANE + SVG_GAP) + 4;

        sbuf_printf(&b,
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%.0f\" y2=\"%d\" "
                    "stroke=\"#333\"/>\n",
                    SVG_LEFT, y, SVG_LEFT + plot, y);
        for (double ms = 0; ms <= span_ms + 1e-9; ms += step) {
            double x = SVG_LEFT + (span_ms > 0 ? ms / span_ms : 0) * plot;

            sbuf_printf(&b,
                        "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
                        "stroke=\"#333\"/><text x=\"%.2f\" y=\"%d\" "
                        "text-anchor=\"middle\">%g</text>\n",
                        x, y, x, y + 5, x, y + 18, ms);
        }
        sbuf_printf(&b,
                    "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\" "
                    "fill=\"#555\">time (ms)</text>\n",
                    SVG_LEFT + plot / 2, y + 36);
    }
    sbuf_puts(&b, "</svg>\n");
    free(row);
    return sbuf_steal(&b);
}

/*
 * The test writes spans_path in its run folder, so it may have put anything
 * there: only a regular file owned by the folder's owner (the test) is read.
 */
static char *read_spans(const char *spans_path, char **err)
{
    char *dir = gr_strdup(spans_path), *slash = strrchr(dir, '/'), *text;
    uid_t owner;

    if (slash)
        *slash = '\0';
    if (run_dir_owner(slash ? dir : ".", &owner) < 0) {
        free(dir);
        return NULL;
    }
    free(dir);
    text = read_run_file(spans_path, 16 << 20, NULL, owner);
    if (!text && errno != ENOENT)
        *err = gr_strdup(HARNESS_TRACE_FILE
                         " ignored: not a regular file owned by the test");
    return text;
}

int trace_export(const char *spans_path, const char *base, char **err)
{
    struct trace t;
    char *text, *out, *path;
    int rc = 0;

    *err = NULL;
    text = read_spans(spans_path, err);
    if (!text && *err)
        return -1;
    if (!text)
        return 1; /* the test wrote none: no speedup check ran to its end */
    if (trace_parse(text, &t, err) < 0) {
        free(text);
        return -1;
    }
    free(text);
    if (t.nspans == 0) {
        trace_free(&t);
        return 1;
    }
    out = trace_chrome_json(&t);
    path = gr_printf("%s.json", base);
    if (write_file(path, out) < 0)
        rc = -1;
    free(out);
    free(path);
    out = trace_svg(&t);
    path = gr_printf("%s.svg", base);
    if (write_file(path, out) < 0)
        rc = -1;
    free(out);
    free(path);
    trace_free(&t);
    if (rc < 0)
        *err = gr_printf("cannot write %s.json or .svg", base);
    return rc;
}

/* The spans of a file given on the command line (not a run folder's). */
static int load(const char *path, struct trace *t)
{
    char *text = read_file(path, 16 << 20, NULL), *err = NULL;

    if (!text) {
        fprintf(stderr, "grader trace: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (trace_parse(text, t, &err) < 0) {
        fprintf(stderr, "grader trace: %s: %s\n", path, err);
        free(err);
        free(text);
        return -1;
    }
    free(text);
    return 0;
}

int trace_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *note = NULL;
    uint64_t min_ns = 0;
    struct trace t;
    char *svg;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--note") == 0 && i + 1 < argc) {
            note = argv[++i];
        } else if (strcmp(argv[i], "--axis-of") == 0 && i + 1 < argc) {
            if (load(argv[++i], &t) < 0)
                return 2;
            if (t.nspans && last_t1(&t) - first_t0(&t) > min_ns)
                min_ns = last_t1(&t) - first_t0(&t);
            trace_free(&t);
        } else if (argv[i][0] != '-' && !in) {
            in = argv[i];
        } else if (argv[i][0] != '-' && !out) {
            out = argv[i];
        } else {
            in = NULL;
            break;
        }
    }
    if (!in || !out) {
        fputs("usage: grader trace SPANS OUT.svg [--note TEXT] "
              "[--axis-of SPANS]...\n"
              "  draw a harness spans file (" HARNESS_TRACE_FILE
              ") as the SVG timeline TRACE=1 draws;\n"
              "  --axis-of: the time axis at least as long as that run "
              "(to compare two)\n",
              stderr);
        return 2;
    }
    if (load(in, &t) < 0)
        return 2;
    if (t.nspans == 0) {
        fprintf(stderr, "grader trace: %s: no spans\n", in);
        trace_free(&t);
        return 1;
    }
    svg = trace_svg_axis(&t, min_ns, note);
    rc = write_file(out, svg) < 0 ? 2 : 0;
    if (rc)
        fprintf(stderr, "grader trace: cannot write %s\n", out);
    free(svg);
    trace_free(&t);
    return rc;
}
