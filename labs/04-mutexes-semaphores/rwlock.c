/* SPDX-License-Identifier: MIT */
/* Lab 04, task 3: a readers-writer lock that does not starve writers. Yours. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "rwlock.h"

/*
 * TODO(lab04.3): these fields make a lock in which readers share and a
 * writer is alone. What else must a reader know, so that it stands back
 * when a writer is *waiting*? Add it here (calloc zeroes it; a new
 * condition variable needs pthread_cond_init in rwlock_create and
 * pthread_cond_destroy in rwlock_destroy).
 */
struct rwlock {
    pthread_mutex_t lock;
    pthread_cond_t readers_ok; /* readers may try again */
    pthread_cond_t writer_ok;  /* a writer may try again */
    unsigned readers;          /* guarded by lock: readers inside */
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

int rwlock_rdlock(struct rwlock *l)
{
    /*
     * TODO(lab04.3): enter as a reader. With only the fields above, a
     * reader would wait just while a writer is inside; then readers that
     * keep overlapping hold the lock for ever and a writer never gets in.
     */
    (void)l;
    return -ENOSYS;
}

int rwlock_rdunlock(struct rwlock *l)
{
    /*
     * TODO(lab04.3): leave as a reader (-EPERM when no reader is inside).
     * Who can use the lock when the last reader leaves?
     */
    (void)l;
    return -ENOSYS;
}

int rwlock_wrlock(struct rwlock *l)
{
    /* TODO(lab04.3): enter as the writer, once nobody is inside. */
    (void)l;
    return -ENOSYS;
}

int rwlock_wrunlock(struct rwlock *l)
{
    /*
     * TODO(lab04.3): leave as the writer (-EPERM when no writer is
     * inside). Who may come in next: one writer, or all the waiting
     * readers at once? What wakes each?
     */
    (void)l;
    return -ENOSYS;
}
