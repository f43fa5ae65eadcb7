/* SPDX-License-Identifier: MIT */
/* Unit tests of how the grader reads back what a test left in its run
 * folder: only regular files of the test's owner, never whole, never
 * through a symlink, never blocking on a FIFO. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "findings.h"
#include "trace.h"
#include "util.h"

#define SECRET "not-for-students-7f3a"

struct run_dir {
    char path[32];
    char *secret; /* a file outside the run folder */
};

static char *in(const struct run_dir *d, const char *name)
{
    return path_join(d->path, name);
}

static void put(const char *path, const char *text)
{
    assert_int_equal(write_file(path, text), 0);
}

static int setup(void **state)
{
    struct run_dir *d = gr_alloc(sizeof(*d));

    strcpy(d->path, "/tmp/run-files-XXXXXX");
    if (!mkdtemp(d->path))
        return -1;
    d->secret = gr_printf("%s.secret", d->path);
    put(d->secret, SECRET "\n");
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    struct run_dir *d = *state;

    rm_rf(d->path);
    unlink(d->secret);
    free(d->secret);
    free(d);
    return 0;
}

static void test_run_file_regular_is_read(void **state)
{
    struct run_dir *d = *state;
    char *path = in(d, "vg.1"), *data;
    size_t len;

    put(path, "==1== hello\n");
    data = read_run_file(path, 1 << 20, &len, geteuid());
    assert_non_null(data);
    assert_string_equal(data, "==1== hello\n");
    assert_int_equal(len, strlen("==1== hello\n"));
    free(data);
    errno = 0;
    assert_null(read_run_file(d->path, 1 << 20, NULL, geteuid())); /* a dir */
    assert_int_equal(errno, EINVAL);
    free(path);
}

static void test_run_file_symlink_refused(void **state)
{
    struct run_dir *d = *state;
    char *path = in(d, "tsan.123");

    assert_int_equal(symlink(d->secret, path), 0);
    errno = 0;
    assert_null(read_run_file(path, 1 << 20, NULL, geteuid()));
    assert_int_equal(errno, ELOOP);
    free(path);
}

static void test_run_file_fifo_refused_without_blocking(void **state)
{
    struct run_dir *d = *state;
    char *path = in(d, "tsan.fifo");

    assert_int_equal(mkfifo(path, 0666), 0);
    alarm(10); /* a blocking open would end the test here, not hang it */
    errno = 0;
    assert_null(read_run_file(path, 1 << 20, NULL, geteuid()));
    assert_int_equal(errno, EINVAL);
    alarm(0);
    free(path);
}

static void test_run_file_wrong_owner_refused(void **state)
{
    struct run_dir *d = *state;
    char *path = in(d, "asan.1"), *hard = in(d, "asan.2"), *data;

    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    put(path, "mine\n");
    assert_int_equal(chown(path, 12345, 12345), 0);
    errno = 0;
    assert_null(read_run_file(path, 1 << 20, NULL, geteuid()));
    assert_int_equal(errno, EPERM);
    data = read_run_file(path, 1 << 20, NULL, 12345);
    assert_non_null(data);
    free(data);
    /* A hard link is the file itself: owned by the secret's owner (us),
     * so a test of another uid linking it gets nothing. */
    assert_int_equal(link(d->secret, hard), 0);
    errno = 0;
    assert_null(read_run_file(hard, 1 << 20, NULL, 12345));
    assert_int_equal(errno, EPERM);
    free(hard);
    free(path);
}

static void test_run_file_size_capped(void **state)
{
    struct run_dir *d = *state;
    char *path = in(d, "vg.big"), *big = gr_alloc(200001), *data;
    size_t len;

    memset(big, 'x', 200000);
    put(path, big);
    data = read_run_file(path, 1000, &len, geteuid());
    assert_non_null(data);
    assert_int_equal(len, 1000);
    assert_int_equal(strlen(data), 1000);
    free(data);
    free(big);
    free(path);
}

/* What findings.c makes of a run folder a test filled with traps. */
static void test_tool_logs_refused_are_named(void **state)
{
    struct run_dir *d = *state;
    char *link = in(d, "vg.1"), *fifo = in(d, "vg.fifo"), *log = in(d, "vg.2");
    char *tail;
    struct finding f;

    assert_int_equal(symlink(d->secret, link), 0);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    put(log, "==2== ERROR SUMMARY: 0 errors from 0 contexts\n");
    alarm(10);
    assert_int_equal(tool_findings(CHK_MEMCHECK, d->path, 2, "/", NULL, &f), 2);
    alarm(0);
    assert_int_equal(f.ignored, 2);
    assert_non_null(strstr(f.detail, "(tool log vg.1 ignored: not a regular "
                                     "file owned by the test)"));
    assert_non_null(strstr(f.detail, "(tool log vg.fifo ignored"));
    assert_null(strstr(f.detail, SECRET));
    assert_non_null(strstr(f.summary, "ignored"));
    free(f.summary);
    free(f.detail);
    tail = tool_log_tail(CHK_MEMCHECK, d->path, 12);
    assert_null(strstr(tail, SECRET));
    assert_non_null(strstr(tail, "ERROR SUMMARY"));
    free(tail);
    free(log);
    free(fifo);
    free(link);
}

static void test_trace_spans_symlink_refused(void **state)
{
    struct run_dir *d = *state;
    char *spans = in(d, HARNESS_TRACE_FILE), *base = in(d, "out"), *err = NULL;

    assert_int_equal(symlink(d->secret, spans), 0);
    assert_int_equal(trace_export(spans, base, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, HARNESS_TRACE_FILE " ignored"));
    free(err);
    free(base);
    free(spans);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_run_file_regular_is_read, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_run_file_symlink_refused, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_run_file_fifo_refused_without_blocking,
                                    setup, teardown),
    cmocka_unit_test_setup_teardown(test_run_file_wrong_owner_refused, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_run_file_size_capped, setup, teardown),
    cmocka_unit_test_setup_teardown(test_tool_logs_refused_are_named, setup,
                                    teardown),
    cmocka_unit_test_setup_teardown(test_trace_spans_symlink_refused, setup,
                                    teardown),
};

HARNESS_MAIN(tests)
