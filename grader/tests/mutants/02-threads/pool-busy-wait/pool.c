/* SPDX-License-Identifier: MIT */
/* MUTANT of lab 02 task 2: idle workers spin (yield and retry), never sleep. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "pool.h"

/*
 * A future is the queue node too: one allocation per task. Its own mutex
 * and condition variable let future_get work after the pool is gone.
 */
struct future {
    pool_task_fn fn;
    void *arg;
    struct future *next; /* guarded by the pool's lock while queued */

    pthread_mutex_t lock;
    pthread_cond_t done_cv; /* signalled once, when done becomes 1 */
    int done;               /* guarded by lock */
    void *result;           /* guarded by lock */
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work_cv;     /* a task was queued, or shutdown began */
    struct future *head, *tail; /* guarded by lock: the FIFO queue */
    int shutdown;               /* guarded by lock */
    unsigned nworkers;          /* set before the workers start */
    pthread_t workers[];
};

/* Wait for a task, or for shutdown with an empty queue (NULL). */
static struct future *pool__next(struct pool *p)
{
    struct future *f;

    pthread_mutex_lock(&p->lock);
    while (!p->head && !p->shutdown) { /* MUTANT: polls instead of sleeping */
        pthread_mutex_unlock(&p->lock);
        sched_yield();
        pthread_mutex_lock(&p->lock);
    }
    f = p->head; /* queued tasks come first, even after shutdown */
    if (f) {
        p->head = f->next;
        if (!p->head)
            p->tail = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    return f;
}

static void *pool__worker(void *arg)
{
    struct pool *p = arg;
    struct future *f;

    while ((f = pool__next(p))) {
        void *r = f->fn(f->arg); /* no lock held while the task runs */

        pthread_mutex_lock(&f->lock);
        f->result = r;
        f->done = 1;
        pthread_cond_signal(&f->done_cv);
        pthread_mutex_unlock(&f->lock); /* f may be freed from here on */
    }
    return NULL;
}

/* Stop the workers [0, n) once the queue is empty, and join them. */
static void pool__stop(struct pool *p, unsigned n)
{
    pool_shutdown(p);
    for (unsigned i = 0; i < n; i++)
        pthread_join(p->workers[i], NULL);
}

int pool_create(struct pool **out, unsigned nworkers)
{
    struct pool *p;
    int err;

    if (!out || nworkers == 0 || nworkers > POOL_MAX_WORKERS)
        return -EINVAL;
    p = calloc(1, sizeof(*p) + nworkers * sizeof(p->workers[0]));
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    p->nworkers = nworkers;
    for (unsigned i = 0; i < nworkers; i++) {
        err = pthread_create(&p->workers[i], NULL, pool__worker, p);
        if (err) {
            pool__stop(p, i);
            pthread_cond_destroy(&p->work_cv);
            pthread_mutex_destroy(&p->lock);
            free(p);
            return -err;
        }
    }
    *out = p;
    return 0;
}

int pool_submit(struct pool *p, pool_task_fn fn, void *arg, struct future **fut)
{
    struct future *f;

    if (!p || !fn || !fut)
        return -EINVAL;
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->fn = fn;
    f->arg = arg;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->done_cv, NULL);

    pthread_mutex_lock(&p->lock);
    if (p->shutdown) {
        pthread_mutex_unlock(&p->lock);
        pthread_cond_destroy(&f->done_cv);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return -ESHUTDOWN;
    }
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    pthread_cond_signal(&p->work_cv); /* one task: one worker is enough */
    pthread_mutex_unlock(&p->lock);
    *fut = f;
    return 0;
}

int future_get(struct future *f, void **result)
{
    if (!f)
        return -EINVAL;
    pthread_mutex_lock(&f->lock);
    while (!f->done)
        pthread_cond_wait(&f->done_cv, &f->lock);
    if (result)
        *result = f->result;
    pthread_mutex_unlock(&f->lock);
    pthread_cond_destroy(&f->done_cv);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return 0;
}

void pool_shutdown(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = 1;
    pthread_cond_broadcast(&p->work_cv); /* every sleeping worker must see it */
    pthread_mutex_unlock(&p->lock);
}

void pool_destroy(struct pool *p)
{
    if (!p)
        return;
    pool__stop(p, p->nworkers);
    pthread_cond_destroy(&p->work_cv);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
