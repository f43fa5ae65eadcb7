/* SPDX-License-Identifier: MIT */
/* Lab 04, task 6 (reference): at most k threads inside, and the peak. */
#include <errno.h>
#include <stdlib.h>

#include "limiter.h"

struct limiter {
    pthread_mutex_t lock;
    pthread_cond_t room; /* signalled when someone leaves */
    unsigned k;
    unsigned inside; /* guarded by lock */
    unsigned peak;   /* guarded by lock: the most inside at once */
};

int limiter_create(struct limiter **out, unsigned k)
{
    struct limiter *l;
    int rc;

    if (!out || k == 0)
        return -EINVAL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    rc = pthread_mutex_init(&l->lock, NULL);
    if (rc)
        goto out_free;
    rc = pthread_cond_init(&l->room, NULL);
    if (rc)
        goto out_mutex;
    l->k = k;
    *out = l;
    return 0;
out_mutex:
    pthread_mutex_destroy(&l->lock);
out_free:
    free(l);
    return -rc;
}

void limiter_destroy(struct limiter *l)
{
    if (!l)
        return;
    pthread_cond_destroy(&l->room);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

/*
 * A semaphore with k permits would bound the count, but not refuse an
 * unmatched leave (it would just make k + 1 permits) nor know the peak, so
 * the limiter keeps its own count under its own lock. The peak is updated
 * under the same lock as the count, so it is exact.
 */
int limiter_enter(struct limiter *l)
{
    pthread_mutex_lock(&l->lock);
    while (l->inside == l->k)
        pthread_cond_wait(&l->room, &l->lock);
    l->inside++;
    if (l->inside > l->peak)
        l->peak = l->inside;
    pthread_mutex_unlock(&l->lock);
    return 0;
}

int limiter_leave(struct limiter *l)
{
    int rc = 0;

    pthread_mutex_lock(&l->lock);
    if (l->inside == 0) {
        rc = -EPERM;
    } else {
        l->inside--;
        pthread_cond_signal(&l->room); /* one place: one thread */
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

unsigned limiter_peak(struct limiter *l)
{
    unsigned peak;

    pthread_mutex_lock(&l->lock);
    peak = l->peak;
    pthread_mutex_unlock(&l->lock);
    return peak;
}
