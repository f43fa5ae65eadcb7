/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 3 (reference): the same counter four ways. NOTES.md has the
 * numbers measured with them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "counters.h"

/*
 * 128, not 64: the lines here are 64 bytes, but many x86 cores fetch lines
 * in aligned pairs (the adjacent-line prefetcher), so two counters 64 bytes
 * apart can still disturb each other. 128 costs nothing at this size.
 */
#define COUNT_LINE 128

/* ---- one global mutex ----------------------------------------------- */

struct mutex_counter {
    pthread_mutex_t lock;
    long n; /* guarded by lock */
};

static void *mutex_create(int nthreads)
{
    struct mutex_counter *c = malloc(sizeof(*c));

    (void)nthreads;
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->n = 0;
    return c;
}

static void mutex_add(void *counter, int self)
{
    struct mutex_counter *c = counter;

    (void)self;
    pthread_mutex_lock(&c->lock);
    c->n++;
    pthread_mutex_unlock(&c->lock);
}

static long mutex_total(void *counter)
{
    struct mutex_counter *c = counter;
    long n;

    pthread_mutex_lock(&c->lock);
    n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

static void mutex_destroy(void *counter)
{
    struct mutex_counter *c = counter;

    pthread_mutex_destroy(&c->lock);
    free(c);
}

const struct count_ops count_global_mutex = {
    "global mutex", mutex_create, mutex_add, mutex_total, mutex_destroy, NULL,
};

/* ---- one atomic ----------------------------------------------------- */

static void *atomic_create(int nthreads)
{
    atomic_long *c = malloc(sizeof(*c));

    (void)nthreads;
    if (c)
        atomic_init(c, 0);
    return c;
}

/* Relaxed: nothing else is published through the count. */
static void atomic_add(void *counter, int self)
{
    (void)self;
    atomic_fetch_add_explicit((atomic_long *)counter, 1, memory_order_relaxed);
}

static long atomic_total(void *counter)
{
    return atomic_load_explicit((atomic_long *)counter, memory_order_relaxed);
}

static void atomic_destroy(void *counter)
{
    free(counter);
}

const struct count_ops count_one_atomic = {
    "one atomic", atomic_create, atomic_add, atomic_total, atomic_destroy, NULL,
};

/* ---- per-thread counters, packed ------------------------------------ */

/*
 * slot[i] is written by thread i only, so it needs no lock and no atomic;
 * total() reads them after the joins, which order every write before it.
 */
struct packed_counter {
    int nthreads;
    long slot[]; /* slot[i]: written only by thread i */
};

static void *packed_create(int nthreads)
{
    struct packed_counter *c;

    c = calloc(1, sizeof(*c) + (size_t)nthreads * sizeof(c->slot[0]));
    if (c)
        c->nthreads = nthreads;
    return c;
}

static void packed_add(void *counter, int self)
{
    ((struct packed_counter *)counter)->slot[self]++;
}

static long packed_total(void *counter)
{
    struct packed_counter *c = counter;
    long n = 0;

    for (int i = 0; i < c->nthreads; i++)
        n += c->slot[i];
    return n;
}

static void packed_destroy(void *counter)
{
    free(counter);
}

static void *packed_slot(void *counter, int self)
{
    return &((struct packed_counter *)counter)->slot[self];
}

const struct count_ops count_per_thread_packed = {
    "per-thread, packed", packed_create,  packed_add,
    packed_total,         packed_destroy, packed_slot,
};

/* ---- per-thread counters, padded ------------------------------------ */

/* Each slot alone on its line(s): _Alignas pads the struct to COUNT_LINE. */
struct padded_line {
    long n; /* MUTANT: no padding, the slots share cache lines */
};

struct padded_counter {
    int nthreads;
    struct padded_line *slot; /* aligned_alloc'ed: malloc aligns to 16 */
};

static void *padded_create(int nthreads)
{
    struct padded_counter *c = malloc(sizeof(*c));
    size_t size = (size_t)nthreads * sizeof(struct padded_line);

    if (!c)
        return NULL;
    c->nthreads = nthreads;
    c->slot = aligned_alloc(COUNT_LINE, size);
    if (!c->slot) {
        free(c);
        return NULL;
    }
    for (int i = 0; i < nthreads; i++)
        c->slot[i].n = 0;
    return c;
}

static void padded_add(void *counter, int self)
{
    ((struct padded_counter *)counter)->slot[self].n++;
}

static long padded_total(void *counter)
{
    struct padded_counter *c = counter;
    long n = 0;

    for (int i = 0; i < c->nthreads; i++)
        n += c->slot[i].n;
    return n;
}

static void padded_destroy(void *counter)
{
    struct padded_counter *c = counter;

    free(c->slot);
    free(c);
}

static void *padded_slot(void *counter, int self)
{
    return &((struct padded_counter *)counter)->slot[self].n;
}

const struct count_ops count_per_thread_padded = {
    "per-thread, padded", padded_create,  padded_add,
    padded_total,         padded_destroy, padded_slot,
};
