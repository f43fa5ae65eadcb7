/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 2: a pool of worker processes, like Python's
 * multiprocessing.Pool: map a function over inputs on several cores, results
 * in input order. You write pool.c; this header is not yours to edit.
 */
#ifndef LAB07_POOL_H
#define LAB07_POOL_H

#include <stddef.h>

/* The largest input or result of one task, in bytes. */
#define POOL_MAX_MSG (64 * 1024)

/*
 * The function a pool maps: it runs in a worker process, reads in[0..in_len)
 * and writes at most out_cap bytes of result to out, setting *out_len.
 * Returns 0, or a negative errno that becomes that task's error. It may
 * crash: a crash fails its own task only.
 *
 * The workers are forked from the process that created the pool, so the
 * function pointer, and any global data set up before pool_create, mean the
 * same thing in a worker as in the parent. Nothing the function writes to
 * memory reaches the parent: only its result does.
 *
 * A worker never returns into the caller's code, and when it ends it runs
 * none of the caller's atexit handlers and flushes none of its stdio
 * buffers: those belong to the parent, which runs them once.
 */
typedef int (*pool_task_fn)(const void *in, size_t in_len, void *out,
                            size_t out_cap, size_t *out_len);

/* One task of a map: the caller fills the inputs, pool_map the outputs. */
struct pool_item {
    const void *in; /* input: in[0..in_len), in_len <= POOL_MAX_MSG */
    size_t in_len;
    void *out; /* result buffer: out[0..out_cap), supplied by the caller */
    size_t out_cap;
    size_t out_len; /* set by pool_map: bytes of result written to out */
    int err;        /* set by pool_map: 0, or this task's negative errno */
};

struct pool; /* yours to define in pool.c */

/*
 * pool_create - fork `workers` worker processes (1 to 64), each connected
 * to the caller by pipes, and return the pool in *out.
 *
 * Returns 0; -EINVAL for a bad count or NULL out; or the negative errno of
 * a failing pipe or fork, with nothing left behind (no child, no fd).
 *
 * Context: the workers are children of the caller. Call from one thread.
 * Several pools may exist at once and be destroyed in any order.
 * The caller ignores SIGPIPE (the tests do), so that writing to a worker
 * that has died fails with EPIPE instead of killing the caller.
 */
int pool_create(int workers, struct pool **out);

/*
 * pool_map - run fn on every item, spread over the workers, and wait until
 * every task has ended. Item i's result lands in items[i] (input order), so
 * the caller never sees the order in which the tasks finished.
 *
 * Each item gets err = 0 and its result on success; the negative errno fn
 * returned; -EMSGSIZE when the result did not fit in out_cap (out_len then
 * says how many bytes it needed); or -ECHILD when the worker running that
 * task died (crashed, was killed, or exited) before sending its result. A
 * dead worker is reaped at once (no zombie) and replaced by a new one, so
 * the other tasks, and later maps, still run on `workers` processes.
 *
 * Returns 0 when every task ran, whatever each task's err; -EINVAL for NULL
 * arguments or an input longer than POOL_MAX_MSG (before any task runs);
 * or the negative errno of a failure of the pool itself (such as a pipe
 * error, or a worker that cannot be replaced).
 *
 * After such a failure the pool may be short of workers. A later pool_map
 * on it either runs every task (returns 0, the items as above) or returns
 * a negative errno; either way it reads and writes only items[0..n), and
 * it never waits forever. pool_destroy still leaves nothing.
 *
 * Blocks until every task has ended. Never waits forever for a dead worker.
 * Context: one map at a time per pool, from the thread that created it.
 */
int pool_map(struct pool *p, pool_task_fn fn, struct pool_item *items,
             size_t n);

/*
 * pool_destroy - tell the workers to stop, wait for them all (no zombie)
 * and free the pool: no fd and no child of the pool remains. NULL is a
 * no-op.
 *
 * Blocks until every worker has exited.
 * Context: not while a pool_map on p runs.
 */
void pool_destroy(struct pool *p);

#endif /* LAB07_POOL_H */
