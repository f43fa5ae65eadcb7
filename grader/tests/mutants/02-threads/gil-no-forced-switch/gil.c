/* SPDX-License-Identifier: MIT */
/* MUTANT of lab 02 task 3: drops on request, retakes at once (no wait). */
/*
 * Lab 02, task 3 (reference): a GIL after CPython's Python/ceval_gil.c: a
 * flag under a mutex, a switch interval, a drop request and forced switching.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "gil.h"

struct gil {
    pthread_mutex_t mutex;
    pthread_cond_t released_cv;  /* signalled when locked becomes 0 */
    pthread_cond_t taken_cv;     /* broadcast when switch_number changes */
    int locked;                  /* guarded by mutex: the GIL itself */
    unsigned long switch_number; /* guarded by mutex: how often it was taken */
    /*
     * Set by a waiter (holding mutex) that waited a whole interval; read by
     * the holder at every check point without the mutex: atomic, so the
     * cheap path is one relaxed load. Cleared when the GIL is taken.
     */
    atomic_int drop_request;
    unsigned interval_us;
};

int gil_create(struct gil **out, unsigned interval_us)
{
    pthread_condattr_t attr;
    struct gil *g;

    if (!out || interval_us == 0)
        return -EINVAL;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    pthread_mutex_init(&g->mutex, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* immune to date */
    pthread_cond_init(&g->released_cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_cond_init(&g->taken_cv, NULL);
    atomic_init(&g->drop_request, 0);
    g->interval_us = interval_us;
    *out = g;
    return 0;
}

void gil_destroy(struct gil *g)
{
    if (!g)
        return;
    pthread_cond_destroy(&g->taken_cv);
    pthread_cond_destroy(&g->released_cv);
    pthread_mutex_destroy(&g->mutex);
    free(g);
}

static struct timespec gil__deadline(unsigned us)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)(us % 1000000) * 1000;
    ts.tv_sec += us / 1000000 + ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

/* Take the GIL; called and returns with g->mutex held. */
static void gil__take(struct gil *g)
{
    while (g->locked) {
        unsigned long seen = g->switch_number;
        struct timespec dl = gil__deadline(g->interval_us);
        int rc = pthread_cond_timedwait(&g->released_cv, &g->mutex, &dl);

        /* A whole interval and nobody else got it: ask the holder. */
        if (rc == ETIMEDOUT && g->locked && g->switch_number == seen)
            atomic_store_explicit(&g->drop_request, 1, memory_order_relaxed);
    }
    g->locked = 1;
    g->switch_number++;
    atomic_store_explicit(&g->drop_request, 0, memory_order_relaxed);
    pthread_cond_broadcast(&g->taken_cv);
}

void gil_acquire(struct gil *g)
{
    pthread_mutex_lock(&g->mutex);
    gil__take(g);
    pthread_mutex_unlock(&g->mutex);
}

void gil_release(struct gil *g)
{
    pthread_mutex_lock(&g->mutex);
    g->locked = 0;
    pthread_cond_signal(&g->released_cv);
    pthread_mutex_unlock(&g->mutex);
}

void gil_check(struct gil *g)
{
    unsigned long mine;

    if (!atomic_load_explicit(&g->drop_request, memory_order_relaxed))
        return;
    pthread_mutex_lock(&g->mutex);
    g->locked = 0;
    pthread_cond_signal(&g->released_cv);
    /*
     * Forced switching: without this wait we could take the GIL straight
     * back before the woken thread even runs, and starve it. The requester
     * is still waiting (only taking the GIL clears the request), so some
     * other thread takes it and switch_number moves.
     */
    mine = g->switch_number; /* MUTANT: takes it straight back */
    (void)mine;
    gil__take(g);
    pthread_mutex_unlock(&g->mutex);
}

void *gil_call_unlocked(struct gil *g, void *(*fn)(void *arg), void *arg)
{
    void *r;

    gil_release(g);
    r = fn(arg); /* others may run interpreter code meanwhile */
    gil_acquire(g);
    return r;
}
