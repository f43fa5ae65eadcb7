/* SPDX-License-Identifier: MIT */
/* Lab 04, task 1: a counting semaphore from a mutex and a condvar. Yours. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "sema.h"

struct sema {
    pthread_mutex_t lock;
    pthread_cond_t nonzero; /* signalled when value goes up */
    unsigned value;         /* guarded by lock */
};

int sema_create(struct sema **out, unsigned value)
{
    pthread_condattr_t attr;
    struct sema *s;
    int rc;

    if (!out || value > SEMA_MAX)
        return -EINVAL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    rc = pthread_mutex_init(&s->lock, NULL);
    if (rc)
        goto out_free;
    /* A monotonic clock for timed waits: setting the date must not move
     * a deadline. */
    rc = pthread_condattr_init(&attr);
    if (rc)
        goto out_mutex;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!rc)
        rc = pthread_cond_init(&s->nonzero, &attr);
    pthread_condattr_destroy(&attr);
    if (rc)
        goto out_mutex;
    s->value = value;
    *out = s;
    return 0;
out_mutex:
    pthread_mutex_destroy(&s->lock);
out_free:
    free(s);
    return -rc;
}

void sema_destroy(struct sema *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->nonzero);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int sema_wait(struct sema *s)
{
    /*
     * TODO(lab04.1): take a permit, sleeping while there is none.
     * What may be true of s->value when pthread_cond_wait returns? (The
     * grader's chaos mode makes it return now and then when nobody
     * signalled, as POSIX allows.) So: `if` or `while` around the wait?
     */
    (void)s;
    return -ENOSYS;
}

int sema_trywait(struct sema *s)
{
    /* TODO(lab04.1): take a permit if there is one; never sleep. */
    (void)s;
    return -ENOSYS;
}

int sema_timedwait(struct sema *s, unsigned timeout_ms)
{
    /*
     * TODO(lab04.1): like sema_wait, with a time limit.
     * - pthread_cond_timedwait takes an absolute time on the condvar's
     *   clock (CLOCK_MONOTONIC, see sema_create). Do you compute it once,
     *   or every time round the loop? What does a spurious wake-up do to
     *   each choice?
     * - When the wait says ETIMEDOUT, could a permit have arrived anyway?
     */
    (void)s;
    (void)timeout_ms;
    return -ENOSYS;
}

int sema_post(struct sema *s)
{
    /*
     * TODO(lab04.1): give a permit back and wake a sleeper.
     * - Is it safe to change s->value without s->lock, since the waiter
     *   checks it under the lock anyway? (Think of a waiter between its
     *   check and its sleep.)
     * - One permit: how many sleepers can use it? signal or broadcast?
     */
    (void)s;
    return -ENOSYS;
}
