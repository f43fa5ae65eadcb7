/* SPDX-License-Identifier: MIT */
/* Lab 01, task 5: a crash or a memory hog in the child leaves us unharmed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "isolate.h"
#include "tests/lab01.h"

#define MIB (1024UL * 1024UL)

/* The caller's data: the children below scribble on their copies of it. */
static int precious[1024];

static void fill_precious(void)
{
    for (int i = 0; i < 1024; i++)
        precious[i] = i * 7;
}

static void expect_precious_intact(const char *after)
{
    for (int i = 0; i < 1024; i++)
        if (precious[i] != i * 7)
            harness_fail("after %s, the caller's data changed (precious[%d] "
                         "= %d): did fn run in the caller's process?",
                         after, i, precious[i]);
}

static long sum_cb(void *arg, void *out, size_t cap)
{
    const int *n = arg;
    long sum = 0;

    for (int i = 1; i <= *n; i++)
        sum += i;
    return snprintf(out, cap, "sum=%ld", sum);
}

/* A result that fills the buffer exactly, or nothing at all. */
static long fill_cb(void *arg, void *out, size_t cap)
{
    (void)arg;
    if (cap)
        memset(out, 'R', cap);
    return (long)cap;
}

static long crash_cb(void *arg, void *out, size_t cap)
{
    volatile int *volatile nowhere = NULL;

    memset(precious, 0, sizeof(precious));
    memset(out, 'X', cap);
    if (arg)
        abort();
    *nowhere = 1; /* SIGSEGV */
    return 0;
}

/* Wants 64 MiB; fails (returns -1) when malloc refuses. */
static long hog_cb(void *arg, void *out, size_t cap)
{
    size_t size = 64 * MIB;
    char *p = malloc(size);

    (void)arg;
    if (!p)
        return -1;
    p[0] = p[size - 1] = 1;
    free(p);
    return snprintf(out, cap, "ok");
}

static void expect_call(int rc)
{
    if (rc != 0)
        harness_fail("isolate_call returned %d (%s), expected 0: the child "
                     "ran, whatever became of it",
                     rc, strerror(-rc));
}

static void test_isolate_returns_result(void **state)
{
    struct isolate_result res = {{0, -1}, 99};
    char out[64] = "";
    int n = 100;

    (void)state;
    expect_call(isolate_call(sum_cb, &n, 0, out, sizeof(out), &res));
    lab01_expect_status("a child that returned its result", &res.st, RUN_EXITED,
                        0);
    if (res.len != strlen("sum=5050") || memcmp(out, "sum=5050", res.len))
        harness_fail("expected the result \"sum=5050\" (8 bytes), got %zu "
                     "bytes \"%.*s\"",
                     res.len, (int)res.len, out);

    /* A result of exactly cap bytes is a whole result, not too long. */
    res = (struct isolate_result){{0, -1}, 99};
    memset(out, 0, sizeof(out));
    expect_call(isolate_call(fill_cb, NULL, 0, out, 16, &res));
    lab01_expect_status("a child whose result filled all cap (16) bytes",
                        &res.st, RUN_EXITED, 0);
    if (res.len != 16 || memcmp(out, "RRRRRRRRRRRRRRRR", 16) || out[16])
        harness_fail("a result of exactly cap = 16 bytes: expected those 16 "
                     "bytes and nothing past them, got %zu bytes \"%.*s\"",
                     res.len, (int)sizeof(out) - 1, out);
}

static void test_isolate_crash_contained(void **state)
{
    struct isolate_result res = {{0, -1}, 99};
    char out[16] = "untouched";

    (void)state;
    lab01_no_core_files();
    fill_precious();
    expect_call(isolate_call(crash_cb, NULL, 0, out, sizeof(out), &res));
    lab01_expect_status("a child that dereferenced NULL", &res.st, RUN_SIGNALED,
                        SIGSEGV);
    expect_precious_intact("a child that crashed");
    if (res.len != 0 || strcmp(out, "untouched") != 0)
        harness_fail("the child crashed before sending anything, yet %zu "
                     "bytes arrived and out holds \"%.9s\"",
                     res.len, out);

    expect_call(isolate_call(crash_cb, "abort", 0, out, sizeof(out), &res));
    lab01_expect_status("a child that called abort()", &res.st, RUN_SIGNALED,
                        SIGABRT);
    expect_precious_intact("a child that aborted");
}

static void test_isolate_memory_limit(void **state)
{
    struct isolate_result res = {{0, -1}, 99};
    struct rlimit before, after;
    char out[16] = "";
    char *p;

    (void)state;
    getrlimit(RLIMIT_AS, &before);
    expect_call(isolate_call(hog_cb, NULL, 16 * MIB, out, sizeof(out), &res));
    lab01_expect_status("64 MiB wanted under a 16 MiB limit (fn returns -1)",
                        &res.st, RUN_EXITED, 1);
    getrlimit(RLIMIT_AS, &after);
    if (after.rlim_cur != before.rlim_cur || after.rlim_max != before.rlim_max)
        harness_fail("the caller's RLIMIT_AS changed (%llu before, %llu "
                     "after): set the limit in the child, after fork",
                     (unsigned long long)before.rlim_cur,
                     (unsigned long long)after.rlim_cur);
    p = malloc(64 * MIB);
    if (!p)
        harness_fail("the caller can no longer allocate 64 MiB");
    free(p);

    expect_call(isolate_call(hog_cb, NULL, 0, out, sizeof(out), &res));
    lab01_expect_status("64 MiB wanted without a limit", &res.st, RUN_EXITED,
                        0);
    if (res.len != 2 || memcmp(out, "ok", 2) != 0)
        harness_fail("expected the result \"ok\", got %zu bytes", res.len);
}

static void test_isolate_leaves_nothing_behind(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct isolate_result res;
    char out[64];
    int n = 10;

    (void)state;
    lab01_no_core_files();
    for (int i = 0; i < 10; i++) {
        expect_call(isolate_call(sum_cb, &n, 0, out, sizeof(out), &res));
        expect_call(isolate_call(crash_cb, NULL, 0, out, sizeof(out), &res));
    }
    harness_assert_no_leaks(snap);
}

static void test_isolate_bad_arguments(void **state)
{
    struct isolate_result res;
    char out[4];

    (void)state;
    assert_int_equal(isolate_call(NULL, NULL, 0, out, sizeof(out), &res),
                     -EINVAL);
    assert_int_equal(isolate_call(sum_cb, NULL, 0, out, sizeof(out), NULL),
                     -EINVAL);
    assert_int_equal(isolate_call(sum_cb, NULL, 0, NULL, 4, &res), -EINVAL);
    /* No room for a result is not an error: out may be NULL when cap is 0. */
    assert_int_equal(isolate_call(fill_cb, NULL, 0, NULL, 0, &res), 0);
    lab01_expect_status("a child with cap 0 and out NULL", &res.st, RUN_EXITED,
                        0);
    assert_int_equal(res.len, 0);
}

/* Sleeps 20 ms, then returns "slow": the caller's read waits meanwhile. */
static long slow_cb(void *arg, void *out, size_t cap)
{
    (void)arg;
    harness_io_wait_ms(20);
    return snprintf(out, cap, "slow");
}

/*
 * A big result (cap bytes) sent while a timer of the child's own fires a
 * handler without SA_RESTART every 20 us: the child's writes to the full
 * pipe are cut short, and the whole result must still arrive.
 */
static long big_ticking_cb(void *arg, void *out, size_t cap)
{
    struct itimerval it = {{0, 20}, {0, 20}};

    (void)arg;
    for (size_t i = 0; i < cap; i++)
        ((char *)out)[i] = (char)('a' + i % 26);
    setitimer(ITIMER_REAL, &it, NULL); /* the handler is the caller's */
    return (long)cap;
}

/*
 * The caller has a signal handler installed without SA_RESTART, and a
 * timer fires it every 100 us: isolate_call's read and wait are cut short
 * again and again, and must be resumed; so must the child's writes.
 */
static void test_isolate_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct isolate_result res;
    size_t cap = 4 * MIB;
    char *big = malloc(cap);

    (void)state;
    if (!big)
        harness_fail("the test cannot allocate its 4 MiB buffer");
    lab01_ticking_start(100, NULL);
    for (int i = 0; i < 3; i++) {
        res = (struct isolate_result){{0, -1}, 99};
        lab01_expect_rc_ticking("isolate_call(a fn that sleeps 20 ms)",
                                isolate_call(slow_cb, NULL, 0, big, 64, &res),
                                0);
        lab01_expect_status("a child that slept, then returned \"slow\"",
                            &res.st, RUN_EXITED, 0);
        lab01_expect_rc_ticking("res.len of \"slow\"", (long)res.len, 4);
    }
    res = (struct isolate_result){{0, -1}, 99};
    lab01_expect_rc_ticking(
        "isolate_call(a 4 MiB result)",
        isolate_call(big_ticking_cb, NULL, 0, big, cap, &res), 0);
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    lab01_expect_status("a child that sent 4 MiB while signals kept coming",
                        &res.st, RUN_EXITED, 0);
    if (res.len != cap)
        harness_fail("a 4 MiB result sent while signals kept coming: %zu "
                     "bytes arrived, expected %zu",
                     res.len, cap);
    for (size_t i = 0; i < cap; i++)
        if (big[i] != (char)('a' + i % 26))
            harness_fail("byte %zu of the 4 MiB result is wrong", i);
    free(big);
    harness_assert_no_leaks(snap);
}

static const char *isolate_without_fork(void)
{
    struct isolate_result res;
    char out[16];
    int n = 3, before = harness_count_fds();

    return lab01_fork_failure_verdict(
        "isolate_call", isolate_call(sum_cb, &n, 0, out, sizeof(out), &res),
        before);
}

/* fork fails (EAGAIN): an error returned, the pipe closed. */
static void test_isolate_fork_failure_reported(void **state)
{
    struct isolate_result res;
    char out[16];
    int n = 3;

    (void)state;
    lab01_expect_works("isolate_call",
                       isolate_call(sum_cb, &n, 0, out, sizeof(out), &res));
    lab01_without_fork(isolate_without_fork);
}

/* The child's work: a result of its own, 64 KiB (more than a pipe holds),
 * made of the one byte its caller passes. */
static long fill_with_cb(void *arg, void *out, size_t cap)
{
    memset(out, *(const char *)arg, cap);
    return (long)cap;
}

/* One round: the result is this call's, whole. */
static const char *isolate_round(void *arg, unsigned thread, unsigned i)
{
    static char bufs[LAB01_THREADS][64 * 1024];
    struct isolate_result res;
    char *out = bufs[thread], mine = (char)('a' + thread * 7 + i % 7);

    (void)arg;
    memset(out, 0, sizeof(bufs[thread]));
    if (isolate_call(fill_with_cb, &mine, 0, out, sizeof(bufs[thread]), &res) !=
        0)
        return "isolate_call failed";
    if (res.st.how != RUN_EXITED || res.st.code != 0)
        return "the child did not exit with status 0";
    if (res.len != sizeof(bufs[thread]))
        return "the result arrived short";
    for (size_t k = 0; k < res.len; k++)
        if (out[k] != mine)
            return "the result held bytes of another call's result";
    return NULL;
}

/*
 * isolate.h: isolate_call, Context: any thread. Four threads isolate
 * calls together, each a 64 KiB result of its own: each gets its own,
 * whole, and its child's status.
 */
static void test_isolate_from_threads(void **state)
{
    (void)state;
    lab01_from_threads("isolate_call", 12, isolate_round, NULL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_isolate_returns_result),
    cmocka_unit_test(test_isolate_crash_contained),
    cmocka_unit_test(test_isolate_memory_limit),
    cmocka_unit_test(test_isolate_leaves_nothing_behind),
    cmocka_unit_test(test_isolate_survives_signals),
    cmocka_unit_test(test_isolate_fork_failure_reported),
    cmocka_unit_test(test_isolate_bad_arguments),
    cmocka_unit_test(test_isolate_from_threads),
};

HARNESS_MAIN(tests)
