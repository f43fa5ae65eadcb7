/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, provided: minimal stackful coroutines on ucontext, so that task 3
 * does not depend on your lab 05. Asymmetric: coro_resume runs a coroutine
 * until it calls coro_yield or returns. Not yours to edit (nor to write).
 */
#ifndef LAB06_CORO_H
#define LAB06_CORO_H

#include <stddef.h>

struct coro;

typedef void (*coro_fn)(void *arg);

/*
 * coro_create - a coroutine that will run fn(arg) on its own stack of
 * stack_size bytes (0: 256 KiB; the pages cost memory only once touched).
 * It does not start until the first coro_resume.
 * Returns 0 and sets *out, or -ENOMEM. Context: any thread.
 */
int coro_create(struct coro **out, coro_fn fn, void *arg, size_t stack_size);

/*
 * coro_resume - switch to co and run it until it yields or fn returns.
 * Returns 0 when it yielded, 1 when fn has returned (co is finished and can
 * only be destroyed), -EINVAL when co is finished, is running, or is the
 * caller. Coroutines may resume others (they nest like calls).
 * Context: the thread that created co.
 */
int coro_resume(struct coro *co);

/*
 * coro_yield - from inside a coroutine: switch back to whoever resumed it;
 * returns when it is resumed again. Returns -EPERM outside a coroutine.
 */
int coro_yield(void);

/* coro_self - the running coroutine, or NULL outside any. */
struct coro *coro_self(void);

/*
 * coro_destroy - free co and its stack. A coroutine suspended in coro_yield
 * is simply dropped (what it owned is leaked): finish it first. NULL is a
 * no-op. Context: not from inside co itself.
 */
void coro_destroy(struct coro *co);

#endif /* LAB06_CORO_H */
