/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 1: stackful coroutines on x86-64 with a hand-written context
 * switch. You write coro.c; this header is not yours to edit.
 */
#ifndef LAB05_CORO_H
#define LAB05_CORO_H

#include <stdbool.h>
#include <stddef.h>

/* Usable stack bytes when coro_create is given 0, and the smallest allowed. */
#define CORO_STACK_DEFAULT (64 * 1024)
#define CORO_STACK_MIN (16 * 1024)

/* A coroutine's body: its return value is the last value resume hands out. */
typedef void *(*coro_fn)(void *arg);

struct coro; /* defined in coro.c */

/*
 * coro_create - make a coroutine that will run fn(arg) on its own stack, but
 * not start it: the first coro_resume does.
 *
 * The stack is mmap'd: stack_size usable bytes (0 means CORO_STACK_DEFAULT;
 * rounded up to whole pages) with one PROT_NONE guard page just below them,
 * so an overflow is a clean SIGSEGV, never silent corruption of a neighbour.
 * fn starts with the stack pointer aligned as the x86-64 ABI requires at a
 * function's entry (rsp + 8 a multiple of 16), and with every floating-point
 * exception masked in MXCSR and the x87 control word, as C code expects
 * (its creator's control bits, or the ABI's initial ones; never zeros).
 *
 * Returns 0 and sets *out; -EINVAL for a NULL out or fn, or a stack_size
 * under CORO_STACK_MIN; -ENOMEM when the stack cannot be mapped.
 * Context: any thread; does not block.
 */
int coro_create(struct coro **out, coro_fn fn, void *arg, size_t stack_size);

/*
 * coro_resume - switch to co and run it until it calls coro_yield or its
 * body returns, then come back here.
 *
 * Returns 0 and stores in *value (when value is not NULL) what it yielded,
 * or what its body returned if it has just finished (see coro_finished).
 * -EINVAL for a NULL co or one that has finished; -EBUSY for one that is
 * running (co itself, or a coroutine that resumed, directly or not, the
 * caller).
 *
 * Coroutines nest: a coroutine may resume another, whose yield comes back
 * to it. Blocks the calling thread only for as long as co runs.
 *
 * Both sides find, when they come back, what the x86-64 ABI says a call
 * keeps: rbx, rbp, r12-r15, rsp, and the control bits of MXCSR and the x87
 * control word. A switch makes no system call, so it costs far less than
 * swapcontext (which makes one to save the signal mask).
 * Context: resume a coroutine from one thread at a time.
 */
int coro_resume(struct coro *co, void **value);

/*
 * coro_yield - from inside a coroutine: hand value to the coro_resume that
 * started this stretch, and sleep until resumed again.
 *
 * Returns 0 once resumed; -EPERM when called outside any coroutine.
 * Context: inside a coroutine.
 */
int coro_yield(void *value);

/* coro_finished - true once co's body has returned. Context: any. */
bool coro_finished(const struct coro *co);

/* coro_current - the coroutine running on this thread, NULL outside one. */
struct coro *coro_current(void);

/*
 * coro_destroy - free co and unmap its stack. co may be finished, suspended
 * in a yield, or never started; a suspended body is abandoned where it
 * stands (nothing on its stack is unwound). NULL is ignored.
 * Context: never on a running coroutine (co itself or one of its resumers).
 */
void coro_destroy(struct coro *co);

#endif /* LAB05_CORO_H */
