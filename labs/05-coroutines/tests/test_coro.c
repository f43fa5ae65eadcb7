/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 1 and 4: coroutines resume and yield in order, keep their
 * registers and their own aligned, guarded stacks, and switch far faster
 * than threads and than swapcontext.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "harness.h"
#include "coro.h"
#include "lab05_util.h"

#define V(x) ((void *)(uintptr_t)(x))
#define N(p) ((long)(uintptr_t)(p))

static struct coro *make(coro_fn fn, void *arg, size_t stack)
{
    struct coro *co = NULL;
    int rc = coro_create(&co, fn, arg, stack);

    if (rc != 0 || !co)
        harness_fail("coro_create returned %d (%s), expected 0 and a "
                     "coroutine",
                     rc, strerror(rc < 0 ? -rc : 0));
    return co;
}

static void *count_to_three(void *arg)
{
    long base = N(arg);

    for (long i = 1; i <= 3; i++)
        coro_yield(V(base + i));
    return V(base + 100);
}

static void test_coro_resume_yield_sequence(void **state)
{
    struct coro *co;
    void *v = NULL;
    int rc;

    (void)state;
    co = make(count_to_three, V(10), 0);
    if (coro_finished(co))
        harness_fail("a coroutine that never ran is not finished");
    for (long i = 1; i <= 3; i++) {
        rc = coro_resume(co, &v);
        if (rc != 0 || N(v) != 10 + i)
            harness_fail("resume %ld: expected 0 and the yielded value %ld, "
                         "got %d and %ld",
                         i, 10 + i, rc, N(v));
        if (coro_finished(co))
            harness_fail("resume %ld: finished after a yield", i);
    }
    rc = coro_resume(co, &v);
    if (rc != 0 || N(v) != 110 || !coro_finished(co))
        harness_fail("the last resume: expected 0, the body's return value "
                     "110 and finished; got %d, %ld, finished=%d",
                     rc, N(v), coro_finished(co));
    if (coro_current() != NULL)
        harness_fail("coro_current() outside any coroutine must be NULL");
    /*
     * Said before the call, and kept only if the test fails: resuming a
     * finished coroutine that is not refused switches to a stack nobody
     * runs on any more, which crashes or hangs before it can return.
     */
    harness_symptom("resumed-finished",
                    "the test resumed a coroutine whose body had returned "
                    "(after 3 yields and its return), expecting -EINVAL");
    rc = coro_resume(co, &v);
    if (rc != -EINVAL)
        harness_fail_symptom("resumed-finished",
                             "resuming a finished coroutine (after 3 yields "
                             "and its return): expected -EINVAL, got %d",
                             rc);
    coro_destroy(co);
}

static void *resume_self(void *arg)
{
    (void)arg;
    return V(coro_resume(coro_current(), NULL));
}

static void test_coro_bad_arguments(void **state)
{
    struct coro *co = NULL;
    void *v = NULL;
    int rc;

    (void)state;
    assert_int_equal(coro_create(NULL, count_to_three, NULL, 0), -EINVAL);
    assert_int_equal(coro_create(&co, NULL, NULL, 0), -EINVAL);
    assert_int_equal(coro_create(&co, count_to_three, NULL, 1024), -EINVAL);
    assert_int_equal(coro_resume(NULL, NULL), -EINVAL);
    co = make(resume_self, NULL, 0);
    assert_int_equal(coro_resume(co, &v), 0);
    if (N(v) != -EBUSY)
        harness_fail("a coroutine resuming itself: expected -EBUSY, got %ld",
                     N(v));
    coro_destroy(co);
    coro_destroy(NULL);
    /* Last, and said before the call: a yield with no coroutine to leave
     * switches to a context that does not exist, and crashes. */
    harness_symptom("yield-outside",
                    "the test called coro_yield from main, outside any "
                    "coroutine (coro_current() == NULL), expecting -EPERM");
    rc = coro_yield(NULL);
    if (rc != -EPERM)
        harness_fail_symptom("yield-outside",
                             "coro_yield called from main (coro_current() == "
                             "NULL): expected -EPERM, got %d",
                             rc);
}

/* Nesting: the outer coroutine resumes an inner one; yields go one up. */
static void *inner_body(void *arg)
{
    struct coro **self = arg;

    if (coro_current() != *self)
        return V(-1);
    coro_yield(V(1));
    return V(2);
}

static void *outer_body(void *arg)
{
    struct coro *me = coro_current(), *in = NULL;
    void *v = NULL;
    long sum = 0;

    (void)arg;
    if (coro_create(&in, inner_body, &in, 0) != 0)
        return V(-100);
    while (coro_resume(in, &v) == 0) {
        if (coro_current() != me)
            sum -= 1000;
        sum += N(v);
        coro_yield(V(sum));
    }
    coro_destroy(in);
    return V(sum + 10);
}

static void test_coro_nested_resume(void **state)
{
    struct coro *outer;
    long got[4] = {0};
    void *v = NULL;

    (void)state;
    outer = make(outer_body, NULL, 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(coro_resume(outer, &v), 0);
        got[i] = N(v);
    }
    if (got[0] != 1 || got[1] != 3 || got[2] != 13 || !coro_finished(outer))
        harness_fail("outer coroutine resuming an inner one: expected the "
                     "values 1, 3, 13 and finished, got %ld, %ld, %ld "
                     "(finished=%d). A yield must return to whoever resumed "
                     "the coroutine, and coro_current() follow along",
                     got[0], got[1], got[2], coro_finished(outer));
    coro_destroy(outer);
}

/* 64 coroutines interleaved: each keeps its own locals on its own stack. */
static void *sum_body(void *arg)
{
    long id = N(arg), acc = 0;

    for (long i = 0; i < 100; i++) {
        acc += id * i;
        coro_yield(V(acc));
    }
    return V(acc);
}

static void test_coro_many_interleaved(void **state)
{
    enum { COROS = 64 };
    struct coro *co[COROS];
    void *v = NULL;

    (void)state;
    for (long i = 0; i < COROS; i++)
        co[i] = make(sum_body, V(i), 0);
    for (long step = 0; step <= 100; step++)
        for (long i = 0; i < COROS; i++) {
            long want = i * (step < 100 ? step : 99) *
                        ((step < 100 ? step : 99) + 1) / 2;

            assert_int_equal(coro_resume(co[i], &v), 0);
            if (N(v) != want)
                harness_fail("coroutine %ld, step %ld: expected %ld, got "
                             "%ld: do the coroutines share a stack?",
                             i, step, want, N(v));
        }
    for (int i = 0; i < COROS; i++) {
        assert_true(coro_finished(co[i]));
        coro_destroy(co[i]);
    }
}

/* Callee-saved registers survive a switch, in both directions. */
static void yield_cb(void *arg)
{
    (void)arg;
    coro_yield(NULL);
}

static void *regs_body(void *arg)
{
    unsigned long *mask = arg;

    lab05_call_scrambled(yield_cb, NULL);
    *mask = lab05_call_checked(yield_cb, NULL);
    return NULL;
}

static void resume_cb(void *arg)
{
    coro_resume(arg, NULL);
}

static const char *reg_names(unsigned long mask, char *buf, size_t len)
{
    static const char *const names[] = {"rbx", "rbp", "r12",
                                        "r13", "r14", "r15"};

    buf[0] = '\0';
    for (int i = 0; i < 6; i++)
        if (mask & (1ul << i))
            snprintf(buf + strlen(buf), len - strlen(buf), " %s", names[i]);
    return buf;
}

static void test_coro_callee_saved_preserved(void **state)
{
    unsigned long in_main, in_coro = 0;
    struct coro *co;
    char buf[64];

    (void)state;
    co = make(regs_body, &in_coro, 0);
    in_main = lab05_call_checked(resume_cb, co);
    lab05_call_scrambled(resume_cb, co);
    lab05_call_scrambled(resume_cb, co);
    if (!coro_finished(co))
        harness_fail("the coroutine should have finished after 3 resumes");
    coro_destroy(co);
    if (in_main)
        harness_fail("coming back from coro_resume, the caller's%s changed: "
                     "the switch must save and restore every callee-saved "
                     "register (rbx, rbp, r12-r15)",
                     reg_names(in_main, buf, sizeof(buf)));
    if (in_coro)
        harness_fail("coming back from coro_yield, the coroutine's%s "
                     "changed: the switch must save and restore every "
                     "callee-saved register (rbx, rbp, r12-r15)",
                     reg_names(in_coro, buf, sizeof(buf)));
}

/*
 * The ABI's two callee-saved control fields survive a switch too: the
 * rounding-control bits of MXCSR (SSE) and of the x87 control word. Each
 * side sets its own rounding mode and must find it again after a switch.
 */
enum { MXCSR_RC = 0x6000, X87_RC = 0x0c00 }; /* the rounding-mode bits */

struct fp_ctl {
    uint32_t mxcsr;
    uint16_t x87;
};

static struct fp_ctl fp_get(void)
{
    struct fp_ctl c;

    __asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(c.mxcsr), "=m"(c.x87));
    return c;
}

static void fp_set(struct fp_ctl c)
{
    __asm__ volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(c.mxcsr), "m"(c.x87));
}

/* The same fields with the rounding mode rc (0-3) in both. */
static struct fp_ctl fp_with_rounding(struct fp_ctl c, unsigned rc)
{
    c.mxcsr = (c.mxcsr & ~(uint32_t)MXCSR_RC) | rc << 13;
    c.x87 = (uint16_t)((c.x87 & ~X87_RC) | rc << 10);
    return c;
}

static bool fp_same(struct fp_ctl a, struct fp_ctl b)
{
    return (a.mxcsr & MXCSR_RC) == (b.mxcsr & MXCSR_RC) &&
           (a.x87 & X87_RC) == (b.x87 & X87_RC);
}

/* Rounds toward zero (3), yields, and reports what it finds afterwards. */
static void *fp_body(void *arg)
{
    struct fp_ctl mine = fp_with_rounding(fp_get(), 3);

    fp_set(mine);
    coro_yield(NULL);
    *(struct fp_ctl *)arg = fp_get();
    return NULL;
}

static void test_coro_fp_control_preserved(void **state)
{
    struct fp_ctl saved = fp_get(), in_coro = {0, 0}, back, up;
    struct coro *co;

    (void)state;
    co = make(fp_body, &in_coro, 0);
    assert_int_equal(coro_resume(co, NULL), 0); /* it now rounds to zero */
    back = fp_get();
    up = fp_with_rounding(saved, 2); /* the caller now rounds up */
    fp_set(up);
    assert_int_equal(coro_resume(co, NULL), 0);
    up = fp_get();
    fp_set(saved);
    assert_true(coro_finished(co));
    coro_destroy(co);
    if (!fp_same(back, saved))
        harness_fail("coming back from coro_resume, the caller's rounding "
                     "mode (MXCSR %#x, x87 control word %#x) is the "
                     "coroutine's, not its own (%#x, %#x): the ABI makes "
                     "the MXCSR control bits and the x87 control word "
                     "callee-saved, so the switch must keep them too",
                     back.mxcsr, back.x87, saved.mxcsr, saved.x87);
    if (!fp_same(in_coro, fp_with_rounding(saved, 3)))
        harness_fail("coming back from coro_yield, the coroutine's rounding "
                     "mode (MXCSR %#x, x87 control word %#x) is its "
                     "resumer's: the switch must save and restore the "
                     "MXCSR control bits and the x87 control word",
                     in_coro.mxcsr, in_coro.x87);
    if (!fp_same(up, fp_with_rounding(saved, 2)))
        harness_fail("after the coroutine finished, the caller's rounding "
                     "mode (MXCSR %#x, x87 control word %#x) is not the "
                     "one it set: the last switch back must restore it too",
                     up.mxcsr, up.x87);
}

/*
 * A new coroutine starts with every floating-point exception masked (its
 * creator's control bits, or the ABI's initial ones), not zeros: MXCSR 0
 * unmasks every SSE exception, so the first inexact division would raise
 * SIGFPE; an x87 control word of 0 does the same for long double.
 */
enum { MXCSR_MASKS = 0x1f80, X87_MASKS = 0x003f };

static void *fp_first_body(void *arg)
{
    *(struct fp_ctl *)arg = fp_get();
    return NULL;
}

static void *fp_divide_body(void *arg)
{
    volatile double one = 1.0, three = 3.0;
    volatile long double lone = 1.0L, lthree = 3.0L;

    *(double *)arg = one / three + (double)(lone / lthree);
    return NULL;
}

static void test_coro_starts_with_fp_masked(void **state)
{
    struct fp_ctl saved = fp_get(), first = {0, 0};
    struct fp_ctl toward_zero = fp_with_rounding(saved, 3);
    double sum = 0;
    struct coro *co;

    (void)state;
    fp_set(toward_zero); /* a creator whose control bits are not the ABI's */
    co = make(fp_first_body, &first, 0);
    assert_int_equal(coro_resume(co, NULL), 0);
    fp_set(saved);
    coro_destroy(co);
    if ((first.mxcsr & MXCSR_MASKS) != MXCSR_MASKS ||
        (first.x87 & X87_MASKS) != X87_MASKS)
        harness_fail_symptom(
            "fp-unmasked",
            "a new coroutine started with MXCSR %#x and x87 control word "
            "%#x (its creator's: %#x, %#x): floating-point exceptions are "
            "unmasked, so its first inexact division raises SIGFPE: fill "
            "the first frame's control fields (the creator's, say), not zeros",
            first.mxcsr, first.x87, toward_zero.mxcsr, toward_zero.x87);
    co = make(fp_divide_body, &sum, 0);
    assert_int_equal(coro_resume(co, NULL), 0);
    coro_destroy(co);
    assert_true(sum > 0.66 && sum < 0.67);
}

/* The ABI: rsp is a multiple of 16 at every call; SSE code relies on it. */
static void *align_body(void *arg)
{
    char *out = arg;
    uintptr_t sp = lab05_sp_at_call();

    if (sp % 16 != 0)
        return V(sp % 16);
    snprintf(out, 32, "%.2f", 2.5 * (double)(sp % 7 + 1) / (sp % 7 + 1));
    return V(0);
}

static void test_coro_stack_aligned(void **state)
{
    char out[32] = "";
    struct coro *co;
    void *v = NULL;

    (void)state;
    co = make(align_body, out, 0);
    assert_int_equal(coro_resume(co, &v), 0);
    coro_destroy(co);
    if (N(v) != 0)
        harness_fail_symptom("misaligned",
                             "inside the coroutine, rsp %% 16 == %ld at a "
                             "call instruction, expected 0: a function must "
                             "start with rsp + 8 a multiple of 16, as if "
                             "called from aligned code. Count the words you "
                             "push on the fresh stack",
                             N(v));
    assert_string_equal(out, "2.50");
}

static void *where_body(void *arg)
{
    (void)arg;
    coro_yield(V(lab05_sp_at_call()));
    return NULL;
}

static void test_coro_stack_has_guard_page(void **state)
{
    struct lab05_map stack, below;
    size_t want = 24 * 1024;
    struct coro *co;
    void *v = NULL;
    uintptr_t sp;

    (void)state;
    co = make(where_body, NULL, want);
    assert_int_equal(coro_resume(co, &v), 0);
    sp = (uintptr_t)v;
    if (lab05_find_map(sp, 0, &stack) != 0)
        harness_fail("no mapping in /proc/self/maps holds the coroutine's "
                     "stack pointer %#lx",
                     (unsigned long)sp);
    if (strncmp(stack.perms, "rw", 2) != 0 || stack.hi - stack.lo < want)
        harness_fail("the stack's mapping %#lx-%#lx (%s) should be readable, "
                     "writable and at least the %zu bytes asked for",
                     (unsigned long)stack.lo, (unsigned long)stack.hi,
                     stack.perms, want);
    if (lab05_find_map(sp, -1, &below) != 0 ||
        strncmp(below.perms, "---", 3) != 0)
        harness_fail("nothing inaccessible lies right below the stack "
                     "(%#lx-%#lx): an overflow would silently write into "
                     "whatever is mapped there. Map one more page and "
                     "mprotect it PROT_NONE",
                     (unsigned long)stack.lo, (unsigned long)stack.hi);
    coro_destroy(co);
}

static volatile long overflow_limit = 1L << 40;

static long deep(long n)
{
    volatile char buf[256];

    buf[0] = (char)n;
    buf[255] = 1;
    if (n >= overflow_limit)
        return 0;
    return deep(n + 1) + buf[0] + buf[255];
}

static void *overflow_body(void *arg)
{
    (void)arg;
    return V(deep(0));
}

static void test_coro_overflow_crashes_cleanly(void **state)
{
    int status;
    pid_t pid;

    (void)state;
    fflush(NULL);
    pid = xfork();
    if (pid == 0) {
        struct coro *co = NULL;

        if (coro_create(&co, overflow_body, NULL, CORO_STACK_MIN) != 0)
            _exit(3);
        coro_resume(co, NULL);
        _exit(0);
    }
    xwaitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
        harness_fail("coro_create failed in the child");
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
        harness_fail(
            "endless recursion on a coroutine's stack should end "
            "in SIGSEGV at the guard page; the child %s %d",
            WIFSIGNALED(status) ? "was killed by signal" : "exited with",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

/* Touch the stack `arg` bytes deep, a page at a time downwards. */
static void *use_stack(void *arg)
{
    size_t n = (size_t)N(arg);
    volatile char buf[n];

    for (size_t i = n; i > 0; i -= i < 512 ? i : 512)
        buf[i - 1] = (char)i;
    buf[0] = 1;
    return V(buf[n - 1] + buf[0]);
}

/*
 * coro.h: stack_size usable bytes, rounded up to whole pages; under
 * CORO_STACK_MIN is -EINVAL but CORO_STACK_MIN itself is fine; a stack that
 * cannot be mapped is -ENOMEM (and leaks nothing: memcheck).
 */
static void test_coro_create_sizes(void **state)
{
    /* Not a whole number of pages: 4000 bytes past the minimum. */
    size_t odd = CORO_STACK_MIN + 4000;
    struct coro *co = NULL;
    void *v = NULL;

    (void)state;
    assert_int_equal(coro_create(&co, use_stack, NULL, CORO_STACK_MIN - 1),
                     -EINVAL);
    co = make(use_stack, V(CORO_STACK_MIN - 2048), CORO_STACK_MIN);
    assert_int_equal(coro_resume(co, &v), 0);
    assert_true(coro_finished(co));
    coro_destroy(co);
    /* A frame or two of slack, not a page: the rest is the caller's. */
    co = make(use_stack, V(odd - 1024), odd);
    assert_int_equal(coro_resume(co, &v), 0);
    assert_true(coro_finished(co));
    coro_destroy(co);
    co = NULL;
    if (coro_create(&co, use_stack, NULL, SIZE_MAX / 4) != -ENOMEM)
        harness_fail("a stack of SIZE_MAX / 4 bytes cannot be mapped: "
                     "coro_create must return -ENOMEM");
}

/*
 * coro.h: a guard page below the stack; -ENOMEM when the stack cannot be
 * mapped. In a thread where every mprotect to PROT_NONE fails (a seccomp
 * filter: the stack could be mapped, its guard cannot be made), coro_create
 * of a 64 MiB stack returns -ENOMEM and leaves nothing behind: the address
 * space has not grown by the stack (and memcheck sees no leaked memory).
 * A design that needs no such mprotect may return 0: its coroutine must
 * then work.
 */
struct guardless {
    int filter, rc, ran; /* written by the thread, read after join */
    long grew_kib;
};

static void *create_without_guards(void *arg)
{
    struct guardless *r = arg;
    struct coro *co = NULL;
    void *v = NULL;
    long before;

    r->filter = lab05_no_guard_pages();
    if (r->filter != 0)
        return NULL;
    before = lab05_vm_kib();
    r->rc = coro_create(&co, use_stack, V(4096), (size_t)64 << 20);
    r->grew_kib = lab05_vm_kib() - before;
    if (r->rc == 0) {
        r->ran = coro_resume(co, &v) == 0 && coro_finished(co);
        coro_destroy(co);
    }
    return NULL;
}

static void test_coro_create_guard_fails(void **state)
{
    struct guardless r = {0};
    pthread_t t;

    (void)state;
    xpthread_create(&t, NULL, create_without_guards, &r);
    xpthread_join(t, NULL);
    if (r.filter != 0)
        harness_skip("no seccomp filter here: mprotect cannot be made to "
                     "fail");
    if (r.rc == 0) {
        if (!r.ran)
            harness_fail("coro_create returned 0 where no guard page can "
                         "be made, but the coroutine did not run to its "
                         "end");
        return;
    }
    expect_rc("coro_create where mprotect cannot make a guard page", r.rc,
              -ENOMEM);
    if (r.grew_kib >= 32 * 1024)
        harness_fail("coro_create returned -ENOMEM when its guard page "
                     "could not be made, but the address space grew by "
                     "%ld KiB: unmap the stack before returning",
                     r.grew_kib);
}

static void *stop_midway(void *arg)
{
    (void)arg;
    for (;;)
        coro_yield(NULL);
    return NULL;
}

/* Destroy frees finished, suspended and never-started coroutines alike. */
static void destroy_some(int n)
{
    struct coro **co = xcalloc((size_t)n, sizeof(*co));

    for (int i = 0; i < n; i++) {
        co[i] = make(i % 3 ? stop_midway : count_to_three, NULL, 0);
        for (int k = 0; k < i % 5; k++)
            if (!coro_finished(co[i]))
                assert_int_equal(coro_resume(co[i], NULL), 0);
    }
    for (int i = 0; i < n; i++)
        coro_destroy(co[i]);
    free(co);
}

static void test_coro_destroy_frees_everything(void **state)
{
    (void)state;
    destroy_some(30);
}

static void test_coro_destroy_unmaps_stacks(void **state)
{
    int before, after;

    (void)state;
    destroy_some(5); /* warm-up: the allocator's own mappings */
    before = lab05_count_maps();
    destroy_some(200);
    after = lab05_count_maps();
    if (after > before + 2)
        harness_fail("/proc/self/maps grew from %d to %d lines after 200 "
                     "coroutines were made and destroyed: coro_destroy must "
                     "munmap the whole stack, guard page included",
                     before, after);
}

/*
 * coro.h: -EBUSY for "a coroutine that resumed, directly or not, the
 * caller". main resumes a, a resumes b, b resumes c. b tries its direct
 * resumer a; c tries b (direct) and a (through b). Each must be refused:
 * their stacks are in use below the caller's, and a switch into one would
 * run it on a context it left long ago.
 */
enum { BUSY_LEVELS = 3 };
static struct coro *busy_chain[BUSY_LEVELS];
static int busy_rc[BUSY_LEVELS][BUSY_LEVELS]; /* [who][whom it resumed] */

static void *busy_body(void *arg)
{
    long lvl = N(arg);

    for (long up = lvl - 1; up >= 0; up--) {
        /* Said first: a switch into a running coroutine crashes or loops. */
        harness_symptom("resumed-resumer",
                        "coroutine %ld resumed coroutine %ld, which resumed "
                        "it%s, expecting -EBUSY",
                        lvl, up, up == lvl - 1 ? "" : " through another");
        busy_rc[lvl][up] = coro_resume(busy_chain[up], NULL);
    }
    if (lvl + 1 < BUSY_LEVELS && coro_resume(busy_chain[lvl + 1], NULL) != 0)
        return V(-1);
    return V(lvl);
}

static void test_coro_resume_busy_resumer(void **state)
{
    void *v = NULL;

    (void)state;
    for (long i = 0; i < BUSY_LEVELS; i++)
        busy_chain[i] = make(busy_body, V(i), 0);
    assert_int_equal(coro_resume(busy_chain[0], &v), 0);
    for (long i = 0; i < BUSY_LEVELS; i++)
        for (long up = 0; up < i; up++)
            if (busy_rc[i][up] != -EBUSY)
                harness_fail_symptom(
                    "resumed-resumer",
                    "coroutine %ld resumed coroutine %ld, which resumed "
                    "it%s: expected -EBUSY, got %d. A coroutine that "
                    "resumed another is still running, below it",
                    i, up, up == i - 1 ? "" : " through another",
                    busy_rc[i][up]);
    if (N(v) != 0 || !coro_finished(busy_chain[0]))
        harness_fail("main resumed a, a resumed b, b resumed c: expected a "
                     "to finish with 0 once c and b had, got %ld "
                     "(finished=%d)",
                     N(v), coro_finished(busy_chain[0]));
    for (int i = 0; i < BUSY_LEVELS; i++) {
        assert_true(coro_finished(busy_chain[i]));
        coro_destroy(busy_chain[i]);
    }
}

/* coro.h: 0 means CORO_STACK_DEFAULT usable bytes, not the minimum. */
static void test_coro_default_stack_size(void **state)
{
    struct coro *co;
    void *v = NULL;

    (void)state;
    /* Said first: a smaller stack overflows into the guard page. */
    harness_symptom("small-default",
                    "a coroutine made with stack_size 0 used %d of its "
                    "CORO_STACK_DEFAULT (%d) bytes of stack",
                    CORO_STACK_DEFAULT - 2048, CORO_STACK_DEFAULT);
    co = make(use_stack, V(CORO_STACK_DEFAULT - 2048), 0);
    assert_int_equal(coro_resume(co, &v), 0);
    assert_true(coro_finished(co));
    coro_destroy(co);
}

/*
 * coro.h: "the coroutine running on this thread", "Context: any thread"
 * (coro_create), coro_finished's "Context: any" and coro_yield's "Returns
 * 0 once resumed". Two OS threads each make and run a coroutine; both are
 * inside theirs at once (a start line) and look before either yields, so
 * a `current` shared between threads shows one of them the other's
 * coroutine. Workers record, main
 * asserts after the join.
 */
struct per_thread {
    struct harness_start *start;
    struct coro *co;
    struct coro *seen;   /* coro_current() inside, after the start line */
    int finished_inside; /* coro_finished(co) inside: must be false */
    int create_rc, resume_rc[2], yield_rc;
    long value[2];
};

static void *per_thread_body(void *arg)
{
    struct per_thread *p = arg;

    harness_start_wait(p->start);
    p->seen = coro_current();
    p->finished_inside = coro_finished(p->co);
    /* Neither yields before both have looked. */
    harness_start_wait(p->start);
    p->yield_rc = coro_yield(V(1));
    return V(2);
}

static void *per_thread_worker(void *arg)
{
    struct per_thread *p = arg;
    void *v = NULL;

    p->create_rc = coro_create(&p->co, per_thread_body, p, 0);
    if (p->create_rc != 0)
        return NULL;
    for (int i = 0; i < 2; i++) {
        p->resume_rc[i] = coro_resume(p->co, &v);
        p->value[i] = N(v);
    }
    coro_destroy(p->co);
    return NULL;
}

static void test_coro_current_per_thread(void **state)
{
    struct harness_start start;
    struct per_thread p[2];
    pthread_t t[2];

    (void)state;
    harness_start_init(&start, 2);
    for (int i = 0; i < 2; i++) {
        p[i] = (struct per_thread){.start = &start, .yield_rc = 1};
        xpthread_create(&t[i], NULL, per_thread_worker, &p[i]);
    }
    for (int i = 0; i < 2; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < 2; i++) {
        if (p[i].create_rc != 0)
            harness_fail("coro_create on thread %d returned %d, expected 0: "
                         "any thread may make coroutines",
                         i, p[i].create_rc);
        if (p[i].seen != p[i].co)
            harness_fail("thread %d, inside its coroutine %p while thread %d "
                         "ran its own: coro_current() returned %p. The "
                         "running coroutine is per thread (_Thread_local)",
                         i, (void *)p[i].co, 1 - i, (void *)p[i].seen);
        if (p[i].resume_rc[0] != 0 || p[i].value[0] != 1 ||
            p[i].resume_rc[1] != 0 || p[i].value[1] != 2)
            harness_fail("thread %d: expected its two resumes to give 0 and "
                         "1, then 0 and 2; got %d and %ld, %d and %ld",
                         i, p[i].resume_rc[0], p[i].value[0], p[i].resume_rc[1],
                         p[i].value[1]);
        if (p[i].finished_inside)
            harness_fail("coro_finished(co) called inside co returned true: "
                         "its body has not returned");
        if (p[i].yield_rc != 0)
            harness_fail("coro_yield returned %d once resumed, expected 0",
                         p[i].yield_rc);
    }
}

/* coro.h: destroying a suspended coroutine runs nothing more of its body. */
static int abandoned_steps;

static void *abandon_body(void *arg)
{
    (void)arg;
    for (;;) {
        abandoned_steps++;
        coro_yield(NULL);
    }
    return NULL;
}

static void test_coro_destroy_abandons_body(void **state)
{
    struct coro *co;

    (void)state;
    abandoned_steps = 0;
    co = make(abandon_body, NULL, 0);
    coro_destroy(co); /* never started: the body never runs */
    co = make(abandon_body, NULL, 0);
    assert_int_equal(coro_resume(co, NULL), 0);
    assert_int_equal(coro_resume(co, NULL), 0);
    coro_destroy(co); /* suspended in its second yield */
    if (abandoned_steps != 2)
        harness_fail("the body ran %d steps, expected 2 (one per resume): "
                     "coro_destroy must abandon a body where it stands, "
                     "never run it again",
                     abandoned_steps);
}

/* ---- Task 4: the cost of a switch, measured against the alternatives. */

static void *pingpong_body(void *arg)
{
    (void)arg;
    for (;;)
        coro_yield(NULL);
    return NULL;
}

struct coro_bench {
    struct coro *co;
    long trips;
};

static void coro_trips(void *arg)
{
    struct coro_bench *b = arg;

    for (long i = 0; i < b->trips; i++)
        coro_resume(b->co, NULL);
}

/* Two threads take turns through a mutex and a condition variable. */
struct thread_bench {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    long turn;  /* guarded by lock: odd = the helper's turn */
    long trips; /* read-only */
};

static void *thread_partner(void *arg)
{
    struct thread_bench *b = arg;

    xpthread_mutex_lock(&b->lock);
    for (long i = 0; i < b->trips; i++) {
        while (b->turn % 2 == 0)
            xpthread_cond_wait(&b->cv, &b->lock);
        b->turn++;
        xpthread_cond_broadcast(&b->cv);
    }
    xpthread_mutex_unlock(&b->lock);
    return NULL;
}

static void thread_trips(void *arg)
{
    struct thread_bench *b = arg;
    pthread_t t;

    b->turn = 0;
    xpthread_create(&t, NULL, thread_partner, b);
    xpthread_mutex_lock(&b->lock);
    for (long i = 0; i < b->trips; i++) {
        b->turn++;
        xpthread_cond_broadcast(&b->cv);
        while (b->turn % 2 == 1)
            xpthread_cond_wait(&b->cv, &b->lock);
    }
    xpthread_mutex_unlock(&b->lock);
    xpthread_join(t, NULL);
}

/* The same ping-pong with swapcontext, which also saves the signal mask. */
static ucontext_t uc_main, uc_co;

static void uc_body(void)
{
    for (;;)
        swapcontext(&uc_co, &uc_main);
}

struct uc_bench {
    long trips;
};

static void uc_trips(void *arg)
{
    struct uc_bench *b = arg;

    for (long i = 0; i < b->trips; i++)
        swapcontext(&uc_main, &uc_co);
}

static void uc_setup(void *stack, size_t len)
{
    getcontext(&uc_co);
    uc_co.uc_stack.ss_sp = stack;
    uc_co.uc_stack.ss_size = len;
    uc_co.uc_link = NULL;
    makecontext(&uc_co, uc_body, 0);
}

/* Seconds per switch (a round trip is two) of the best of several trials. */
static double per_switch(struct harness_ratio r, long base_trips,
                         long cand_trips, double *cand)
{
    *cand = r.cand_s / (2.0 * (double)cand_trips);
    return r.base_s / (2.0 * (double)base_trips);
}

static void test_coro_switch_cheaper_than_thread(void **state)
{
    struct coro_bench cb = {NULL, harness_param_long("coro_trips", 200000)};
    struct thread_bench tb = {PTHREAD_MUTEX_INITIALIZER,
                              PTHREAD_COND_INITIALIZER, 0,
                              harness_param_long("thread_trips", 3000)};
    double need = harness_param_double("min_ratio", 50), base, cand;
    int trials = (int)harness_param_long("trials", 5);
    struct harness_ratio r;

    (void)state;
    cb.co = make(pingpong_body, NULL, 0);
    r = harness_measure_ratio(thread_trips, &tb, coro_trips, &cb, trials);
    coro_destroy(cb.co);
    base = per_switch(r, tb.trips, cb.trips, &cand);
    harness_note("switch: coroutine %.1f ns, thread (condvar ping-pong) "
                 "%.0f ns: %.0fx cheaper (need %.0fx)",
                 cand * 1e9, base * 1e9, base / cand, need);
    if (base / cand < need)
        harness_fail("a coroutine switch took %.1f ns, a thread switch %.0f "
                     "ns: only %.1fx cheaper, at least %.0fx expected. Does "
                     "your switch make a system call, or allocate?",
                     cand * 1e9, base * 1e9, base / cand, need);
}

static void test_coro_switch_cheaper_than_swapcontext(void **state)
{
    struct coro_bench cb = {NULL, harness_param_long("coro_trips", 200000)};
    struct uc_bench ub = {harness_param_long("uc_trips", 50000)};
    double need = harness_param_double("min_ratio", 5), base, cand;
    int trials = (int)harness_param_long("trials", 5);
    size_t len = 64 * 1024;
    void *stack = xmalloc(len);
    struct harness_ratio r;

    (void)state;
    uc_setup(stack, len);
    cb.co = make(pingpong_body, NULL, 0);
    r = harness_measure_ratio(uc_trips, &ub, coro_trips, &cb, trials);
    coro_destroy(cb.co);
    free(stack);
    base = per_switch(r, ub.trips, cb.trips, &cand);
    harness_note("switch: coroutine %.1f ns, swapcontext %.1f ns: %.1fx "
                 "cheaper (need %.1fx)",
                 cand * 1e9, base * 1e9, base / cand, need);
    if (base / cand < need)
        harness_fail("a coroutine switch took %.1f ns, swapcontext %.1f ns: "
                     "only %.1fx cheaper, at least %.1fx expected. "
                     "swapcontext saves the signal mask with a system call; "
                     "yours should save six registers, rsp and two control "
                     "words, no more",
                     cand * 1e9, base * 1e9, base / cand, need);
}

/*
 * coro.h: coro_create does not block. While the main thread's coroutine
 * runs (and waits up to 2 s for news), another thread creates one: its
 * coro_create must return meanwhile, not wait for the running coroutine
 * to yield (a library lock held from resume to yield, say).
 */
struct no_block {
    int running[2]; /* the body -> the creator: it runs */
    int created[2]; /* the creator -> the body: coro_create returned */
    int create_rc, heard;
    struct coro *made;
};

static void *no_block_body(void *arg)
{
    struct no_block *nb = arg;
    struct pollfd pfd = {.fd = nb->created[0], .events = POLLIN};
    char c = 'r';

    if (write(nb->running[1], &c, 1) == 1)
        nb->heard = poll(&pfd, 1, 2000) == 1;
    return NULL;
}

static void *no_block_creator(void *arg)
{
    struct no_block *nb = arg;
    char c;

    if (read(nb->running[0], &c, 1) != 1)
        return NULL; /* the body never ran: the main thread says why */
    nb->create_rc = coro_create(&nb->made, count_to_three, NULL, 0);
    c = 'c';
    if (write(nb->created[1], &c, 1) != 1)
        nb->create_rc = -EIO;
    return NULL;
}

static void test_coro_create_does_not_block(void **state)
{
    struct no_block nb = {.create_rc = 1};
    struct coro *co = make(no_block_body, &nb, 0);
    pthread_t t;
    int rc;

    (void)state;
    xpipe(nb.running);
    xpipe(nb.created);
    xpthread_create(&t, NULL, no_block_creator, &nb);
    rc = coro_resume(co, NULL);
    xclose(nb.running[1]); /* the creator's read ends, whatever happened */
    xpthread_join(t, NULL);
    if (rc != 0 || !coro_finished(co))
        harness_fail("coro_resume of a body that returns: %d, finished %d", rc,
                     coro_finished(co));
    if (nb.create_rc != 0)
        harness_fail("coro_create on another thread returned %d, expected 0",
                     nb.create_rc);
    if (!nb.heard)
        harness_fail("coro_create on another thread did not return within 2 "
                     "s while this thread's coroutine ran: it must not "
                     "block (no lock held from coro_resume to coro_yield)");
    coro_destroy(nb.made);
    coro_destroy(co);
    xclose(nb.running[0]);
    xclose(nb.created[0]);
    xclose(nb.created[1]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_coro_resume_yield_sequence),
    cmocka_unit_test(test_coro_bad_arguments),
    cmocka_unit_test(test_coro_nested_resume),
    cmocka_unit_test(test_coro_many_interleaved),
    cmocka_unit_test(test_coro_callee_saved_preserved),
    cmocka_unit_test(test_coro_fp_control_preserved),
    cmocka_unit_test(test_coro_starts_with_fp_masked),
    cmocka_unit_test(test_coro_stack_aligned),
    cmocka_unit_test(test_coro_stack_has_guard_page),
    cmocka_unit_test(test_coro_overflow_crashes_cleanly),
    cmocka_unit_test(test_coro_create_sizes),
    cmocka_unit_test(test_coro_create_guard_fails),
    cmocka_unit_test(test_coro_destroy_frees_everything),
    cmocka_unit_test(test_coro_destroy_unmaps_stacks),
    cmocka_unit_test(test_coro_resume_busy_resumer),
    cmocka_unit_test(test_coro_default_stack_size),
    cmocka_unit_test(test_coro_current_per_thread),
    cmocka_unit_test(test_coro_create_does_not_block),
    cmocka_unit_test(test_coro_destroy_abandons_body),
    cmocka_unit_test(test_coro_switch_cheaper_than_thread),
    cmocka_unit_test(test_coro_switch_cheaper_than_swapcontext),
};

HARNESS_MAIN(tests)
