/* SPDX-License-Identifier: MIT */
/* Lab 02, task 1: pmap_reduce maps every element once, sums right, scales. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "pmap.h"
#include "lab02_util.h"

static uint64_t square_plus(uint64_t x, void *ctx)
{
    return x * x + *(const uint64_t *)ctx;
}

static void check_against_serial(size_t n, unsigned nthreads)
{
    uint64_t *in = xcalloc(n + 1, sizeof(*in));
    uint64_t *out = xcalloc(n + 1, sizeof(*out));
    uint64_t off = 7, sum = 12345, want = 0;
    int rc;

    for (size_t i = 0; i < n; i++) {
        in[i] = i * 2654435761u + 1;
        want += square_plus(in[i], &off);
    }
    out[n] = 0xdeadbeef; /* a guard just past the end */
    rc = pmap_reduce(in, out, n, square_plus, &off, nthreads, &sum);
    if (rc != 0)
        harness_fail("pmap_reduce(n=%zu, nthreads=%u) returned %d (%s), "
                     "expected 0",
                     n, nthreads, rc, strerror(-rc));
    for (size_t i = 0; i < n; i++)
        if (out[i] != square_plus(in[i], &off))
            harness_fail("n=%zu, nthreads=%u: out[%zu] is %llu, expected "
                         "%llu: was that element mapped by some thread?",
                         n, nthreads, i, (unsigned long long)out[i],
                         (unsigned long long)square_plus(in[i], &off));
    if (out[n] != 0xdeadbeef)
        harness_fail("n=%zu, nthreads=%u: out[%zu], past the end, was "
                     "written: check the last slice's bounds",
                     n, nthreads, n);
    if (sum != want)
        harness_fail("n=%zu, nthreads=%u: sum is %llu, expected %llu: are "
                     "partial sums lost, counted twice, or updated by "
                     "several threads at once?",
                     n, nthreads, (unsigned long long)sum,
                     (unsigned long long)want);
    free(in);
    free(out);
}

static void test_pmap_matches_serial(void **state)
{
    static const size_t sizes[] = {1, 2, 7, 64, 1000, 100003};
    static const unsigned threads[] = {1, 2, 3, 4, 8};
    /* Under Valgrind one pass (a race or a leak shows in the first): each
     * pass of 100,003 elements took it 0.8 s. */
    long reps = harness_param_long("reps", harness_under_valgrind() ? 1 : 2);

    (void)state;
    for (long r = 0; r < reps; r++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++)
                check_against_serial(sizes[s], threads[t]);
}

static void test_pmap_more_threads_than_elements(void **state)
{
    (void)state;
    check_against_serial(3, 16);
    check_against_serial(1, PMAP_MAX_THREADS);
    check_against_serial(PMAP_MAX_THREADS + 1, PMAP_MAX_THREADS);
}

/* Every element is mapped exactly once: the calls are counted. */
struct call_count {
    pthread_mutex_t lock;
    unsigned calls[512]; /* guarded by lock */
};

static uint64_t count_call(uint64_t x, void *ctx)
{
    struct call_count *cc = ctx;

    xpthread_mutex_lock(&cc->lock);
    cc->calls[x]++;
    xpthread_mutex_unlock(&cc->lock);
    return x;
}

static void test_pmap_maps_each_element_once(void **state)
{
    static struct call_count cc = {PTHREAD_MUTEX_INITIALIZER, {0}};
    uint64_t in[512], out[512], sum;

    (void)state;
    for (size_t i = 0; i < 512; i++)
        in[i] = i;
    for (unsigned t = 1; t <= 9; t++) {
        size_t n = 500 + t;
        int rc;

        memset(cc.calls, 0, sizeof(cc.calls));
        rc = pmap_reduce(in, out, n, count_call, &cc, t, &sum);
        if (rc != 0)
            harness_fail("pmap_reduce returned %d (%s), expected 0", rc,
                         strerror(-rc));
        for (size_t i = 0; i < n; i++)
            if (cc.calls[i] != 1)
                harness_fail("n=%zu, nthreads=%u: element %zu was mapped %u "
                             "times, expected once: do the slices overlap "
                             "or leave gaps?",
                             n, t, i, cc.calls[i]);
        for (size_t i = n; i < 512; i++)
            if (cc.calls[i] != 0)
                harness_fail("n=%zu: element %zu, past the end, was mapped", n,
                             i);
    }
}

static void test_pmap_bad_arguments(void **state)
{
    uint64_t in[4] = {1, 2, 3, 4}, out[4], sum = 99, off = 0;

    (void)state;
    EXPECT_RC(pmap_reduce(in, out, 4, NULL, &off, 2, &sum), -EINVAL);
    EXPECT_RC(pmap_reduce(in, out, 4, square_plus, &off, 0, &sum), -EINVAL);
    EXPECT_RC(
        pmap_reduce(in, out, 4, square_plus, &off, PMAP_MAX_THREADS + 1, &sum),
        -EINVAL);
    EXPECT_RC(pmap_reduce(NULL, out, 4, square_plus, &off, 2, &sum), -EINVAL);
    EXPECT_RC(pmap_reduce(in, NULL, 4, square_plus, &off, 2, &sum), -EINVAL);
    EXPECT_RC(pmap_reduce(in, out, 4, square_plus, &off, 2, NULL), -EINVAL);
    /* sum has no "n > 0" exception: NULL is -EINVAL even with nothing. */
    EXPECT_RC(pmap_reduce(in, out, 0, square_plus, &off, 2, NULL), -EINVAL);
    /* Nothing to map is not an error, and the sum of nothing is 0. */
    EXPECT_RC(pmap_reduce(NULL, NULL, 0, square_plus, &off, 2, &sum), 0);
    if (sum != 0)
        harness_fail("n = 0: *sum is %llu, expected 0 (the sum of nothing)",
                     (unsigned long long)sum);
}

/*
 * Context: any thread, calls at the same time on different arrays. Four
 * threads each run their own calls (their own sizes, thread counts and
 * ctx) side by side; state one call keeps between calls (a static array
 * of partial sums or of thread ids) mixes their results. The callers
 * record what went wrong; the main thread reports it after join.
 */
#define CALLERS 4

struct caller {
    struct harness_start *start;
    unsigned id;
    int rc;     /* the first non-zero return, or 0 */
    long wrong; /* elements or sums that differ from a serial run */
};

static void *concurrent_caller(void *arg)
{
    struct caller *c = arg;
    size_t n = 3000 + 977 * c->id;
    uint64_t *in = xcalloc(n, sizeof(*in)), *out = xcalloc(n, sizeof(*out));
    uint64_t off = 1000 * c->id + 1;

    harness_start_wait(c->start);
    for (int rep = 0; rep < 20; rep++) {
        uint64_t sum = 0, want = 0;
        int rc;

        for (size_t i = 0; i < n; i++) {
            in[i] = i * 40503u + c->id + (uint64_t)rep;
            want += square_plus(in[i], &off);
        }
        rc = pmap_reduce(in, out, n, square_plus, &off, 2 + c->id % 3, &sum);
        if (rc != 0 && c->rc == 0)
            c->rc = rc;
        for (size_t i = 0; i < n; i++)
            c->wrong += out[i] != square_plus(in[i], &off);
        c->wrong += sum != want;
    }
    free(in);
    free(out);
    return NULL;
}

static void test_pmap_concurrent_calls(void **state)
{
    struct harness_start start;
    struct caller c[CALLERS];
    pthread_t t[CALLERS];

    (void)state;
    harness_start_init(&start, CALLERS);
    for (unsigned i = 0; i < CALLERS; i++) {
        c[i] = (struct caller){&start, i, 0, 0};
        xpthread_create(&t[i], NULL, concurrent_caller, &c[i]);
    }
    for (unsigned i = 0; i < CALLERS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (unsigned i = 0; i < CALLERS; i++) {
        if (c[i].rc != 0)
            harness_fail("with %d threads calling pmap_reduce at once, one "
                         "call returned %d (%s), expected 0",
                         CALLERS, c[i].rc, strerror(-c[i].rc));
        if (c[i].wrong != 0)
            harness_fail("with %d threads calling pmap_reduce at once on "
                         "their own arrays, caller %u got %ld wrong "
                         "elements or sums: do calls share state (a static "
                         "array of partial sums, of threads)? Keep it all "
                         "in the call's own variables",
                         CALLERS, i, c[i].wrong);
    }
}

/*
 * On nthreads threads: every thread that maps meets the others at its
 * first element, and waits (at most 2 s) until nthreads threads have come.
 * A call that runs fewer threads at once, or more, counts a different
 * number. Each thread knows it has been counted by a thread-local mark.
 */
struct meeting {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned call; /* which call this is: marks from earlier calls differ */
    unsigned want; /* threads expected */
    unsigned came; /* guarded by lock: threads that mapped in this call */
    uint64_t deadline_ns;
};

static _Thread_local unsigned counted_in_call;

static uint64_t meet_map(uint64_t x, void *ctx)
{
    struct meeting *m = ctx;
    struct timespec ts;

    if (counted_in_call == m->call)
        return x + 1;
    counted_in_call = m->call;
    ts.tv_sec = (time_t)(m->deadline_ns / 1000000000u);
    ts.tv_nsec = (long)(m->deadline_ns % 1000000000u);
    xpthread_mutex_lock(&m->lock);
    if (++m->came >= m->want)
        pthread_cond_broadcast(&m->cond);
    while (m->came < m->want &&
           pthread_cond_timedwait(&m->cond, &m->lock, &ts) != ETIMEDOUT)
        ;
    xpthread_mutex_unlock(&m->lock);
    return x + 1;
}

static void test_pmap_uses_nthreads(void **state)
{
    static const unsigned threads[] = {3, 8, 2};
    static struct meeting m = {
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
    enum { N = 64 * 8 };
    uint64_t in[N], out[N], sum;

    (void)state;
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    for (size_t k = 0; k < sizeof(threads) / sizeof(threads[0]); k++) {
        size_t n = 64 * threads[k];
        struct timespec now;
        int rc;

        clock_gettime(CLOCK_REALTIME, &now);
        m.call = (unsigned)k + 1;
        m.want = threads[k];
        m.came = 0;
        m.deadline_ns = (uint64_t)now.tv_sec * 1000000000u +
                        (uint64_t)now.tv_nsec + 2000000000u;
        rc = pmap_reduce(in, out, n, meet_map, &m, threads[k], &sum);
        if (rc != 0)
            harness_fail("pmap_reduce(n=%zu, nthreads=%u) returned %d (%s), "
                         "expected 0",
                         n, threads[k], rc, strerror(-rc));
        if (m.came != threads[k])
            harness_fail("pmap_reduce(n=%zu, nthreads=%u): %u thread(s) "
                         "mapped elements, each waiting up to 2 s for the "
                         "others at its first element: expected %u threads "
                         "running at once",
                         n, threads[k], m.came, threads[k]);
        if (sum != (uint64_t)n * (n + 1) / 2)
            harness_fail("pmap_reduce(n=%zu, nthreads=%u): sum %llu, "
                         "expected %llu",
                         n, threads[k], (unsigned long long)sum,
                         (unsigned long long)n * (n + 1) / 2);
    }
}

/*
 * A thread that cannot start: RLIMIT_NPROC lets two start, and not the
 * third. pmap_reduce returns pthread_create's -EAGAIN, and only after the
 * two threads that did start have finished (joined): none maps an element
 * once it has returned, and the process has no thread more than before.
 */
struct started_map {
    atomic_long calls, inside;
};

static uint64_t slow_map(uint64_t x, void *ctx)
{
    struct started_map *sm = ctx;

    atomic_fetch_add(&sm->inside, 1);
    harness_spin_work(20);
    atomic_fetch_add(&sm->calls, 1);
    atomic_fetch_sub(&sm->inside, 1);
    return x;
}

static void test_pmap_start_failure_reported(void **state)
{
    enum { N = 4000 };
    static uint64_t in[N], out[N];
    struct started_map sm = {0, 0};
    int threads = harness_count_threads(), rc;
    struct rlimit old;
    uint64_t sum;
    long calls;

    (void)state;
    EXPECT_RC(pmap_reduce(in, out, N, slow_map, &sm, 8, &sum), 0);
    atomic_store(&sm.calls, 0);
    if (!lab02_limit_threads(2, &old))
        harness_skip("RLIMIT_NPROC does not stop a thread from starting "
                     "here (running as root?)");
    rc = pmap_reduce(in, out, N, slow_map, &sm, 8, &sum);
    lab02_unlimit_threads(&old);
    calls = atomic_load(&sm.calls);
    if (rc != -EAGAIN)
        harness_fail("pmap_reduce on 8 threads where only 2 can start "
                     "returned %d (%s): expected -EAGAIN, pthread_create's "
                     "error",
                     rc, rc < 0 ? strerror(-rc) : "-");
    if (atomic_load(&sm.inside) != 0 ||
        harness_count_threads_settled(threads) != threads ||
        atomic_load(&sm.calls) != calls)
        harness_fail("pmap_reduce returned %d when a thread could not "
                     "start, while threads it started still ran (%ld "
                     "inside map): join the ones that started before "
                     "returning",
                     rc, atomic_load(&sm.inside));
}

/* CPU-bound work: every element costs the same fixed amount of spinning. */
struct spin_job {
    uint64_t *in, *out;
    size_t n;
    uint64_t units; /* harness_spin_work units per element */
    unsigned nthreads;
    uint64_t sum;
};

static uint64_t spin_map(uint64_t x, void *ctx)
{
    return x ^ harness_spin_work(*(const uint64_t *)ctx);
}

/*
 * The same work, watched: how many threads were inside map at once. Two
 * threads that never overlap ran one after the other (each joined before
 * the next was created, or the work done under one lock).
 */
struct overlap {
    uint64_t units;
    atomic_int inside, peak;
};

static uint64_t overlap_map(uint64_t x, void *ctx)
{
    struct overlap *o = ctx;
    int now = atomic_fetch_add(&o->inside, 1) + 1;
    int peak = atomic_load(&o->peak);

    while (now > peak && !atomic_compare_exchange_weak(&o->peak, &peak, now))
        ;
    x ^= harness_spin_work(o->units);
    atomic_fetch_sub(&o->inside, 1);
    return x;
}

static void spin_body(void *arg)
{
    struct spin_job *j = arg;

    (void)pmap_reduce(j->in, j->out, j->n, spin_map, &j->units, j->nthreads,
                      &j->sum);
}

static void test_pmap_cpu_speedup(void **state)
{
    size_t n = 400;
    uint64_t *in = xcalloc(n, sizeof(*in)), *out = xcalloc(n, sizeof(*out));
    uint64_t units = (uint64_t)harness_param_long("units", 100);
    struct spin_job one = {in, out, n, units, 1, 0};
    struct spin_job two = {in, out, n, units, 2, 0};
    struct overlap o = {units, 0, 0};
    int rc;

    (void)state;
    for (size_t i = 0; i < n; i++)
        in[i] = i;
    for (int run = 0; run < 3 && atomic_load(&o.peak) < 2; run++) {
        rc = pmap_reduce(in, out, n, overlap_map, &o, 2, &two.sum);
        if (rc != 0)
            harness_fail("pmap_reduce returned %d (%s), expected 0", rc,
                         strerror(-rc));
    }
    if (atomic_load(&o.peak) < 2)
        harness_symptom("serialized",
                        "in 3 runs of pmap_reduce on 2 threads, the 2 "
                        "threads never ran map at the same time: they ran "
                        "one after the other");
    harness_check_cpu_speedup("pmap_reduce on 2 threads", 2, 0.85, spin_body,
                              &one, spin_body, &two);
    if (one.sum != two.sum)
        harness_fail("1 thread and 2 threads gave different sums (%llu, "
                     "%llu)",
                     (unsigned long long)one.sum, (unsigned long long)two.sum);
    free(in);
    free(out);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pmap_matches_serial),
    cmocka_unit_test(test_pmap_more_threads_than_elements),
    cmocka_unit_test(test_pmap_maps_each_element_once),
    cmocka_unit_test(test_pmap_bad_arguments),
    cmocka_unit_test(test_pmap_concurrent_calls),
    cmocka_unit_test(test_pmap_uses_nthreads),
    cmocka_unit_test(test_pmap_start_failure_reported),
    cmocka_unit_test(test_pmap_cpu_speedup),
};

HARNESS_MAIN(tests)
