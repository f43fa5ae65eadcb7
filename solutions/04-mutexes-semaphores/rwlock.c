/* SPDX-License-Identifier: MIT */
/* Lab 04, task 3 (reference): a readers-writer lock that prefers writers. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "rwlock.h"

struct rwlock {
    pthread_mutex_t lock;
    pthread_cond_t readers_ok; /* no writer inside or waiting */
    pthread_cond_t writer_ok;  /* nobody inside */
    unsigned readers;          /* guarded by lock: readers inside */
    unsigned writers_waiting;  /* guarded by lock */
    bool writer;               /* guarded by lock: a writer is inside */
};

int rwlock_create(struct rwlock **out)
{
    struct rwlock *l;
    int rc;

    if (!out)
        return -EINVAL;
    l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    rc = pthread_mutex_init(&l->lock, NULL);
    if (rc)
        goto out_free;
    rc = pthread_cond_init(&l->readers_ok, NULL);
    if (rc)
        goto out_mutex;
    rc = pthread_cond_init(&l->writer_ok, NULL);
    if (rc)
        goto out_cond;
    *out = l;
    return 0;
out_cond:
    pthread_cond_destroy(&l->readers_ok);
out_mutex:
    pthread_mutex_destroy(&l->lock);
out_free:
    free(l);
    return -rc;
}

void rwlock_destroy(struct rwlock *l)
{
    if (!l)
        return;
    pthread_cond_destroy(&l->writer_ok);
    pthread_cond_destroy(&l->readers_ok);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

/*
 * A reader waits not only for a writer inside but for a writer *waiting*:
 * that is what keeps a stream of readers from starving writers. The price
 * is the opposite bias (a stream of writers starves readers), which
 * NOTES.md discusses.
 */
int rwlock_rdlock(struct rwlock *l)
{
    pthread_mutex_lock(&l->lock);
    while (l->writer || l->writers_waiting > 0)
        pthread_cond_wait(&l->readers_ok, &l->lock);
    l->readers++;
    pthread_mutex_unlock(&l->lock);
    return 0;
}

int rwlock_rdunlock(struct rwlock *l)
{
    int rc = 0;

    pthread_mutex_lock(&l->lock);
    if (l->readers == 0)
        rc = -EPERM;
    else if (--l->readers == 0 && l->writers_waiting > 0)
        pthread_cond_signal(&l->writer_ok); /* one writer can use it */
    pthread_mutex_unlock(&l->lock);
    return rc;
}

int rwlock_wrlock(struct rwlock *l)
{
    pthread_mutex_lock(&l->lock);
    l->writers_waiting++;
    while (l->writer || l->readers > 0)
        pthread_cond_wait(&l->writer_ok, &l->lock);
    l->writers_waiting--;
    l->writer = true;
    pthread_mutex_unlock(&l->lock);
    return 0;
}

/* Hand over to the next writer if there is one; else every reader may
 * come in at once, so broadcast. */
int rwlock_wrunlock(struct rwlock *l)
{
    int rc = 0;

    pthread_mutex_lock(&l->lock);
    if (!l->writer) {
        rc = -EPERM;
    } else {
        l->writer = false;
        if (l->writers_waiting > 0)
            pthread_cond_signal(&l->writer_ok);
        else
            pthread_cond_broadcast(&l->readers_ok);
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}
