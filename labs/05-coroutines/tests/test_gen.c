/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 2: generators yield their values lazily and in order, and
 * a recursive tree walk runs on the generator's stack.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "gen.h"

#define N(p) ((long)(uintptr_t)(p))

static void test_gen_fibonacci(void **state)
{
    uint64_t a = 0, b = 1, next;
    struct coro *g = NULL;
    void *v = NULL;
    int rc, n = 0;

    (void)state;
    rc = gen_fib_create(&g);
    if (rc != 0)
        harness_fail("gen_fib_create returned %d, expected 0", rc);
    while ((rc = gen_next(g, &v)) == 0) {
        if (n > 93)
            harness_fail("F(%d) does not fit in 64 bits, yet the generator "
                         "yielded %#lx",
                         n, (unsigned long)(uintptr_t)v);
        if ((uint64_t)(uintptr_t)v != a)
            harness_fail("F(%d): expected %lu, got %lu", n, (unsigned long)a,
                         (unsigned long)(uintptr_t)v);
        next = a + b;
        a = b;
        b = next;
        n++;
    }
    if (rc != -ENODATA || n != 94)
        harness_fail("expected F(0) .. F(93), 94 values, then -ENODATA; got "
                     "%d values, then %d. Is the body's return value "
                     "handed out as one more value?",
                     n, rc);
    if (gen_next(g, &v) != -ENODATA)
        harness_fail("gen_next on a finished generator: expected -ENODATA "
                     "again");
    coro_destroy(g);
}

/* Stopping early is fine: destroying a suspended generator frees it all. */
static void test_gen_stop_early(void **state)
{
    struct coro *g = NULL;
    void *v = NULL;

    (void)state;
    assert_int_equal(gen_next(NULL, &v), -EINVAL);
    assert_int_equal(gen_fib_create(&g), 0);
    assert_int_equal(gen_next(g, NULL), -EINVAL);
    for (int i = 0; i < 11; i++)
        assert_int_equal(gen_next(g, &v), 0);
    assert_int_equal(N(v), 55);
    coro_destroy(g);
}

/* A binary search tree of n nodes, keys inserted in a shuffled order. */
static struct tree_node *tree_insert(struct tree_node *root,
                                     struct tree_node *n)
{
    struct tree_node **p = &root;

    while (*p)
        p = n->key < (*p)->key ? &(*p)->left : &(*p)->right;
    *p = n;
    return root;
}

static struct tree_node *build_tree(struct tree_node *nodes, long n,
                                    long stride, long mult)
{
    struct tree_node *root = NULL;

    for (long i = 0; i < n; i++) {
        nodes[i].key = ((i * stride) % n) * mult;
        nodes[i].left = nodes[i].right = NULL;
        root = tree_insert(root, &nodes[i]);
    }
    return root;
}

static long walk_expect_sorted(const struct tree_node *root, long n, long mult)
{
    struct coro *g = NULL;
    void *v = NULL;
    long count = 0;
    int rc;

    rc = gen_inorder_create(&g, root);
    if (rc != 0)
        harness_fail("gen_inorder_create returned %d, expected 0", rc);
    while ((rc = gen_next(g, &v)) == 0) {
        const struct tree_node *node = v;

        if (count >= n || node->key != count * mult)
            harness_fail("in-order walk, item %ld: expected key %ld, got "
                         "%ld",
                         count, count * mult, count < n ? node->key : -1);
        count++;
    }
    coro_destroy(g);
    if (rc != -ENODATA || count != n)
        harness_fail("in-order walk: expected %ld nodes then -ENODATA, got "
                     "%ld nodes then %d",
                     n, count, rc);
    return count;
}

static void test_gen_inorder_balanced(void **state)
{
    enum { NODES = 1021 };
    struct tree_node *nodes = xcalloc(NODES, sizeof(*nodes));

    (void)state;
    walk_expect_sorted(build_tree(nodes, NODES, 389, 1), NODES, 1);
    walk_expect_sorted(NULL, 0, 1);
    free(nodes);
}

/* A left-leaning chain 4000 deep: the recursion needs the generator's own
 * big stack. */
static void test_gen_inorder_deep(void **state)
{
    enum { NODES = 4000 };
    struct tree_node *nodes = xcalloc(NODES, sizeof(*nodes));

    (void)state;
    walk_expect_sorted(build_tree(nodes, NODES, NODES - 1, 1), NODES, 1);
    free(nodes);
}

/* Two walks advanced in step: a merge that recursion alone cannot write. */
static void test_gen_inorder_merge(void **state)
{
    enum { NODES = 300 };
    struct tree_node *even = xcalloc(NODES, sizeof(*even));
    struct tree_node *odd = xcalloc(NODES, sizeof(*odd));
    struct coro *ge = NULL, *go = NULL;
    void *ve = NULL, *vo = NULL;
    int re, ro;
    long want = 0;

    (void)state;
    build_tree(even, NODES, 7, 2);
    build_tree(odd, NODES, 11, 2);
    for (long i = 0; i < NODES; i++)
        odd[i].key++;
    assert_int_equal(gen_inorder_create(&ge, &even[0]), 0);
    assert_int_equal(gen_inorder_create(&go, &odd[0]), 0);
    re = gen_next(ge, &ve);
    ro = gen_next(go, &vo);
    while (re == 0 || ro == 0) {
        const struct tree_node *e = ve, *o = vo;
        int take_even = ro != 0 || (re == 0 && e->key < o->key);
        long got = take_even ? e->key : o->key;

        if (got != want)
            harness_fail("merging two in-order walks: expected key %ld, got "
                         "%ld",
                         want, got);
        want++;
        if (take_even)
            re = gen_next(ge, &ve);
        else
            ro = gen_next(go, &vo);
    }
    if (want != 2 * NODES)
        harness_fail("the merge saw %ld keys, expected %d", want, 2 * NODES);
    coro_destroy(ge);
    coro_destroy(go);
    free(even);
    free(odd);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gen_fibonacci),
    cmocka_unit_test(test_gen_stop_early),
    cmocka_unit_test(test_gen_inorder_balanced),
    cmocka_unit_test(test_gen_inorder_deep),
    cmocka_unit_test(test_gen_inorder_merge),
};

HARNESS_MAIN(tests)
