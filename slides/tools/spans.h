/* SPDX-License-Identifier: MIT */
/*
 * The slide tools' span recorder: every span goes to the harness
 * (harness_trace_span, so harness_trace_overlap can judge it) and into a
 * copy kept here, because the harness prints its spans only as ASCII; the
 * copy is printed as JSON for slides/tools/diagrams.mjs to draw.
 */
#ifndef SLIDES_SPANS_H
#define SLIDES_SPANS_H

#include <stdint.h>
#include <stdio.h>

#include "harness.h"

#define SPANS_MAX 4096

struct spans_span {
    int lane;
    const char *label; /* a string literal: "cpu", "io", "wait" */
    uint64_t t0, t1;
};

static pthread_mutex_t spans_lock = PTHREAD_MUTEX_INITIALIZER;
/* guarded by spans_lock: */
static struct spans_span spans[SPANS_MAX];
static int nspans;

static void spans_reset(void)
{
    pthread_mutex_lock(&spans_lock);
    nspans = 0;
    pthread_mutex_unlock(&spans_lock);
    harness_trace_reset();
}

/* Record [t0, t1) on lane; a span that continues the lane's last one with
 * the same label (a gap under 20 us) extends it, so a loop of short steps
 * becomes one bar. */
static void spans_add(int lane, const char *label, uint64_t t0, uint64_t t1)
{
    pthread_mutex_lock(&spans_lock);
    for (int i = nspans - 1; i >= 0 && i >= nspans - 64; i--) {
        struct spans_span *s = &spans[i];

        if (s->lane != lane)
            continue;
        if (s->label == label && t0 >= s->t1 && t0 - s->t1 < 20000) {
            s->t1 = t1;
            pthread_mutex_unlock(&spans_lock);
            harness_trace_span(lane, label, t0, t1);
            return;
        }
        break;
    }
    if (nspans < SPANS_MAX)
        spans[nspans++] = (struct spans_span){lane, label, t0, t1};
    pthread_mutex_unlock(&spans_lock);
    harness_trace_span(lane, label, t0, t1);
}

/* One trace as a JSON object on stdout: its spans in ms from the first. */
static void spans_print(const char *name, const char *title,
                        const char *lane_kind, int lanes, double seconds)
{
    uint64_t lo = UINT64_MAX;

    for (int i = 0; i < nspans; i++)
        lo = spans[i].t0 < lo ? spans[i].t0 : lo;
    printf("{\"name\": \"%s\", \"title\": \"%s\", \"lane_kind\": \"%s\", "
           "\"lanes\": %d, \"cpus\": %d, \"seconds\": %.4f, "
           "\"overlap\": %s, \"spans\": [",
           name, title, lane_kind, lanes, harness_cpus(), seconds,
           harness_trace_overlap() ? "true" : "false");
    for (int i = 0; i < nspans; i++)
        printf("%s\n  {\"lane\": %d, \"label\": \"%s\", \"t0\": %.4f, "
               "\"t1\": %.4f}",
               i ? "," : "", spans[i].lane, spans[i].label,
               (double)(spans[i].t0 - lo) / 1e6,
               (double)(spans[i].t1 - lo) / 1e6);
    printf("]}\n");
}

#endif /* SLIDES_SPANS_H */
