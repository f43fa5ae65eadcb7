/* SPDX-License-Identifier: MIT */
/*
 * A timeline for the slides, from lab 07's process pool (linked from the
 * reference solution at build time only): eight CPU-bound tasks mapped on
 * two worker processes. Each task reports when it ran and in which process;
 * CLOCK_MONOTONIC is one clock for every process. JSON on stdout.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "spans.h"

#define TASKS 8
#define WORKERS 2

struct stamp {
    uint64_t t0, t1;
    pid_t pid;
};

static int task(const void *in, size_t in_len, void *out, size_t out_cap,
                size_t *out_len)
{
    struct stamp st;
    unsigned units;

    if (in_len != sizeof(units) || out_cap < sizeof(st))
        return -22;
    memcpy(&units, in, sizeof(units));
    st.t0 = harness_now_ns();
    harness_spin_work(units);
    st.t1 = harness_now_ns();
    st.pid = getpid();
    memcpy(out, &st, sizeof(st));
    *out_len = sizeof(st);
    return 0;
}

int main(void)
{
    struct pool *p;
    struct pool_item items[TASKS];
    unsigned units[TASKS];
    struct stamp out[TASKS];
    pid_t lanes[WORKERS + TASKS];
    int nlanes = 0;
    uint64_t t0;

    signal(SIGPIPE, SIG_IGN);
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
    spans_reset();
    t0 = harness_now_ns();
    if (pool_map(p, task, items, TASKS) != 0) {
        fprintf(stderr, "trace_procs: pool_map failed\n");
        return 1;
    }
    double s = (double)(harness_now_ns() - t0) / 1e9;
    pool_destroy(p);
    for (int i = 0; i < TASKS; i++) {
        int lane = 0;

        if (items[i].err) {
            fprintf(stderr, "trace_procs: task %d failed\n", i);
            return 1;
        }
        while (lane < nlanes && lanes[lane] != out[i].pid)
            lane++;
        if (lane == nlanes)
            lanes[nlanes++] = out[i].pid;
        spans_add(lane, "cpu", out[i].t0, out[i].t1);
    }
    spans_print("procs", "8 CPU-bound tasks on a pool of 2 processes",
                "process", nlanes, s);
    return 0;
}
