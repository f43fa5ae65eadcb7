/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 3: a global interpreter lock with a switch interval and a
 * drop request, after CPython's Python/ceval_gil.c. Yours to write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "gil.h"

/*
 * The GIL is not a pthread mutex held while interpreter code runs: it is a
 * flag (`locked`) that a small mutex guards, so that waiting for it can
 * time out, count switches and ask the holder to let go.
 *
 * TODO(lab02.3): what else must the GIL remember?
 * - How can a waiter that timed out tell whether the GIL changed hands
 *   while it slept (in which case it should not complain yet)?
 * - Where does the drop request live, given that gil_check reads it
 *   between every two steps and must stay cheap? A plain int read without
 *   the mutex is a data race: what kind of variable may be read that way?
 * - After dropping the GIL on request, the holder must not take it straight
 *   back: what does it wait on, and who signals it?
 */
struct gil {
    pthread_mutex_t mutex;
    pthread_cond_t released_cv; /* signalled when locked becomes 0 */
    int locked;                 /* guarded by mutex: the GIL itself */
    unsigned interval_us;       /* the switch interval */
};

int gil_create(struct gil **out, unsigned interval_us)
{
    /*
     * TODO(lab02.3): allocate and initialise. pthread_cond_timedwait takes
     * an absolute deadline on the condition's clock: which clock should
     * released_cv use (pthread_condattr_setclock), so that someone setting
     * the date does not stretch or cut an interval?
     */
    (void)out;
    (void)interval_us;
    return -ENOSYS;
}

void gil_destroy(struct gil *g)
{
    /* TODO(lab02.3): destroy what gil_create made. */
    (void)g;
}

void gil_acquire(struct gil *g)
{
    /*
     * TODO(lab02.3): wait until the GIL is free, then take it. Wait one
     * switch interval at a time: after a whole interval in which nobody
     * else took it, set the drop request, and keep waiting.
     */
    (void)g;
}

void gil_release(struct gil *g)
{
    /* TODO(lab02.3): give it up and wake one waiter. */
    (void)g;
}

void gil_check(struct gil *g)
{
    /*
     * TODO(lab02.3): the cheap path first: no drop request, return. With
     * one: release, wait until another thread has taken the GIL, then take
     * it back like any waiter. What goes wrong if you release and at once
     * re-acquire (try it: test_gil_no_starvation)?
     */
    (void)g;
}

void *gil_call_unlocked(struct gil *g, void *(*fn)(void *arg), void *arg)
{
    /* TODO(lab02.3): Py_BEGIN_ALLOW_THREADS, fn(arg), Py_END_ALLOW_THREADS. */
    (void)g;
    return fn(arg);
}
