/* SPDX-License-Identifier: MIT */
/* Lab 05, task 2 (reference): generators on top of coroutines. */
#include <errno.h>
#include <stdint.h>

#include "gen.h"

int gen_next(struct coro *gen, void **value)
{
    int rc;

    if (!gen || !value)
        return -EINVAL;
    if (coro_finished(gen))
        return -ENODATA;
    rc = coro_resume(gen, value);
    if (rc < 0)
        return rc;
    /* Coming back finished means the body returned: no value this time. */
    return 0;
}

static void *fib_body(void *arg)
{
    uint64_t a = 0, b = 1;

    (void)arg;
    coro_yield((void *)(uintptr_t)a);
    /* F(n+1) = a + b fits as long as it does not wrap around. */
    while (a + b >= b) {
        coro_yield((void *)(uintptr_t)b);
        b = a + b;
        a = b - a;
    }
    coro_yield((void *)(uintptr_t)b);
    return NULL;
}

int gen_fib_create(struct coro **out)
{
    return coro_create(out, fib_body, NULL, 0);
}

/* Plain recursion, on the generator's stack: each yield freezes the path. */
static void inorder(const struct tree_node *n)
{
    if (!n)
        return;
    inorder(n->left);
    coro_yield((void *)(uintptr_t)n);
    inorder(n->right);
}

static void *inorder_body(void *arg)
{
    inorder(arg);
    return NULL;
}

int gen_inorder_create(struct coro **out, const struct tree_node *root)
{
    return coro_create(out, inorder_body, (void *)(uintptr_t)root,
                       GEN_STACK_SIZE);
}
