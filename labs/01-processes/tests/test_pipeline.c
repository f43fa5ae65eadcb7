/* SPDX-License-Identifier: MIT */
/* Lab 01, task 4: run_pipeline connects, closes, reaps, and leaks nothing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "pipeline.h"
#include "tests/lab01.h"

#define PIPE(...) ((char *const *const[]){__VA_ARGS__})
#define NCMDS(...) (sizeof(PIPE(__VA_ARGS__)) / sizeof(char *const *))

/* Run a pipeline from the string `input` and return its output in buf. */
#define RUN_PIPE(input, buf, st, ...)                                          \
    run_pipe(input, buf, sizeof(buf), st, PIPE(__VA_ARGS__), NCMDS(__VA_ARGS__))

static int run_pipe(const char *input, char *buf, size_t len,
                    struct run_status *st, char *const *const cmds[], size_t n)
{
    int in = lab01_file_with(input), out = lab01_file_with(NULL);
    int rc = run_pipeline(cmds, n, in, out, st);

    lab01_read_all(out, buf, len);
    if (fcntl(in, F_GETFD) < 0 || fcntl(out, F_GETFD) < 0)
        harness_fail("run_pipeline closed the caller's in_fd or out_fd: "
                     "they belong to the caller");
    close(in);
    close(out);
    return rc;
}

static void expect_ok(int rc, const char *what)
{
    if (rc != 0)
        harness_fail("%s: run_pipeline returned %d (%s), expected 0", what, rc,
                     strerror(-rc));
}

static void expect_output(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0)
        harness_fail("%s: expected the output \"%s\", got \"%s\"", what, want,
                     got);
}

static void test_pipeline_single_command(void **state)
{
    struct run_status st = {0, -1};
    char out[64];

    (void)state;
    expect_ok(RUN_PIPE("", out, &st, RUN("echo", "hello")), "echo hello");
    expect_output("echo hello", out, "hello\n");
    lab01_expect_status("echo hello", &st, RUN_EXITED, 0);
}

static void test_pipeline_connects_stages(void **state)
{
    struct run_status st = {0, -1};
    char out[64];
    const char *what = "cat | sort | tr a-z A-Z";

    (void)state;
    expect_ok(RUN_PIPE("b\na\nc\n", out, &st, RUN("cat"), RUN("sort"),
                       RUN("tr", "a-z", "A-Z")),
              what);
    expect_output(what, out, "A\nB\nC\n");
    lab01_expect_status(what, &st, RUN_EXITED, 0);
}

static void test_pipeline_status_of_last(void **state)
{
    struct run_status st = {0, -1};
    char out[64];

    (void)state;
    expect_ok(RUN_PIPE("", out, &st, RUN("true"), RUN("sh", "-c", "exit 3")),
              "true | sh -c 'exit 3'");
    lab01_expect_status("true | sh -c 'exit 3' (the last one counts)", &st,
                        RUN_EXITED, 3);
    expect_ok(RUN_PIPE("", out, &st, RUN("sh", "-c", "exit 3"), RUN("true")),
              "sh -c 'exit 3' | true");
    lab01_expect_status("sh -c 'exit 3' | true (the last one counts)", &st,
                        RUN_EXITED, 0);
    expect_ok(
        RUN_PIPE("", out, &st, RUN("true"), RUN("sh", "-c", "kill -TERM $$")),
        "true | sh -c 'kill -TERM $$'");
    lab01_expect_status("true | sh -c 'kill -TERM $$'", &st, RUN_SIGNALED,
                        SIGTERM);
}

/*
 * A megabyte through four stages: far more than a pipe holds (64 KiB), so
 * the stages must run at the same time. Each `cat` ends only when it reads
 * EOF, which comes only when EVERY copy of its pipe's write end is closed:
 * one left open in the parent or in another stage, and this test hangs
 * until the grader's timeout.
 */
static void test_pipeline_closes_unused_ends(void **state)
{
    struct run_status st = {0, -1};
    char out[64];
    const char *what = "head -c 1000000 /dev/zero | cat | cat | wc -c";

    (void)state;
    expect_ok(RUN_PIPE("", out, &st, RUN("head", "-c", "1000000", "/dev/zero"),
                       RUN("cat"), RUN("cat"), RUN("wc", "-c")),
              what);
    if (atol(out) != 1000000)
        harness_fail("%s: expected 1000000, got \"%s\"", what, out);
    lab01_expect_status(what, &st, RUN_EXITED, 0);
}

/*
 * `yes` never stops writing: it ends only by SIGPIPE, when its pipe has no
 * reader left. If any process but `head` holds that pipe's read end (the
 * parent, or `yes` itself because it inherited it), `yes` blocks forever
 * once the pipe is full, and the test times out.
 */
static void test_pipeline_writer_sees_reader_exit(void **state)
{
    struct run_status st = {0, -1};
    char out[64];

    (void)state;
    expect_ok(RUN_PIPE("", out, &st, RUN("yes"), RUN("head", "-n", "2")),
              "yes | head -n 2");
    expect_output("yes | head -n 2", out, "y\ny\n");
    lab01_expect_status("yes | head -n 2", &st, RUN_EXITED, 0);
}

/* The first stage outlives the last: it must be reaped all the same. */
static void test_pipeline_leaves_nothing_behind(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};
    char out[64];

    (void)state;
    expect_ok(RUN_PIPE("", out, &st, RUN("sleep", "0.1"), RUN("true")),
              "sleep 0.1 | true");
    harness_assert_no_leaks(snap);
    for (int i = 0; i < 10; i++)
        expect_ok(RUN_PIPE("x", out, &st, RUN("cat"), RUN("cat"), RUN("cat")),
                  "cat | cat | cat");
    expect_output("cat | cat | cat", out, "x");
    harness_assert_no_leaks(snap);
}

static void test_pipeline_missing_command(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};
    char out[64];
    int rc;

    (void)state;
    rc = RUN_PIPE("x\n", out, &st, RUN("cat"), RUN("no-such-command-lab01"),
                  RUN("cat"));
    if (rc != -ENOENT)
        harness_fail("cat | no-such-command | cat: expected -ENOENT, got %d",
                     rc);
    harness_assert_no_leaks(snap);
}

static void test_pipeline_bad_arguments(void **state)
{
    struct run_status st;

    (void)state;
    assert_int_equal(run_pipeline(PIPE(RUN("true")), 0, -1, -1, &st), -EINVAL);
    assert_int_equal(run_pipeline(NULL, 1, -1, -1, &st), -EINVAL);
    assert_int_equal(run_pipeline(PIPE(RUN("true")), 1, -1, -1, NULL), -EINVAL);
}

/* A signal handler without SA_RESTART, fired every 100 us while it runs. */
static void test_pipeline_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct run_status st = {0, -1};
    char out[64];
    const char *what = "sh -c 'sleep 0.02; cat' | cat | tr a-z A-Z";

    (void)state;
    lab01_ticking_start(100, NULL);
    for (int i = 0; i < 3; i++) {
        st.how = 0;
        lab01_expect_rc_ticking(what,
                                RUN_PIPE("abc\n", out, &st,
                                         RUN("sh", "-c", "sleep 0.02; cat"),
                                         RUN("cat"), RUN("tr", "a-z", "A-Z")),
                                0);
        expect_output(what, out, "ABC\n");
        lab01_expect_status(what, &st, RUN_EXITED, 0);
        lab01_expect_rc_ticking(
            "a pipeline whose second command does not exist",
            RUN_PIPE("abc\n", out, &st, RUN("cat"),
                     RUN("no-such-command-lab01"), RUN("cat")),
            -ENOENT);
    }
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    harness_assert_no_leaks(snap);
}

static const char *pipeline_without_fork(void)
{
    struct run_status st;
    int before = harness_count_fds();
    int rc = run_pipeline(PIPE(RUN("true"), RUN("true")), 2, -1, -1, &st);

    return lab01_fork_failure_verdict("run_pipeline(true | true)", rc, before);
}

/* fork fails (EAGAIN): an error returned, every pipe end closed. */
static void test_pipeline_fork_failure_reported(void **state)
{
    struct run_status st;

    (void)state;
    lab01_expect_works(
        "run_pipeline(true | true)",
        run_pipeline(PIPE(RUN("true"), RUN("true")), 2, -1, -1, &st));
    lab01_without_fork(pipeline_without_fork);
}

/* A pipeline whose last stage exits with how many descriptors it holds. */
static char *const *const counting_pipeline[] = {
    RUN("true"),
    RUN("sh", "-c", LAB01_COUNT_FDS),
};

/* One round: the last stage holds as many descriptors as when run alone. */
static const char *pipeline_round(void *arg, unsigned thread, unsigned i)
{
    struct run_status st;

    (void)thread;
    (void)i;
    if (run_pipeline(counting_pipeline, 2, -1, -1, &st) != 0)
        return "run_pipeline failed";
    if (st.how != RUN_EXITED)
        return "the last stage did not exit normally";
    if (st.code != *(int *)arg)
        return "the last stage held another number of descriptors than "
               "when run alone: another pipeline's pipe end, or another "
               "call's status";
    return NULL;
}

/*
 * pipeline.h: run_pipeline, Context: any thread. Four threads run
 * pipelines together; each gets its own last stage's status, and no stage
 * holds a descriptor of another pipeline.
 */
static void test_pipeline_from_threads(void **state)
{
    struct run_status st;

    (void)state;
    expect_rc("run_pipeline(true | sh)",
              run_pipeline(counting_pipeline, 2, -1, -1, &st), 0);
    lab01_expect_status("a last stage counting its descriptors", &st,
                        RUN_EXITED, st.code);
    lab01_from_threads("run_pipeline", 8, pipeline_round, &st.code);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pipeline_single_command),
    cmocka_unit_test(test_pipeline_connects_stages),
    cmocka_unit_test(test_pipeline_status_of_last),
    cmocka_unit_test(test_pipeline_closes_unused_ends),
    cmocka_unit_test(test_pipeline_writer_sees_reader_exit),
    cmocka_unit_test(test_pipeline_leaves_nothing_behind),
    cmocka_unit_test(test_pipeline_missing_command),
    cmocka_unit_test(test_pipeline_survives_signals),
    cmocka_unit_test(test_pipeline_fork_failure_reported),
    cmocka_unit_test(test_pipeline_bad_arguments),
    cmocka_unit_test(test_pipeline_from_threads),
};

HARNESS_MAIN(tests)
