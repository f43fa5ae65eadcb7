/* SPDX-License-Identifier: MIT */
/* Lab 04, task 2: a bounded buffer with close. Yours to write. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "bbuf.h"

struct bbuf {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* a slot freed, or closed */
    pthread_cond_t not_empty; /* an item added, or closed */
    size_t capacity;
    void **slots; /* a ring of capacity slots */
    size_t head;  /* guarded by lock: the oldest item */
    size_t count; /* guarded by lock: items in the ring */
    bool closed;  /* guarded by lock */
};

int bbuf_create(struct bbuf **out, size_t capacity)
{
    struct bbuf *b;
    int rc = ENOMEM;

    if (!out || capacity == 0)
        return -EINVAL;
    b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->slots = calloc(capacity, sizeof(*b->slots));
    if (!b->slots)
        goto out_free;
    b->capacity = capacity;
    rc = pthread_mutex_init(&b->lock, NULL);
    if (rc)
        goto out_free;
    rc = pthread_cond_init(&b->not_full, NULL);
    if (rc)
        goto out_mutex;
    rc = pthread_cond_init(&b->not_empty, NULL);
    if (rc)
        goto out_cond;
    *out = b;
    return 0;
out_cond:
    pthread_cond_destroy(&b->not_full);
out_mutex:
    pthread_mutex_destroy(&b->lock);
out_free:
    free(b->slots);
    free(b);
    return -rc;
}

void bbuf_destroy(struct bbuf *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->not_empty);
    pthread_cond_destroy(&b->not_full);
    pthread_mutex_destroy(&b->lock);
    free(b->slots);
    free(b);
}

int bbuf_put(struct bbuf *b, void *item)
{
    /*
     * TODO(lab04.2): append item at the tail of the ring, sleeping while
     * the buffer is full; -EPIPE once it is closed.
     * - Which threads can make use of the item you just added, and which
     *   condition variable are they sleeping on?
     * - You slept because the buffer was full; you woke up. Is it still
     *   full? Is it closed now?
     */
    (void)b;
    (void)item;
    return -ENOSYS;
}

int bbuf_get(struct bbuf *b, void **item)
{
    /*
     * TODO(lab04.2): remove the oldest item, sleeping while the buffer is
     * empty and open. A closed buffer still hands out what it holds:
     * -EPIPE only when it is closed *and* empty.
     */
    (void)b;
    (void)item;
    return -ENOSYS;
}

void bbuf_close(struct bbuf *b)
{
    /*
     * TODO(lab04.2): close the buffer and wake the sleepers.
     * How many of them does closing concern: one, or every one? And which
     * wake-up call reaches that many?
     */
    (void)b;
}
