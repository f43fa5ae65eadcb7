/* SPDX-License-Identifier: MIT */
/* Lab 04, task 3: readers share, a writer is alone, and a waiting writer
 * goes before readers that arrive after it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "lab04_test.h"
#include "rwlock.h"

static struct rwlock *make(void)
{
    struct rwlock *l = NULL;
    int rc = rwlock_create(&l);

    if (rc != 0 || !l)
        harness_fail("rwlock_create returned %d (%s)", rc, strerror(-rc));
    return l;
}

static void test_rwlock_unlock_not_held(void **state)
{
    struct rwlock *l = make();

    (void)state;
    expect_rc("rwlock_rdunlock of a free lock", rwlock_rdunlock(l), -EPERM);
    expect_rc("rwlock_wrunlock of a free lock", rwlock_wrunlock(l), -EPERM);
    expect_rc("rwlock_rdlock", rwlock_rdlock(l), 0);
    expect_rc("rwlock_wrunlock while a reader holds it", rwlock_wrunlock(l),
              -EPERM);
    expect_rc("rwlock_rdunlock", rwlock_rdunlock(l), 0);
    expect_rc("rwlock_wrlock", rwlock_wrlock(l), 0);
    expect_rc("rwlock_rdunlock while a writer holds it", rwlock_rdunlock(l),
              -EPERM);
    expect_rc("rwlock_wrunlock", rwlock_wrunlock(l), 0);
    expect_rc("rwlock_create(NULL)", rwlock_create(NULL), -EINVAL);
    rwlock_destroy(l);
    rwlock_destroy(NULL); /* rwlock.h: a no-op */
}

struct readers {
    struct rwlock *l;
    pthread_mutex_t m;
    pthread_cond_t done_cv;
    int done;   /* guarded by m: readers that got in and out */
    int errors; /* guarded by m */
};

static void *rdlock_unlock_main(void *arg)
{
    struct readers *r = arg;
    int rc = rwlock_rdlock(r->l);

    if (rc == 0)
        rc = rwlock_rdunlock(r->l);
    pthread_mutex_lock(&r->m);
    r->done++;
    r->errors += rc != 0;
    pthread_cond_broadcast(&r->done_cv);
    pthread_mutex_unlock(&r->m);
    return NULL;
}

/* While the main thread holds the lock to read, other readers get in (and
 * out): the main thread waits for them, for 3 s at most. */
static void test_rwlock_readers_share(void **state)
{
    enum { READERS = 3 };
    struct readers r = {make(), PTHREAD_MUTEX_INITIALIZER,
                        PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t t[READERS];
    struct timespec deadline;
    int done;

    (void)state;
    expect_rc("rwlock_rdlock", rwlock_rdlock(r.l), 0);
    for (int i = 0; i < READERS; i++)
        xpthread_create(&t[i], NULL, rdlock_unlock_main, &r);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 3;
    pthread_mutex_lock(&r.m);
    while (r.done < READERS &&
           pthread_cond_timedwait(&r.done_cv, &r.m, &deadline) != ETIMEDOUT)
        ;
    done = r.done;
    pthread_mutex_unlock(&r.m);
    if (done < READERS)
        harness_fail("only %d of %d readers got in within 3 s while "
                     "another reader held the lock: readers must share",
                     done, READERS);
    for (int i = 0; i < READERS; i++)
        xpthread_join(t[i], NULL);
    if (r.errors)
        harness_fail("rwlock_rdlock or rwlock_rdunlock failed in %d of the "
                     "readers",
                     r.errors);
    expect_rc("rwlock_rdunlock", rwlock_rdunlock(r.l), 0);
    rwlock_destroy(r.l);
}

/*
 * Readers and writers in a loop under chaos: a writer is never inside with
 * anyone, and what writers write comes out whole to readers.
 */
struct shared {
    struct rwlock *l;
    struct harness_start *start;
    pthread_mutex_t *m;
    int readers_in, writers_in; /* guarded by *m */
    long a, b;                  /* guarded by l: always equal outside it */
    long n;
};

struct worker {
    struct shared *x;
    long errors, overlaps, torn;
};

static void enter(struct worker *w, int writer)
{
    struct shared *x = w->x;

    pthread_mutex_lock(x->m);
    if (x->writers_in || (writer && x->readers_in))
        w->overlaps++;
    if (writer)
        x->writers_in++;
    else
        x->readers_in++;
    pthread_mutex_unlock(x->m);
}

static void leave(struct worker *w, int writer)
{
    pthread_mutex_lock(w->x->m);
    if (writer)
        w->x->writers_in--;
    else
        w->x->readers_in--;
    pthread_mutex_unlock(w->x->m);
}

static void *writer_main(void *arg)
{
    struct worker *w = arg;

    harness_start_wait(w->x->start);
    for (long i = 0; i < w->x->n; i++) {
        if (rwlock_wrlock(w->x->l) != 0) {
            w->errors++;
            continue;
        }
        enter(w, 1);
        w->x->a++;
        harness_chaos_point();
        w->x->b++;
        leave(w, 1);
        rwlock_wrunlock(w->x->l);
    }
    return NULL;
}

static void *reader_main(void *arg)
{
    struct worker *w = arg;

    harness_start_wait(w->x->start);
    for (long i = 0; i < w->x->n; i++) {
        long a;

        if (rwlock_rdlock(w->x->l) != 0) {
            w->errors++;
            continue;
        }
        enter(w, 0);
        a = w->x->a;
        harness_chaos_point();
        if (a != w->x->b)
            w->torn++;
        leave(w, 0);
        rwlock_rdunlock(w->x->l);
    }
    return NULL;
}

static void test_rwlock_writers_exclusive(void **state)
{
    enum { WRITERS = 2, READERS = 3, ALL = WRITERS + READERS };
    long n = lab04_param("iters", 3000, 300);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    struct harness_start start;
    struct shared x = {make(), &start, &m, 0, 0, 0, 0, n};
    struct worker w[ALL];
    pthread_t t[ALL];

    (void)state;
    harness_start_init(&start, ALL);
    for (int i = 0; i < ALL; i++) {
        w[i] = (struct worker){&x, 0, 0, 0};
        xpthread_create(&t[i], NULL, i < WRITERS ? writer_main : reader_main,
                        &w[i]);
    }
    for (int i = 0; i < ALL; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < ALL; i++) {
        const char *who = i < WRITERS ? "a writer" : "a reader";

        if (w[i].errors)
            harness_fail("%s's lock call failed %ld times", who, w[i].errors);
        if (w[i].overlaps)
            harness_fail("%s got in while a writer was inside (%ld times)", who,
                         w[i].overlaps);
        if (w[i].torn)
            harness_fail("a reader saw a half-done write %ld times", w[i].torn);
    }
    if (x.a != WRITERS * n || x.b != WRITERS * n)
        harness_fail("%d writers x %ld increments gave %ld and %ld: updates "
                     "were lost",
                     WRITERS, n, x.a, x.b);
    rwlock_destroy(x.l);
}

/*
 * No writer starvation, deterministically: the main thread reads; a writer
 * comes and sleeps; then a reader comes. If that reader got in, readers
 * arriving one after another could keep the writer out for ever. It must
 * sleep, and the writer must go first when the main thread leaves.
 */
struct order {
    struct rwlock *l;
    pthread_mutex_t m;
    char seq[4]; /* guarded by m */
    int n;       /* guarded by m */
    int rc;
};

static void record(struct order *o, char who)
{
    pthread_mutex_lock(&o->m);
    if (o->n < 3)
        o->seq[o->n++] = who;
    pthread_mutex_unlock(&o->m);
}

static void *late_writer_main(void *arg)
{
    struct order *o = arg;

    if (rwlock_wrlock(o->l) != 0)
        return NULL;
    record(o, 'W');
    rwlock_wrunlock(o->l);
    return NULL;
}

static void *late_reader_main(void *arg)
{
    struct order *o = arg;

    o->rc = rwlock_rdlock(o->l);
    if (o->rc != 0)
        return NULL;
    record(o, 'R');
    rwlock_rdunlock(o->l);
    return NULL;
}

static void test_rwlock_writer_not_starved(void **state)
{
    struct order o = {make(), PTHREAD_MUTEX_INITIALIZER, "", 0, -1};
    pthread_t w, r;
    int writer_slept;

    (void)state;
    expect_rc("rwlock_rdlock", rwlock_rdlock(o.l), 0);
    xpthread_create(&w, NULL, late_writer_main, &o);
    writer_slept = sync_hooks_await_sleepers(1, 2000) == 0;
    xpthread_create(&r, NULL, late_reader_main, &o);
    /* The reader either sleeps (right) or gets in (wrong); it may also
     * block some other way than a condition wait, hence the time limit. */
    (void)sync_hooks_await_sleepers(2, 1000);
    expect_rc("rwlock_rdunlock", rwlock_rdunlock(o.l), 0);
    xpthread_join(w, NULL);
    xpthread_join(r, NULL);
    expect_rc("rwlock_rdlock in the late reader", o.rc, 0);
    if (!writer_slept && o.n == 0)
        harness_fail("rwlock_wrlock did not sleep while a reader held the "
                     "lock");
    if (strcmp(o.seq, "WR") != 0)
        harness_fail("order of entry was \"%s\", expected \"WR\": a reader "
                     "that arrives while a writer waits must wait behind "
                     "it, or a stream of readers starves the writer",
                     o.seq);
    rwlock_destroy(o.l);
}

/*
 * A writer's unlock wakes whoever waits: every reader asleep behind it (no
 * writer is waiting, so they may all come in), then, in a second round, a
 * writer asleep behind it. A waiter nobody wakes hangs the test.
 */
static void *rdlock_once_main(void *arg)
{
    struct order *o = arg;
    int rc = rwlock_rdlock(o->l);

    if (rc == 0)
        rc = rwlock_rdunlock(o->l);
    pthread_mutex_lock(&o->m);
    if (rc != 0)
        o->rc = rc;
    pthread_mutex_unlock(&o->m);
    return NULL;
}

/*
 * An unlock races a lock about to sleep behind it: a writer's unlock and
 * a reader, then a reader's unlock and a writer. The late one must see
 * the lock free when it looks, or be woken after it sleeps. An unlock
 * that changes the state and signals without the lock can land between
 * the look and the wait (a lost wake-up): the controlled scheduler finds
 * it among the rounds.
 */
static void unlock_races_lock(void)
{
    long rounds = harness_sched_enabled()
                      ? harness_param_long("sched_unlock_rounds", 20)
                      : lab04_param("unlock_rounds", 20, 20);

    for (long r = 0; r < 2 * rounds; r++) {
        struct order o = {make(), PTHREAD_MUTEX_INITIALIZER, "", 0, 0};
        int writer_first = r % 2 == 0;
        pthread_t t;

        if (writer_first)
            expect_rc("rwlock_wrlock", rwlock_wrlock(o.l), 0);
        else
            expect_rc("rwlock_rdlock", rwlock_rdlock(o.l), 0);
        xpthread_create(&t, NULL,
                        writer_first ? rdlock_once_main : late_writer_main, &o);
        harness_yield(); /* a scheduling point before an unlock that may
                          * take no lock (the scheduler's only switches) */
        if (writer_first)
            expect_rc("rwlock_wrunlock", rwlock_wrunlock(o.l), 0);
        else
            expect_rc("rwlock_rdunlock", rwlock_rdunlock(o.l), 0);
        xpthread_join(t, NULL);
        expect_rc("rwlock_rdlock or rwlock_rdunlock racing a wrunlock", o.rc,
                  0);
        if (!writer_first && o.n != 1)
            harness_fail("a writer racing the last reader's unlock never "
                         "got in");
        rwlock_destroy(o.l);
    }
}

static void test_rwlock_wrunlock_wakes_waiters(void **state)
{
    enum { READERS = 3 };
    struct order o = {make(), PTHREAD_MUTEX_INITIALIZER, "", 0, 0};
    pthread_t t[READERS], w;

    (void)state;
    expect_rc("rwlock_wrlock", rwlock_wrlock(o.l), 0);
    for (int i = 0; i < READERS; i++)
        xpthread_create(&t[i], NULL, rdlock_once_main, &o);
    if (sync_hooks_await_sleepers(READERS, 2000) != 0)
        harness_fail("%d readers did not all sleep in a condition wait "
                     "while a writer held the lock",
                     READERS);
    expect_rc("rwlock_wrunlock with readers asleep", rwlock_wrunlock(o.l), 0);
    for (int i = 0; i < READERS; i++)
        xpthread_join(t[i], NULL);
    expect_rc("rwlock_rdlock or rwlock_rdunlock in a woken reader", o.rc, 0);

    expect_rc("rwlock_wrlock", rwlock_wrlock(o.l), 0);
    xpthread_create(&w, NULL, late_writer_main, &o);
    if (sync_hooks_await_sleepers(1, 2000) != 0)
        harness_fail("a writer did not sleep in a condition wait while "
                     "another writer held the lock");
    expect_rc("rwlock_wrunlock with a writer asleep", rwlock_wrunlock(o.l), 0);
    xpthread_join(w, NULL);
    if (o.n != 1)
        harness_fail("the writer asleep behind another writer never got in");
    rwlock_destroy(o.l);
    unlock_races_lock();
}

/*
 * rwlock_create when every allocation fails: a negative errno, not a crash
 * (a malloc's NULL used unchecked); memory back, a create works again.
 */
static void test_rwlock_create_out_of_memory(void **state)
{
    struct rwlock *l = NULL;
    int rc;

    (void)state;
    lab04_oom_begin();
    rc = rwlock_create(&l);
    harness_oom_end();
    lab04_oom_verdict("rwlock_create(&l)", rc, l != NULL);
    if (rc == 0) {
        EXPECT_RC(rwlock_wrlock(l), 0);
        EXPECT_RC(rwlock_wrunlock(l), 0);
        rwlock_destroy(l);
    }
    l = make(); /* memory is back: a create works again */
    EXPECT_RC(rwlock_rdlock(l), 0);
    EXPECT_RC(rwlock_rdunlock(l), 0);
    rwlock_destroy(l);
}

/* One round: a new lock is unlocked, and one thread can write, then read. */
static const char *rwlock_round(unsigned thread, unsigned i)
{
    struct rwlock *l = NULL;
    const char *err = NULL;

    (void)thread;
    (void)i;
    if (rwlock_create(&l) != 0 || !l)
        return "rwlock_create failed";
    if (rwlock_rdunlock(l) != -EPERM || rwlock_wrunlock(l) != -EPERM)
        err = "a new lock was already held (another thread's?)";
    else if (rwlock_wrlock(l) != 0 || rwlock_wrunlock(l) != 0)
        err = "a new lock could not be taken and left to write";
    else if (rwlock_rdlock(l) != 0 || rwlock_rdunlock(l) != 0)
        err = "a new lock could not be taken and left to read";
    rwlock_destroy(l);
    return err;
}

/* rwlock.h: rwlock_create, Context: any. Threads create, use and destroy
 * locks at once; each is its own (and ThreadSanitizer watches). */
static void test_rwlock_create_from_threads(void **state)
{
    (void)state;
    lab04_create_from_threads("rwlock_create", rwlock_round);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rwlock_unlock_not_held),
    cmocka_unit_test(test_rwlock_readers_share),
    cmocka_unit_test(test_rwlock_writers_exclusive),
    cmocka_unit_test(test_rwlock_writer_not_starved),
    cmocka_unit_test(test_rwlock_wrunlock_wakes_waiters),
    cmocka_unit_test(test_rwlock_create_out_of_memory),
    cmocka_unit_test(test_rwlock_create_from_threads),
};

HARNESS_MAIN(tests)
