/* SPDX-License-Identifier: MIT */
/* Lab 01, task 1: run_command runs, reports, reaps, and leaks nothing. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "run.h"
#include "tests/lab01.h"

static void expect_status(int rc, const struct run_status *st, enum run_how how,
                          int code)
{
    char got[64], want[64];
    struct run_status w = {how, code};

    if (rc != 0)
        harness_fail("run_command returned %d (%s), expected 0: the program "
                     "exists and ran",
                     rc, strerror(-rc));
    if (st->how == how && how == RUN_EXITED && code != 0 &&
        st->code == code << 8)
        harness_fail_symptom("raw-status",
                             "expected exit code %d, got %d, which is %d << "
                             "8: the raw wait status, not the exit code",
                             code, st->code, code);
    if (st->how != how || st->code != code)
        harness_fail("expected \"%s\", got \"%s\"",
                     run_status_describe(&w, want, sizeof(want)),
                     run_status_describe(st, got, sizeof(got)));
}

static void test_run_true_exits_zero(void **state)
{
    struct run_status st = {0, -1};

    (void)state;
    expect_status(run_command(RUN("true"), &st), &st, RUN_EXITED, 0);
}

static void test_run_exit_code_reported(void **state)
{
    struct run_status st = {0, -1};

    (void)state;
    expect_status(run_command(RUN("sh", "-c", "exit 42"), &st), &st, RUN_EXITED,
                  42);
    expect_status(run_command(RUN("false"), &st), &st, RUN_EXITED, 1);
}

static void test_run_signal_reported(void **state)
{
    struct run_status st = {0, -1};
    char buf[64];

    (void)state;
    expect_status(run_command(RUN("sh", "-c", "kill -SEGV $$"), &st), &st,
                  RUN_SIGNALED, SIGSEGV);
    assert_string_equal(run_status_describe(&st, buf, sizeof(buf)),
                        "killed by SIGSEGV");
    expect_status(run_command(RUN("sh", "-c", "kill -KILL $$"), &st), &st,
                  RUN_SIGNALED, SIGKILL);
}

static void test_run_missing_command_is_error(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};
    int rc;

    (void)state;
    rc = run_command(RUN("no-such-command-lab01"), &st);
    /*
     * Under Valgrind only: glibc's posix_spawn clones with CLONE_VM |
     * CLONE_VFORK and reads the exec's errno from memory it shares with
     * the child, but Valgrind runs that clone as a plain fork, so the
     * errno is lost: posix_spawnp returns 0 and the child exits 127. A
     * correct posix_spawnp run_command must not lose its Memcheck point
     * for that, so here (and only here) the same outcome is accepted.
     * The functional check runs natively and still wants -ENOENT: a
     * run_command that never learns its exec failed is caught there.
     */
    if (rc == 0 && harness_under_valgrind() && st.how == RUN_EXITED &&
        st.code == 127)
        rc = -ENOENT;
    if (rc == 0 && st.how == RUN_EXITED && st.code == 127)
        harness_fail_symptom("exit-127",
                             "a program that does not exist: expected "
                             "-ENOENT, got 0 and a child that exited 127: "
                             "the parent never learned that exec failed");
    if (rc != -ENOENT)
        harness_fail("a program that does not exist: expected -ENOENT, got "
                     "%d%s",
                     rc,
                     rc == 0 ? " (did the parent learn that exec failed, "
                               "or only that the child exited 127?)"
                             : "");
    harness_assert_no_leaks(snap);
}

static void test_run_not_executable_is_error(void **state)
{
    char path[256];
    struct run_status st = {0, -1};
    int fd, rc;

    (void)state;
    snprintf(path, sizeof(path), "%s/lab01-not-exec-%d", harness_tmpdir(),
             (int)getpid());
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    close(fd);
    rc = run_command(RUN(path), &st);
    unlink(path);
    if (rc != -EACCES)
        harness_fail("a file without execute permission: expected -EACCES, "
                     "got %d",
                     rc);
}

static void test_run_bad_arguments_rejected(void **state)
{
    struct run_status st;
    char *empty[] = {NULL};

    (void)state;
    assert_int_equal(run_command(NULL, &st), -EINVAL);
    assert_int_equal(run_command(empty, &st), -EINVAL);
    assert_int_equal(run_command(RUN("true"), NULL), -EINVAL);
}

/* 60 runs, failures included: no zombie, no fd, no child left behind. */
static void test_run_reaps_every_child(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st;

    (void)state;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(run_command(RUN("true"), &st), 0);
        assert_int_equal(run_command(RUN("sh", "-c", "kill -TERM $$"), &st), 0);
        assert_int_equal(run_command(RUN("no-such-command-lab01"), &st),
                         -ENOENT);
    }
    harness_assert_no_leaks(snap);
}

/*
 * Another child of the caller has already exited (a zombie waiting to be
 * reaped by its owner). run_command must wait for its own child only:
 * wait(NULL) would take the wrong one and report its status.
 */
static void test_run_waits_for_own_child_only(void **state)
{
    struct run_status st = {0, -1};
    siginfo_t info;
    int status;
    pid_t other = xfork();

    (void)state;
    if (other == 0)
        _exit(7);
    memset(&info, 0, sizeof(info));
    /* Block until it has exited, but leave it unreaped (WNOWAIT). */
    assert_int_equal(waitid(P_PID, (id_t)other, &info, WEXITED | WNOWAIT), 0);

    expect_status(run_command(RUN("true"), &st), &st, RUN_EXITED, 0);
    if (waitpid(other, &status, WNOHANG) != other)
        harness_fail("run_command reaped a child that was not its own: use "
                     "waitpid(pid, ...) with the pid fork returned");
    assert_int_equal(WEXITSTATUS(status), 7);
}

/*
 * The caller has a signal handler installed without SA_RESTART, and its
 * timer fires every 100 us: the read of the exec-status pipe and the
 * waitpid are cut short again and again, and must be resumed. A missing
 * program is still -ENOENT; a program that ran still has its status.
 */
static void test_run_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};

    (void)state;
    lab01_ticking_start(100, NULL);
    for (int i = 0; i < 30; i++)
        lab01_expect_rc_ticking("run_command(no-such-command-lab01)",
                                run_command(RUN("no-such-command-lab01"), &st),
                                -ENOENT);
    for (int i = 0; i < 3; i++) {
        st.how = 0;
        lab01_expect_rc_ticking(
            "run_command(sh -c 'sleep 0.02; exit 3')",
            run_command(RUN("sh", "-c", "sleep 0.02; exit 3"), &st), 0);
        lab01_expect_status("sh -c 'sleep 0.02; exit 3'", &st, RUN_EXITED, 3);
    }
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    harness_assert_no_leaks(snap);
}

/* fork fails (EAGAIN): an error returned, both pipe ends closed. */
static const char *run_without_fork(void)
{
    struct run_status st;
    int before = harness_count_fds();

    return lab01_fork_failure_verdict("run_command(true)",
                                      run_command(RUN("true"), &st), before);
}

static void test_run_fork_failure_reported(void **state)
{
    struct run_status st;

    (void)state;
    lab01_expect_works("run_command(true)", run_command(RUN("true"), &st));
    lab01_without_fork(run_without_fork);
}

/* One round: the program holds as many descriptors as when run alone. */
static const char *run_round(void *arg, unsigned thread, unsigned i)
{
    struct run_status st;
    int rc;

    (void)thread;
    (void)i;
    rc = run_command(RUN("sh", "-c", LAB01_COUNT_FDS), &st);
    if (rc != 0)
        return "run_command failed";
    if (st.how != RUN_EXITED)
        return "the program did not exit normally";
    if (st.code != *(int *)arg)
        return "the program held a descriptor more than when run alone: "
               "another call's (a pipe without O_CLOEXEC, inherited "
               "through that call's fork), which makes that call wait for "
               "this program";
    return NULL;
}

/*
 * run.h: run_command may be called from several threads at once. Four
 * threads run it together; each gets its own program's status, and no
 * program holds a descriptor of another call.
 */
static void test_run_from_threads(void **state)
{
    struct run_status st;
    int alone;

    (void)state;
    expect_rc("run_command(sh)",
              run_command(RUN("sh", "-c", LAB01_COUNT_FDS), &st), 0);
    lab01_expect_status("a program counting its descriptors", &st, RUN_EXITED,
                        st.code);
    alone = st.code;
    lab01_from_threads("run_command", 10, run_round, &alone);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_run_true_exits_zero),
    cmocka_unit_test(test_run_exit_code_reported),
    cmocka_unit_test(test_run_signal_reported),
    cmocka_unit_test(test_run_missing_command_is_error),
    cmocka_unit_test(test_run_not_executable_is_error),
    cmocka_unit_test(test_run_bad_arguments_rejected),
    cmocka_unit_test(test_run_reaps_every_child),
    cmocka_unit_test(test_run_waits_for_own_child_only),
    cmocka_unit_test(test_run_survives_signals),
    cmocka_unit_test(test_run_fork_failure_reported),
    cmocka_unit_test(test_run_from_threads),
};

HARNESS_MAIN(tests)
