/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 3: the driver for the four counters (provided, not a student
 * file). add is called through a pointer from another file, so the compiler
 * cannot keep a per-thread count in a register: every add touches memory.
 */
#include <errno.h>
#include <pthread.h>

#include "counters.h"
#include "harness.h"

struct count_worker {
    const struct count_ops *ops;
    void *counter;
    struct harness_start *start;
    int self;
    long iters;
};

static void *count_worker_main(void *arg)
{
    struct count_worker *w = arg;
    void (*add)(void *, int) = w->ops->add;

    harness_start_wait(w->start);
    for (long i = 0; i < w->iters; i++)
        add(w->counter, w->self);
    return NULL;
}

long count_run(const struct count_ops *ops, int nthreads, long per_thread)
{
    struct count_worker w[COUNT_MAX_THREADS];
    pthread_t t[COUNT_MAX_THREADS];
    struct harness_start start;
    void *c;
    long total;

    if (!ops || nthreads < 1 || nthreads > COUNT_MAX_THREADS || per_thread < 0)
        return -EINVAL;
    c = ops->create(nthreads);
    if (!c)
        return -ENOMEM;
    harness_start_init(&start, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct count_worker){ops, c, &start, i, per_thread};
        xpthread_create(&t[i], NULL, count_worker_main, &w[i]);
    }
    for (int i = 0; i < nthreads; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    total = ops->total(c);
    ops->destroy(c);
    return total;
}
