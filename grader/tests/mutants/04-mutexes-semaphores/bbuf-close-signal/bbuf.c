/* SPDX-License-Identifier: MIT */
/* Lab 04, task 2 (reference): a bounded buffer with close. */
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

/*
 * Two condition variables, one per reason to wait: a put frees nobody but
 * getters, a get frees nobody but putters, so one signal each wakes exactly
 * one thread that can use it. With a single condvar for both, a signal
 * could wake a thread of the wrong kind and be lost.
 */
int bbuf_put(struct bbuf *b, void *item)
{
    pthread_mutex_lock(&b->lock);
    while (b->count == b->capacity && !b->closed)
        pthread_cond_wait(&b->not_full, &b->lock);
    if (b->closed) {
        pthread_mutex_unlock(&b->lock);
        return -EPIPE;
    }
    b->slots[(b->head + b->count) % b->capacity] = item;
    b->count++;
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

int bbuf_get(struct bbuf *b, void **item)
{
    pthread_mutex_lock(&b->lock);
    while (b->count == 0 && !b->closed)
        pthread_cond_wait(&b->not_empty, &b->lock);
    if (b->count == 0) { /* closed and drained */
        pthread_mutex_unlock(&b->lock);
        return -EPIPE;
    }
    *item = b->slots[b->head];
    b->head = (b->head + 1) % b->capacity;
    b->count--;
    pthread_cond_signal(&b->not_full);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

/* Closing changes the condition of every waiter at once: broadcast. */
void bbuf_close(struct bbuf *b)
{
    pthread_mutex_lock(&b->lock);
    b->closed = true;
    pthread_cond_signal(&b->not_full);
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->lock);
}
