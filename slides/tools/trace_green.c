/* SPDX-License-Identifier: MIT */
/*
 * A timeline for the slides, from lab 05's green threads (linked from the
 * reference solution at build time only): three coroutines that compute in
 * steps and yield after each, all on one OS thread. JSON on stdout.
 */
#include <stdint.h>
#include <stdlib.h>

#include "green.h"
#include "spans.h"

#define STEP_US 300

static void *task(void *arg)
{
    int lane = (int)(intptr_t)arg;

    for (int i = 0; i < 6 + 2 * lane; i++) {
        uint64_t t0 = harness_now_ns();

        harness_spin_work(STEP_US);
        spans_add(lane, "cpu", t0, harness_now_ns());
        green_yield();
    }
    return NULL;
}

int main(void)
{
    uint64_t t0;

    spans_reset();
    for (int i = 0; i < 3; i++)
        if (green_spawn(NULL, task, (void *)(intptr_t)i) != 0) {
            fprintf(stderr, "trace_green: green_spawn failed\n");
            return 1;
        }
    t0 = harness_now_ns();
    if (green_run() != 0) {
        fprintf(stderr, "trace_green: green_run failed\n");
        return 1;
    }
    spans_print("green", "3 green threads on one OS thread", "coroutine", 3,
                (double)(harness_now_ns() - t0) / 1e9);
    return 0;
}
