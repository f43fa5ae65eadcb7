/* SPDX-License-Identifier: MIT */
/* Lab 04, task 4: the barrier holds everyone until the last arrives, wakes
 * them all, elects one, and can be used round after round. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lab04_test.h"
#include "barrier.h"

static struct barrier *make(unsigned n)
{
    struct barrier *b = NULL;
    int rc = barrier_create(&b, n);

    if (rc != 0 || !b)
        harness_fail("barrier_create(%u) returned %d (%s)", n, rc,
                     strerror(-rc));
    return b;
}

static void test_barrier_one_thread(void **state)
{
    struct barrier *b = make(1), *dummy;
    int rc;

    (void)state;
    for (int i = 0; i < 3; i++) {
        rc = barrier_wait(b);
        if (rc != BARRIER_SERIAL)
            harness_fail("barrier_wait on a barrier for 1 thread returned "
                         "%d, expected BARRIER_SERIAL (it is the last to "
                         "arrive)",
                         rc);
    }
    rc = barrier_create(&dummy, 0);
    if (rc != -EINVAL)
        harness_fail("barrier_create(&b, 0) returned %d, expected -EINVAL", rc);
    rc = barrier_create(NULL, 2);
    if (rc != -EINVAL)
        harness_fail("barrier_create(NULL, 2) returned %d, expected -EINVAL",
                     rc);
    barrier_destroy(b);
    barrier_destroy(NULL); /* barrier.h: a no-op */
}

struct arrival {
    struct barrier *b;
    int rc;
};

static void *wait_main(void *arg)
{
    struct arrival *a = arg;

    a->rc = barrier_wait(a->b);
    return NULL;
}

/* Three threads sleep at the barrier; the main thread arrives last and
 * every one of them must wake up (a lost wake-up hangs here). */
static void test_barrier_last_wakes_all(void **state)
{
    enum { N = 4 };
    struct arrival a[N - 1];
    pthread_t t[N - 1];
    struct barrier *b = make(N);
    int serial, rc;

    (void)state;
    for (int i = 0; i < N - 1; i++) {
        a[i] = (struct arrival){b, -1};
        xpthread_create(&t[i], NULL, wait_main, &a[i]);
    }
    if (sync_hooks_await_sleepers(N - 1, 2000) != 0)
        harness_fail("%d threads at a barrier for %d did not all sleep in a "
                     "condition wait: did some pass before the last came?",
                     N - 1, N);
    rc = barrier_wait(b);
    serial = rc == BARRIER_SERIAL;
    for (int i = 0; i < N - 1; i++) {
        xpthread_join(t[i], NULL);
        serial += a[i].rc == BARRIER_SERIAL;
        if (a[i].rc != 0 && a[i].rc != BARRIER_SERIAL)
            harness_fail("barrier_wait returned %d", a[i].rc);
    }
    if (rc != 0 && rc != BARRIER_SERIAL)
        harness_fail("barrier_wait returned %d", rc);
    if (serial != 1)
        harness_fail("%d threads got BARRIER_SERIAL in one round, expected "
                     "exactly 1",
                     serial);
    barrier_destroy(b);
}

/*
 * Rounds under chaos. Before round r's wait each thread writes r into its
 * slot of arrived[r % 2]; after the wait it reads every slot of that row,
 * which must all say r: a thread that passed early sees an older round,
 * and nobody can have moved on to round r + 2 (and overwritten the row)
 * without this thread arriving at round r + 1. Each slot has one writer,
 * and the barrier orders the writes before the reads.
 */
enum { THREADS = 4 };

struct rounds {
    struct barrier *b;
    struct harness_start *start;
    long n;
    long arrived[2][THREADS];
};

struct runner {
    struct rounds *x;
    int me;
    unsigned char *serial; /* [n]: written by this thread only */
    long early, bad_rc;
    long first_bad_round;
};

static void *rounds_main(void *arg)
{
    struct runner *w = arg;
    struct rounds *x = w->x;

    harness_start_wait(x->start);
    for (long r = 0; r < x->n; r++) {
        int rc;

        x->arrived[r % 2][w->me] = r;
        rc = barrier_wait(x->b);
        if (rc == BARRIER_SERIAL)
            w->serial[r] = 1;
        else if (rc != 0)
            w->bad_rc++;
        for (int j = 0; j < THREADS; j++) {
            if (x->arrived[r % 2][j] == r)
                continue;
            if (!w->early++)
                w->first_bad_round = r;
        }
    }
    return NULL;
}

static void test_barrier_rounds(void **state)
{
    long n = lab04_param("rounds", 1000, 200);
    struct harness_start start;
    struct rounds x = {make(THREADS), &start, n, {{0}}};
    struct runner w[THREADS];
    pthread_t t[THREADS];

    (void)state;
    memset(x.arrived, 0xff, sizeof(x.arrived)); /* -1: not yet */
    harness_start_init(&start, THREADS);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct runner){&x, i, xcalloc((size_t)n, 1), 0, 0, -1};
        xpthread_create(&t[i], NULL, rounds_main, &w[i]);
    }
    for (int i = 0; i < THREADS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].bad_rc)
            harness_fail("barrier_wait returned neither 0 nor "
                         "BARRIER_SERIAL %ld times",
                         w[i].bad_rc);
        if (w[i].early)
            harness_fail("thread %d left the barrier before everyone had "
                         "arrived (first in round %ld, %ld times in all): "
                         "wake-ups may be spurious, so check the round "
                         "again after waking",
                         i, w[i].first_bad_round, w[i].early);
    }
    for (long r = 0; r < n; r++) {
        int serial = 0;

        for (int i = 0; i < THREADS; i++)
            serial += w[i].serial[r];
        if (serial != 1)
            harness_fail("round %ld: %d threads got BARRIER_SERIAL, "
                         "expected exactly 1",
                         r, serial);
    }
    for (int i = 0; i < THREADS; i++)
        free(w[i].serial);
    barrier_destroy(x.b);
}

/*
 * barrier_create when every allocation fails: a negative errno, not a crash
 * (a malloc's NULL used unchecked); memory back, a create works again.
 */
static void test_barrier_create_out_of_memory(void **state)
{
    struct barrier *b = NULL;
    int rc;

    (void)state;
    lab04_oom_begin();
    rc = barrier_create(&b, 1);
    harness_oom_end();
    lab04_oom_verdict("barrier_create(&b, 1)", rc, b != NULL);
    if (rc == 0) {
        EXPECT_RC(barrier_wait(b), BARRIER_SERIAL);
        barrier_destroy(b);
    }
    b = make(1); /* memory is back: a create works again */
    EXPECT_RC(barrier_wait(b), BARRIER_SERIAL);
    barrier_destroy(b);
}

/* One round: a new barrier for one thread lets it through, twice. */
static const char *barrier_round(unsigned thread, unsigned i)
{
    struct barrier *b = NULL;
    const char *err = NULL;

    (void)thread;
    (void)i;
    if (barrier_create(&b, 1) != 0 || !b)
        return "barrier_create failed";
    for (int k = 0; k < 2 && !err; k++)
        if (barrier_wait(b) != BARRIER_SERIAL)
            err = "barrier_wait on a new barrier for one thread did not "
                  "return BARRIER_SERIAL";
    barrier_destroy(b);
    return err;
}

/* barrier.h: barrier_create, Context: any. Threads create, use and destroy
 * barriers at once; each is its own (and ThreadSanitizer watches). */
static void test_barrier_create_from_threads(void **state)
{
    (void)state;
    lab04_create_from_threads("barrier_create", barrier_round);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_barrier_one_thread),
    cmocka_unit_test(test_barrier_last_wakes_all),
    cmocka_unit_test(test_barrier_rounds),
    cmocka_unit_test(test_barrier_create_out_of_memory),
    cmocka_unit_test(test_barrier_create_from_threads),
};

HARNESS_MAIN(tests)
