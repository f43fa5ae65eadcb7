/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 2: a pool of worker threads that runs submitted tasks and
 * hands their results back through futures, like Python's
 * concurrent.futures.ThreadPoolExecutor. You write pool.c; not this header.
 */
#ifndef LAB02_POOL_H
#define LAB02_POOL_H

#include "pool_hooks.h"

/* The largest number of workers pool_create accepts. */
#define POOL_MAX_WORKERS 64

struct pool;   /* opaque: defined in pool.c */
struct future; /* opaque: the promise of one task's result */

/* pool_task_fn - a task: runs on a worker thread, returns its result. */
typedef void *(*pool_task_fn)(void *arg);

/*
 * pool_create - start a pool of nworkers threads and store it in *out.
 * The workers wait for tasks without using the CPU: an idle pool sleeps.
 *
 * Returns 0; -EINVAL when out is NULL or nworkers is 0 or above
 * POOL_MAX_WORKERS; -ENOMEM, or the negative errno of pthread_create (after
 * stopping the workers already started and freeing everything).
 * Context: any thread.
 */
int pool_create(struct pool **out, unsigned nworkers);

/*
 * pool_submit - queue fn(arg) to run on some worker, and store in *fut the
 * future of its result. Tasks start in the order they were submitted (first
 * in, first out), as workers become free. Does not wait for the task.
 *
 * Every future must be given to future_get exactly once (which frees it).
 *
 * Returns 0; -EINVAL when p, fn or fut is NULL; -ESHUTDOWN after
 * pool_shutdown (the task is not queued, *fut is left alone); -ENOMEM.
 * Context: any thread, concurrently with other submits and with the workers
 * (a task may submit more tasks), never after pool_destroy has begun.
 */
int pool_submit(struct pool *p, pool_task_fn fn, void *arg,
                struct future **fut);

/*
 * future_get - wait until the task of f has run, store its return value in
 * *result (when result is not NULL), and free f.
 *
 * Returns 0, or -EINVAL when f is NULL. Blocks (sleeping, not spinning)
 * until the task has run. Works before and after pool_destroy: a future does
 * not depend on its pool once the task has run.
 * Context: any thread but a worker of the same pool waiting for a task
 * queued behind itself (that would wait forever); once per future.
 */
int future_get(struct future *f, void **result);

/*
 * pool_shutdown - stop accepting tasks: every later pool_submit returns
 * -ESHUTDOWN. Tasks already submitted still run, all of them.
 *
 * Does not block. Context: any thread; calling it twice is harmless.
 */
void pool_shutdown(struct pool *p);

/*
 * pool_destroy - pool_shutdown, then wait until every task submitted has
 * run and every worker has exited (joined), and free the pool. Futures not
 * yet got stay valid. A NULL p does nothing.
 *
 * Blocks until the queue is empty and the workers are gone.
 * Context: once, from a thread that is not one of the pool's workers.
 */
void pool_destroy(struct pool *p);

#endif /* LAB02_POOL_H */
