/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 1: stackful coroutines with a hand-written x86-64 context
 * switch and mmap'd, guarded stacks. Yours to write.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coro.h"

enum coro_state { CORO_READY, CORO_RUNNING, CORO_SUSPENDED, CORO_DONE };

/*
 * Owned by the thread that resumes it. Add what you need; these are the
 * fields most designs end up with.
 */
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
 * coro__switch(save_sp, new_sp) - save the running context's registers on
 * its own stack and its stack pointer into *save_sp; then load new_sp and
 * restore the registers that the other context saved the same way; return
 * into that context. Written in assembly below (AT&T syntax: `op src, dst`);
 * the arguments arrive in rdi and rsi.
 */
__attribute__((visibility("hidden"))) void coro__switch(void **save_sp,
                                                        void *new_sp);
__asm__(".text\n"
        ".globl coro__switch\n"
        ".hidden coro__switch\n"
        ".type coro__switch, @function\n"
        "coro__switch:\n"
        /*
         * TODO(lab05.1): the switch itself, about twenty instructions.
         * - Which registers must survive a call, by the System V x86-64
         *   ABI, and which two control fields (one of SSE, one of the
         *   x87 unit)? The compiler assumes every other one may be
         *   clobbered by any call, so those (and rsp) are all you keep.
         * - Where is the return address right now, and what will `ret`
         *   do once rsp points into the other stack?
         * - Whatever order you push in, pop in the reverse order, and make
         *   the initial frame of a new coroutine (coro_create) match it.
         */
        "    ret\n"
        ".size coro__switch, .-coro__switch\n");

int coro_create(struct coro **out, coro_fn fn, void *arg, size_t stack_size)
{
    /*
     * TODO(lab05.1): map the stack and lay out its first frame.
     * - One mmap for the guard page and the stack, then mprotect: which end
     *   of it must be PROT_NONE, given that x86-64 stacks grow down?
     * - The first coro__switch into the coroutine pops what it expects to
     *   find, then `ret`s: to which function, and how does that function
     *   find fn and arg (current is set before the switch)? What must it do
     *   when fn returns, since there is no caller to return to?
     * - After that `ret`, rsp + 8 must be a multiple of 16. Count words.
     */
    (void)out;
    (void)fn;
    (void)arg;
    (void)stack_size;
    return -ENOSYS;
}

int coro_resume(struct coro *co, void **value)
{
    /*
     * TODO(lab05.1): check the state, remember who resumes (coroutines
     * nest), switch, and on the way back tell the caller what was yielded.
     */
    (void)co;
    (void)value;
    return -ENOSYS;
}

int coro_yield(void *value)
{
    /* TODO(lab05.1): the mirror image of resume. */
    (void)value;
    return -EPERM;
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
    /* TODO(lab05.1): give back everything coro_create took. */
    (void)co;
}
