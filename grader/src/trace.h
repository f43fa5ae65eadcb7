/* SPDX-License-Identifier: MIT */
/* Timelines from the harness's spans (TRACE=1): a Chrome trace-event JSON
 * file (Perfetto, chrome://tracing) and an SVG drawn here. */
#ifndef GRADER_TRACE_H
#define GRADER_TRACE_H

#include <stdint.h>

struct trace_lane {
    char kind[16]; /* thread, process, coroutine, lane, lock */
    int pid, tid;
    char name[64];
    int run; /* the `run` it was declared under (-1: the file has none) */
};

#define TRACE_MAX_RUNS 4

struct trace_span {
    int lane;
    uint64_t t0, t1; /* ns, CLOCK_MONOTONIC */
    char cat; /* 'c' computing, 'w' waiting for I/O, 'h' holds a lock (the
                 label names the holder), 's' other */
    char label[64];
};

struct trace {
    char title[256];
    int main_pid; /* the test's own process */
    struct trace_lane *lanes;
    int nlanes;
    struct trace_span *spans;
    int nspans;
    /* `run NAME` lines: the baseline's run and the student's, drawn one
     * above the other, each from its own start, on one scale */
    char runs[TRACE_MAX_RUNS][32];
    int nruns;
};

/* Parse the harness's trace.spans text; 0, or -1 with *err set. */
int trace_parse(const char *text, struct trace *t, char **err);
void trace_free(struct trace *t);

/* The two renderings, as strings (the caller frees). */
char *trace_chrome_json(const struct trace *t);
char *trace_svg(const struct trace *t);
/* The SVG with its time axis at least min_ns long (runs to compare share
 * one scale) and an optional note under it. */
char *trace_svg_axis(const struct trace *t, uint64_t min_ns, const char *note);

/* `grader trace SPANS OUT.svg [--note TEXT] [--axis-of SPANS]...`: the
 * slides draw their timelines with it. Exit 0, 1 (no spans), 2. */
int trace_main(int argc, char **argv);

/*
 * trace_export - read spans_path and write <base>.json and <base>.svg.
 * Returns 0, 1 when there were no spans (nothing written), -1 on error.
 */
int trace_export(const char *spans_path, const char *base, char **err);

#endif
