/* SPDX-License-Identifier: MIT */
/* Lab 04, task 4 (reference): a reusable barrier with a round counter. */
#include <errno.h>
#include <stdlib.h>

#include "barrier.h"

struct barrier {
    pthread_mutex_t lock;
    pthread_cond_t all_here; /* broadcast when a round completes */
    unsigned n;
    unsigned arrived;    /* guarded by lock: arrivals in this round */
    unsigned long round; /* guarded by lock: completed rounds */
};

int barrier_create(struct barrier **out, unsigned n)
{
    struct barrier *b;
    int rc;

    if (!out || n == 0)
        return -EINVAL;
    b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    rc = pthread_mutex_init(&b->lock, NULL);
    if (rc)
        goto out_free;
    rc = pthread_cond_init(&b->all_here, NULL);
    if (rc)
        goto out_mutex;
    b->n = n;
    *out = b;
    return 0;
out_mutex:
    pthread_mutex_destroy(&b->lock);
out_free:
    free(b);
    return -rc;
}

void barrier_destroy(struct barrier *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->all_here);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

/*
 * Waiters wait for the round number to move, not for `arrived` to reach n:
 * the last arrival resets `arrived` for the next round at once, and a fast
 * thread may already be counted in it before the slow ones wake up. The
 * round number only ever grows, so "my round is over" stays true.
 */
int barrier_wait(struct barrier *b)
{
    unsigned long my_round;

    pthread_mutex_lock(&b->lock);
    my_round = b->round;
    if (++b->arrived == b->n) {
        b->arrived = 0;
        b->round++;
        pthread_cond_broadcast(&b->all_here); /* all n - 1 of them */
        pthread_mutex_unlock(&b->lock);
        return BARRIER_SERIAL;
    }
    while (b->round == my_round)
        pthread_cond_wait(&b->all_here, &b->lock);
    pthread_mutex_unlock(&b->lock);
    return 0;
}
