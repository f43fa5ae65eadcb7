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
    enum coro_state state;
    void **out; /* where the resume running us wants the value, or NULL */
    coro_fn fn;
    void *arg;
    void *map; /* the whole mapping: guard page, then the stack */
    size_t map_len;
};

static _Thread_local struct coro *current;

/*
 * coro__switch - save the callee-saved state of the running context on its
 * stack and its stack pointer into *save_sp, then load new_sp, restore the
 * state saved there, and go on in that context, returning 0 there.
 *
 * What a switch must keep is what the System V ABI says survives a call:
 * rbx, rbp, r12-r15 and rsp, and two control fields, the control bits of
 * MXCSR (SSE rounding, exception masks) and the x87 control word. The
 * compiler assumes any call clobbers every other register and status
 * flag, so nothing else needs saving. The return address is on the stack
 * already: the call (or tail jump) into this function left it there.
 *
 * The control fields go in one 8-byte slot below the registers: MXCSR in
 * its low half, the x87 control word above. Storing them is cheap;
 * loading them (ldmxcsr, fldcw) costs more than the rest of the switch,
 * so each is loaded only when it differs from the running context's,
 * which with one rounding mode everywhere is never. The `lfence` keeps
 * the CPU from running a load it only guessed it needs: measured in
 * bench/switch.c, a mispredicted, squashed ldmxcsr or fldcw made the
 * whole switch three times slower.
 *
 * Why `pop` + `jmp` rather than `ret`: the CPU predicts a `ret` from its
 * return stack buffer, which holds the address after *this* context's
 * call, so a `ret` into another context is mispredicted every time
 * (bench/switch.c: a bare switch costs about 2.5x as much ending in `ret`).
 * An indirect jump is predicted from where it went before, which in a
 * ping-pong is right. For the same reason coro_resume and coro_yield end
 * in a tail call of this function and do all their work before it: a
 * `ret` out of them after the switch would be predicted from the other
 * context's calls. rcx and rdx are free to clobber: the ABI lets any
 * called function do so; eax is the 0 they return.
 */
__attribute__((visibility("hidden"))) int coro__switch(void **save_sp,
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
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movl (%rsp), %eax\n"
        "    movzwl 4(%rsp), %edx\n"
        "    movq %rsi, %rsp\n"
        "    xorl (%rsp), %eax\n"
        "    testl $0xffc0, %eax\n" /* MXCSR bits 6-15: the control bits */
        "    jnz 2f\n"
        "1:  cmpw 4(%rsp), %dx\n"
        "    jne 4f\n"
        "3:  addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    popq %rcx\n"
        "    xorl %eax, %eax\n"
        "    jmpq *%rcx\n"
        "2:  lfence\n"
        "    ldmxcsr (%rsp)\n"
        "    jmp 1b\n"
        "4:  lfence\n"
        "    fldcw 4(%rsp)\n"
        "    jmp 3b\n"
        ".size coro__switch, .-coro__switch\n");

/* Hand value to the resume that ran co, and make its resumer current. */
static void coro__hand_back(struct coro *co, void *value)
{
    if (co->out)
        *co->out = value;
    current = co->resumer;
}

/* The first switch into a coroutine "returns" here, on its fresh stack. */
__attribute__((noreturn)) static void coro__entry(void)
{
    struct coro *co = current;
    void *value = co->fn(co->arg);

    co->state = CORO_DONE;
    coro__hand_back(co, value);
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
 *   top - 72    MXCSR, x87    the creator's control fields: a coroutine
 *               control word  starts with the rounding mode of its creator
 * After the jump, rsp = top - 8: as if coro__entry had just been called
 * from 16-byte aligned code, which is what the ABI promises a function.
 */
static void *coro__initial_frame(void *top)
{
    uintptr_t *sp = top;
    uint32_t fp[2] = {0, 0};

    *--sp = 0;
    *--sp = (uintptr_t)coro__entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    __asm__("stmxcsr %0\n\tfnstcw %1" : "=m"(fp[0]), "=m"(fp[1]));
    *--sp = (uintptr_t)fp[0] | (uintptr_t)(fp[1] & 0xffff) << 32;
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

/*
 * coro_resume and coro_yield do all their work before the switch and end
 * in a tail call of it (see coro__switch for why): whoever runs next hands
 * the value back and restores `current`, before switching back here.
 */
int coro_resume(struct coro *co, void **value)
{
    if (!co || co->state == CORO_DONE)
        return -EINVAL;
    if (co->state == CORO_RUNNING)
        return -EBUSY;
    co->resumer = current;
    co->out = value;
    co->state = CORO_RUNNING;
    current = co;
    return coro__switch(&co->resumer_sp, co->sp);
}

int coro_yield(void *value)
{
    struct coro *co = current;

    if (!co)
        return -EPERM;
    co->state = CORO_SUSPENDED;
    coro__hand_back(co, value);
    return coro__switch(&co->sp, co->resumer_sp);
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
