/* SPDX-License-Identifier: MIT */
/* MUTANT of lab 02 task 1: each thread is joined before the next starts. */
#include <errno.h>
#include <pthread.h>

#include "pmap.h"

/* One thread's share: a contiguous slice, and its own partial sum. */
struct pmap_chunk {
    const uint64_t *in;
    uint64_t *out;
    size_t begin, end;
    pmap_map_fn map;
    void *ctx;
    uint64_t partial; /* written by this chunk's thread only, read after join */
};

static void *pmap__worker(void *arg)
{
    struct pmap_chunk *c = arg;
    uint64_t s = 0;

    for (size_t i = c->begin; i < c->end; i++) {
        c->out[i] = c->map(c->in[i], c->ctx);
        s += c->out[i];
    }
    c->partial = s; /* one store at the end: no false sharing in the loop */
    return NULL;
}

int pmap_reduce(const uint64_t *in, uint64_t *out, size_t n, pmap_map_fn map,
                void *ctx, unsigned nthreads, uint64_t *sum)
{
    struct pmap_chunk chunk[PMAP_MAX_THREADS];
    pthread_t tid[PMAP_MAX_THREADS];
    unsigned started = 0, k;
    int err = 0;

    if (!sum || !map || nthreads == 0 || nthreads > PMAP_MAX_THREADS ||
        (n > 0 && (!in || !out)))
        return -EINVAL;
    k = n < nthreads ? (unsigned)n : nthreads;
    for (unsigned t = 0; t < k; t++) {
        /* Slices differ in length by at most one element. */
        chunk[t] = (struct pmap_chunk){in,  out, n * t / k, n * (t + 1) / k,
                                       map, ctx, 0};
        err = -pthread_create(&tid[t], NULL, pmap__worker, &chunk[t]);
        if (err)
            break;
        started++;
        pthread_join(tid[t], NULL); /* MUTANT: waits before starting the next */
    }
    *sum = 0;
    for (unsigned t = 0; t < started; t++)
        *sum += chunk[t].partial;
    return err;
}
