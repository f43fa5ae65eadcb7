/* SPDX-License-Identifier: MIT */
/* Unit tests of the harness: the counters, timing and tracing the labs'
 * tests rely on. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void test_fd_counter_sees_a_new_fd(void **state)
{
    int before = harness_count_fds(), fd = open("/dev/null", O_RDONLY);

    (void)state;
    assert_int_equal(harness_count_fds(), before + 1);
    close(fd);
    assert_int_equal(harness_count_fds(), before);
}

static void test_zombie_counter_sees_an_unreaped_child(void **state)
{
    siginfo_t info;
    pid_t pid = xfork();

    (void)state;
    if (pid == 0)
        _exit(0);
    waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
    assert_int_equal(harness_count_zombies(), 1);
    assert_int_equal(harness_count_children(), 1);
    xwaitpid(pid, NULL, 0);
    assert_int_equal(harness_count_zombies(), 0);
}

static void *return_arg(void *arg)
{
    return arg;
}

static void *wait_on_pipe(void *arg)
{
    char c;

    return (void *)(long)read(*(int *)arg, &c, 1);
}

/* Joined threads never count, however fast they are joined; a live one
 * always does (the flake CI met in lab 01's test_cost). */
static void test_thread_counter_settles_after_joins(void **state)
{
    int base = harness_count_threads(), fds[2];
    pthread_t t;

    (void)state;
    for (int i = 0; i < 200; i++) {
        xpthread_create(&t, NULL, return_arg, NULL);
        xpthread_join(t, NULL);
        assert_int_equal(harness_count_threads_settled(base), base);
    }
    xpipe(fds);
    xpthread_create(&t, NULL, wait_on_pipe, &fds[0]);
    assert_int_equal(harness_count_threads_settled(base + 1), base + 1);
    close(fds[1]);
    xpthread_join(t, NULL);
    close(fds[0]);
}

static void sleep_100ms(void *arg)
{
    (void)arg;
    harness_io_wait_ms(100);
}

static void sleep_10ms(void *arg)
{
    (void)arg;
    harness_io_wait_ms(10);
}

static void test_ratio_measures_the_faster_side(void **state)
{
    struct harness_ratio r =
        harness_measure_ratio(sleep_100ms, NULL, sleep_10ms, NULL, 3);

    (void)state;
    /* Sleeps only ever run long: the ratio is below 10, but not by much
     * (the best of 3; sleeps long enough that a loaded machine's late
     * wake-ups of a few ms do not decide it). */
    assert_true(r.ratio > 4.0 && r.ratio < 10.5);
    assert_true(r.base_s >= 0.100);
}

static void test_trace_overlap_detects_parallel_lanes(void **state)
{
    (void)state;
    harness_trace_reset();
    harness_trace_span(0, "a", 0, 100);
    harness_trace_span(1, "b", 100, 200);
    assert_false(harness_trace_overlap());
    harness_trace_span(1, "c", 50, 60);
    assert_true(harness_trace_overlap());
    harness_trace_reset();
}

static void test_params_come_from_the_environment(void **state)
{
    (void)state;
    setenv(HARNESS_ENV_PARAM_PREFIX "iters", "123", 1);
    assert_int_equal(harness_param_long("iters", 5), 123);
    assert_int_equal(harness_param_long("absent", 5), 5);
    assert_true(harness_param_double("absent", 2.5) == 2.5);
}

/* The grader maps result lines back by word: every kind needs one, and
 * no two the same. */
static void test_protocol_kinds_have_distinct_words(void **state)
{
    static const char *const words[HARNESS_KIND_COUNT] = {HARNESS_KIND_WORDS};

    (void)state;
    for (int k = 0; k < HARNESS_KIND_COUNT; k++) {
        assert_non_null(words[k]);
        assert_null(strchr(words[k], ' '));
        for (int o = 0; o < k; o++)
            assert_string_not_equal(words[k], words[o]);
    }
}

static void test_spin_work_depends_on_its_size(void **state)
{
    (void)state;
    assert_true(harness_spin_work(1) != harness_spin_work(2));
    assert_true(harness_cpus() >= 1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fd_counter_sees_a_new_fd),
    cmocka_unit_test(test_zombie_counter_sees_an_unreaped_child),
    cmocka_unit_test(test_thread_counter_settles_after_joins),
    cmocka_unit_test(test_ratio_measures_the_faster_side),
    cmocka_unit_test(test_trace_overlap_detects_parallel_lanes),
    cmocka_unit_test(test_params_come_from_the_environment),
    cmocka_unit_test(test_protocol_kinds_have_distinct_words),
    cmocka_unit_test(test_spin_work_depends_on_its_size),
};

HARNESS_MAIN(tests)
