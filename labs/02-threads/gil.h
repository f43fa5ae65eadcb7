/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 3: a global interpreter lock built by hand, the way CPython
 * builds its own (Python/ceval_gil.c): a lock, a switch interval and a drop
 * request. You write gil.c; this header is not yours to edit.
 *
 * The "interpreter" is any code that runs while holding the GIL: a loop of
 * small steps that calls gil_check between steps, the way CPython's eval
 * loop checks its "eval breaker" between bytecodes.
 */
#ifndef LAB02_GIL_H
#define LAB02_GIL_H

#include "gil_hooks.h"

struct gil; /* opaque: defined in gil.c */

/*
 * gil_create - make an unheld GIL with a switch interval of interval_us
 * microseconds (CPython's default, sys.getswitchinterval(), is 5000).
 *
 * Returns 0; -EINVAL when out is NULL or interval_us is 0; -ENOMEM.
 * Context: any thread.
 */
int gil_create(struct gil **out, unsigned interval_us);

/*
 * gil_destroy - free an unheld GIL that no thread is waiting for. NULL is
 * fine. Context: once, when no thread uses g any more.
 */
void gil_destroy(struct gil *g);

/*
 * gil_acquire - take the GIL: return once the calling thread holds it.
 *
 * A thread that has waited a whole switch interval without the GIL having
 * changed hands asks the holder to drop it (the drop request), and keeps
 * waiting. Blocks, sleeping, never spinning.
 * Context: any thread that does not hold g.
 */
void gil_acquire(struct gil *g);

/*
 * gil_release - give the GIL up, and wake a thread waiting for it if any.
 * Context: the thread that holds g.
 */
void gil_release(struct gil *g);

/*
 * gil_check - the check point between two steps of interpreter code. When
 * another thread has asked for the GIL (the drop request), hand it over:
 * release it, wait until some other thread has taken it, and take it back
 * (waiting in turn like any other thread). Otherwise return at once; this
 * is called between every two steps, so that case must be cheap.
 *
 * Blocks only to hand the GIL over.
 * Context: the thread that holds g; it holds g again on return.
 */
void gil_check(struct gil *g);

/*
 * gil_call_unlocked - release the GIL, call fn(arg), take the GIL again,
 * and return what fn returned: the C version of Py_BEGIN_ALLOW_THREADS /
 * Py_END_ALLOW_THREADS around a blocking call (read, sleep, a lock).
 * While fn runs, other threads may run interpreter code.
 *
 * Blocks as long as fn does, then as gil_acquire does.
 * Context: the thread that holds g; it holds g again on return. fn must
 * not touch the interpreter's shared state (it runs without the GIL).
 */
void *gil_call_unlocked(struct gil *g, void *(*fn)(void *arg), void *arg);

#endif /* LAB02_GIL_H */
