/* SPDX-License-Identifier: MIT */
/*
 * Spans of work recorded by lane (thread, process or coroutine), printed as
 * an ASCII timeline when a speedup check fails: work that ran one piece
 * after another is plain to see.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define TRACE_MAX 4096
#define TRACE_COLS 64
#define TRACE_LANES 16

struct span {
    int lane;
    uint64_t t0, t1;
    char label[24];
};

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
/* guarded by trace_lock: */
static struct span spans[TRACE_MAX];
static int nspans;

void harness_trace_reset(void)
{
    pthread_mutex_lock(&trace_lock);
    nspans = 0;
    pthread_mutex_unlock(&trace_lock);
}

void harness_trace_span(int lane, const char *label, uint64_t t0, uint64_t t1)
{
    pthread_mutex_lock(&trace_lock);
    if (nspans < TRACE_MAX) {
        struct span *s = &spans[nspans++];

        s->lane = lane;
        s->t0 = t0;
        s->t1 = t1;
        snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
    }
    pthread_mutex_unlock(&trace_lock);
}

int harness_trace_overlap(void)
{
    int found = 0;

    pthread_mutex_lock(&trace_lock);
    for (int i = 0; i < nspans && !found; i++)
        for (int j = i + 1; j < nspans && !found; j++)
            if (spans[i].lane != spans[j].lane && spans[i].t0 < spans[j].t1 &&
                spans[j].t0 < spans[i].t1)
                found = 1;
    pthread_mutex_unlock(&trace_lock);
    return found;
}

void harness_trace_print_timeline(const char *title)
{
    char row[TRACE_LANES][TRACE_COLS + 1];
    uint64_t lo = UINT64_MAX, hi = 0;
    int lanes = 0;

    pthread_mutex_lock(&trace_lock);
    if (nspans == 0) {
        pthread_mutex_unlock(&trace_lock);
        return;
    }
    for (int i = 0; i < nspans; i++) {
        lo = spans[i].t0 < lo ? spans[i].t0 : lo;
        hi = spans[i].t1 > hi ? spans[i].t1 : hi;
        if (spans[i].lane + 1 > lanes && spans[i].lane < TRACE_LANES)
            lanes = spans[i].lane + 1;
    }
    for (int l = 0; l < lanes; l++) {
        memset(row[l], '.', TRACE_COLS);
        row[l][TRACE_COLS] = '\0';
    }
    for (int i = 0; i < nspans; i++) {
        const struct span *s = &spans[i];
        uint64_t w = hi > lo ? hi - lo : 1;
        int a = (int)((s->t0 - lo) * TRACE_COLS / w);
        int b = (int)((s->t1 - lo) * TRACE_COLS / w);

        if (s->lane < 0 || s->lane >= TRACE_LANES)
            continue;
        for (int c = a; c <= b && c < TRACE_COLS; c++)
            row[s->lane][c] = '#';
    }
    printf("timeline of %s (%.1f ms across, # = running):\n", title,
           (double)(hi - lo) / 1e6);
    for (int l = 0; l < lanes; l++)
        printf("  lane %2d |%s|\n", l, row[l]);
    pthread_mutex_unlock(&trace_lock);
}
