/* SPDX-License-Identifier: MIT */
/* Unit tests of the grader's parts: the rubric reader, lab names, and the
 * condensers that turn tool reports into the lines a student reads. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "findings.h"
#include "grade.h"
#include "mutant.h"
#include "rubric.h"
#include "run.h"
#include "sandbox.h"
#include "trace.h"
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
    assert_string_equal(r.tests[1].prereqs[0], "test_a");
    assert_int_equal(rubric_max_points(&r), 6);
    unlink(path);
}

/* A line longer than inih reads is named as such, not as a syntax error
 * on the line after it. */
static void test_rubric_names_a_long_line(void **state)
{
    struct rubric r;
    char *err = NULL, ini[600];

    (void)state;
    snprintf(ini, sizeof(ini),
             "[test_a]\nfunctional = 1\nhint = %0250d\n[test_b]\n", 0);
    char *path = temp_ini(ini);

    assert_int_equal(rubric_load(path, &r, &err), -1);
    assert_non_null(strstr(err, "line 3: longer than"));
    free(err);
    unlink(path);
}

/* `late =`: percent per started period, a cap, a cutoff; `hidden =`. */
static void test_rubric_late_policy_and_hidden(void **state)
{
    struct rubric r;
    char *err = NULL;
    char *path = temp_ini("[lab]\nlate = 10%/day, max 50%, cutoff 7d\n"
                          "[test_a]\nfunctional = 1\nhidden = 1\n");

    (void)state;
    assert_int_equal(rubric_load(path, &r, &err), 0);
    assert_true(r.tests[0].hidden);
    assert_true(rubric_late_penalty(&r, 0) == 0);
    assert_true(rubric_late_penalty(&r, 1) == 10);          /* a day started */
    assert_true(rubric_late_penalty(&r, 86400) == 10);      /* exactly a day */
    assert_true(rubric_late_penalty(&r, 86401) == 20);      /* the second */
    assert_true(rubric_late_penalty(&r, 6 * 86400) == 50);  /* the cap */
    assert_true(rubric_late_penalty(&r, 8 * 86400) == 100); /* past cutoff */
    unlink(path);

    path = temp_ini("[lab]\ntitle = T\n[test_a]\nfunctional = 1\n");
    assert_int_equal(rubric_load(path, &r, &err), 0);
    assert_true(!r.tests[0].hidden && !r.late);
    assert_true(rubric_late_penalty(&r, 1) == 100); /* no late work */
    unlink(path);

    path = temp_ini("[lab]\nlate = 10 per day\n[test_a]\nfunctional = 1\n");
    assert_int_equal(rubric_load(path, &r, &err), -1);
    assert_non_null(strstr(err, "late"));
    free(err);
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

/* A mutant is a declaration, then a unified diff and nothing else. */
static void test_mutant_needs_a_check(void **state)
{
    static const char diff[] = "--- solutions/01-processes/run.c\n"
                               "+++ solutions/01-processes/run.c\n"
                               "@@ -3,3 +3,2 @@\n"
                               " a\n"
                               "--- b (a removed line, not a header)\n"
                               "\n";
    struct mutant m;
    char *err = NULL, *text;
    char *path = temp_ini("why = no check\n");

    (void)state;
    assert_int_equal(mutant_load(path, &m, &err), -1);
    text = gr_printf("check = tsan\ntest = t\n%s", diff);
    assert_int_equal(write_file(path, text), 0);
    assert_int_equal(mutant_load(path, &m, &err), 0);
    assert_int_equal(m.check, CHK_TSAN);
    assert_string_equal(m.test, "t");
    assert_int_equal(m.nfiles, 1);
    assert_string_equal(m.files[0], "01-processes/run.c");
    free(text);
    /* An ed script (GNU patch would run it) is not a unified diff. */
    text = gr_strdup("check = tsan\n--- s/l/f.c\n+++ s/l/f.c\n1a2\n> x\n");
    assert_int_equal(write_file(path, text), 0);
    assert_int_equal(mutant_load(path, &m, &err), -1);
    assert_non_null(strstr(err, ":4: not part of a unified diff"));
    free(text);
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
                        "data race on global 'counter' (4 bytes): read in "
                        "worker (labs/00-example/racy.c:6) and write in "
                        "worker (labs/00-example/racy.c:6)");
    assert_non_null(strstr(out, "data race on global 'counter'"));
    assert_non_null(strstr(out, "read of 4 bytes by thread T2 in worker at "
                                "labs/00-example/racy.c:6, holding no lock"));
    assert_non_null(strstr(out, "write of 4 bytes (earlier) by thread T1"));
    assert_non_null(strstr(out, "likely cause: neither access holds a lock"));
    assert_null(strstr(out, "tsan_interceptors")); /* noise is gone */
    assert_null(strstr(out, "/work/main/"));       /* paths are relative */
}

/* A real report (lab 04's sema-post-unlocked mutant): the variable is a
 * heap block, one side holds a mutex, the other none. */
static void test_tsan_report_names_locks_held_and_the_heap_block(void **state)
{
    char *log = fixture("tsan-race-mutex-heap.log"), *summary;
    int n;
    char *out = condense_tsan(log, "/work/wt-trace", &n, &summary);

    (void)state;
    assert_int_equal(n, 1);
    assert_true(starts_with(summary, "data race on a heap block of 96 bytes: "
                                     "write in sema_post ("));
    assert_non_null(strstr(out, "heap block of 96 bytes, allocated in "
                                "sema_create at "));
    assert_non_null(strstr(out, "sema.c:23"));
    assert_non_null(strstr(out, "write of 4 bytes by thread T1 in sema_post "
                                "at "));
    assert_non_null(strstr(out, "sema.c:136, holding no lock"));
    assert_non_null(strstr(out, "read of 4 bytes (earlier) by thread T6 in "
                                "sema_wait at "));
    assert_non_null(strstr(out, "sema.c:68, holding M7 (write)"));
    assert_non_null(strstr(out, "M7 is the mutex created in sema_create at "));
    assert_non_null(strstr(out, "likely cause: thread T1 touches it holding "
                                "no lock, while thread T6 holds M7"));
    /* thread-creation stacks are noise, and so is the test's own frame */
    assert_null(strstr(out, "test_sema.c:135"));
    assert_null(strstr(out, "tsan_interceptors"));
    free(out);
    free(summary);
    free(log);
}

/* A lab's budget shared among its tasks: a task that hangs under every
 * tool runs out of its own share, while the others keep theirs. */
static void test_budget_keeps_other_tasks_shares(void **state)
{
    double share[3] = {40, 60, 20}, spent[3] = {10, 70, 0},
           worst[3] = {50, 100, 30};
    struct budget b = {100, 3, share, spent, worst};

    (void)state;
    /* Task 2 overran: it may use only what tasks 1 and 3 do not keep. */
    assert_true(budget_left(&b, 1, 0) == 100 - 30 - 20);
    /* Task 1 keeps its 30 s, and may use task 2's nothing and not task 3's
     * 20. */
    assert_true(budget_left(&b, 0, 0) == 100 - 20);
    /* A task keeps no more than its checks not yet run could take. */
    worst[2] = 5;
    assert_true(budget_left(&b, 1, 0) == 100 - 30 - 5);
    /* A finished task keeps nothing. */
    worst[0] = 0;
    assert_true(budget_left(&b, 1, 0) == 100 - 5);
    /* Time passes for everyone: the lab's deadline bounds it all. */
    assert_true(budget_left(&b, 1, 90) == 10 - 5);
    assert_true(budget_left(&b, 1, 99) <= 0);
}

/* Building the variants takes time no task's runs took (a minute under
 * load): the claims then shrink in proportion, and the task whose turn it
 * is still gets its part rather than nothing. */
static void test_budget_shares_what_builds_left(void **state)
{
    double share[2] = {40, 60}, spent[2] = {0, 0}, worst[2] = {100, 100};
    struct budget b = {100, 2, share, spent, worst};

    (void)state;
    assert_true(budget_left(&b, 0, 50) > 19.9 && budget_left(&b, 0, 50) < 20.1);
    assert_true(budget_left(&b, 1, 50) > 29.9 && budget_left(&b, 1, 50) < 30.1);
    /* A task past its share claims nothing, and gets nothing while others
     * still claim more than is left. */
    spent[0] = 45;
    assert_true(budget_left(&b, 0, 50) <= 0);
    assert_true(budget_left(&b, 1, 50) > 49.9);
}

/* gdb's stacks of lab 03's deadlocking bank (a real hang): one line per
 * thread, naming the blocking call and the student's file:line. */
static void test_timeout_stacks_show_a_deadlock(void **state)
{
    const char *word;
    char *out = fixture("gdb-deadlock.txt"), *cause, *student[] = {"fixes.c"};
    char *d =
        condense_timeout(out, "/work/wt-trace", student, 1, &cause, &word);

    (void)state;
    assert_string_equal(word, "deadlock");
    assert_non_null(cause);
    assert_true(starts_with(cause, "a deadlock?"));
    assert_non_null(strstr(d, "thread 1 (the test's main thread): waits in "
                              "pthread_join, called from bank_phase "
                              "(labs/03-race-conditions/tests/test_fixes.c:"
                              "169)"));
    assert_non_null(strstr(d, "thread 2: waits in pthread_mutex_lock, called "
                              "from bank_transfer ("));
    assert_non_null(strstr(d, "03-race-conditions/fixes.c:108)"));
    assert_non_null(strstr(d, "03-race-conditions/fixes.c:110)"));
    assert_non_null(strstr(d, "likely cause: a deadlock?"));
    assert_null(strstr(d, "futex")); /* glibc's insides are gone */
    assert_null(strstr(d, "#0"));
    free(d);
    free(cause);
    free(out);
}

/* Lab 02's pool running its tasks under the pool's lock, under
 * ThreadSanitizer: a task sleeps at the test's gate holding the lock that
 * the main thread needs. TSan's own background thread is not listed (it
 * would read as a spin), and the cause is the held lock, not a lost
 * wake-up. */
static void test_timeout_stacks_show_a_lock_held_while_blocked(void **state)
{
    const char *word;
    char *out = fixture("gdb-tsan-lock-held.txt"), *cause,
         *student[] = {"pool.c"};
    char *d = condense_timeout(out, "/work/main", student, 1, &cause, &word);

    (void)state;
    assert_string_equal(word, "lock-held-blocked");
    assert_non_null(cause);
    assert_true(starts_with(cause, "a lock held while blocked?"));
    assert_non_null(strstr(d, "thread 1 (the test's main thread): waits in "
                              "pthread_mutex_lock, called from pool_submit "
                              "(/tmp/sub02/02-threads/pool.c:"));
    assert_non_null(strstr(d, "thread 3: waits in pthread_cond_wait, called "
                              "from pool__worker (/tmp/sub02/02-threads/"
                              "pool.c:58)"));
    assert_null(strstr(d, "thread 2"));
    assert_null(strstr(d, "__tsan"));
    free(d);
    free(cause);
    free(out);
}

/* Lab 04's bbuf-close-signal: getters asleep on a condition variable. The
 * student's frame is bbuf.c, not the lab's sync_hooks.c in between. */
static void test_timeout_stacks_show_a_lost_wakeup(void **state)
{
    const char *word;
    char *out = fixture("gdb-lost-wakeup.txt"), *cause, *student[] = {"bbuf.c"};
    char *d =
        condense_timeout(out, "/work/wt-trace", student, 1, &cause, &word);

    (void)state;
    assert_string_equal(word, "lost-wakeup");
    assert_non_null(cause);
    assert_true(starts_with(cause, "a lost wake-up?"));
    assert_non_null(strstr(d, "waits in pthread_cond_wait, called from "
                              "bbuf_get ("));
    assert_non_null(strstr(d, "04-mutexes-semaphores/bbuf.c:92)"));
    assert_null(strstr(d, "sync_hooks_cond_wait"));
    free(d);
    free(cause);
    free(out);
}

static void test_timeout_without_stacks_has_no_cause(void **state)
{
    const char *word;
    char *cause, *d = condense_timeout("[ RUN      ] t\nhello\n", "", NULL, 0,
                                       &cause, &word);

    (void)state;
    assert_null(cause);
    assert_null(word);
    assert_string_equal(d, "hello\n");
    free(d);
}

/* Lab 05's destroy-leaks under Memcheck: the allocation site. */
static void test_memcheck_leak_names_the_allocation_site(void **state)
{
    char *log = fixture("memcheck-definite-leak.log"), *summary;
    int n;
    char *out = condense_valgrind(log, "/work/wt-trace", &n, &summary);

    (void)state;
    assert_int_equal(n, 1);
    assert_string_equal(summary, "memory leak: 432 bytes in 6 blocks never "
                                 "freed (definitely lost), allocated in "
                                 "coro_create (coro.c:114)");
    assert_non_null(strstr(out, "allocated by calloc in coro_create "
                                "(coro.c:114)"));
    assert_non_null(strstr(out, "called from make (test_coro.c:28)"));
    assert_non_null(strstr(out, "likely cause: what coro_create (coro.c:114) "
                                "allocates is not freed"));
    free(out);
    free(summary);
    free(log);
}

/*
 * Lab 03's bank: a lock + trylock + back-off transfer (the trylock-backoff
 * wheat) makes Helgrind report a lock order, which is set aside because
 * the later acquisition was a trylock; a transfer that trylocks the first
 * lock but blocks on the second (mutant bank-trylock-first) keeps it.
 */
static void test_helgrind_trylock_order_is_not_a_verdict(void **state)
{
    char *log = fixture("helgrind-lock-order-trylock.log"), *summary;
    char *dir = gr_printf("%s/lock-order-trylock", FIXTURES), *kept, *out;
    int n, dropped;

    (void)state;
    out = condense_valgrind(log, "/work/wt-wheats", &n, &summary);
    assert_true(n > 0); /* Helgrind's own verdict: two reports */
    free(out);
    free(summary);
    kept = helgrind_drop_trylock_orders(log, dir, &dropped);
    assert_int_equal(dropped, 2);
    out = condense_valgrind(kept, "/work/wt-wheats", &n, &summary);
    assert_int_equal(n, 0);
    assert_non_null(strstr(kept, "ERROR SUMMARY"));
    /* Without the source, nothing is set aside. */
    free(kept);
    kept = helgrind_drop_trylock_orders(log, NULL, &dropped);
    assert_int_equal(dropped, 0);
    assert_string_equal(kept, log);
    free(kept);
    free(out);
    free(summary);
    free(dir);
    free(log);
}

/* A run of lab 03's trylock wheat where Helgrind reported the audit's
 * increasing order against an order a transfer's trylock had made, without
 * the stacks of that required order: it cannot be judged, so it is not a
 * verdict. */
static void test_helgrind_order_without_history_is_not_a_verdict(void **state)
{
    char *log = fixture("helgrind-lock-order-no-history.log"), *summary;
    char *dir = gr_printf("%s/lock-order-trylock", FIXTURES), *kept, *out;
    int n, dropped;

    (void)state;
    kept = helgrind_drop_trylock_orders(log, dir, &dropped);
    assert_int_equal(dropped, 1);
    out = condense_valgrind(kept, "/work/main", &n, &summary);
    assert_int_equal(n, 0);
    free(out);
    free(summary);
    free(kept);
    free(dir);
    free(log);
}

static void test_helgrind_blocking_order_is_a_verdict(void **state)
{
    char *log = fixture("helgrind-lock-order-trylock-first.log"), *summary;
    char *dir = gr_printf("%s/lock-order-trylock-first", FIXTURES), *kept;
    char *out;
    int n, dropped;

    (void)state;
    kept = helgrind_drop_trylock_orders(log, dir, &dropped);
    assert_int_equal(dropped, 0);
    out = condense_valgrind(kept, "/work/wt-wheats", &n, &summary);
    assert_true(n > 0);
    assert_non_null(strstr(summary, "lock order"));
    free(out);
    free(summary);
    free(kept);
    free(dir);
    free(log);
}

static void *spin_a_little(void *arg)
{
    harness_spin_work(200);
    return arg;
}

/* Spans recorded by two threads and a forked child (armed, as a speedup
 * check arms them) reach the trace file, and become a Chrome trace with
 * complete events on three lanes and an SVG naming them. */
static void test_trace_records_threads_and_processes(void **state)
{
    char *spans = gr_printf("%s/trace-%d", harness_tmpdir(), (int)getpid());
    char *json_path = gr_printf("%s.json", spans), *svg, *err = NULL, *text;
    pthread_t t[2];
    json_t *root, *ev;
    json_error_t jerr;
    int complete = 0, tids[8], ntids = 0, st;
    pid_t child;

    (void)state;
    harness_trace_reset();
    harness_trace_arm(1);
    for (int i = 0; i < 2; i++)
        xpthread_create(&t[i], NULL, spin_a_little, NULL);
    for (int i = 0; i < 2; i++)
        xpthread_join(t[i], NULL);
    child = xfork();
    if (child == 0) {
        harness_spin_work(100);
        _exit(0);
    }
    assert_int_equal(waitpid(child, &st, 0), child);
    harness_trace_arm(0);
    harness_spin_work(10); /* disarmed: not recorded */
    assert_int_equal(harness_trace_write(spans, "a test"), 0);
    text = read_file(spans, 1 << 20, NULL);
    assert_non_null(strstr(text, "process"));
    free(text);

    assert_int_equal(trace_export(spans, spans, &err), 0);
    root = json_load_file(json_path, 0, &jerr);
    assert_non_null(root);
    ev = json_object_get(root, "traceEvents");
    for (size_t i = 0; i < json_array_size(ev); i++) {
        json_t *e = json_array_get(ev, i);
        int tid = (int)json_integer_value(json_object_get(e, "tid")), seen = 0;

        if (strcmp(json_string_value(json_object_get(e, "ph")), "X") != 0)
            continue;
        complete++;
        assert_true(json_number_value(json_object_get(e, "dur")) > 0);
        for (int k = 0; k < ntids; k++)
            seen |= tids[k] == tid;
        if (!seen && ntids < 8)
            tids[ntids++] = tid;
    }
    assert_int_equal(complete, 3);
    assert_int_equal(ntids, 3);
    json_decref(root);
    svg = read_file(gr_printf("%s.svg", spans), 1 << 20, NULL);
    assert_non_null(svg);
    assert_true(starts_with(svg, "<?xml"));
    assert_non_null(strstr(svg, ">thread 1</text>"));
    assert_non_null(strstr(svg, ">process "));
    assert_non_null(strstr(svg, "time (ms)"));
    free(svg);
    free(json_path);
    free(spans);
}

/* Coroutines share their thread but get lanes of their own. */
static void test_trace_gives_coroutines_lanes(void **state)
{
    char *path = gr_printf("%s/co-%d", harness_tmpdir(), (int)getpid());
    char *text, *p;
    int lanes = 0;

    (void)state;
    harness_trace_reset();
    harness_trace_arm(1);
    harness_trace_coroutine("co A");
    harness_spin_work(10);
    harness_trace_coroutine("co B");
    harness_spin_work(10);
    harness_trace_coroutine("co A");
    harness_spin_work(10);
    harness_trace_coroutine(NULL);
    harness_spin_work(10);
    harness_trace_arm(0);
    assert_int_equal(harness_trace_write(path, "coroutines"), 0);
    text = read_file(path, 1 << 20, NULL);
    for (p = text; (p = strstr(p, " coroutine ")); p++)
        lanes++;
    assert_int_equal(lanes, 2);
    assert_non_null(strstr(text, " co A\n"));
    assert_non_null(strstr(text, " co B\n"));
    assert_non_null(strstr(text, " thread ")); /* and the thread itself */
    free(text);
    free(path);
}

static void test_trace_parse_rejects_garbage(void **state)
{
    struct trace t;
    char *err;

    (void)state;
    assert_int_equal(trace_parse("hello\n", &t, &err), -1);
    free(err);
    assert_int_equal(
        trace_parse(HARNESS_TRACE_VERSION "\nspan 3 1 2 c x\n", &t, &err),
        -1); /* a lane never declared */
    free(err);
    assert_int_equal(trace_parse(HARNESS_TRACE_VERSION
                                 "\nlane 0 thread 1 1 main\n"
                                 "span 0 5 4 c x\n",
                                 &t, &err),
                     -1); /* ends before it starts */
    free(err);
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
/* Valgrind's own last words, the way the CI failure showed them. */
static void test_tool_log_tail_is_the_last_lines(void **state)
{
    char dir[] = "/tmp/tool-tail-XXXXXX", *path, *tail;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    tail = tool_log_tail(CHK_MEMCHECK, dir, 3);
    assert_string_equal(tail, ""); /* no log at all */
    free(tail);
    path = path_join(dir, "vg.1243");
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 1; i <= 20; i++)
        fprintf(f, "==1243== line %d\n", i);
    fclose(f);
    tail = tool_log_tail(CHK_MEMCHECK, dir, 3);
    assert_string_equal(tail, "==1243== line 18\n==1243== line 19\n"
                              "==1243== line 20\n");
    free(tail);
    tail = tool_log_tail(CHK_HELGRIND, dir, 50); /* fewer lines than asked */
    assert_non_null(strstr(tail, "==1243== line 1\n"));
    free(tail);
    tail = tool_log_tail(CHK_TSAN, dir, 3); /* another tool's prefix */
    assert_string_equal(tail, "");
    free(tail);
    unlink(path);
    free(path);
    rmdir(dir);
}

static void test_sweep_refuses_real_accounts(void **state)
{
    (void)state;
    assert_int_equal(sandbox_signal_all(0, SIGCONT, 1), -1);
    assert_int_equal(sandbox_signal_all(65534, SIGCONT, 1), -1);
    assert_int_equal(sandbox_signal_all(getuid(), SIGCONT, 1), -1);
}

/*
 * A timeout's run delay (run.h, cpu_wait): a test whose two spinning
 * processes share one CPU waited for it about half the time, the mark of
 * a starved run (grade.c runs it again); one that sleeps waited for none,
 * the mark of a hang (it stands).
 */
static void test_timeout_measures_waiting_for_a_cpu(void **state)
{
    char *spin[] = {"taskset", "-c",
                    "0",       "sh",
                    "-c",      "while :; do :; done & while :; do :; done",
                    NULL};
    char *sleeper[] = {"sleep", "30", NULL};
    char *env[] = {NULL};
    struct run_spec specs[2] = {
        {.argv = spin, .env = env, .timeout = 2, .workdir = "/tmp", .task = -1},
        {.argv = sleeper,
         .env = env,
         .timeout = 2,
         .workdir = "/tmp",
         .task = -1}};
    struct run_result r[2];

    (void)state;
    run_batch(specs, r, 2, 2, NULL);
    assert_true(r[0].timed_out && r[1].timed_out);
    assert_true(r[0].cpu_wait >= 0.25 * r[0].seconds);
    assert_true(r[1].cpu_wait < 0.1);
    run_result_free(&r[0]);
    run_result_free(&r[1]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sweep_refuses_real_accounts),
    cmocka_unit_test(test_timeout_measures_waiting_for_a_cpu),
    cmocka_unit_test(test_tool_log_tail_is_the_last_lines),
    cmocka_unit_test(test_rubric_reads_points_and_params),
    cmocka_unit_test(test_rubric_rejects_typos_and_bad_requires),
    cmocka_unit_test(test_rubric_names_a_long_line),
    cmocka_unit_test(test_rubric_late_policy_and_hidden),
    cmocka_unit_test(test_mutant_needs_a_check),
    cmocka_unit_test(test_lab_names_resolve),
    cmocka_unit_test(test_tsan_report_condensed_to_the_two_accesses),
    cmocka_unit_test(test_tsan_report_names_locks_held_and_the_heap_block),
    cmocka_unit_test(test_budget_keeps_other_tasks_shares),
    cmocka_unit_test(test_budget_shares_what_builds_left),
    cmocka_unit_test(test_timeout_stacks_show_a_deadlock),
    cmocka_unit_test(test_timeout_stacks_show_a_lost_wakeup),
    cmocka_unit_test(test_timeout_stacks_show_a_lock_held_while_blocked),
    cmocka_unit_test(test_timeout_without_stacks_has_no_cause),
    cmocka_unit_test(test_memcheck_leak_names_the_allocation_site),
    cmocka_unit_test(test_helgrind_trylock_order_is_not_a_verdict),
    cmocka_unit_test(test_helgrind_blocking_order_is_a_verdict),
    cmocka_unit_test(test_helgrind_order_without_history_is_not_a_verdict),
    cmocka_unit_test(test_trace_records_threads_and_processes),
    cmocka_unit_test(test_trace_gives_coroutines_lanes),
    cmocka_unit_test(test_trace_parse_rejects_garbage),
    cmocka_unit_test(test_helgrind_report_condensed),
    cmocka_unit_test(test_fd_leaks_counted_without_inherited_ones),
    cmocka_unit_test(test_output_condensed_without_banners),
};

HARNESS_MAIN(tests)
