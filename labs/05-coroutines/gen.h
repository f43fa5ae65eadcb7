/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 2: generators, coroutines that produce values lazily, one
 * per gen_next. You write gen.c; this header is not yours to edit.
 */
#ifndef LAB05_GEN_H
#define LAB05_GEN_H

#include <stdint.h>

#include "coro.h"

/* Enough stack for an in-order walk of a tree some thousands deep. */
#define GEN_STACK_SIZE (512 * 1024)

/* A binary search tree node: left keys are smaller, right keys larger. */
struct tree_node {
    long key;
    struct tree_node *left, *right;
};

/*
 * gen_next - run the generator gen until it yields its next value.
 *
 * Returns 0 and stores the value in *value; -ENODATA once the generator's
 * body has returned (what it returned is not a value of the sequence, and
 * every later call gives -ENODATA too); -EINVAL for a NULL gen or value.
 * Context: like coro_resume.
 */
int gen_next(struct coro *gen, void **value);

/*
 * gen_fib_create - a generator of the Fibonacci numbers F(0) = 0, F(1) = 1,
 * F(n) = F(n-1) + F(n-2), each yielded as (void *)(uintptr_t)F(n), for as
 * long as they fit in a uint64_t (up to F(93)); then it finishes.
 *
 * Returns 0 and sets *out (free it with coro_destroy), or what coro_create
 * returned. Context: any.
 */
int gen_fib_create(struct coro **out);

/*
 * gen_inorder_create - a generator that yields every node of the tree under
 * root (a const struct tree_node *, as void *) in increasing key order, then
 * finishes. The walk may recurse: it does so on the generator's own stack
 * (GEN_STACK_SIZE), never the caller's. The tree must not change while the
 * generator lives.
 *
 * Returns 0 and sets *out (free it with coro_destroy; stopping early is
 * fine), or what coro_create returned. Context: any.
 */
int gen_inorder_create(struct coro **out, const struct tree_node *root);

#endif /* LAB05_GEN_H */
