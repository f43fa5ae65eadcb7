/* SPDX-License-Identifier: MIT */
/* Unit tests of the sched check's parts: its rubric keys, the scheduler's
 * output set apart, and the report (seed, steps, replay command). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "grade.h"
#include "rubric.h"
#include "run.h"
#include "schedcheck.h"
#include "util.h"

static void test_rubric_reads_sched(void **state)
{
    char *path = gr_printf("%s/rubric-%d.ini", harness_tmpdir(), (int)getpid());
    struct rubric r;
    char *err = NULL;

    (void)state;
    assert_int_equal(write_file(path,
                                "[lab]\nsched_runs = 8\nsched_factor = 2\n"
                                "[test_a]\nfunctional = 1\nsched = 2\n"),
                     0);
    assert_int_equal(rubric_load(path, &r, &err), 0);
    assert_int_equal(r.tests[0].points[CHK_SCHED], 2);
    assert_int_equal(r.sched_runs, 8);
    assert_true(r.factor[CHK_SCHED] == 2);
    assert_int_equal(check_parse("sched"), CHK_SCHED);
    assert_string_equal(check_variant(CHK_SCHED), "sched");
    free(path);
}

/* What the harness prints for a deadlock found in the third of 20
 * schedules (harness/main.c explore, harness/scheduler.c). */
static const char deadlock_out[] =
    "[==========] tests: Running 1 test(s).\n"
    "sched: failed 20 of 20 schedules; first at seed 0x00000000000000aa, "
    "schedule 1, pct (1.0 ms a schedule). Replaying it:\n"
    "[ RUN      ] test_x\n"
    "sched: the last 12 of 40 steps (seed 0x00000000000000aa, pct):\n"
    "    29  t1   lock            mutex 1  x.c:1 (f)\n"
    "    30  t1   wait            cond 2  x.c:2 (f)\n"
    "    31  t0   lock            mutex 1  x.c:3 (g)\n"
    "    32  t0   unlock          mutex 1  x.c:4 (g)\n"
    "    33  t0   join            thread 1  t.c:9 (test_x)\n"
    "    34  t0   lock            mutex 1  x.c:3 (g)\n"
    "    35  t0   unlock          mutex 1  x.c:4 (g)\n"
    "    36  t0   lock            mutex 1  x.c:3 (g)\n"
    "    37  t0   unlock          mutex 1  x.c:4 (g)\n"
    "    38  t0   lock            mutex 1  x.c:3 (g)\n"
    "    39  t0   unlock          mutex 1  x.c:4 (g)\n"
    "    40  t0   join            thread 1  t.c:9 (test_x)\n"
    "sched: deadlock at step 40: every thread is blocked\n"
    "  thread 0 (the test): waits to join thread 1, at t.c:9 (test_x)\n"
    "  thread 1: sleeps on condition 2 (mutex 1) and nobody is left to "
    "signal it, at x.c:2 (f)\n"
    "sched: deadlock: every thread is blocked, some in a condition wait "
    "nobody will signal (a lost wake-up?); the wait-for picture is above\n"
    "a line of the test's own\n"
    "sched: replay with: HARNESS_SCHED=pct HARNESS_SCHED_SEED=0xaa ...\n";

static void test_sched_split_keeps_last_steps_and_picture(void **state)
{
    struct sched_out s;

    (void)state;
    sched_split(deadlock_out, &s);
    assert_null(strstr(s.rest, "sched:"));
    assert_non_null(strstr(s.rest, "a line of the test's own"));
    assert_null(strstr(s.rest, "  t0   "));
    assert_non_null(strstr(s.steps, "its last 10 of 40 steps"));
    assert_null(strstr(s.steps, "    30  t1")); /* trimmed to the last 10 */
    assert_non_null(strstr(s.steps, "    31  t0"));
    assert_non_null(strstr(s.steps, "    40  t0"));
    assert_non_null(strstr(s.picture, "deadlock at step 40"));
    assert_non_null(strstr(s.picture, "thread 1: sleeps on condition 2"));
    sched_out_free(&s);
}

static void test_sched_report_names_seed_cause_and_replay(void **state)
{
    struct rubric_test t = {.name = "test_x"};
    struct lab lab = {.name = "04-mutexes-semaphores"};
    struct grade_opts o = {.root = "/r", .tree = "/r/solutions"};
    struct run_result r = {
        .verdict = V_FAIL,
        .kind = HARNESS_KIND_FAIL,
        .verdict_text = "sched: deadlock: every thread is blocked, some in "
                        "a condition wait nobody will signal (a lost "
                        "wake-up?); the wait-for picture is above",
        .notes = "sched: failed 20 of 20 schedules; first at seed "
                 "0x00000000000000aa strategy random; replay: ...\n"
                 "measured 3\n",
        .output = (char *)deadlock_out};
    struct entry en = {.test = &t, .kind = CHK_SCHED, .outcome = OUT_FAIL};
    struct sched_out s;

    (void)state;
    en.summary = gr_strdup("it failed");
    en.detail = gr_strdup("");
    en.notes = gr_strdup(r.notes);
    sched_split(r.output, &s);
    sched_report(&en, &r, &s, &lab, &o);
    assert_string_equal(en.cause, "lost-wakeup");
    assert_non_null(strstr(en.summary, "failed 20 of 20 schedules"));
    assert_non_null(strstr(en.summary, "seed 0x00000000000000aa (random)"));
    assert_non_null(strstr(en.summary, "lost wake-up"));
    assert_string_equal(en.notes, "measured 3\n");
    assert_non_null(strstr(en.detail, "make sched LAB=04 TEST=test_x "
                                      "SRC=solutions SEED=0x00000000000000aa "
                                      "STRATEGY=random RUNS=1 TRACE=1"));
    assert_non_null(strstr(en.detail, "    40  t0"));
    assert_non_null(strstr(en.detail, "nobody is left to signal it"));
    sched_out_free(&s);
    free(en.summary);
    free(en.detail);
    free(en.notes);
}

/* A failed schedule's trace and timeline leave the run folder for
 * <out>/<lab>/sched/, and the detail says where; a symlink the test left
 * in the run folder is not followed. */
static void test_sched_save_copies_trace_and_timeline(void **state)
{
    char tmpl[] = "/tmp/schedsave-XXXXXX", *root = mkdtemp(tmpl);
    struct rubric_test t = {.name = "test_x"};
    struct lab lab = {.name = "02-threads"};
    struct entry en = {.test = &t, .kind = CHK_SCHED, .outcome = OUT_FAIL};
    struct grade_opts o = {0};
    char *run, *out, *path, *data;

    (void)state;
    assert_non_null(root);
    run = gr_printf("%s/run", root);
    out = gr_printf("%s/out", root);
    o.root = root;
    o.out = out;
    assert_int_equal(mkdir_p(run), 0);
    path = gr_printf("%s/sched.trace", run);
    assert_int_equal(write_file(path, "harness-sched-trace 1\n"), 0);
    free(path);
    path = gr_printf("%s/sched.json", run);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    free(path);
    en.summary = gr_strdup("under sched: failed 1 of 2 schedules, ...");
    en.detail = gr_strdup("replay it: ...\n");
    sched_save(&en, &lab, &o, run);
    assert_non_null(strstr(en.detail, "the schedule, every step: "
                                      "out/02-threads/sched/test_x.trace"));
    assert_null(strstr(en.detail, "timeline"));
    path = gr_printf("%s/02-threads/sched/test_x.trace", out);
    data = read_file(path, 1024, NULL);
    assert_non_null(data);
    assert_string_equal(data, "harness-sched-trace 1\n");
    free(data);
    free(path);
    path = gr_printf("%s/02-threads/sched/test_x.json", out);
    assert_int_equal(access(path, F_OK), -1);
    free(path);
    free(en.summary);
    free(en.detail);
    rm_rf(root);
    free(run);
    free(out);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rubric_reads_sched),
    cmocka_unit_test(test_sched_split_keeps_last_steps_and_picture),
    cmocka_unit_test(test_sched_report_names_seed_cause_and_replay),
    cmocka_unit_test(test_sched_save_copies_trace_and_timeline),
};

HARNESS_MAIN(tests)
