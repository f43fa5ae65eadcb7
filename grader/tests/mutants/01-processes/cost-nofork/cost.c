/* SPDX-License-Identifier: MIT */
/* Lab 01, task 6 (reference): start and reap, a process or a thread. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "cost.h"

long cost_threads(unsigned n);

long cost_processes(unsigned n)
{
    return cost_threads(n); /* MUTANT: a thread in disguise */
}

static void *cost__thread(void *arg)
{
    return arg;
}

long cost_threads(unsigned n)
{
    long sum = 0;
    void *ret;
    pthread_t t;
    int rc;

    for (unsigned i = 0; i < n; i++) {
        rc = pthread_create(&t, NULL, cost__thread,
                            (void *)(uintptr_t)(i % 100));
        if (rc)
            return -rc; /* pthread calls return the error, not errno */
        rc = pthread_join(t, &ret);
        if (rc)
            return -rc;
        sum += (long)(uintptr_t)ret;
    }
    return sum;
}
