/* SPDX-License-Identifier: MIT */
/*
 * Threads under test: a start line so they begin together, and chaos mode,
 * which makes rare interleavings and spurious wake-ups common enough that
 * a wrong answer shows as a wrong result, not only as a sanitizer report.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "scheduler.h"

void harness_start_init(struct harness_start *s, unsigned n)
{
    harness__xpthread_call(__FILE__, __LINE__, "pthread_barrier_init",
                           harness_sched_barrier_init(&s->barrier, NULL, n));
}

void harness_start_wait(struct harness_start *s)
{
    int rc = harness__sched_barrier_wait_at(__builtin_return_address(0),
                                            &s->barrier);

    if (rc && rc != PTHREAD_BARRIER_SERIAL_THREAD)
        harness__die(__FILE__, __LINE__, "pthread_barrier_wait", "failed");
}

void harness_start_destroy(struct harness_start *s)
{
    pthread_barrier_destroy(&s->barrier);
}

static atomic_int chaos_on;

void harness_chaos_enable(int on)
{
    atomic_store(&chaos_on, on);
}

int harness_chaos_enabled(void)
{
    return atomic_load_explicit(&chaos_on, memory_order_relaxed);
}

/* A per-thread xorshift32: no shared state, so chaos adds no ordering. */
static unsigned chaos_rand(void)
{
    static _Thread_local unsigned x;

    if (!x)
        x = (unsigned)(uintptr_t)&x ^ (unsigned)harness_now_ns() ^ 0x2545F491u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

void harness_yield(void)
{
    harness__sched_yield_at(__builtin_return_address(0));
}

/* Under the scheduler every synchronization call is already a point where
 * another thread may run: a chaos point adds nothing. */
/*
 * On a busy machine a yield hands the CPU to every other runnable task
 * first, and a 50 us sleep wakes milliseconds late: lab 03's 100,000
 * chaos transfers, which take a second on a quiet machine, timed out at
 * make check's load. So chaos damps itself: when a pause takes more than
 * a millisecond, pauses become half as frequent (down to 1 in 256), and
 * when one is quick again, twice as frequent, back to the full rate. A busy
 * machine preempts the threads often enough by itself; the controlled
 * scheduler (sched checks) does not depend on any of this.
 */
static atomic_uint chaos_damp; /* pause 1 time in 2^chaos_damp */

static void chaos_pause(int sleep)
{
    unsigned d = atomic_load_explicit(&chaos_damp, memory_order_relaxed);
    uint64_t t0;

    if (d && chaos_rand() % (1u << d))
        return;
    t0 = harness_now_ns();
    if (sleep) {
        struct timespec ts = {0, 50000};

        nanosleep(&ts, NULL);
    } else {
        sched_yield();
    }
    if (harness_now_ns() - t0 > 1000000) {
        if (d < 8)
            atomic_compare_exchange_strong(&chaos_damp, &d, d + 1);
    } else if (d > 0) {
        atomic_compare_exchange_strong(&chaos_damp, &d, d - 1);
    }
}

void harness_chaos_point(void)
{
    unsigned r;

    if (!harness_chaos_enabled() || harness__sched_active())
        return;
    r = chaos_rand() % 64;
    if (r < 16)
        chaos_pause(0);
    else if (r == 16)
        chaos_pause(1);
}

/* Atomic: waits on different mutexes (two pools) call this at once. */
static int spurious_due(void)
{
    static atomic_long every = -1; /* param.spurious, read once */
    long n;

    if (!harness_chaos_enabled())
        return 0;
    n = atomic_load_explicit(&every, memory_order_relaxed);
    if (n < 0) {
        n = harness_param_long("spurious", 3);
        atomic_store_explicit(&every, n, memory_order_relaxed);
    }
    return n > 0 && chaos_rand() % (unsigned)n == 0;
}

/* A spurious wake-up: give the mutex up for a moment and return 0. */
static int spurious_wakeup(pthread_mutex_t *m)
{
    int rc = pthread_mutex_unlock(m);

    if (rc)
        return rc;
    sched_yield();
    return pthread_mutex_lock(m);
}

/* Under the scheduler, spurious wake-ups are its choice (seeded). */
int harness_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (harness__sched_active())
        return harness__sched_cond_timedwait_at(__builtin_return_address(0), c,
                                                m, NULL);
    if (spurious_due())
        return spurious_wakeup(m);
    return pthread_cond_wait(c, m);
}

/*
 * A late spurious wake-up (param spurious_late_ms > 0): really wait, but
 * only until late_ms from now, or abstime if that comes first, and call an
 * early end a wake-up (0), as a signal nobody sent would. It comes in the
 * middle of the wait, so a deadline computed again after each wake-up
 * moves away with every one. abstime's clock is the condition variable's,
 * which a caller cannot ask: a REALTIME time is past the year 2001, a
 * MONOTONIC one (time since boot) is not.
 */
static int spurious_late(pthread_cond_t *c, pthread_mutex_t *m,
                         const struct timespec *abstime, long late_ms)
{
    clockid_t clock =
        abstime->tv_sec > 1000000000 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    struct timespec t;
    int rc;

    clock_gettime(clock, &t);
    t.tv_sec += late_ms / 1000;
    t.tv_nsec += (late_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    if (t.tv_sec > abstime->tv_sec ||
        (t.tv_sec == abstime->tv_sec && t.tv_nsec >= abstime->tv_nsec))
        return pthread_cond_timedwait(c, m, abstime);
    rc = pthread_cond_timedwait(c, m, &t);
    return rc == ETIMEDOUT ? 0 : rc;
}

int harness_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                           const struct timespec *abstime)
{
    static atomic_long late = -1; /* param.spurious_late_ms, read once */
    long late_ms;

    if (harness__sched_active())
        return harness__sched_cond_timedwait_at(__builtin_return_address(0), c,
                                                m, abstime);
    if (!spurious_due())
        return pthread_cond_timedwait(c, m, abstime);
    late_ms = atomic_load_explicit(&late, memory_order_relaxed);
    if (late_ms < 0) {
        late_ms = harness_param_long("spurious_late_ms", 0);
        atomic_store_explicit(&late, late_ms, memory_order_relaxed);
    }
    return late_ms > 0 ? spurious_late(c, m, abstime, late_ms)
                       : spurious_wakeup(m);
}
