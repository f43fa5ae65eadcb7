/* SPDX-License-Identifier: MIT */
/* Lab 04, task 1: the semaphore counts, sleeps, wakes, times out, and
 * never spins. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "lab04_test.h"
#include "sema.h"

static struct sema *make(unsigned value)
{
    struct sema *s = NULL;
    int rc = sema_create(&s, value);

    if (rc != 0 || !s)
        harness_fail("sema_create(%u) returned %d (%s)", value, rc,
                     strerror(-rc));
    return s;
}

static void test_sema_counts_permits(void **state)
{
    struct sema *s = make(3), *big = make(SEMA_MAX), *dummy;

    (void)state;
    for (int i = 0; i < 3; i++)
        expect_rc("sema_trywait on a semaphore with permits left",
                  sema_trywait(s), 0);
    expect_rc("sema_trywait with no permit left", sema_trywait(s), -EAGAIN);
    expect_rc("sema_post", sema_post(s), 0);
    expect_rc("sema_trywait after one post", sema_trywait(s), 0);
    expect_rc("a second sema_trywait after one post", sema_trywait(s), -EAGAIN);
    expect_rc("sema_wait with a permit (must not block)",
              (sema_post(s), sema_wait(s)), 0);
    expect_rc("sema_post beyond SEMA_MAX", sema_post(big), -EOVERFLOW);
    expect_rc("sema_create(NULL, 0)", sema_create(NULL, 0), -EINVAL);
    expect_rc("sema_create(&s, SEMA_MAX + 1)",
              sema_create(&dummy, SEMA_MAX + 1), -EINVAL);
    sema_destroy(s);
    sema_destroy(big);
    sema_destroy(NULL); /* sema.h: a no-op */
}

struct waiter {
    struct sema *s;
    unsigned timeout_ms; /* 0: sema_wait, else sema_timedwait */
    int rc;
    double cpu_s, wall_s;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    double cpu0 = harness_thread_cpu_seconds();
    uint64_t t0 = harness_now_ns();

    w->rc =
        w->timeout_ms ? sema_timedwait(w->s, w->timeout_ms) : sema_wait(w->s);
    w->cpu_s = harness_thread_cpu_seconds() - cpu0;
    w->wall_s = (double)(harness_now_ns() - t0) / 1e9;
    return NULL;
}

/* A waiter on an empty semaphore goes to sleep (in a condition wait), and
 * one post wakes it. */
static void test_sema_wait_sleeps_until_post(void **state)
{
    struct waiter w = {make(0), 0, -1, 0, 0};
    pthread_t t;
    int slept;

    (void)state;
    xpthread_create(&t, NULL, waiter_main, &w);
    slept = sync_hooks_await_sleepers(1, 2000) == 0;
    /* Under the controlled scheduler, steps before the post, where a
     * spurious wake-up may end the sleep: a wait tested once (if for
     * while) then takes a permit that is not there. */
    for (int i = 0; harness_sched_enabled() && i < 32; i++)
        harness_yield();
    sema_post(w.s);
    xpthread_join(t, NULL);
    expect_rc("sema_wait", w.rc, 0);
    if (!slept)
        harness_fail("sema_wait on a zero semaphore never slept in "
                     "pthread_cond_wait within 2 s: did it return at once, "
                     "or spin?");
    expect_rc("sema_trywait after the post was consumed", sema_trywait(w.s),
              -EAGAIN);
    sema_destroy(w.s);
}

/*
 * Handoff under chaos: posters and waiters race, every post must be
 * consumed by exactly one wait, and every waiter must be woken (a lost
 * wake-up hangs the test).
 */
struct handoff {
    struct sema *s;
    struct harness_start *start;
    long n;
    int errors;
};

/* Never more than PAIRS * n posts, far below SEMA_MAX: -EOVERFLOW means
 * the value went below 0 and wrapped around. Said at once, since the
 * waiters asleep then are never woken (a failed post signals nobody). */
static void *handoff_poster(void *arg)
{
    struct handoff *h = arg;
    int rc;

    harness_start_wait(h->start);
    for (long i = 0; i < h->n; i++) {
        rc = sema_post(h->s);
        if (rc == -EOVERFLOW && !h->errors)
            harness_symptom("wrapped",
                            "sema_post returned -EOVERFLOW although far "
                            "fewer than SEMA_MAX posts were made: the value "
                            "went below 0 and wrapped around, so a "
                            "sema_wait took a permit that was not there");
        if (rc != 0)
            h->errors++;
    }
    return NULL;
}

static void *handoff_waiter(void *arg)
{
    struct handoff *h = arg;

    harness_start_wait(h->start);
    for (long i = 0; i < h->n; i++)
        if (sema_wait(h->s) != 0)
            h->errors++;
    return NULL;
}

static void test_sema_handoff_no_lost_wakeup(void **state)
{
    enum { PAIRS = 3 };
    long n = lab04_param("iters", 20000, 500);
    struct harness_start start;
    struct handoff h[2 * PAIRS];
    pthread_t t[2 * PAIRS];
    struct sema *s = make(0);

    (void)state;
    harness_start_init(&start, 2 * PAIRS);
    for (int i = 0; i < 2 * PAIRS; i++) {
        h[i] = (struct handoff){s, &start, n, 0};
        xpthread_create(&t[i], NULL, i % 2 ? handoff_waiter : handoff_poster,
                        &h[i]);
    }
    for (int i = 0; i < 2 * PAIRS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < 2 * PAIRS; i++)
        if (h[i].errors && i % 2 == 0 && sema_post(s) == -EOVERFLOW)
            harness_fail_symptom("wrapped",
                                 "sema_post returned an error %d times, "
                                 "-EOVERFLOW with far fewer than SEMA_MAX "
                                 "posts: the value went below 0 and wrapped "
                                 "around (a sema_wait took a permit that was "
                                 "not there)",
                                 h[i].errors);
        else if (h[i].errors)
            harness_fail("%s returned an error %d times",
                         i % 2 ? "sema_wait" : "sema_post", h[i].errors);
    if (sema_trywait(s) != -EAGAIN)
        harness_fail("%d x %ld posts and as many waits left a permit over: "
                     "a wait returned without taking one",
                     PAIRS, n);
    sema_destroy(s);
}

/*
 * Two semaphores passed back and forth by two threads (a ping-pong): each
 * round one thread posts `ping` and waits on `pong`, the other waits on
 * `ping` and posts `pong`. Here a wake-up lost in any round is lost for
 * good: no later post comes to rescue the sleeper, so both threads wait
 * for ever (a deadlock the scheduler names, a timeout for a real run). In
 * test_sema_handoff only a wake-up lost at one of the last posts shows.
 */
struct pingpong {
    struct sema *ping, *pong;
    long n;
    int errors;
};

static void *pingpong_server(void *arg)
{
    struct pingpong *p = arg;

    for (long i = 0; i < p->n; i++)
        if (sema_wait(p->ping) != 0 || sema_post(p->pong) != 0)
            p->errors++;
    return NULL;
}

static void test_sema_pingpong_no_lost_wakeup(void **state)
{
    struct pingpong p = {make(0), make(0), lab04_param("pingpong", 400, 500),
                         0};
    pthread_t t;

    (void)state;
    xpthread_create(&t, NULL, pingpong_server, &p);
    for (long i = 0; i < p.n; i++)
        if (sema_post(p.ping) != 0 || sema_wait(p.pong) != 0)
            p.errors++;
    xpthread_join(t, NULL);
    if (p.errors)
        harness_fail("%d sema_post or sema_wait calls returned an error in "
                     "%ld rounds of ping-pong",
                     p.errors, p.n);
    if (sema_trywait(p.ping) != -EAGAIN || sema_trywait(p.pong) != -EAGAIN)
        harness_fail("%ld rounds of ping-pong (a post, then a wait, each "
                     "way) left a permit over: a wait returned without "
                     "taking one",
                     p.n);
    sema_destroy(p.ping);
    sema_destroy(p.pong);
}

/*
 * sema_trywait is for any thread, while others post and take: each of
 * three threads posts one permit, then takes one with trywait, n times.
 * A thread that has posted and not yet taken keeps a permit in the
 * semaphore, so its trywait finds one soon (it yields between tries); at
 * the end none is left.
 */
struct trier {
    struct sema *s;
    struct harness_start *start;
    long n, errors, stuck;
};

static void *trier_main(void *arg)
{
    struct trier *w = arg;

    harness_start_wait(w->start);
    for (long i = 0; i < w->n; i++) {
        long tries = 0;
        int rc;

        if (sema_post(w->s) != 0)
            w->errors++;
        while ((rc = sema_trywait(w->s)) == -EAGAIN && ++tries < 1000000)
            sched_yield();
        if (rc == -EAGAIN)
            w->stuck++;
        else if (rc != 0)
            w->errors++;
    }
    return NULL;
}

static void test_sema_trywait_concurrent(void **state)
{
    enum { THREADS = 3 };
    struct harness_start start;
    struct trier w[THREADS];
    pthread_t t[THREADS];
    struct sema *s = make(0);
    long n = lab04_param("iters", 20000, 500);

    (void)state;
    harness_start_init(&start, THREADS);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct trier){s, &start, n, 0, 0};
        xpthread_create(&t[i], NULL, trier_main, &w[i]);
    }
    for (int i = 0; i < THREADS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].errors)
            harness_fail("sema_post or sema_trywait returned an error %ld "
                         "times",
                         w[i].errors);
        if (w[i].stuck)
            harness_fail("sema_trywait found no permit a million times in a "
                         "row, while the thread's own post was not taken "
                         "back yet: a permit was lost");
    }
    if (sema_trywait(s) != -EAGAIN)
        harness_fail("%d threads each posted and took back %ld permits; a "
                     "permit was left over",
                     THREADS, n);
    sema_destroy(s);
}

/*
 * Two permits, six threads: never more than two inside, and both permits
 * are still there at the end. Under chaos, waits wake spuriously.
 */
struct pool {
    struct sema *s;
    struct harness_start *start;
    pthread_mutex_t *m;
    int *inside, *peak; /* guarded by *m */
    long n;
    int permits;
    int errors;
};

static void *pool_main(void *arg)
{
    struct pool *p = arg;

    harness_start_wait(p->start);
    for (long i = 0; i < p->n; i++) {
        if (sema_wait(p->s) != 0) {
            p->errors++;
            continue;
        }
        pthread_mutex_lock(p->m);
        if (++*p->inside > *p->peak)
            *p->peak = *p->inside;
        /* Said at once: the test may hang after it (wrapped value). */
        if (*p->inside == p->permits + 1 && *p->peak == p->permits + 1)
            harness_symptom("overlap",
                            "%d threads held a permit at once, with only %d "
                            "permits: a wait returned without one (a "
                            "wake-up is not a permit: test the value again "
                            "after waking)",
                            *p->inside, p->permits);
        pthread_mutex_unlock(p->m);
        harness_chaos_point();
        pthread_mutex_lock(p->m);
        --*p->inside;
        pthread_mutex_unlock(p->m);
        sema_post(p->s);
    }
    return NULL;
}

static void test_sema_bounds_holders(void **state)
{
    enum { THREADS = 6, PERMITS = 2 };
    long n = lab04_param("iters", 3000, 300);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    int inside = 0, peak = 0, left = 0;
    struct harness_start start;
    struct pool p[THREADS];
    pthread_t t[THREADS];
    struct sema *s = make(PERMITS);

    (void)state;
    harness_start_init(&start, THREADS);
    for (int i = 0; i < THREADS; i++) {
        p[i] = (struct pool){s, &start, &m, &inside, &peak, n, PERMITS, 0};
        xpthread_create(&t[i], NULL, pool_main, &p[i]);
    }
    for (int i = 0; i < THREADS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < THREADS; i++)
        if (p[i].errors)
            harness_fail("sema_wait returned an error %d times", p[i].errors);
    /* Far more than PERMITS left: the value went below 0 and wrapped. */
    while (left < 1000 && sema_trywait(s) == 0)
        left++;
    if (peak > PERMITS)
        harness_fail_symptom("overlap",
                             "%d threads held a permit at once, with only %d "
                             "permits: a wait returned without one (a "
                             "wake-up is not a permit: test the value again "
                             "after waking)",
                             peak, PERMITS);
    if (left == 1000)
        harness_fail_symptom("wrapped",
                             "after every thread gave its permit back, over "
                             "1000 permits were left instead of %d: the "
                             "value went below 0 and wrapped around (a wait "
                             "took a permit that was not there)",
                             PERMITS);
    if (left != PERMITS)
        harness_fail_symptom("lost-update",
                             "after every thread gave its permit back, %d "
                             "permit(s) were left instead of %d: a change "
                             "of the value was lost (two threads changed "
                             "it at once)",
                             left, PERMITS);
    sema_destroy(s);
}

static void test_sema_timedwait_times_out(void **state)
{
    enum { MS = 20 };
    struct sema *s = make(0);
    uint64_t t0;
    double ms;
    int rc;

    (void)state;
    for (int round = 0; round < 3; round++) {
        t0 = harness_now_ns();
        rc = sema_timedwait(s, MS);
        ms = (double)(harness_now_ns() - t0) / 1e6;
        expect_rc("sema_timedwait on an empty semaphore", rc, -ETIMEDOUT);
        if (ms < MS - 1)
            harness_fail("sema_timedwait(%d ms) gave up after %.1f ms: a "
                         "spurious wake-up is not a timeout",
                         MS, ms);
    }
    sema_post(s);
    expect_rc("sema_timedwait with a permit", sema_timedwait(s, 0), 0);
    sema_destroy(s);
}

static void test_sema_timedwait_gets_post(void **state)
{
    struct waiter w = {make(0), 20000, -1, 0, 0};
    pthread_t t;

    (void)state;
    xpthread_create(&t, NULL, waiter_main, &w);
    if (sync_hooks_await_sleepers(1, 2000) != 0)
        harness_note("the waiter was not seen asleep in a condition wait");
    /* Under the controlled scheduler, steps before the post: at each one
     * a spurious wake-up may end the waiter's sleep (in the schedules
     * that make them), and a timed wait tested once (if for while) then
     * returns -ETIMEDOUT long before its 20 s. */
    for (int i = 0; harness_sched_enabled() && i < 32; i++)
        harness_yield();
    sema_post(w.s);
    xpthread_join(t, NULL);
    expect_rc("sema_timedwait(20 s) woken by a post", w.rc, 0);
    expect_rc("sema_trywait after the post was consumed", sema_trywait(w.s),
              -EAGAIN);
    sema_destroy(w.s);
}

/*
 * "Spurious wake-ups never make the wait longer": the rubric runs this
 * test in chaos mode with every timed condition wait ending in a spurious
 * wake-up a few ms after it starts (param.spurious = 1,
 * param.spurious_late_ms), which POSIX allows. A timed wait must still give
 * up about timeout_ms after its call; one that computes its deadline again
 * after each wake-up moves it away every time and never gives up. The
 * bound is generous (4 x timeout + 200 ms): the machine may be loaded.
 */
static void test_sema_timedwait_wakeups_keep_deadline(void **state)
{
    enum { MS = 50, LIMIT_MS = 4 * MS + 200 };
    struct waiter w = {make(0), MS, -1, 0, 0};
    struct timespec until;
    pthread_t t;
    int rc;

    (void)state;
    if (!harness_chaos_enabled())
        harness_note("chaos is off: no spurious wake-up to wait through");
    xpthread_create(&t, NULL, waiter_main, &w);
    clock_gettime(CLOCK_REALTIME, &until); /* pthread_timedjoin_np's clock */
    until.tv_sec += LIMIT_MS / 1000;
    until.tv_nsec += (LIMIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    rc = pthread_timedjoin_np(t, NULL, &until);
    if (rc == ETIMEDOUT) /* the waiter is left behind: the process ends */
        harness_fail("sema_timedwait(%d ms) had not returned after %d ms, "
                     "its condition wait waking spuriously every few ms: "
                     "each wake-up moved the deadline further away. Compute "
                     "the absolute deadline once, before the loop",
                     MS, LIMIT_MS);
    if (rc != 0)
        harness_fail("pthread_timedjoin_np: %s", strerror(rc));
    expect_rc("sema_timedwait on an empty semaphore, waking spuriously", w.rc,
              -ETIMEDOUT);
    if (w.wall_s * 1e3 < MS - 1)
        harness_fail("sema_timedwait(%d ms) returned -ETIMEDOUT after %.1f ms: "
                     "a spurious wake-up is not a timeout",
                     MS, w.wall_s * 1e3);
    if (w.wall_s * 1e3 > LIMIT_MS)
        harness_fail("sema_timedwait(%d ms) returned after %.0f ms, its "
                     "condition wait waking spuriously every few ms: each "
                     "wake-up moved the deadline further away. Compute the "
                     "absolute deadline once, before the loop",
                     MS, w.wall_s * 1e3);
    sema_destroy(w.s);
}

/*
 * Blocking, not spinning: a waiter that nobody posts to for a while must
 * use (almost) no CPU meanwhile. The sleep here is the idle time measured,
 * not a wait for the other thread.
 */
static void test_sema_wait_does_not_spin(void **state)
{
    unsigned idle_ms = (unsigned)harness_param_long("idle_ms", 50);
    double max_share = harness_param_double("max_cpu_share", 0.05);
    struct waiter w = {make(0), 0, -1, 0, 0};
    pthread_t t;

    (void)state;
    xpthread_create(&t, NULL, waiter_main, &w);
    harness_io_wait_ms(idle_ms);
    sema_post(w.s);
    xpthread_join(t, NULL);
    expect_rc("sema_wait", w.rc, 0);
    harness_note("the waiter used %.1f ms of CPU in %.1f ms of waiting",
                 w.cpu_s * 1e3, w.wall_s * 1e3);
    if (w.cpu_s > max_share * w.wall_s)
        harness_fail("sema_wait used %.1f ms of CPU while waiting %.1f ms "
                     "(more than %.0f%%): it spins; sleep in "
                     "pthread_cond_wait instead",
                     w.cpu_s * 1e3, w.wall_s * 1e3, max_share * 100);
    sema_destroy(w.s);
}

/*
 * sema_create when every allocation fails: a negative errno, not a crash
 * (a malloc's NULL used unchecked); memory back, a create works again.
 */
static void test_sema_create_out_of_memory(void **state)
{
    struct sema *s = NULL;
    int rc;

    (void)state;
    lab04_oom_begin();
    rc = sema_create(&s, 1);
    harness_oom_end();
    lab04_oom_verdict("sema_create(&s, 1)", rc, s != NULL);
    if (rc == 0) {
        EXPECT_RC(sema_trywait(s), 0);
        sema_destroy(s);
    }
    s = make(1); /* memory is back: a create works again */
    EXPECT_RC(sema_trywait(s), 0);
    sema_destroy(s);
}

/* One round: a semaphore of thread + 1 permits holds exactly those. */
static const char *sema_round(unsigned thread, unsigned i)
{
    struct sema *s = NULL;
    const char *err = NULL;

    (void)i;
    if (sema_create(&s, thread + 1) != 0 || !s)
        return "sema_create failed";
    for (unsigned k = 0; k <= thread && !err; k++)
        if (sema_trywait(s) != 0)
            err = "a new semaphore held fewer permits than it was made with";
    if (!err && sema_trywait(s) != -EAGAIN)
        err = "a new semaphore held more permits than it was made with "
              "(another thread's?)";
    if (!err && (sema_post(s) != 0 || sema_trywait(s) != 0))
        err = "a post to a new semaphore did not give a permit";
    sema_destroy(s);
    return err;
}

/* sema.h: sema_create, Context: any. Threads create, use and destroy
 * semaphores at once; each is its own (and ThreadSanitizer watches). */
static void test_sema_create_from_threads(void **state)
{
    (void)state;
    lab04_create_from_threads("sema_create", sema_round);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sema_counts_permits),
    cmocka_unit_test(test_sema_wait_sleeps_until_post),
    cmocka_unit_test(test_sema_handoff_no_lost_wakeup),
    cmocka_unit_test(test_sema_pingpong_no_lost_wakeup),
    cmocka_unit_test(test_sema_trywait_concurrent),
    cmocka_unit_test(test_sema_bounds_holders),
    cmocka_unit_test(test_sema_timedwait_times_out),
    cmocka_unit_test(test_sema_timedwait_gets_post),
    cmocka_unit_test(test_sema_timedwait_wakeups_keep_deadline),
    cmocka_unit_test(test_sema_wait_does_not_spin),
    cmocka_unit_test(test_sema_create_out_of_memory),
    cmocka_unit_test(test_sema_create_from_threads),
};

HARNESS_MAIN(tests)
