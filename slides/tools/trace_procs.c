/* SPDX-License-Identifier: MIT */
/*
 * A timeline for the slides, from lab 07's process pool (linked from the
 * reference solution at build time only): eight CPU-bound tasks mapped on
 * two worker processes. The harness's trace is shared with the processes
 * the pool forks, so each worker's work lands on a lane of its own, as in
 * a TRACE=1 grading; its spans file is written at the end.
 * Usage: trace_procs OUT.spans
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pool.h"

#define TASKS 8
#define WORKERS 2

static int task(const void *in, size_t in_len, void *out, size_t out_cap,
                size_t *out_len)
{
    unsigned units;

    if (in_len != sizeof(units) || out_cap < sizeof(units))
        return -22;
    memcpy(&units, in, sizeof(units));
    harness_spin_work(units); /* traced: computing, in this process */
    memcpy(out, &units, sizeof(units));
    *out_len = sizeof(units);
    return 0;
}

int main(int argc, char **argv)
{
    struct pool *p;
    struct pool_item items[TASKS];
    unsigned units[TASKS], out[TASKS];

    if (argc != 2) {
        fprintf(stderr, "usage: trace_procs OUT.spans\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    harness_trace_init(); /* before the fork: the workers share the trace */
    if (pool_create(WORKERS, &p) != 0) {
        fprintf(stderr, "trace_procs: pool_create failed\n");
        return 1;
    }
    for (int i = 0; i < TASKS; i++) {
        units[i] = 4000 + 1500 * (unsigned)(i % 3);
        items[i] = (struct pool_item){.in = &units[i],
                                      .in_len = sizeof(units[i]),
                                      .out = &out[i],
                                      .out_cap = sizeof(out[i])};
    }
    harness_trace_reset();
    harness_trace_arm(1);
    if (pool_map(p, task, items, TASKS) != 0) {
        fprintf(stderr, "trace_procs: pool_map failed\n");
        return 1;
    }
    harness_trace_arm(0);
    pool_destroy(p);
    for (int i = 0; i < TASKS; i++)
        if (items[i].err) {
            fprintf(stderr, "trace_procs: task %d failed\n", i);
            return 1;
        }
    if (harness_trace_write(argv[1],
                            "8 CPU-bound tasks on a pool of 2 processes") < 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
