/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 3: green threads, a deterministic round-robin scheduler of
 * coroutines on one OS thread, with join, cooperative sleep and unbuffered
 * channels. You write green.c; this header is not yours to edit.
 */
#ifndef LAB05_GREEN_H
#define LAB05_GREEN_H

#include <stddef.h>

#include "coro.h"

/*
 * The scheduling rules (the tests check the exact order they imply):
 *
 * 1. One FIFO run queue. green_spawn appends the new thread at the tail; it
 *    runs when it reaches the head, never at once.
 * 2. green_run takes the head, runs it until it yields, blocks, sleeps or
 *    finishes, and repeats. green_yield puts the caller back at the tail.
 * 3. A thread that finishes wakes its joiners, appending them at the tail
 *    in the order they called green_join.
 * 4. Channels are unbuffered: a send and a receive meet. Whichever of the
 *    two comes second completes the exchange at once and keeps running; the
 *    one that was waiting is appended at the tail. Waiting senders (and
 *    receivers) are served in the order they came.
 * 5. A sleeper is appended at the tail once its time is up; the scheduler
 *    looks for such sleepers, earliest deadline first, before taking each
 *    head. When nothing can run but something sleeps, green_run blocks the
 *    OS thread (no spinning) until the earliest deadline.
 *
 * There is one scheduler per OS thread (its state is thread-local); green
 * threads never move between OS threads.
 */

/* The stack of every green thread (coro_create's stack_size). */
#define GREEN_STACK_SIZE (32 * 1024)

struct green;      /* a green thread */
struct green_chan; /* an unbuffered channel */

/*
 * green_spawn - make a green thread that will run fn(arg), appended at the
 * tail of the run queue (rule 1). May be called before green_run or from a
 * green thread.
 *
 * Returns 0 and, when out is not NULL, sets *out to a handle valid until
 * green_run returns; -EINVAL for a NULL fn; -ENOMEM.
 * Context: the OS thread that runs (or will run) green_run.
 */
int green_spawn(struct green **out, coro_fn fn, void *arg);

/*
 * green_run - run green threads until none is left.
 *
 * Returns 0 once every green thread has finished; -EDEADLK when some are
 * still blocked (in join, send or receive) while none can run or is asleep:
 * they can never finish, and are destroyed unfinished. Either way every
 * thread, stack and handle is freed before it returns, and a finished
 * thread's stack is freed as soon as it finishes (10,000 short-lived
 * threads never hold 10,000 stacks). -EPERM from inside a green thread.
 * Blocks until then.
 */
int green_run(void);

/* green_self - the running green thread, NULL outside one. */
struct green *green_self(void);

/*
 * green_yield - let the others run: back to the tail of the run queue.
 * Returns 0 once run again; -EPERM outside a green thread.
 */
int green_yield(void);

/*
 * green_join - wait until g has finished (at once if it has) and store the
 * value its fn returned in *result (when not NULL).
 * Returns 0; -EINVAL for a NULL g; -EDEADLK when g is the caller; -EPERM
 * outside a green thread. Blocks the green thread, not the OS thread.
 */
int green_join(struct green *g, void **result);

/*
 * green_sleep_ms - let the others run for at least ms milliseconds
 * (rule 5): the green thread sleeps, the OS thread does not.
 * Returns 0; -EPERM outside a green thread.
 */
int green_sleep_ms(unsigned ms);

/*
 * green_chan_create - an unbuffered channel of void * values.
 * Returns 0 and sets *out; -EINVAL for a NULL out; -ENOMEM.
 * Context: the scheduler's OS thread.
 */
int green_chan_create(struct green_chan **out);

/*
 * green_chan_send - hand value to a receiver, waiting for one if none is
 * waiting (rule 4). Returns 0 once a receiver has it; -EPIPE when the
 * channel is or becomes closed first; -EINVAL for a NULL ch; -EPERM outside
 * a green thread. Blocks the green thread, not the OS thread.
 */
int green_chan_send(struct green_chan *ch, void *value);

/*
 * green_chan_recv - take a value from a sender, waiting for one if none is
 * waiting (rule 4). Returns 0 and sets *value; -EPIPE when the channel is
 * or becomes closed while no sender waits; -EINVAL for a NULL ch or value;
 * -EPERM outside a green thread.
 */
int green_chan_recv(struct green_chan *ch, void **value);

/*
 * green_chan_close - close ch: every waiting sender and receiver is woken
 * (appended at the tail, in the order they came) and gets -EPIPE, and so do
 * later sends and receives. Returns 0; -EINVAL for NULL; -EPIPE if closed.
 * Does not block. Context: a green thread or the scheduler's OS thread.
 */
int green_chan_close(struct green_chan *ch);

/*
 * green_chan_destroy - free ch. Nobody may be waiting on it (close it
 * first) or use it afterwards. NULL is ignored.
 */
void green_chan_destroy(struct green_chan *ch);

#endif /* LAB05_GREEN_H */
