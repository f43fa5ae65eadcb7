/* SPDX-License-Identifier: MIT */
/* Lab 02, task 2: a thread pool with a FIFO queue and futures. Yours. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

/*
 * A future is also the queue node of its task: one allocation per task.
 *
 * TODO(lab02.2): a future must be usable after pool_destroy (see pool.h).
 * So what may future_get lock and wait on: the pool's mutex, or something
 * the future owns? Add what it needs (and say which lock guards it).
 */
struct future {
    pool_task_fn fn;
    void *arg;
    struct future *next; /* guarded by the pool's lock while queued */
    void *result;
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work_cv;     /* a task was queued, or shutdown began */
    struct future *head, *tail; /* guarded by lock: the FIFO queue */
    int shutdown;               /* guarded by lock */
    unsigned nworkers;          /* set before the workers start */
    pthread_t workers[];        /* nworkers of them */
};

/*
 * TODO(lab02.2): a worker takes tasks from the head of the queue and runs
 * them, until the pool shuts down. Questions:
 * - With nothing queued, how does a worker wait without using the CPU?
 *   (test_pool_idle_workers_sleep measures it.)
 * - Which lock, if any, is held while the task itself runs, and why not?
 * - After shutdown, when exactly may a worker exit?
 */
static void *pool__worker(void *arg)
{
    struct pool *p = arg;

    (void)p;
    return NULL;
}

int pool_create(struct pool **out, unsigned nworkers)
{
    /*
     * TODO(lab02.2): allocate the pool with room for nworkers thread ids
     * (calloc(1, sizeof(*p) + nworkers * sizeof(p->workers[0]))),
     * initialise it and start the workers. If the k-th pthread_create
     * fails, how do you stop and join the k already running?
     */
    (void)out;
    (void)nworkers;
    (void)pool__worker;
    return -ENOSYS;
}

int pool_submit(struct pool *p, pool_task_fn fn, void *arg, struct future **fut)
{
    /*
     * TODO(lab02.2): make a future, append it to the queue unless the pool
     * is shut down, and wake a worker. Why must the shutdown check and the
     * append happen under the same lock hold?
     */
    (void)p;
    (void)fn;
    (void)arg;
    (void)fut;
    return -ENOSYS;
}

int future_get(struct future *f, void **result)
{
    /*
     * TODO(lab02.2): wait until the task has run, hand its result back and
     * free the future. Why `while`, not `if`, around the wait?
     */
    (void)f;
    (void)result;
    return -ENOSYS;
}

void pool_shutdown(struct pool *p)
{
    /* TODO(lab02.2): how many sleeping workers must hear about it? */
    (void)p;
}

void pool_destroy(struct pool *p)
{
    /* TODO(lab02.2): shut down, join every worker, free what is left. */
    (void)p;
}
