/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, tasks 1 and 4: a small event loop in the shape of redis's ae.c.
 * It watches file descriptors (epoll) and timers (a min-heap) and runs the
 * callback of whatever is ready. You write loop.c; this header is not yours.
 */
#ifndef LAB06_LOOP_H
#define LAB06_LOOP_H

#include <stdint.h>

/* Readiness, for loop_watch and the events argument of a loop_io_fn. */
#define LOOP_READABLE 0x1u /* data to read, a connection to accept, or EOF */
#define LOOP_WRITABLE 0x2u /* room to write */
#define LOOP_ERROR 0x4u    /* reported only: error or hang-up (EPOLLERR/HUP) */

struct loop;

/*
 * Callbacks. `events` is the readiness that fired (a mask of the flags above,
 * LOOP_ERROR included when the kernel said so; a callback must then still
 * read or write to learn the error). `id` is the timer's id.
 */
typedef void (*loop_io_fn)(struct loop *loop, int fd, unsigned events,
                           void *arg);
typedef void (*loop_timer_fn)(struct loop *loop, long id, void *arg);

/* The slow-callback detector's report: `name` as registered, the duration. */
typedef void (*loop_slow_fn)(struct loop *loop, const char *name,
                             uint64_t elapsed_ns, void *arg);

/*
 * loop_create - a new loop with nothing to watch. Returns 0 and sets *out,
 * or a negative errno (-ENOMEM, or epoll_create1's error).
 * Context: any thread; the loop then belongs to the thread that runs it.
 */
int loop_create(struct loop **out);

/*
 * loop_destroy - free the loop, its pending timers and its epoll fd. Does
 * not close the fds it watched (they are the caller's). NULL is a no-op.
 * Context: not while loop_run is running.
 */
void loop_destroy(struct loop *loop);

/*
 * loop_watch - watch fd for `events` (LOOP_READABLE and/or LOOP_WRITABLE),
 * replacing any previous watch of the same fd: its events, callback, argument
 * and name. The readiness is level-triggered: cb runs on every iteration
 * while the fd stays ready. events == 0 is the same as loop_unwatch. `name`
 * (kept as a pointer: a string literal is ideal) is what the slow-callback
 * detector reports; NULL means "?".
 *
 * Returns 0, -EINVAL for a negative fd, events outside the two flags or a
 * NULL cb, -ENOMEM, or epoll_ctl's error (-EBADF, -EPERM for a regular file).
 * Context: the loop's thread (from a callback or before loop_run).
 */
int loop_watch(struct loop *loop, int fd, unsigned events, loop_io_fn cb,
               void *arg, const char *name);

/*
 * loop_unwatch - stop watching fd. Call it before closing fd. A callback
 * for fd that was about to run in this iteration does not run.
 * Returns 0, or -ENOENT when fd was not watched.
 * Context: the loop's thread.
 */
int loop_unwatch(struct loop *loop, int fd);

/*
 * loop_timer_add - run cb after delay_ms milliseconds, then every period_ms
 * milliseconds when period_ms > 0 (a repeating timer), until cancelled.
 * Timers fire in the order of their deadlines; timers with equal deadlines
 * fire in the order they were added. A late loop fires a repeating timer
 * once, not once per missed period.
 *
 * Returns the timer's id (> 0), or a negative errno (-EINVAL for a NULL cb,
 * -ENOMEM).
 * Context: the loop's thread.
 */
long loop_timer_add(struct loop *loop, uint64_t delay_ms, uint64_t period_ms,
                    loop_timer_fn cb, void *arg, const char *name);

/*
 * loop_timer_cancel - cancel a pending timer; a repeating timer may cancel
 * itself from its own callback. Returns 0, or -ENOENT when there is no such
 * pending timer (a one-shot timer that already fired, an unknown id).
 * Context: the loop's thread.
 */
int loop_timer_cancel(struct loop *loop, long id);

/*
 * loop_run - run callbacks as their fds become ready and their timers
 * expire, sleeping in the kernel (never spinning) while nothing is ready.
 * Returns 0 after loop_stop, or when nothing is left to wait for (no watched
 * fd and no timer); a negative errno if epoll_wait fails (EINTR is retried).
 * Blocks until then. Context: one thread at a time.
 */
int loop_run(struct loop *loop);

/*
 * loop_stop - make loop_run return once the callback that called this has
 * returned (the rest of the current iteration may still run). A later
 * loop_run runs again. Context: the loop's thread (from a callback).
 */
void loop_stop(struct loop *loop);

/*
 * loop_set_slow_detector - task 4: after this, every callback that runs for
 * longer than threshold_ms is reported through report(loop, name, elapsed,
 * arg) right after it returns, like asyncio's debug mode. report == NULL
 * turns the detector off. Context: the loop's thread.
 */
void loop_set_slow_detector(struct loop *loop, uint64_t threshold_ms,
                            loop_slow_fn report, void *arg);

/* loop_now_ns - the loop's clock (CLOCK_MONOTONIC in ns). Context: any. */
uint64_t loop_now_ns(void);

#endif /* LAB06_LOOP_H */
