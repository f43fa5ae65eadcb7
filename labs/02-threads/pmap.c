/* SPDX-License-Identifier: MIT */
/* Lab 02, task 1: parallel map/reduce over an array. Yours to write. */
#include <errno.h>
#include <pthread.h>

#include "pmap.h"

/*
 * One thread's share of the work. pthread_create passes a single void *:
 * this struct is how a thread gets its arguments in and its result out.
 */
struct pmap_chunk {
    const uint64_t *in;
    uint64_t *out;
    size_t begin, end; /* this thread maps in[begin..end) */
    pmap_map_fn map;
    void *ctx;
    /*
     * TODO(lab02.1): where does this thread's part of the sum go? Several
     * threads adding into the caller's *sum at once is a data race (why
     * exactly? what can `*sum += x` lose?). What can each thread own alone
     * instead, and when is it safe for the caller to read it?
     */
};

static void *pmap__worker(void *arg)
{
    struct pmap_chunk *c = arg;

    /* TODO(lab02.1): map this chunk's elements and sum them. */
    (void)c;
    return NULL;
}

int pmap_reduce(const uint64_t *in, uint64_t *out, size_t n, pmap_map_fn map,
                void *ctx, unsigned nthreads, uint64_t *sum)
{
    struct pmap_chunk chunk[PMAP_MAX_THREADS];
    pthread_t tid[PMAP_MAX_THREADS];

    /*
     * TODO(lab02.1): check the arguments (see pmap.h), split [0, n) into
     * slices, start one thread per slice, then join them all and combine
     * their results.
     *
     * Questions to answer before you type:
     * - How do you cut n elements into k slices whose sizes differ by at
     *   most one, without a special case for the last slice?
     * - Why must chunk[] outlive the threads, and does it here?
     * - If you join each thread right after creating it, what is left of
     *   the parallelism?
     * - pthread_create fails (returns an error, not -1): which threads must
     *   still be joined before you return?
     */
    (void)in;
    (void)out;
    (void)n;
    (void)map;
    (void)ctx;
    (void)nthreads;
    (void)sum;
    (void)chunk;
    (void)tid;
    (void)pmap__worker;
    return -ENOSYS;
}
