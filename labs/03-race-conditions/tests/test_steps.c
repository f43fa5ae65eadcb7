/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 1: the schedules replay exactly, and end where they claim.
 * The step scheduler is deterministic, so these tests grade exactly.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "steps.h"

#define TRACE_LEN 4096
#define REPLAYS 5
#define SHORT_LEN 24 /* a trace buffer too short for any schedule's table */
#define PARALLEL_RUNS 2

static int switches(const char *schedule)
{
    int n = 0;

    for (const char *c = schedule; c[0] && c[1]; c++)
        n += c[0] != c[1];
    return n;
}

static void expect_steps_contract(const char *fn, const char *schedule,
                                  int incs, long want, const char *trace);

/*
 * Run `schedule` for A and B doing `incs` increments each, several times:
 * it must be accepted, end at `want`, and replay identically.
 */
static void expect_schedule(const char *fn, const char *schedule, int incs,
                            long want)
{
    static char trace[TRACE_LEN], again[TRACE_LEN];
    long x = -1, x2 = -1;
    int rc;

    if (!schedule)
        harness_fail("%s() returned NULL: write the schedule (TODO(lab03.1))",
                     fn);
    rc = steps_run(2, incs, schedule, &x, trace, sizeof(trace));
    if (rc != 0) {
        print_message("the steps taken by \"%s\":\n%s", schedule, trace);
        harness_fail("%s: steps_run rejected \"%s\" (%d): each of A and B has "
                     "exactly %d steps (load, add, store, %d time(s)), and "
                     "the schedule must use every one of them",
                     fn, schedule, rc, 3 * incs, incs);
    }
    if (x != want) {
        print_message("the steps taken by \"%s\":\n%s", schedule, trace);
        harness_fail("%s: \"%s\" ends with x = %ld, expected %ld (the steps "
                     "taken are printed above)",
                     fn, schedule, x, want);
    }
    for (int i = 0; i < REPLAYS; i++) {
        rc = steps_run(2, incs, schedule, &x2, again, sizeof(again));
        if (rc != 0 || x2 != x || strcmp(trace, again) != 0)
            harness_fail("replay %d of \"%s\" differed (rc %d, x %ld): the "
                         "step scheduler should be deterministic",
                         i, schedule, rc, x2);
    }
    expect_steps_contract(fn, schedule, incs, want, trace);
}

/*
 * Run `schedule` into a buffer of `len` bytes inside a larger one filled
 * with 'X', and check that the trace is terminated within those `len`
 * bytes and nothing was written past them. Returns steps_run's result.
 */
static int run_bounded(const char *schedule, int incs, long *x, size_t len,
                       char *buf, size_t size)
{
    int rc;

    memset(buf, 'X', size);
    rc = steps_run(2, incs, schedule, x, buf, len);
    if (!memchr(buf, '\0', len))
        harness_fail("steps_run (provided, steps.c) of \"%s\" with a "
                     "%zu-byte trace buffer left it unterminated (rc %d): the "
                     "step scheduler is broken, not your schedule",
                     schedule, len, rc);
    for (size_t i = len; i < size; i++)
        if (buf[i] != 'X')
            harness_fail("steps_run (provided, steps.c) of \"%s\" wrote "
                         "byte %zu of a %zu-byte trace buffer: the step "
                         "scheduler is broken, not your schedule",
                         schedule, i, len);
    return rc;
}

/* A schedule steps_run must refuse: -EINVAL, a terminated trace saying why. */
static void expect_rejected(const char *fn, const char *bad, int incs,
                            const char *why)
{
    static char buf[TRACE_LEN];
    long x = -1;
    int rc;

    rc = run_bounded(bad, incs, &x, TRACE_LEN / 2, buf, sizeof(buf));
    if (rc != -EINVAL)
        harness_fail("%s: steps_run (provided, steps.c) ran \"%s\", in "
                     "which %s, and returned %d, expected -EINVAL: the step "
                     "scheduler is broken, not your schedule",
                     fn, bad, why, rc);
    if (!buf[0])
        harness_fail("%s: steps_run (provided, steps.c) rejected \"%s\" "
                     "with an empty trace: it should say why (%s)",
                     fn, bad, why);
    rc = run_bounded(bad, incs, &x, SHORT_LEN, buf, sizeof(buf));
    if (rc != -EINVAL)
        harness_fail("%s: steps_run (provided, steps.c) of \"%s\" with a "
                     "short trace buffer returned %d, expected -EINVAL",
                     fn, bad, rc);
}

struct parallel_run {
    const char *schedule;
    int incs, rc[REPLAYS];
    long x[REPLAYS];
    char trace[REPLAYS][TRACE_LEN];
};

static void *parallel_run_main(void *arg)
{
    struct parallel_run *p = arg;

    for (int i = 0; i < REPLAYS; i++)
        p->rc[i] = steps_run(2, p->incs, p->schedule, &p->x[i], p->trace[i],
                             TRACE_LEN);
    return NULL;
}

/*
 * steps.h's own promises, on a schedule already accepted with `trace`:
 * the trace stays within its buffer and is terminated; a schedule that
 * ends early, names a finished thread or names no thread is rejected; no
 * thread of a run is left once it returns; runs at the same time from
 * several threads are independent. steps.c is provided, not yours: the
 * verdicts above rest on these.
 */
static void expect_steps_contract(const char *fn, const char *schedule,
                                  int incs, long want, const char *trace)
{
    static char buf[TRACE_LEN], bad[64];
    static struct parallel_run p[PARALLEL_RUNS];
    size_t n = strlen(schedule);
    int threads = harness_count_threads(), left;
    pthread_t t[PARALLEL_RUNS];
    long x = -1;

    if (run_bounded(schedule, incs, &x, SHORT_LEN, buf, sizeof(buf)) != 0 ||
        x != want || strncmp(buf, trace, strlen(buf)) != 0)
        harness_fail("%s: steps_run (provided, steps.c) of \"%s\" with a "
                     "%d-byte trace buffer did not run it as with a long one "
                     "(x %ld, trace \"%s\"): the step scheduler is broken",
                     fn, schedule, SHORT_LEN, x, buf);
    if (n + 2 > sizeof(bad))
        return;
    snprintf(bad, sizeof(bad), "%.*s", (int)n - 1, schedule);
    expect_rejected(fn, bad, incs, "a thread still has a step left");
    snprintf(bad, sizeof(bad), "%sA", schedule);
    expect_rejected(fn, bad, incs, "A takes a step after it has finished");
    snprintf(bad, sizeof(bad), "%sC", schedule);
    expect_rejected(fn, bad, incs, "C names no thread (only A and B run)");
    snprintf(bad, sizeof(bad), "C%s", schedule);
    expect_rejected(fn, bad, incs, "C names no thread (only A and B run)");

    for (int i = 0; i < PARALLEL_RUNS; i++) {
        p[i] = (struct parallel_run){.schedule = schedule, .incs = incs};
        xpthread_create(&t[i], NULL, parallel_run_main, &p[i]);
    }
    for (int i = 0; i < PARALLEL_RUNS; i++)
        xpthread_join(t[i], NULL);
    for (int i = 0; i < PARALLEL_RUNS; i++)
        for (int r = 0; r < REPLAYS; r++)
            if (p[i].rc[r] != 0 || p[i].x[r] != want ||
                strcmp(p[i].trace[r], trace) != 0)
                harness_fail("%s: \"%s\" run by %d threads at once gave rc "
                             "%d, x %ld (alone: 0, %ld), or another trace: "
                             "steps_run (provided, steps.c) runs should be "
                             "independent of each other",
                             fn, schedule, PARALLEL_RUNS, p[i].rc[r], p[i].x[r],
                             want);
    left = harness_count_threads_settled(threads);
    if (left != threads)
        harness_fail("%s: %d thread(s) of steps_run (provided, steps.c) were "
                     "still there after it returned: it should join every "
                     "thread, accepted schedule or rejected",
                     fn, left - threads);
}

static void test_schedule_lost_update(void **state)
{
    (void)state;
    expect_schedule("schedule_lost_update", schedule_lost_update(), 1, 1);
}

static void test_schedule_interleaved_safe(void **state)
{
    const char *s = schedule_interleaved_safe();

    (void)state;
    expect_schedule("schedule_interleaved_safe", s, 2, 4);
    if (switches(s) < 3)
        harness_fail("schedule_interleaved_safe: \"%s\" switches threads %d "
                     "time(s); switch at least 3 times (a serial schedule "
                     "is safe, but it is not the question)",
                     s, switches(s));
}

static void test_schedule_worst_case(void **state)
{
    (void)state;
    expect_schedule("schedule_worst_case", schedule_worst_case(), 3, 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_schedule_lost_update),
    cmocka_unit_test(test_schedule_interleaved_safe),
    cmocka_unit_test(test_schedule_worst_case),
};

HARNESS_MAIN(tests)
