/* SPDX-License-Identifier: MIT */
/*
 * Timelines for the slides, from lab 02's GIL (linked from the reference
 * solution at build time only): two CPU-bound threads with and without the
 * GIL, and three I/O-bound threads that release it around their waits.
 * The harness traces the work and the waits, as in a TRACE=1 grading, and
 * writes its spans file; `grader trace` draws it.
 * Usage: trace_gil cpu-gil|cpu-free|io-gil OUT.spans
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gil.h"
#include "harness.h"

#define STEP_US 100      /* one "bytecode": a short run of CPU work */
#define INTERVAL_US 2000 /* the switch interval: 5 ms in CPython */

struct worker {
    int lane;
    struct gil *gil; /* NULL: no GIL, free threads */
    int steps;       /* CPU steps in all */
    int io_every;    /* an I/O wait after every io_every steps (0: none) */
    struct harness_start *start;
};

static void *io_wait(void *arg)
{
    (void)arg;
    harness_io_wait_ms(6); /* traced: waiting for I/O */
    return NULL;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    harness_start_wait(w->start);
    if (w->gil)
        gil_acquire(w->gil);
    /* slide-begin: loop (quoted by slides/00-overview.md) */
    for (int i = 0; i < w->steps; i++) {
        harness_spin_work(STEP_US); /* traced: computing */
        if (w->io_every && (i + 1) % w->io_every == 0)
            gil_call_unlocked(w->gil, io_wait, w);
        else if (w->gil)
            gil_check(w->gil);
    }
    /* slide-end: loop */
    if (w->gil)
        gil_release(w->gil);
    return NULL;
}

static double run(int n, int use_gil, int steps, int io_every)
{
    struct gil *gil = NULL;
    struct worker w[4];
    pthread_t t[4];
    struct harness_start start;
    uint64_t t0;

    if (use_gil && gil_create(&gil, INTERVAL_US) != 0)
        exit((fprintf(stderr, "trace_gil: gil_create failed\n"), 1));
    harness_start_init(&start, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        w[i] = (struct worker){i, gil, steps, io_every, &start};
        xpthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    harness_trace_reset();
    harness_trace_arm(1);
    harness_start_wait(&start);
    t0 = harness_now_ns();
    for (int i = 0; i < n; i++)
        xpthread_join(t[i], NULL);
    harness_trace_arm(0);
    harness_start_destroy(&start);
    gil_destroy(gil);
    return (double)(harness_now_ns() - t0) / 1e9;
}

int main(int argc, char **argv)
{
    const char *what = argc > 2 ? argv[1] : "", *title;

    if (strcmp(what, "cpu-gil") == 0) {
        run(2, 1, 300, 0);
        title = "2 CPU-bound threads under the GIL";
    } else if (strcmp(what, "cpu-free") == 0) {
        run(2, 0, 300, 0);
        title = "2 CPU-bound threads, no GIL";
    } else if (strcmp(what, "io-gil") == 0) {
        run(3, 1, 40, 5);
        title = "3 I/O-bound threads under the GIL";
    } else {
        fprintf(stderr, "usage: trace_gil cpu-gil|cpu-free|io-gil OUT.spans\n");
        return 2;
    }
    if (harness_trace_write(argv[2], title) < 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
