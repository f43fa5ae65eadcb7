/* SPDX-License-Identifier: MIT */
/* Lab 04, task 6: at most k inside, the peak reported, leave wakes a
 * sleeper, and k slots really do let k threads wait on I/O at once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lab04_test.h"
#include "limiter.h"

static struct limiter *make(unsigned k)
{
    struct limiter *l = NULL;
    int rc = limiter_create(&l, k);

    if (rc != 0 || !l)
        harness_fail("limiter_create(%u) returned %d (%s)", k, rc,
                     strerror(-rc));
    return l;
}

static void test_limiter_counts(void **state)
{
    struct limiter *l = make(2), *dummy;

    (void)state;
    expect_rc("limiter_enter", limiter_enter(l), 0);
    expect_rc("limiter_enter", limiter_enter(l), 0);
    expect_rc("limiter_leave", limiter_leave(l), 0);
    expect_rc("limiter_leave", limiter_leave(l), 0);
    expect_rc("limiter_leave with nobody inside", limiter_leave(l), -EPERM);
    if (limiter_peak(l) != 2)
        harness_fail("limiter_peak is %u after two threads were inside, "
                     "expected 2",
                     limiter_peak(l));
    expect_rc("limiter_create(&l, 0)", limiter_create(&dummy, 0), -EINVAL);
    expect_rc("limiter_create(NULL, 2)", limiter_create(NULL, 2), -EINVAL);
    limiter_destroy(l);
    limiter_destroy(NULL); /* limiter.h: a no-op */
}

struct entrant {
    struct limiter *l;
    int rc;
};

static void *enter_main(void *arg)
{
    struct entrant *e = arg;

    e->rc = limiter_enter(e->l);
    return NULL;
}

/*
 * k = 1 and one inside; an enter starts while the one inside leaves: the
 * enter must see the place free when it looks, or be woken after it
 * sleeps. A leave that counts and signals without the lock can land
 * between the enter's look and its wait, and the enter sleeps for ever (a
 * lost wake-up): the controlled scheduler finds it among the rounds.
 */
static void leave_races_enter(void)
{
    long rounds = harness_sched_enabled()
                      ? harness_param_long("sched_leave_rounds", 20)
                      : lab04_param("leave_rounds", 20, 20);

    for (long r = 0; r < rounds; r++) {
        struct limiter *l = make(1);
        struct entrant e = {l, -1};
        pthread_t t;

        expect_rc("limiter_enter", limiter_enter(l), 0);
        xpthread_create(&t, NULL, enter_main, &e);
        harness_yield(); /* a scheduling point before a leave that may
                          * take no lock (the scheduler's only switches) */
        expect_rc("limiter_leave", limiter_leave(l), 0);
        xpthread_join(t, NULL);
        expect_rc("a limiter_enter racing a leave", e.rc, 0);
        expect_rc("limiter_leave", limiter_leave(l), 0);
        limiter_destroy(l);
    }
}

/* k = 3 and three inside: two more sleep, and each leave lets one in;
 * then a leave races an enter about to sleep. */
static void test_limiter_leave_lets_one_in(void **state)
{
    enum { K = 3, MORE = 2 };
    struct limiter *l = make(K);
    struct entrant e[MORE];
    pthread_t t[MORE];

    (void)state;
    for (int i = 0; i < K; i++)
        expect_rc("limiter_enter", limiter_enter(l), 0);
    for (int i = 0; i < MORE; i++) {
        e[i] = (struct entrant){l, -1};
        xpthread_create(&t[i], NULL, enter_main, &e[i]);
    }
    if (sync_hooks_await_sleepers(MORE, 2000) != 0)
        harness_fail("with %d of %d places taken, %d more limiter_enter "
                     "calls did not all sleep in a condition wait",
                     K, K, MORE);
    for (int i = 0; i < MORE; i++)
        expect_rc("limiter_leave", limiter_leave(l), 0);
    for (int i = 0; i < MORE; i++) {
        xpthread_join(t[i], NULL);
        expect_rc("a sleeping limiter_enter, after a leave", e[i].rc, 0);
    }
    if (limiter_peak(l) != K)
        harness_fail("limiter_peak is %u, expected %d", limiter_peak(l), K);
    for (int i = 0; i < K; i++)
        expect_rc("limiter_leave", limiter_leave(l), 0);
    limiter_destroy(l);
    leave_races_enter();
}

/*
 * A refused leave changes nothing: after two leaves with nobody inside,
 * k = 2 still lets two in, and a third sleeps until one of them leaves.
 */
static void test_limiter_refused_leave_keeps_bound(void **state)
{
    struct limiter *l = make(2);
    struct entrant e = {l, -1};
    pthread_t t;
    int slept;

    (void)state;
    expect_rc("limiter_leave with nobody inside", limiter_leave(l), -EPERM);
    expect_rc("a second limiter_leave with nobody inside", limiter_leave(l),
              -EPERM);
    expect_rc("limiter_enter after refused leaves", limiter_enter(l), 0);
    expect_rc("limiter_enter after refused leaves", limiter_enter(l), 0);
    xpthread_create(&t, NULL, enter_main, &e);
    slept = sync_hooks_await_sleepers(1, 2000) == 0;
    expect_rc("limiter_leave", limiter_leave(l), 0);
    xpthread_join(t, NULL);
    if (!slept)
        harness_fail("k = 2, two leaves refused with -EPERM, then two "
                     "threads inside: a third limiter_enter did not sleep. "
                     "A refused leave must not change the count (it let "
                     "more than k in)");
    expect_rc("the third limiter_enter, after a leave", e.rc, 0);
    if (limiter_peak(l) != 2)
        harness_fail("limiter_peak is %u, expected 2 (k = 2)", limiter_peak(l));
    expect_rc("limiter_leave", limiter_leave(l), 0);
    expect_rc("limiter_leave", limiter_leave(l), 0);
    expect_rc("limiter_leave with nobody inside", limiter_leave(l), -EPERM);
    limiter_destroy(l);
}

/*
 * Six threads, k = 3, chaos: the test counts who is inside by itself.
 * Never more than k; the limiter's own peak is at least what the test saw
 * (it counts a little earlier and later) and never above k.
 */
struct crowd {
    struct limiter *l;
    struct harness_start *start;
    pthread_mutex_t m;
    int inside, peak; /* guarded by m */
    long n;
    unsigned hold_us; /* 0: a chaos point */
};

struct member {
    struct crowd *c;
    long errors;
    unsigned bad_peak; /* a limiter_peak of 0 read while inside, plus 1 */
};

static void *member_main(void *arg)
{
    struct member *w = arg;
    struct crowd *c = w->c;

    harness_start_wait(c->start);
    for (long i = 0; i < c->n; i++) {
        if (limiter_enter(c->l) != 0) {
            w->errors++;
            continue;
        }
        pthread_mutex_lock(&c->m);
        if (++c->inside > c->peak)
            c->peak = c->inside;
        pthread_mutex_unlock(&c->m);
        /* limiter_peak is for any thread, while others enter and leave;
         * this one is inside, so the peak is at least 1. */
        if (limiter_peak(c->l) == 0 && !w->bad_peak)
            w->bad_peak = 1;
        if (c->hold_us)
            harness_io_wait_us(c->hold_us);
        else
            harness_chaos_point();
        pthread_mutex_lock(&c->m);
        c->inside--;
        pthread_mutex_unlock(&c->m);
        if (limiter_leave(c->l) != 0)
            w->errors++;
    }
    return NULL;
}

static void crowd_run(struct crowd *c, int threads)
{
    struct harness_start start;
    struct member w[16];
    pthread_t t[16];

    c->start = &start;
    harness_start_init(&start, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        w[i] = (struct member){c, 0, 0};
        xpthread_create(&t[i], NULL, member_main, &w[i]);
    }
    for (int i = 0; i < threads; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < threads; i++)
        if (w[i].errors)
            harness_fail("limiter_enter or limiter_leave failed %ld times",
                         w[i].errors);
    for (int i = 0; i < threads; i++)
        if (w[i].bad_peak)
            harness_fail("limiter_peak returned 0 to a thread that was "
                         "inside: the peak is at least 1 once anyone entered");
}

static void test_limiter_bounds_inside(void **state)
{
    enum { K = 3, THREADS = 6 };
    struct crowd c = {make(K), NULL, PTHREAD_MUTEX_INITIALIZER,
                      0,       0,    lab04_param("iters", 3000, 300),
                      0};
    unsigned peak;

    (void)state;
    crowd_run(&c, THREADS);
    peak = limiter_peak(c.l);
    if (c.peak > K)
        harness_fail("%d threads were inside at once, with k = %d: a wake-up "
                     "is not a place (check the count again after waking)",
                     c.peak, K);
    if (peak > K || (int)peak < c.peak)
        harness_fail("limiter_peak said %u; the test saw %d inside at once "
                     "(k = %d)",
                     peak, c.peak, K);
    limiter_destroy(c.l);
}

/*
 * The point of k > 1: k threads may wait on (simulated) I/O at once. Eight
 * threads make two 10 ms calls each; with k = 4 that should take about a
 * quarter of the time it takes with k = 1.
 */
static void io_crowd(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    struct crowd c = {make(k), NULL, PTHREAD_MUTEX_INITIALIZER, 0, 0, 2, 10000};

    crowd_run(&c, 8);
    limiter_destroy(c.l);
}

static void test_limiter_speedup(void **state)
{
    (void)state;
    harness_check_io_speedup(
        "8 threads x 2 calls of 10 ms, k = 4 against k = 1", 2.8, io_crowd,
        (void *)(uintptr_t)1, io_crowd, (void *)(uintptr_t)4);
}

/*
 * limiter_create when every allocation fails: a negative errno, not a crash
 * (a malloc's NULL used unchecked); memory back, a create works again.
 */
static void test_limiter_create_out_of_memory(void **state)
{
    struct limiter *l = NULL;
    int rc;

    (void)state;
    lab04_oom_begin();
    rc = limiter_create(&l, 2);
    harness_oom_end();
    lab04_oom_verdict("limiter_create(&l, 2)", rc, l != NULL);
    if (rc == 0) {
        EXPECT_RC(limiter_enter(l), 0);
        EXPECT_RC(limiter_leave(l), 0);
        limiter_destroy(l);
    }
    l = make(2); /* memory is back: a create works again */
    EXPECT_RC(limiter_enter(l), 0);
    EXPECT_RC(limiter_leave(l), 0);
    limiter_destroy(l);
}

/* One round: a new limiter for thread + 1 lets that many in, no more out. */
static const char *limiter_round(unsigned thread, unsigned i)
{
    struct limiter *l = NULL;
    const char *err = NULL;
    unsigned k, in = 0;

    (void)i;
    if (limiter_create(&l, thread + 1) != 0 || !l)
        return "limiter_create failed";
    if (limiter_leave(l) != -EPERM)
        err = "a new limiter already had someone inside (another thread's?)";
    for (k = 0; k <= thread && !err; k++, in++)
        if (limiter_enter(l) != 0)
            err = "limiter_enter on a new limiter with room failed";
    if (!err && limiter_peak(l) != thread + 1)
        err = "a new limiter's peak is not the number that entered it";
    for (; in > 0; in--)
        if (limiter_leave(l) != 0 && !err)
            err = "limiter_leave after an enter failed";
    limiter_destroy(l);
    return err;
}

/* limiter.h: limiter_create, Context: any. Threads create, use and destroy
 * limiters at once; each is its own (and ThreadSanitizer watches). */
static void test_limiter_create_from_threads(void **state)
{
    (void)state;
    lab04_create_from_threads("limiter_create", limiter_round);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_limiter_counts),
    cmocka_unit_test(test_limiter_leave_lets_one_in),
    cmocka_unit_test(test_limiter_refused_leave_keeps_bound),
    cmocka_unit_test(test_limiter_bounds_inside),
    cmocka_unit_test(test_limiter_speedup),
    cmocka_unit_test(test_limiter_create_out_of_memory),
    cmocka_unit_test(test_limiter_create_from_threads),
};

HARNESS_MAIN(tests)
