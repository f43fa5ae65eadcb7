/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 3: async/await in C. A task is a coroutine (coro.h) that the
 * loop resumes when what it awaits is ready; awaiting suspends only the
 * task, never the loop. You write async.c; this header is not yours.
 */
#ifndef LAB06_ASYNC_H
#define LAB06_ASYNC_H

#include <stdint.h>

#include "loop.h"

/* A task's body. When it returns, the task is over and its stack freed. */
typedef void (*async_fn)(void *arg);

/*
 * async_spawn - start fn(arg) as a task on loop. It first runs from the
 * loop (within the loop's next iteration), not inside async_spawn, so a task
 * may spawn others. Returns 0, or a negative errno (-ENOMEM, loop errors).
 * Context: the loop's thread, inside a task or not.
 */
int async_spawn(struct loop *loop, async_fn fn, void *arg);

/*
 * await_readable / await_writable - suspend the calling task until fd is
 * readable / writable, letting the loop run everything else meanwhile.
 * One task at a time may await a given fd. Returns 0 when ready (then read
 * or write: a non-blocking call may still say EAGAIN, so loop), -EPERM when
 * called outside a task, or loop_watch's error.
 * Blocks the task, never the thread. Context: inside a task.
 */
int await_readable(int fd);
int await_writable(int fd);

/*
 * await_sleep - suspend the calling task for ms milliseconds (the async
 * counterpart of harness_io_wait_ms, which would stall every task).
 * Returns 0, -EPERM outside a task, or loop_timer_add's error.
 * Context: inside a task.
 */
int await_sleep(uint64_t ms);

/* async_live_tasks - tasks spawned on this thread and not yet finished. */
long async_live_tasks(void);

/*
 * echo_async_start - the echo server of echo.h again, with the same rules,
 * but each connection served by a task of straight-line code: read, and
 * when there is nothing, await_readable; write it all back, and when the
 * socket is full, await_writable; at EOF or on an error, close and return.
 * listen_fd is a bound, listening, non-blocking socket owned by the caller.
 * Returns 0, or a negative errno. Context: the loop's thread.
 */
int echo_async_start(struct loop *loop, int listen_fd);

/*
 * echo_async_stop - stop accepting on listen_fd (not closed). Connections
 * already accepted are served until their clients close. Context: the
 * loop's thread.
 */
void echo_async_stop(struct loop *loop, int listen_fd);

#endif /* LAB06_ASYNC_H */
