/* SPDX-License-Identifier: MIT */
/*
 * A timeline for the slides, from lab 05's green threads (linked from the
 * reference solution at build time only): three coroutines that compute in
 * steps and yield after each, all on one OS thread. The harness traces
 * each coroutine's work on a lane of its own and writes its spans file.
 * Usage: trace_green OUT.spans
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "green.h"
#include "harness.h"

#define STEP_US 300

static const char *const names[] = {"coroutine 0", "coroutine 1",
                                    "coroutine 2"};

static void *task(void *arg)
{
    int lane = (int)(intptr_t)arg;

    for (int i = 0; i < 6 + 2 * lane; i++) {
        /* The lane is the coroutine's, set again after every switch. */
        harness_trace_coroutine(names[lane]);
        harness_spin_work(STEP_US); /* traced: computing */
        green_yield();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: trace_green OUT.spans\n");
        return 2;
    }
    harness_trace_reset();
    harness_trace_arm(1);
    for (int i = 0; i < 3; i++)
        if (green_spawn(NULL, task, (void *)(intptr_t)i) != 0) {
            fprintf(stderr, "trace_green: green_spawn failed\n");
            return 1;
        }
    if (green_run() != 0) {
        fprintf(stderr, "trace_green: green_run failed\n");
        return 1;
    }
    harness_trace_arm(0);
    harness_trace_coroutine(NULL);
    if (harness_trace_write(argv[1], "3 green threads on one OS thread") < 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
