/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, provided: coroutines on getcontext/makecontext/swapcontext, with
 * mmap'ed stacks behind a guard page. Tells ThreadSanitizer and Valgrind
 * about the stack switches, so their reports stay meaningful.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "coro.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define CORO_TSAN 1
#else
#define CORO_TSAN 0
#endif

struct coro {
    ucontext_t ctx;    /* the coroutine's registers while it is suspended */
    ucontext_t caller; /* the resumer's, while the coroutine runs */
    struct coro *resumer_self; /* coro_self() of the resumer */
    coro_fn fn;
    void *arg;
    void *stack; /* mmap'ed: guard page, then stack_size bytes */
    size_t map_len;
    unsigned vg_stack; /* Valgrind's id for the stack */
    void *tsan_fiber;
    void *tsan_caller;
    int running, finished;
};

/* Coroutines never move between threads: one "current" per thread. */
static _Thread_local struct coro *current;

struct coro *coro_self(void)
{
    return current;
}

/* makecontext passes ints: split the pointer in two halves. */
static void coro__trampoline(unsigned hi, unsigned lo)
{
    struct coro *co = (struct coro *)(((uintptr_t)hi << 32) | lo);

    co->fn(co->arg);
    co->finished = 1;
    /*
     * Back to the resumer for good. Not by returning (uc_link would do it):
     * under ThreadSanitizer the return would pop a frame from the resumer's
     * shadow stack after the fiber switch.
     */
#if CORO_TSAN
    __tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
    setcontext(&co->caller);
}

int coro_create(struct coro **out, coro_fn fn, void *arg, size_t stack_size)
{
    long page = sysconf(_SC_PAGESIZE);
    struct coro *co = calloc(1, sizeof(*co));
    uintptr_t p = 0;

    if (!co)
        return -ENOMEM;
    if (stack_size == 0)
        stack_size = 256 * 1024;
    stack_size = (stack_size + (size_t)page - 1) & ~((size_t)page - 1);
    co->map_len = stack_size + (size_t)page;
    co->stack = mmap(NULL, co->map_len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (co->stack == MAP_FAILED) {
        free(co);
        return -ENOMEM;
    }
    mprotect(co->stack, (size_t)page, PROT_NONE); /* overflow -> SIGSEGV */
    co->fn = fn;
    co->arg = arg;
    getcontext(&co->ctx);
    co->ctx.uc_stack.ss_sp = (char *)co->stack + page;
    co->ctx.uc_stack.ss_size = stack_size;
    co->ctx.uc_link = &co->caller;
    p = (uintptr_t)co;
    makecontext(&co->ctx, (void (*)(void))coro__trampoline, 2,
                (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
    co->vg_stack = VALGRIND_STACK_REGISTER((char *)co->stack + page,
                                           (char *)co->stack + co->map_len);
#if CORO_TSAN
    co->tsan_fiber = __tsan_create_fiber(0);
#endif
    *out = co;
    return 0;
}

int coro_resume(struct coro *co)
{
    if (!co || co->finished || co->running || co == current)
        return -EINVAL;
    co->resumer_self = current;
    co->running = 1;
    current = co;
#if CORO_TSAN
    co->tsan_caller = __tsan_get_current_fiber();
    __tsan_switch_to_fiber(co->tsan_fiber, 0);
#endif
    swapcontext(&co->caller, &co->ctx);
    current = co->resumer_self;
    co->running = 0;
    return co->finished ? 1 : 0;
}

int coro_yield(void)
{
    struct coro *co = current;

    if (!co)
        return -EPERM;
#if CORO_TSAN
    __tsan_switch_to_fiber(co->tsan_caller, 0);
#endif
    swapcontext(&co->ctx, &co->caller);
    return 0;
}

void coro_destroy(struct coro *co)
{
    if (!co)
        return;
#if CORO_TSAN
    __tsan_destroy_fiber(co->tsan_fiber);
#endif
    VALGRIND_STACK_DEREGISTER(co->vg_stack);
    munmap(co->stack, co->map_len);
    free(co);
}
