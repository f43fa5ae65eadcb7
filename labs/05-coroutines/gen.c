/* SPDX-License-Identifier: MIT */
/* Lab 05, task 2: generators on top of your coroutines. Yours to write. */
#include <errno.h>
#include <stdint.h>

#include "gen.h"

int gen_next(struct coro *gen, void **value)
{
    /*
     * TODO(lab05.2): resume the generator. How do you tell a yielded value
     * from the body's return, which coro_resume hands out the same way?
     */
    (void)gen;
    (void)value;
    return -ENOSYS;
}

int gen_fib_create(struct coro **out)
{
    /*
     * TODO(lab05.2): a body that yields F(0), F(1), ... and stops before the
     * sum wraps around. How can you tell that a + b overflowed a uint64_t
     * without computing anything wider?
     */
    (void)out;
    return -ENOSYS;
}

int gen_inorder_create(struct coro **out, const struct tree_node *root)
{
    /*
     * TODO(lab05.2): the plain recursive in-order walk, yielding at each
     * node. Which stack does the recursion use, and how big must it be?
     * (gen.h says.)
     */
    (void)out;
    (void)root;
    return -ENOSYS;
}
