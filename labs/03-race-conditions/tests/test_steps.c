/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 1: the schedules replay exactly, and end where they claim.
 * The step scheduler is deterministic, so these tests grade exactly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "steps.h"

#define TRACE_LEN 4096
#define REPLAYS 5

static int switches(const char *schedule)
{
    int n = 0;

    for (const char *c = schedule; c[0] && c[1]; c++)
        n += c[0] != c[1];
    return n;
}

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
