/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 3: the same counter four ways. Yours to write; the handout
 * says what to measure, and count_run.c (provided) drives each way.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "counters.h"

/* ---- one global mutex ----------------------------------------------- */

static void *mutex_create(int nthreads)
{
    /*
     * TODO(lab03.3): allocate a long and the mutex that guards it. What
     * does every add cost when two threads want the mutex all the time?
     */
    (void)nthreads;
    return NULL;
}

static void mutex_add(void *counter, int self)
{
    (void)counter;
    (void)self;
}

static long mutex_total(void *counter)
{
    (void)counter;
    return 0;
}

static void mutex_destroy(void *counter)
{
    free(counter);
}

const struct count_ops count_global_mutex = {
    "global mutex", mutex_create, mutex_add, mutex_total, mutex_destroy, NULL,
};

/* ---- one atomic ----------------------------------------------------- */

static void *atomic_create(int nthreads)
{
    /*
     * TODO(lab03.3): one atomic long. No lock, and still every add moves
     * the same cache line from one core to the other: how fast can that be?
     */
    (void)nthreads;
    return NULL;
}

static void atomic_add(void *counter, int self)
{
    (void)counter;
    (void)self;
}

static long atomic_total(void *counter)
{
    (void)counter;
    return 0;
}

static void atomic_destroy(void *counter)
{
    free(counter);
}

const struct count_ops count_one_atomic = {
    "one atomic", atomic_create, atomic_add, atomic_total, atomic_destroy, NULL,
};

/* ---- per-thread counters, packed ------------------------------------ */

static void *packed_create(int nthreads)
{
    /*
     * TODO(lab03.3): one plain long per thread, side by side in an array.
     * Each thread writes only its own: why is no lock and no atomic needed,
     * and when may total() read them all?
     */
    (void)nthreads;
    return NULL;
}

static void packed_add(void *counter, int self)
{
    (void)counter;
    (void)self;
}

static long packed_total(void *counter)
{
    (void)counter;
    return 0;
}

static void packed_destroy(void *counter)
{
    free(counter);
}

static void *packed_slot(void *counter, int self)
{
    /* TODO(lab03.3): the address of thread self's long. */
    (void)counter;
    (void)self;
    return NULL;
}

const struct count_ops count_per_thread_packed = {
    "per-thread, packed", packed_create,  packed_add,
    packed_total,         packed_destroy, packed_slot,
};

/* ---- per-thread counters, padded ------------------------------------ */

static void *padded_create(int nthreads)
{
    /*
     * TODO(lab03.3): the same, but no two threads' longs may share a cache
     * line. How big is a line here (getconf LEVEL1_DCACHE_LINESIZE), and
     * does malloc promise an address aligned to one?
     */
    (void)nthreads;
    return NULL;
}

static void padded_add(void *counter, int self)
{
    (void)counter;
    (void)self;
}

static long padded_total(void *counter)
{
    (void)counter;
    return 0;
}

static void padded_destroy(void *counter)
{
    free(counter);
}

static void *padded_slot(void *counter, int self)
{
    (void)counter;
    (void)self;
    return NULL;
}

const struct count_ops count_per_thread_padded = {
    "per-thread, padded", padded_create,  padded_add,
    padded_total,         padded_destroy, padded_slot,
};
