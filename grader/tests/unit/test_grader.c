/* SPDX-License-Identifier: MIT */
/* Unit tests of the grader's parts: the rubric reader, lab names, and the
 * condensers that turn tool reports into the lines a student reads. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "grade.h"
#include "rubric.h"
#include "sandbox.h"
#include "tools.h"
#include "util.h"

static char *fixture(const char *name)
{
    char *path = gr_printf("%s/%s", FIXTURES, name);
    char *text = read_file(path, 1 << 20, NULL);

    if (!text)
        harness_fail("cannot read fixture %s", path);
    free(path);
    return text;
}

static char *temp_ini(const char *text)
{
    char *path = gr_printf("%s/rubric-%d.ini", harness_tmpdir(), (int)getpid());

    assert_int_equal(write_file(path, text), 0);
    return path;
}

static void test_rubric_reads_points_and_params(void **state)
{
    struct rubric r;
    char *err = NULL;
    char *path = temp_ini("[lab]\ntitle = T\nbudget = 60\ntsan_factor = 5\n"
                          "[test_a]\ntask = 2\nfunctional = 3\ntsan = 1\n"
                          "timeout = 4\nchaos = 1\nparam.iters = 100\n"
                          "hint = look here\n"
                          "[test_b]\nspeedup = 2\nrequires = test_a\n");

    (void)state;
    assert_int_equal(rubric_load(path, &r, &err), 0);
    assert_string_equal(r.title, "T");
    assert_true(r.budget == 60 && r.factor[CHK_TSAN] == 5);
    assert_int_equal(r.ntests, 2);
    assert_int_equal(r.tests[0].points[CHK_FUNCTIONAL], 3);
    assert_int_equal(r.tests[0].points[CHK_TSAN], 1);
    assert_int_equal(r.tests[0].task, 2);
    assert_true(r.tests[0].chaos && r.tests[0].timeout == 4);
    assert_string_equal(r.tests[0].params[0], "iters=100");
    assert_string_equal(r.tests[0].hint, "look here");
    assert_string_equal(r.tests[1].requires[0], "test_a");
    assert_int_equal(rubric_max_points(&r), 6);
    unlink(path);
}

static void test_rubric_rejects_typos_and_bad_requires(void **state)
{
    struct rubric r;
    char *err = NULL;
    char *path = temp_ini("[lab]\ntitle = T\n[test_a]\nfunctionl = 3\n"
                          "[test_b]\nspeedup = 1\nfunctional = 1\n"
                          "requires = test_zz\n");

    (void)state;
    assert_int_equal(rubric_load(path, &r, &err), -1);
    assert_non_null(strstr(err, "functionl"));
    assert_non_null(strstr(err, "test_zz"));
    assert_non_null(strstr(err, "speedup test carries no functional"));
    unlink(path);
}

static void test_mutant_needs_a_check(void **state)
{
    struct mutant m;
    char *err = NULL;
    char *path = temp_ini("why = no check\n");

    (void)state;
    assert_int_equal(mutant_load(path, &m, &err), -1);
    assert_int_equal(write_file(path, "check = tsan\ntest = t\n"), 0);
    assert_int_equal(mutant_load(path, &m, &err), 0);
    assert_int_equal(m.check, CHK_TSAN);
    assert_string_equal(m.test, "t");
    unlink(path);
}

static void test_lab_names_resolve(void **state)
{
    struct lab labs[2] = {{.name = "01-processes"}, {.name = "04-mutexes"}};

    (void)state;
    assert_ptr_equal(lab_resolve(labs, 2, "4"), &labs[1]);
    assert_ptr_equal(lab_resolve(labs, 2, "04"), &labs[1]);
    assert_ptr_equal(lab_resolve(labs, 2, "01-processes"), &labs[0]);
    assert_null(lab_resolve(labs, 2, "7"));
    assert_null(lab_resolve(labs, 2, "04-mutex"));
}

static void test_tsan_report_condensed_to_the_two_accesses(void **state)
{
    char *log = fixture("tsan-race.log"), *summary;
    int n;
    char *out = condense_tsan(log, "/work/main", &n, &summary);

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(summary,
                        "data race labs/00-example/racy.c:6 in worker");
    assert_non_null(strstr(out, "Read of size 4"));
    assert_non_null(strstr(out, "Previous write of size 4"));
    assert_non_null(strstr(out, "labs/00-example/racy.c:6"));
    assert_non_null(strstr(out, "global 'counter'"));
    assert_null(strstr(out, "tsan_interceptors")); /* noise is gone */
    assert_null(strstr(out, "/work/main/"));       /* paths are relative */
}

static void test_helgrind_report_condensed(void **state)
{
    char *log = fixture("helgrind-race.log"), *summary;
    int n;
    char *out = condense_valgrind(log, "/work/main", &n, &summary);

    (void)state;
    assert_true(n >= 1);
    assert_true(starts_with(summary, "Possible data race"));
    assert_non_null(strstr(summary, "racy.c:6"));
    assert_non_null(strstr(out, "This conflicts with a previous"));
    assert_null(strstr(out, "==")); /* the ==PID== prefixes are gone */
}

static void test_fd_leaks_counted_without_inherited_ones(void **state)
{
    char *log = fixture("memcheck-leak.log"), *detail;

    (void)state;
    assert_int_equal(count_fd_leaks(log, &detail), 1);
    assert_non_null(strstr(detail, "descriptor 5: /dev/null"));
}

static void test_output_condensed_without_banners(void **state)
{
    char *out = condense_output("[==========] Running 1 test(s).\n"
                                "[ RUN      ] t\n/r/labs/x.c:3: boom\n"
                                "[  FAILED  ] t\n",
                                "/r", 10);

    (void)state;
    assert_string_equal(out, "labs/x.c:3: boom\n");
}

/* kill(-1) as root would signal the whole machine: the sweep must refuse
 * any uid outside the test range. SIGCONT, so a broken guard is harmless. */
static void test_sweep_refuses_real_accounts(void **state)
{
    (void)state;
    assert_int_equal(sandbox_signal_all(0, SIGCONT, 1), -1);
    assert_int_equal(sandbox_signal_all(65534, SIGCONT, 1), -1);
    assert_int_equal(sandbox_signal_all(getuid(), SIGCONT, 1), -1);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sweep_refuses_real_accounts),
    cmocka_unit_test(test_rubric_reads_points_and_params),
    cmocka_unit_test(test_rubric_rejects_typos_and_bad_requires),
    cmocka_unit_test(test_mutant_needs_a_check),
    cmocka_unit_test(test_lab_names_resolve),
    cmocka_unit_test(test_tsan_report_condensed_to_the_two_accesses),
    cmocka_unit_test(test_helgrind_report_condensed),
    cmocka_unit_test(test_fd_leaks_counted_without_inherited_ones),
    cmocka_unit_test(test_output_condensed_without_banners),
};

HARNESS_MAIN(tests)
