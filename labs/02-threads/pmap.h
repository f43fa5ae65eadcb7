/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 1: map a function over an array and sum the results, on
 * several threads. You write pmap.c; this header is not yours to edit.
 */
#ifndef LAB02_PMAP_H
#define LAB02_PMAP_H

#include <stddef.h>
#include <stdint.h>

/* The largest number of threads pmap_reduce accepts. */
#define PMAP_MAX_THREADS 64

/*
 * pmap_map_fn - the function mapped over the array: returns f(x). It may be
 * called from any thread, concurrently, and must not depend on the order of
 * the calls. ctx is pmap_reduce's ctx, passed through untouched.
 */
typedef uint64_t (*pmap_map_fn)(uint64_t x, void *ctx);

/*
 * pmap_reduce - compute out[i] = map(in[i], ctx) for every i < n and
 * *sum = the sum of every out[i] (modulo 2^64), on nthreads threads.
 *
 * The work is split between the threads, each on its own part of the array;
 * every element is mapped exactly once. Fewer threads may be used when there
 * are fewer elements than threads (n = 0 is fine: *sum = 0). The threads are
 * joined before it returns: none of them outlives the call.
 *
 * Returns 0 on success; -EINVAL when in, out or sum is NULL (with n > 0 for
 * in and out), map is NULL, or nthreads is 0 or above PMAP_MAX_THREADS;
 * -EAGAIN (or another negative errno from pthread_create) when a thread
 * cannot be started, after joining the ones that were.
 *
 * Blocks until every element is mapped.
 * Context: any thread; calls may run at the same time on different arrays.
 */
int pmap_reduce(const uint64_t *in, uint64_t *out, size_t n, pmap_map_fn map,
                void *ctx, unsigned nthreads, uint64_t *sum);

#endif /* LAB02_PMAP_H */
