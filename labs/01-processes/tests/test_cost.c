/* SPDX-License-Identifier: MIT */
/* Lab 01, task 6: starting a process against starting a thread, measured. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "cost.h"
#include "tests/lab01.h"

static long expected_sum(unsigned n)
{
    long sum = 0;

    for (unsigned i = 0; i < n; i++)
        sum += i % 100;
    return sum;
}

static void *nothing(void *arg)
{
    return arg;
}

static void test_cost_loops_do_the_work(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    unsigned n = (unsigned)harness_param_long("iters", 150);
    int threads, extra;
    pthread_t t;
    long got;

    (void)state;
    got = cost_processes(n);
    if (got != expected_sum(n))
        harness_fail("cost_processes(%u) returned %ld, expected %ld (the sum "
                     "of the children's exit statuses, i %% 100)",
                     n, got, expected_sum(n));
    harness_assert_no_leaks(snap);
    /* TSan starts a thread of its own at the first pthread_create: let it. */
    xpthread_create(&t, NULL, nothing, NULL);
    xpthread_join(t, NULL);
    threads = harness_count_threads();
    got = cost_threads(n);
    if (got != expected_sum(n))
        harness_fail("cost_threads(%u) returned %ld, expected %ld (the sum "
                     "of the values the threads returned, i %% 100)",
                     n, got, expected_sum(n));
    extra = harness_count_threads_settled(threads) - threads;
    if (extra > 0)
        harness_fail("%d thread(s) still running after cost_threads: join "
                     "every one",
                     extra);
}

struct loop {
    unsigned n;
    long (*fn)(unsigned n);
};

static void run_loop(void *arg)
{
    struct loop *l = arg;

    if (l->fn(l->n) != expected_sum(l->n))
        harness_fail("a cost loop returned a wrong sum while being timed");
}

/*
 * Not a speedup: a cost ratio. base = processes, cand = threads, so the
 * ratio is how many thread starts fit in the time of one process start.
 * The check is a lower bound only: a process start costs more.
 */
static void test_cost_process_vs_thread(void **state)
{
    unsigned n = (unsigned)harness_param_long("iters", 300);
    double need = harness_param_double("min_ratio", 2.5);
    struct loop procs = {n, cost_processes}, threads = {n, cost_threads};
    struct harness_ratio r;

    (void)state;
    r = harness_measure_ratio(run_loop, &procs, run_loop, &threads, 5);
    harness_note("start+reap: a process %.1f us, a thread %.1f us: a process "
                 "costs %.1fx a thread",
                 r.base_s * 1e6 / n, r.cand_s * 1e6 / n, r.ratio);
    if (r.ratio < need)
        harness_fail_slow("too slow: threads started only %.2fx faster than "
                          "processes (a process %.1f us, a thread %.1f us); at "
                          "least %.1fx expected. Does cost_processes really "
                          "fork, and cost_threads create threads?",
                          r.ratio, r.base_s * 1e6 / n, r.cand_s * 1e6 / n,
                          need);
}

/*
 * The caller has a signal handler installed without SA_RESTART, and a
 * timer fires it every 100 us: each waitpid is cut short, and resumed.
 */
static void test_cost_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    unsigned n = 100;

    (void)state;
    lab01_ticking_start(100, NULL);
    for (int i = 0; i < 3; i++)
        lab01_expect_rc_ticking("cost_processes(100)", cost_processes(n),
                                expected_sum(n));
    lab01_expect_rc_ticking("cost_threads(100)", cost_threads(n),
                            expected_sum(n));
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    harness_assert_no_leaks(snap);
}

static const char *cost_without_fork(void)
{
    static char msg[160];
    int before = harness_count_fds();
    const char *verdict = lab01_fork_failure_verdict("cost_processes(3)",
                                                     cost_processes(3), before);
    long rc;

    if (verdict)
        return verdict;
    rc = cost_threads(3); /* threads count against RLIMIT_NPROC too */
    if (rc >= 0) {
        snprintf(msg, sizeof(msg),
                 "cost_threads(3) returned %ld when "
                 "pthread_create failed (EAGAIN): expected a negative errno",
                 rc);
        return msg;
    }
    return NULL;
}

/* fork and pthread_create fail (EAGAIN): each loop returns an error. */
static void test_cost_start_failure_reported(void **state)
{
    (void)state;
    if (cost_processes(3) != expected_sum(3) ||
        cost_threads(3) != expected_sum(3))
        harness_fail("cost_processes(3) or cost_threads(3) returned a wrong "
                     "sum where fork and pthread_create work");
    lab01_without_fork(cost_without_fork);
}

/* One round: this call's sum, 150 threads' worth. */
static const char *cost_round(void *arg, unsigned thread, unsigned i)
{
    (void)arg;
    (void)thread;
    (void)i;
    return cost_threads(150) == expected_sum(150)
               ? NULL
               : "cost_threads(150) did not return the sum of its own "
                 "threads' values";
}

/*
 * cost.h: cost_threads, Context: any thread. Four threads call it
 * together; each gets the sum of its own threads' values.
 */
static void test_cost_threads_from_threads(void **state)
{
    (void)state;
    lab01_from_threads("cost_threads", 4, cost_round, NULL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cost_loops_do_the_work),
    cmocka_unit_test(test_cost_survives_signals),
    cmocka_unit_test(test_cost_start_failure_reported),
    cmocka_unit_test(test_cost_process_vs_thread),
    cmocka_unit_test(test_cost_threads_from_threads),
};

HARNESS_MAIN(tests)
