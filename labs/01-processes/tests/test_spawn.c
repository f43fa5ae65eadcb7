/* SPDX-License-Identifier: MIT */
/* Lab 01, task 2: run_spawn starts without waiting, run_wait reaps. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "spawn.h"
#include "tests/lab01.h"

/*
 * The child reads its stdin, which is a pipe only this test can write to:
 * it cannot end before the test writes. If run_spawn waited for the
 * program to end, it would wait forever (the grader's timeout says so).
 */
static void test_spawn_returns_before_program_ends(void **state)
{
    struct run_status st = {0, -1};
    int fds[2], rc;
    pid_t pid = -1;

    (void)state;
    if (pipe2(fds, O_CLOEXEC) < 0)
        harness_fail("pipe2 failed");
    rc = run_spawn(RUN("sh", "-c", "read line && exit 5"), fds[0], -1, &pid);
    if (rc != 0)
        harness_fail("run_spawn returned %d (%s), expected 0", rc,
                     strerror(-rc));
    if (pid <= 0)
        harness_fail("run_spawn returned 0 but *pid is %d", (int)pid);
    close(fds[0]);
    if (write(fds[1], "go\n", 3) != 3)
        harness_fail("could not write to the child's stdin");
    close(fds[1]);
    rc = run_wait(pid, &st);
    assert_int_equal(rc, 0);
    lab01_expect_status("sh -c 'read line && exit 5'", &st, RUN_EXITED, 5);
}

static void test_spawn_redirects_stdin_stdout(void **state)
{
    struct run_status st = {0, -1};
    int in = lab01_file_with("hello\n"), out = lab01_file_with(NULL), rc;
    char buf[64];
    pid_t pid;

    (void)state;
    rc = run_spawn(RUN("tr", "a-z", "A-Z"), in, out, &pid);
    if (rc != 0)
        harness_fail("run_spawn(tr) returned %d (%s)", rc, strerror(-rc));
    assert_int_equal(run_wait(pid, &st), 0);
    lab01_expect_status("tr a-z A-Z", &st, RUN_EXITED, 0);
    if (strcmp(lab01_read_all(out, buf, sizeof(buf)), "HELLO\n") != 0)
        harness_fail("expected the child to read \"hello\" from in_fd and "
                     "write \"HELLO\" to out_fd; out_fd holds \"%s\"",
                     buf);
    if (fcntl(in, F_GETFD) < 0 || fcntl(out, F_GETFD) < 0)
        harness_fail("run_spawn closed the caller's in_fd or out_fd: close "
                     "them in the child only");
    close(in);
    close(out);
}

/*
 * Run argv with in_fd and out_fd while the test's fd `low` (0 or 2) is the
 * file `file`, then put the old one back; fail unless it ran and exited 0.
 * Returns what the file holds, in buf.
 */
static const char *spawn_with_low_fd(char *const argv[], int in_fd, int out_fd,
                                     int low, int file, char *buf, size_t len)
{
    struct run_status st = {0, -1};
    char what[160];
    int saved = dup(low), rc;
    pid_t pid;

    if (saved < 0 || dup2(file, low) < 0)
        harness_fail("could not put a file on the test's fd %d", low);
    rc = run_spawn(argv, in_fd, out_fd, &pid);
    if (rc == 0)
        rc = run_wait(pid, &st);
    dup2(saved, low);
    close(saved);
    if (rc != 0)
        harness_fail("run_spawn(%s, in_fd %d, out_fd %d) then run_wait "
                     "returned %d (%s), expected 0",
                     argv[0], in_fd, out_fd, rc, strerror(-rc));
    snprintf(what, sizeof(what),
             "%s run with in_fd %d, out_fd %d (is the child's fd 2 still "
             "open? originals are closed only above 2)",
             argv[0], in_fd, out_fd);
    lab01_expect_status(what, &st, RUN_EXITED, 0);
    return lab01_read_all(file, buf, len);
}

/*
 * Descriptors 0-2 are redirections like any other: only -1 means
 * "inherit", and only originals above 2 are closed in the child, so a
 * child given fd 2 as in_fd or out_fd keeps its stderr.
 */
static void test_spawn_low_descriptors(void **state)
{
    char buf[64];
    int f;

    (void)state;
    f = lab01_file_with(NULL); /* out_fd 0: stdout is a copy of fd 0 */
    if (strcmp(spawn_with_low_fd(RUN("echo", "low"), -1, 0, 0, f, buf,
                                 sizeof(buf)),
               "low\n"))
        harness_fail("run_spawn(echo low, in_fd -1, out_fd 0): fd 0 got "
                     "\"%s\", expected \"low\": out_fd 0 is a descriptor to "
                     "dup2 onto 1 (only -1 means inherit)",
                     buf);
    close(f);

    f = lab01_file_with(NULL); /* out_fd 2: stdout and stderr both to f */
    if (strcmp(spawn_with_low_fd(RUN("sh", "-c", "echo out; echo err >&2"), -1,
                                 2, 2, f, buf, sizeof(buf)),
               "out\nerr\n"))
        harness_fail("run_spawn(sh -c 'echo out; echo err >&2', in_fd -1, "
                     "out_fd 2): fd 2 got \"%s\", expected \"out\" and "
                     "\"err\": the child's stderr (fd 2) must stay open "
                     "(originals are closed only above 2)",
                     buf);
    close(f);

    f = lab01_file_with(NULL); /* in_fd 2: stderr stays open too */
    if (strcmp(spawn_with_low_fd(RUN("sh", "-c", "echo err >&2"), 2, -1, 2, f,
                                 buf, sizeof(buf)),
               "err\n"))
        harness_fail("run_spawn(sh -c 'echo err >&2', in_fd 2, out_fd -1): "
                     "fd 2 got \"%s\", expected \"err\": the child's stderr "
                     "(fd 2) must stay open (originals are closed only above "
                     "2)",
                     buf);
    close(f);
}

/*
 * The originals of in_fd and out_fd (above 2) are closed in the child once
 * copied onto 0 and 1, even when the caller did not make them
 * close-on-exec: the program must not hold them (a pipe's write end held
 * there would keep its reader from ever seeing EOF).
 */
static void test_spawn_closes_originals(void **state)
{
    struct run_status st = {0, -1};
    int in = open("/dev/null", O_RDONLY), out = lab01_file_with(NULL), rc;
    char script[128];
    pid_t pid;

    (void)state;
    if (in < 0 || fcntl(out, F_SETFD, 0) < 0) /* both inheritable */
        harness_fail("could not open the test's descriptors");
    snprintf(script, sizeof(script),
             "[ ! -e /proc/$$/fd/%d ] && [ ! -e /proc/$$/fd/%d ]", in, out);
    rc = run_spawn(RUN("sh", "-c", script), in, out, &pid);
    if (rc != 0)
        harness_fail("run_spawn returned %d (%s), expected 0", rc,
                     strerror(-rc));
    assert_int_equal(run_wait(pid, &st), 0);
    if (st.how != RUN_EXITED || st.code != 0)
        harness_fail("the program still held in_fd (%d) or out_fd (%d), "
                     "which the caller had not made close-on-exec: close the "
                     "originals in the child after dup2 (when above 2)",
                     in, out);
    close(in);
    close(out);
}

static void test_spawn_missing_is_error_and_reaped(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    pid_t pid = -1;
    int rc;

    (void)state;
    rc = run_spawn(RUN("no-such-command-lab01"), -1, -1, &pid);
    if (rc != -ENOENT)
        harness_fail("a program that does not exist: expected -ENOENT, got "
                     "%d",
                     rc);
    harness_assert_no_leaks(snap);
    assert_int_equal(run_spawn(NULL, -1, -1, &pid), -EINVAL);
    assert_int_equal(run_spawn(RUN("true"), -1, -1, NULL), -EINVAL);
}

static void test_wait_decodes_status(void **state)
{
    struct run_status st = {0, -1};
    pid_t pid;

    (void)state;
    assert_int_equal(run_spawn(RUN("sh", "-c", "exit 3"), -1, -1, &pid), 0);
    assert_int_equal(run_wait(pid, &st), 0);
    lab01_expect_status("sh -c 'exit 3'", &st, RUN_EXITED, 3);

    assert_int_equal(run_spawn(RUN("sh", "-c", "kill -TERM $$"), -1, -1, &pid),
                     0);
    assert_int_equal(run_wait(pid, &st), 0);
    lab01_expect_status("sh -c 'kill -TERM $$'", &st, RUN_SIGNALED, SIGTERM);

    if (run_wait(pid, &st) != -ECHILD)
        harness_fail("waiting again for a child already reaped: expected "
                     "-ECHILD");
}

/*
 * The argument checks spawn.h documents: run_wait refuses a NULL st, and
 * run_decode refuses a status that is neither an exit nor a signal. Such a
 * status comes from a stopped child, which waitpid reports only when asked
 * (WUNTRACED); the test makes one to be sure it is a real one.
 */
static void test_wait_bad_arguments(void **state)
{
    struct run_status st = {0, -1};
    int stopped, status, rc_decode, rc_wait, rc;
    pid_t pid = xfork();

    (void)state;
    if (pid == 0) {
        raise(SIGSTOP);
        _exit(7);
    }
    xwaitpid(pid, &stopped, WUNTRACED);
    kill(pid, SIGCONT); /* the child ends whatever happens below */
    rc_decode = run_decode(stopped, &st);
    rc_wait = run_wait(pid, NULL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ; /* reap it here, unless run_wait did */
    if (!WIFSTOPPED(stopped))
        harness_fail("the test's child did not stop (status %#x)", stopped);
    if (rc_decode != -EINVAL)
        harness_fail("run_decode of a stopped child's status: expected "
                     "-EINVAL (neither exited nor signaled), got %d",
                     rc_decode);
    if (rc_wait != -EINVAL)
        harness_fail("run_wait(pid, NULL): expected -EINVAL, got %d", rc_wait);

    pid = xfork(); /* and a valid status still decodes */
    if (pid == 0)
        _exit(7);
    xwaitpid(pid, &status, 0);
    rc = run_decode(status, &st);
    if (rc != 0)
        harness_fail("run_decode of an exit status: expected 0, got %d", rc);
    lab01_expect_status("a child that called _exit(7)", &st, RUN_EXITED, 7);
}

/*
 * A signal handler without SA_RESTART, fired every 100 us: run_spawn's wait
 * for the exec and run_wait's waitpid are cut short, and must be resumed
 * (run_wait's comment says so; run_spawn must still tell a failed exec).
 */
static void test_spawn_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};
    pid_t pid = -1;

    (void)state;
    lab01_ticking_start(100, NULL);
    for (int i = 0; i < 30; i++)
        lab01_expect_rc_ticking(
            "run_spawn(no-such-command-lab01)",
            run_spawn(RUN("no-such-command-lab01"), -1, -1, &pid), -ENOENT);
    for (int i = 0; i < 3; i++) {
        lab01_expect_rc_ticking(
            "run_spawn(sh -c 'sleep 0.02; exit 5')",
            run_spawn(RUN("sh", "-c", "sleep 0.02; exit 5"), -1, -1, &pid), 0);
        st.how = 0;
        lab01_expect_rc_ticking("run_wait", run_wait(pid, &st), 0);
        lab01_expect_status("sh -c 'sleep 0.02; exit 5'", &st, RUN_EXITED, 5);
    }
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    harness_assert_no_leaks(snap);
}

static const char *spawn_without_fork(void)
{
    int before = harness_count_fds();
    pid_t pid;

    return lab01_fork_failure_verdict(
        "run_spawn(true)", run_spawn(RUN("true"), -1, -1, &pid), before);
}

/* fork fails (EAGAIN): an error returned, nothing left open. */
static void test_spawn_fork_failure_reported(void **state)
{
    struct run_status st;
    pid_t pid;

    (void)state;
    lab01_expect_works("run_spawn(true)", run_spawn(RUN("true"), -1, -1, &pid));
    lab01_expect_works("run_wait", run_wait(pid, &st));
    lab01_without_fork(spawn_without_fork);
}

/* One round: the program holds as many descriptors as when run alone. */
static const char *spawn_round(void *arg, unsigned thread, unsigned i)
{
    struct run_status st;
    pid_t pid;

    (void)thread;
    (void)i;
    if (run_spawn(RUN("sh", "-c", LAB01_COUNT_FDS), -1, -1, &pid) != 0)
        return "run_spawn failed";
    if (run_wait(pid, &st) != 0)
        return "run_wait failed";
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
 * spawn.h: run_spawn may be called from several threads at once. Four
 * threads spawn and wait together; each gets its own program's status, and
 * no program holds a descriptor of another call.
 */
static void test_spawn_from_threads(void **state)
{
    struct run_status st;
    pid_t pid;

    (void)state;
    expect_rc("run_spawn(sh)",
              run_spawn(RUN("sh", "-c", LAB01_COUNT_FDS), -1, -1, &pid), 0);
    expect_rc("run_wait", run_wait(pid, &st), 0);
    lab01_expect_status("a program counting its descriptors", &st, RUN_EXITED,
                        st.code);
    lab01_from_threads("run_spawn", 10, spawn_round, &st.code);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_spawn_returns_before_program_ends),
    cmocka_unit_test(test_spawn_redirects_stdin_stdout),
    cmocka_unit_test(test_spawn_low_descriptors),
    cmocka_unit_test(test_spawn_closes_originals),
    cmocka_unit_test(test_spawn_missing_is_error_and_reaped),
    cmocka_unit_test(test_spawn_survives_signals),
    cmocka_unit_test(test_spawn_fork_failure_reported),
    cmocka_unit_test(test_wait_decodes_status),
    cmocka_unit_test(test_wait_bad_arguments),
    cmocka_unit_test(test_spawn_from_threads),
};

HARNESS_MAIN(tests)
