/* SPDX-License-Identifier: MIT */
/* Lab 04, task 1 (reference): a counting semaphore from a mutex and a condvar. */
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

/*
 * `while`, not `if`: waking up proves nothing. The wait may return
 * spuriously, and between the post's signal and this thread taking the
 * mutex back, another thread may have taken the permit (a "barging"
 * trywait, say). Only the condition, tested under the lock, is evidence.
 */
int sema_wait(struct sema *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->value == 0)
        pthread_cond_wait(&s->nonzero, &s->lock);
    s->value--;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int sema_trywait(struct sema *s)
{
    int rc = -EAGAIN;

    pthread_mutex_lock(&s->lock);
    if (s->value > 0) {
        s->value--;
        rc = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The deadline is computed once: a spurious wake-up goes back to sleep
 * until the same absolute time, neither sooner nor later. */
static void deadline_after_ms(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int sema_timedwait(struct sema *s, unsigned timeout_ms)
{
    struct timespec deadline;
    int rc = 0;

    deadline_after_ms(&deadline, timeout_ms);
    pthread_mutex_lock(&s->lock);
    while (s->value == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&s->nonzero, &s->lock, &deadline);
    /* A post may have come with the timeout: take it rather than lose the
     * signal it spent on us. */
    if (s->value == 0) {
        pthread_mutex_unlock(&s->lock);
        return -ETIMEDOUT;
    }
    s->value--;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/*
 * One permit can satisfy one waiter, so signal (not broadcast) is enough.
 * The increment must happen under the lock: a waiter tests value and goes
 * to sleep atomically with respect to the lock, and an unlocked increment
 * plus signal could land between its test and its sleep (a lost wake-up),
 * besides being a data race.
 */
int sema_post(struct sema *s)
{
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    if (s->value >= SEMA_MAX) {
        rc = -EOVERFLOW;
    } else {
        s->value++;
        pthread_cond_signal(&s->nonzero);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
