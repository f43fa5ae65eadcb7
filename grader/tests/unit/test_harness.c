/* SPDX-License-Identifier: MIT */
/* Unit tests of the harness: the counters, timing and tracing the labs'
 * tests rely on. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
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

/*
 * harness_fail_syscall*: in a child (a filter cannot be taken off), what
 * the filter fails and what it lets through. faults_child returns 0, the
 * number of the first check that went wrong (fault_checks), or
 * FAULT_NO_SECCOMP when the filter cannot be installed here.
 */
enum { FAULT_NO_SECCOMP = 100 };

static const char *const fault_checks[] = {
    [1] = "a filter installed in a thread did not fail sched_yield there, "
          "or failed it in the thread that created it (it binds the "
          "calling thread only)",
    [2] = "sched_yield did not fail with EPERM (harness_fail_syscalls, "
          "first rule)",
    [3] = "lseek to 0x100000005 did not fail with ENOTTY (both words of a "
          "64-bit argument match)",
    [4] = "lseek to 5 failed: its low word matches, its high word does not",
    [5] = "lseek to 0x200000005 failed: its high word does not match",
    [6] = "fcntl(F_GETFD) of the fd the rule excepts (negate) failed",
    [7] = "fcntl(F_GETFD) of another fd did not fail with EBADF",
    [8] = "fcntl(F_GETFL) of another fd failed: the rule's second "
          "condition does not hold",
    [9] = "fcntl(F_GETFD) of the excepted fd with high bits set failed: a "
          "mask of 0xffffffff ignores the high word",
    [10] = "a child process forked after did not inherit the filter",
    [11] = "a thread started after did not inherit the filter",
    [12] = "harness_fail_syscall_if did not fail getpriority(PRIO_PROCESS, "
           "0) with ENOTTY, or failed getpriority(PRIO_PROCESS, getpid())",
    [13] = "the test could not open /dev/null",
    [14] = "lseek(SEEK_END) to 0x300000000, the one value a negated 64-bit "
           "condition excepts, failed",
    [15] = "lseek(SEEK_END) to 0x300000001 or 0x400000000 did not fail with "
           "EDOM: a negated condition holds when either word differs",
};

/* Did a raw system call fail with err? */
static int fails_with(long rc, int err)
{
    return rc == -1 && errno == err;
}

static void *yield_fails(void *arg)
{
    *(int *)arg = fails_with(syscall(SYS_sched_yield), EPERM);
    return NULL;
}

static void *filter_and_yield(void *arg)
{
    int *ok = arg;

    *ok = harness_fail_syscall(SYS_sched_yield, EPERM) == 0;
    if (*ok)
        yield_fails(arg);
    return NULL;
}

static int faults_child(void)
{
    int fd = open("/dev/null", O_RDONLY), other = dup(fd), ok = 0;
    const struct harness_syscall_fault rules[] = {
        {.nr = SYS_sched_yield, .err = EPERM},
        {.nr = SYS_lseek,
         .err = ENOTTY,
         .args = {{.index = 1, .mask = ~0UL, .value = 0x100000005UL}}},
        {.nr = SYS_fcntl,
         .err = EBADF,
         .args = {{.index = 0,
                   .negate = 1,
                   .mask = 0xffffffff,
                   .value = (unsigned long)fd},
                  {.index = 1, .mask = 0xffffffff, .value = F_GETFD}}},
        {.nr = SYS_lseek,
         .err = EDOM,
         .args =
             {{.index = 1, .negate = 1, .mask = ~0UL, .value = 0x300000000UL},
              {.index = 2, .mask = 0xffffffff, .value = SEEK_END}}},
    };
    pthread_t t;
    pid_t pid;
    int status;

    if (fd < 0 || other < 0)
        return 13;
    /* A thread's filter binds that thread (and what it starts) alone. */
    xpthread_create(&t, NULL, filter_and_yield, &ok);
    xpthread_join(t, NULL);
    if (!ok)
        return harness_fail_syscall(SYS_getppid, EPERM) != 0 ? FAULT_NO_SECCOMP
                                                             : 1;
    if (syscall(SYS_sched_yield) != 0)
        return 1;
    if (harness_fail_syscalls(rules, sizeof(rules) / sizeof(rules[0])) != 0)
        return FAULT_NO_SECCOMP;
    if (!fails_with(syscall(SYS_sched_yield), EPERM))
        return 2;
    if (!fails_with(syscall(SYS_lseek, fd, 0x100000005L, SEEK_SET), ENOTTY))
        return 3;
    if (syscall(SYS_lseek, fd, 5L, SEEK_SET) < 0)
        return 4;
    if (syscall(SYS_lseek, fd, 0x200000005L, SEEK_SET) < 0)
        return 5;
    if (syscall(SYS_fcntl, fd, F_GETFD) < 0)
        return 6;
    if (!fails_with(syscall(SYS_fcntl, other, F_GETFD), EBADF))
        return 7;
    if (syscall(SYS_fcntl, other, F_GETFL) < 0)
        return 8;
    if (syscall(SYS_fcntl, (long)fd | 0x700000000L, F_GETFD) < 0)
        return 9;
    if (syscall(SYS_lseek, fd, 0x300000000L, SEEK_END) < 0)
        return 14;
    if (!fails_with(syscall(SYS_lseek, fd, 0x300000001L, SEEK_END), EDOM) ||
        !fails_with(syscall(SYS_lseek, fd, 0x400000000L, SEEK_END), EDOM))
        return 15;
    pid = fork();
    if (pid == 0)
        _exit(fails_with(syscall(SYS_sched_yield), EPERM) ? 0 : 1);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
        return 10;
    ok = 0;
    xpthread_create(&t, NULL, yield_fails, &ok);
    xpthread_join(t, NULL);
    if (!ok)
        return 11;
    if (harness_fail_syscall_if(SYS_getpriority, 1, 0xffffffff, 0, ENOTTY) !=
            0 ||
        !fails_with(syscall(SYS_getpriority, PRIO_PROCESS, 0), ENOTTY) ||
        syscall(SYS_getpriority, PRIO_PROCESS, getpid()) < 0)
        return 12;
    return 0;
}

static void test_fail_syscall_fails_what_it_matches(void **state)
{
    pid_t pid = xfork();
    int status, code;

    (void)state;
    if (pid == 0)
        _exit(faults_child());
    xwaitpid(pid, &status, 0);
    if (!WIFEXITED(status))
        harness_fail("the child died of signal %d", WTERMSIG(status));
    code = WEXITSTATUS(status);
    if (code == FAULT_NO_SECCOMP)
        harness_skip("no seccomp filter here");
    if (code != 0)
        harness_fail(
            "%s", code < (int)(sizeof(fault_checks) / sizeof(fault_checks[0]))
                      ? fault_checks[code]
                      : "the child failed");
    if (syscall(SYS_sched_yield) != 0)
        harness_fail("a child's filter reached its parent");
}

/* Rules that could never match as written are refused, and nothing is
 * installed (this process goes on unfiltered). */
static void test_fail_syscall_refuses_impossible_rules(void **state)
{
    struct harness_syscall_fault neg = {
        .nr = SYS_getppid,
        .err = EPERM,
        .args = {{.index = 0, .negate = 1, .mask = 0, .value = 0}},
    };

    (void)state;
    assert_int_equal(
        harness_fail_syscall_if(SYS_getppid, 0, 0xff, 0x100, EPERM), -EINVAL);
    assert_int_equal(harness_fail_syscall_if(SYS_getppid, 6, 1, 1, EPERM),
                     -EINVAL);
    assert_int_equal(harness_fail_syscall(SYS_getppid, 0), -EINVAL);
    assert_int_equal(harness_fail_syscall(SYS_getppid, 4096), -EINVAL);
    assert_int_equal(harness_fail_syscall(-1, EPERM), -EINVAL);
    assert_int_equal(harness_fail_syscalls(&neg, 1), -EINVAL);
    assert_int_equal(harness_fail_syscalls(&neg, 0), -EINVAL);
    assert_true(getppid() > 0);
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
    cmocka_unit_test(test_fail_syscall_fails_what_it_matches),
    cmocka_unit_test(test_fail_syscall_refuses_impossible_rules),
};

HARNESS_MAIN(tests)
