/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 2: generators yield their values lazily and in order, and
 * a recursive tree walk runs on the generator's stack.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Stopping an in-order walk early is fine: destroy frees it (memcheck). */
static void test_gen_inorder_stop_early(void **state)
{
    enum { NODES = 1021, TAKE = 10 };
    struct tree_node *nodes = xcalloc(NODES, sizeof(*nodes));
    struct coro *g = NULL;
    void *v = NULL;

    (void)state;
    assert_int_equal(gen_inorder_create(&g, build_tree(nodes, NODES, 389, 1)),
                     0);
    for (long i = 0; i < TAKE; i++) {
        assert_int_equal(gen_next(g, &v), 0);
        if (((const struct tree_node *)v)->key != i)
            harness_fail("in-order walk, item %ld: expected key %ld, got %ld",
                         i, i, ((const struct tree_node *)v)->key);
    }
    coro_destroy(g); /* deep in the tree, suspended in a yield */
    free(nodes);
}

/*
 * gen.h: each create returns "what coro_create returned": -EINVAL for a
 * NULL out, and -ENOMEM when the stack cannot be mapped (in a child whose
 * address space is capped just above what it already uses). "Context:
 * any": generators made on a worker thread run on the main one.
 */
struct gen_made {
    const struct tree_node *root;
    struct coro *fib, *walk;
    int fib_rc, walk_rc;
};

static void *make_gens(void *arg)
{
    struct gen_made *m = arg;

    m->fib_rc = gen_fib_create(&m->fib);
    m->walk_rc = gen_inorder_create(&m->walk, m->root);
    return NULL;
}

/* The child's VmSize in bytes, from /proc/self/status; 0 if unknown. */
static unsigned long vm_size_bytes(void)
{
    char line[256];
    unsigned long kib = 0;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmSize: %lu kB", &kib) == 1)
            break;
    fclose(f);
    return kib * 1024;
}

static void capped_creates(int fd)
{
    struct tree_node node = {1, NULL, NULL};
    struct coro *g = NULL;
    int rc[2] = {1, 1};
    unsigned long vm = vm_size_bytes();
    struct rlimit lim;

    if (vm && getrlimit(RLIMIT_AS, &lim) == 0) {
        /* Below a hard limit already lower, if any: a cap all the same. */
        lim.rlim_cur = vm + 16 * 1024;
        if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
            lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_AS, &lim) == 0) {
            rc[0] = gen_fib_create(&g);
            rc[1] = gen_inorder_create(&g, &node);
        }
    }
    if (write(fd, rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        _exit(3);
    _exit(0);
}

static void test_gen_create_returns_coro_errors(void **state)
{
    struct tree_node node = {7, NULL, NULL};
    struct gen_made m = {&node, NULL, NULL, 1, 1};
    int fds[2], rc[2] = {1, 1}, status;
    void *v = NULL;
    pthread_t t;
    pid_t pid;

    (void)state;
    expect_rc("gen_fib_create(NULL)", gen_fib_create(NULL), -EINVAL);
    expect_rc("gen_inorder_create(NULL, root)", gen_inorder_create(NULL, &node),
              -EINVAL);
    xpthread_create(&t, NULL, make_gens, &m);
    xpthread_join(t, NULL);
    expect_rc("gen_fib_create on a worker thread", m.fib_rc, 0);
    expect_rc("gen_inorder_create on a worker thread", m.walk_rc, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(gen_next(m.fib, &v), 0);
    assert_int_equal(N(v), 1); /* F(2) */
    assert_int_equal(gen_next(m.walk, &v), 0);
    assert_ptr_equal(v, &node);
    assert_int_equal(gen_next(m.walk, &v), -ENODATA);
    coro_destroy(m.fib);
    coro_destroy(m.walk);

    xpipe(fds);
    fflush(NULL);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        capped_creates(fds[1]);
    }
    close(fds[1]);
    if (read(fds[0], rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        rc[0] = rc[1] = 1;
    close(fds[0]);
    xwaitpid(pid, &status, 0);
    if (rc[0] == 1 && rc[1] == 1)
        harness_fail("the child that caps its address space and makes "
                     "generators reported nothing (wait status %#x)",
                     status);
    expect_rc("gen_fib_create with no room for its stack", rc[0], -ENOMEM);
    expect_rc("gen_inorder_create with no room for its stack", rc[1], -ENOMEM);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gen_fibonacci),
    cmocka_unit_test(test_gen_stop_early),
    cmocka_unit_test(test_gen_inorder_balanced),
    cmocka_unit_test(test_gen_inorder_deep),
    cmocka_unit_test(test_gen_inorder_merge),
    cmocka_unit_test(test_gen_inorder_stop_early),
    cmocka_unit_test(test_gen_create_returns_coro_errors),
};

HARNESS_MAIN(tests)
