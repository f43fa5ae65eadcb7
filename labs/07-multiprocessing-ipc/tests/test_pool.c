/* SPDX-License-Identifier: MIT */
/* Lab 07, task 2: a process pool maps in input order, survives crashed
 * workers, leaves no zombie or fd behind, and uses both cores. */
#include <dirent.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "compat.h" /* SYS_close_range where glibc (before 2.34) lacks it */
#include "harness.h"
#include "pool.h"
#include "lab07_util.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define CRASH_ME 0xDEADu
#define EXIT_ME 0xE417u /* the worker exits (status 0), no signal */

/* in: a uint64 x; out: x * x + 1, after spinning (x % 4) * spin units, so
 * tasks finish out of order. CRASH_ME crashes the worker; EXIT_ME makes it
 * exit. */
static uint64_t spin_units;

static int square_task(const void *in, size_t in_len, void *out, size_t out_cap,
                       size_t *out_len)
{
    uint64_t x, y;

    if (in_len != sizeof(x) || out_cap < sizeof(y))
        return -EINVAL;
    memcpy(&x, in, sizeof(x));
    if (x == CRASH_ME) {
        struct rlimit no_core = {0, 0};

        setrlimit(RLIMIT_CORE, &no_core);
        raise(SIGSEGV); /* a worker that crashes mid-task */
    }
    if (x == EXIT_ME)
        _exit(0); /* a worker that quits mid-task, "successfully" */
    if (spin_units && x % 4)
        harness_spin_work(spin_units * (x % 4));
    y = x * x + 1;
    memcpy(out, &y, sizeof(y));
    *out_len = sizeof(y);
    return 0;
}

/* Odd inputs fail with -EDOM; 1000 asks for more room than the caller's
 * buffer; 2000 for more than the function itself was given (out_cap). */
static int picky_task(const void *in, size_t in_len, void *out, size_t out_cap,
                      size_t *out_len)
{
    uint64_t x;

    (void)in_len;
    memcpy(&x, in, sizeof(x));
    if (x % 2)
        return -EDOM;
    if (x == 2000) {
        *out_len = out_cap + 1; /* nothing written: it did not fit */
        return 0;
    }
    *out_len = x == 1000 ? 3000 : sizeof(x);
    if (*out_len > out_cap)
        return -ENOBUFS;
    memset(out, (int)x, *out_len);
    return 0;
}

/* Reverse the bytes: results of every size, even empty. */
static int reverse_task(const void *in, size_t in_len, void *out,
                        size_t out_cap, size_t *out_len)
{
    if (in_len > out_cap)
        return -ENOBUFS;
    for (size_t i = 0; i < in_len; i++)
        ((char *)out)[i] = ((const char *)in)[in_len - 1 - i];
    *out_len = in_len;
    return 0;
}

struct squares {
    size_t n;
    uint64_t *in, *out;
    struct pool_item *items;
};

static void squares_init(struct squares *s, size_t n, size_t crash_every)
{
    s->n = n;
    s->in = xcalloc(n, sizeof(uint64_t));
    s->out = xcalloc(n, sizeof(uint64_t));
    s->items = xcalloc(n, sizeof(struct pool_item));
    for (size_t i = 0; i < n; i++) {
        s->in[i] = crash_every && i % crash_every == crash_every - 1
                       ? CRASH_ME
                       : (uint64_t)i + 1;
        s->items[i] =
            (struct pool_item){&s->in[i],        sizeof(uint64_t), &s->out[i],
                               sizeof(uint64_t), (size_t)-1,       12345};
    }
}

static void squares_free(struct squares *s)
{
    free(s->in);
    free(s->out);
    free(s->items);
}

/* Every item has its own result, or -ECHILD where the worker crashed. */
static void squares_check(const struct squares *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct pool_item *it = &s->items[i];
        uint64_t x = s->in[i];

        if (x == CRASH_ME || x == EXIT_ME) {
            if (it->err != -ECHILD)
                harness_fail("item %zu %s its worker: expected err -ECHILD, "
                             "got %d",
                             i, x == CRASH_ME ? "crashed" : "exited", it->err);
            if (it->out_len != 0)
                harness_fail("item %zu %s its worker: expected out_len 0 (no "
                             "result was written), got %zu",
                             i, x == CRASH_ME ? "crashed" : "exited",
                             it->out_len);
            continue;
        }
        if (it->err != 0)
            harness_fail("item %zu (input %llu): expected err 0, got %d (%s)",
                         i, (unsigned long long)x, it->err, strerror(-it->err));
        if (it->out_len != sizeof(uint64_t) || s->out[i] != x * x + 1)
            harness_fail("item %zu (input %llu): expected result %llu, got "
                         "%llu (out_len %zu): %s",
                         i, (unsigned long long)x,
                         (unsigned long long)(x * x + 1),
                         (unsigned long long)s->out[i], it->out_len,
                         s->out[i] == 0 ? "no result at all"
                                        : "results must land in their own "
                                          "item, not in the order they "
                                          "finish");
    }
}

static struct pool *create(int workers)
{
    struct pool *p = NULL;
    int rc;

    lab07_ignore_sigpipe();
    rc = pool_create(workers, &p);
    if (rc != 0 || !p)
        harness_fail("pool_create(%d) returned %d (%s), expected 0", workers,
                     rc, strerror(-rc));
    return p;
}

static void map_ok(struct pool *p, pool_task_fn fn, struct pool_item *items,
                   size_t n)
{
    int rc = pool_map(p, fn, items, n);

    if (rc != 0)
        harness_fail("pool_map of %zu tasks returned %d (%s), expected 0 "
                     "(a task's own failure goes in its err)",
                     n, rc, strerror(-rc));
}

/* Tasks finish out of order; results must land in input order. */
static void test_pool_map_in_input_order(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct squares s;
    struct pool *p;

    (void)state;
    spin_units = (uint64_t)harness_param_long("spin_units", 20);
    squares_init(&s, (size_t)harness_param_long("tasks", 400), 0);
    p = create(3);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    map_ok(p, square_task, s.items, 5); /* a pool serves many maps */
    map_ok(p, square_task, s.items, 0);
    pool_destroy(p);
    squares_free(&s);
    harness_assert_no_leaks(snap);
}

/* Inputs and results from 0 bytes to POOL_MAX_MSG. */
static void test_pool_sizes(void **state)
{
    static const size_t sizes[] = {0,    1,    7,    4096, POOL_MAX_MSG,
                                   4097, 1000, 9999, 3,    POOL_MAX_MSG - 1};
    enum { N = sizeof(sizes) / sizeof(sizes[0]) };
    struct pool_item items[N];
    char *in[N], *out[N];
    struct pool *p = create(2);

    (void)state;
    for (size_t i = 0; i < N; i++) {
        in[i] = xmalloc(sizes[i] + 1);
        out[i] = xmalloc(POOL_MAX_MSG);
        lab07_fill(in[i], sizes[i], i);
        items[i] = (struct pool_item){in[i],        sizes[i],   out[i],
                                      POOL_MAX_MSG, (size_t)-1, 12345};
    }
    map_ok(p, reverse_task, items, N);
    for (size_t i = 0; i < N; i++) {
        size_t bad = sizes[i];

        for (size_t k = 0; k < sizes[i] && bad == sizes[i]; k++)
            if (out[i][k] != in[i][sizes[i] - 1 - k])
                bad = k;
        if (items[i].err || items[i].out_len != sizes[i] || bad != sizes[i])
            harness_fail("item %zu (%zu bytes): err %d, out_len %zu, first "
                         "wrong byte %zu: expected err 0 and %zu reversed "
                         "bytes",
                         i, sizes[i], items[i].err, items[i].out_len, bad,
                         sizes[i]);
        free(in[i]);
        free(out[i]);
    }
    pool_destroy(p);
}

/* A task's own error, and a result too big for its buffer. */
static void test_pool_task_errors(void **state)
{
    uint64_t in[5] = {2, 3, 1000, 4, 2000}, out[5];
    struct pool_item items[5];
    struct pool *p = create(2);

    (void)state;
    for (int i = 0; i < 5; i++)
        items[i] = (struct pool_item){&in[i], 8, &out[i], 8, 0, 12345};
    map_ok(p, picky_task, items, 5);
    assert_int_equal(items[0].err, 0);
    assert_int_equal(items[0].out_len, 8);
    if (items[1].err != -EDOM)
        harness_fail("the task returned -EDOM: expected that as item 1's "
                     "err, got %d",
                     items[1].err);
    if (items[2].err != -EMSGSIZE || items[2].out_len != 3000)
        harness_fail("a 3000-byte result for an 8-byte buffer: expected err "
                     "-EMSGSIZE and out_len 3000, got %d and %zu",
                     items[2].err, items[2].out_len);
    assert_int_equal(items[3].err, 0);
    assert_int_equal(out[3], 0x0404040404040404u);
    if (items[4].err != -EMSGSIZE)
        harness_fail("a task whose *out_len says its result is larger than "
                     "the out_cap it was given: expected err -EMSGSIZE, got "
                     "%d (the worker has no more than out_cap bytes to send)",
                     items[4].err);
    pool_destroy(p);
}

/*
 * A watchdog beside a pool_map that workers crash in: if the map has not
 * returned after 1.5 s, it says how the map is stuck, while the test is
 * still running (the timeout comes later). Asleep: the dead worker's pipe
 * never reported end of file. Burning CPU: poll reports something (a bare
 * POLLHUP) that the loop never handles. Natively only: under Valgrind a
 * correct map may take that long, and a later verdict (a leak) must not
 * carry this one's word.
 */
struct map_watch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;        /* guarded by lock */
    clockid_t clock; /* the CPU clock of the thread in pool_map */
};

static void *map_watch_fn(void *arg)
{
    struct map_watch *w = arg;
    struct timespec until, pause = {0, 200000000}, t0, t1;
    double ms;
    int done;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1 + (until.tv_nsec >= 500000000);
    until.tv_nsec = (until.tv_nsec + 500000000) % 1000000000;
    pthread_mutex_lock(&w->lock);
    while (!w->done &&
           pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
        ;
    done = w->done;
    pthread_mutex_unlock(&w->lock);
    if (done || clock_gettime(w->clock, &t0) != 0)
        return NULL;
    nanosleep(&pause, NULL);
    if (clock_gettime(w->clock, &t1) != 0)
        return NULL;
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
         (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    /* Asleep in poll costs ~0 ms; a spinner gets far more than 20 ms even
     * on a machine shared with other work (93 ms on a loaded one). */
    if (ms > 20)
        harness_symptom("hup-ignored",
                        "pool_map had not returned 1.5 s after workers "
                        "crashed, and used %.0f ms of CPU in 200 ms: poll "
                        "keeps reporting an event the loop never handles",
                        ms);
    else
        harness_symptom("no-eof",
                        "pool_map had not returned 1.5 s after workers "
                        "crashed, and slept (%.0f ms of CPU in 200 ms): a "
                        "dead worker's result pipe never reported end of "
                        "file",
                        ms);
    return NULL;
}

static void map_ok_watched(struct pool *p, pool_task_fn fn,
                           struct pool_item *items, size_t n)
{
    struct map_watch w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                          0, 0};
    pthread_t t;

    if (RUNNING_ON_VALGRIND ||
        pthread_getcpuclockid(pthread_self(), &w.clock) != 0) {
        map_ok(p, fn, items, n);
        return;
    }
    xpthread_create(&t, NULL, map_watch_fn, &w);
    map_ok(p, fn, items, n);
    pthread_mutex_lock(&w.lock);
    w.done = 1;
    pthread_cond_signal(&w.cond);
    pthread_mutex_unlock(&w.lock);
    xpthread_join(t, NULL);
}

/*
 * Two of every seven tasks crash their worker. Those tasks fail with
 * -ECHILD, every other one succeeds, the dead are reaped at once, and the
 * pool still works afterwards.
 */
static void test_pool_worker_crash_reported(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct squares s, t;
    struct pool *p;
    int z;

    (void)state;
    spin_units = 0;
    squares_init(&s, 40, 7);
    squares_init(&t, 30, 0);
    p = create(2);
    map_ok_watched(p, square_task, s.items, s.n);
    squares_check(&s);
    z = harness_count_zombies();
    if (z != 0)
        harness_fail("%d zombie(s) after pool_map returned: a dead worker "
                     "must be reaped (waitpid) when its death is noticed",
                     z);
    map_ok(p, square_task, t.items, t.n);
    squares_check(&t);
    pool_destroy(p);
    squares_free(&s);
    squares_free(&t);
    harness_assert_no_leaks(snap);
}

/*
 * A worker that exits (status 0, no signal) before sending its result has
 * died too: -ECHILD for its task. And a dead worker is replaced at once,
 * so after the map, and after the next, the pool still has `workers`
 * processes.
 */
static void expect_workers(int workers, const char *when)
{
    int n = harness_count_children();

    if (n != workers)
        harness_fail("%s, the pool of %d workers had %d child process(es): "
                     "a dead worker must be reaped and replaced at once",
                     when, workers, n);
}

static void test_pool_worker_exit_reported(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct squares s, t;
    struct pool *p;

    (void)state;
    spin_units = 0;
    squares_init(&s, 12, 0);
    s.in[3] = s.in[8] = EXIT_ME;
    squares_init(&t, 10, 5); /* a crash (signal) too */
    p = create(2);
    expect_workers(2, "after pool_create");
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    expect_workers(2, "after a map in which two workers exited");
    map_ok(p, square_task, t.items, t.n);
    squares_check(&t);
    expect_workers(2, "after a map in which two workers crashed");
    pool_destroy(p);
    squares_free(&s);
    squares_free(&t);
    harness_assert_no_leaks(snap);
}

/* Every task crashes: every worker dies, more than once. */
static void test_pool_all_workers_crash(void **state)
{
    struct squares s;
    struct pool *p = create(2);

    (void)state;
    squares_init(&s, 6, 1);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    spin_units = 0;
    squares_free(&s);
    squares_init(&s, 8, 0);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    pool_destroy(p);
}

/*
 * Workers leave with _exit: exit() in a worker would run the parent's
 * atexit handlers (and flush its stdio buffers) once more in every worker.
 * The handler counts in a shared mapping, which a worker has whatever
 * descriptors it closed; it is registered before the pool exists, so every
 * worker, the first ones and the replacement of a crashed one, inherits it.
 */
static pid_t atexit_owner;
static int *atexit_elsewhere; /* MAP_SHARED: seen by every process */

static void count_foreign_atexit(void)
{
    if (atexit_elsewhere && getpid() != atexit_owner)
        __atomic_add_fetch(atexit_elsewhere, 1, __ATOMIC_SEQ_CST);
}

static void test_pool_workers_leave_without_exit(void **state)
{
    static int registered;
    struct squares s;
    struct pool *p;
    int n;

    (void)state;
    atexit_elsewhere = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(atexit_elsewhere != MAP_FAILED);
    atexit_owner = getpid();
    if (!registered++)
        assert_int_equal(atexit(count_foreign_atexit), 0);
    spin_units = 0;
    squares_init(&s, 8, 5); /* a crash: a replacement worker too */
    p = create(2);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    pool_destroy(p);
    squares_free(&s);
    n = __atomic_load_n(atexit_elsewhere, __ATOMIC_SEQ_CST);
    munmap(atexit_elsewhere, sizeof(int));
    atexit_elsewhere = NULL;
    if (n > 0)
        harness_fail_symptom("worker-exit",
                             "%d worker process(es) ran the test's atexit "
                             "handler when they ended: a worker left with "
                             "exit() (or returned into code that did)",
                             n);
}

/* Pools come and go: every worker is reaped, every fd closed. */
static void test_pool_destroy_leaves_nothing(void **state)
{
    struct harness_snapshot snap;
    struct stat before, after;
    struct squares s;

    (void)state;
    if (fcntl(0, F_GETFD) < 0) /* the caller's fd 0, which is not the pool's */
        assert_int_equal(open("/dev/null", O_RDONLY), 0);
    assert_int_equal(fstat(0, &before), 0);
    snap = harness_snapshot();
    spin_units = 0;
    squares_init(&s, 16, 0);
    for (int k = 0; k < 10; k++) {
        struct pool *p = create(1 + k % 4);

        if (k % 2)
            map_ok(p, square_task, s.items, s.n);
        pool_destroy(p);
    }
    squares_free(&s);
    if (harness_count_children() != 0)
        harness_fail("%d child process(es) left after pool_destroy: wait "
                     "for every worker",
                     harness_count_children());
    if (fstat(0, &after) < 0 || after.st_ino != before.st_ino ||
        after.st_dev != before.st_dev)
        harness_fail("fd 0, which the pools never opened, was closed or "
                     "replaced by pool_create/pool_destroy: close only the "
                     "pool's own fds (is a slot's fd 0 taken for a pipe?)");
    harness_assert_no_leaks(snap);
}

/* Open fds of each child of this process, in *fds (at most max). */
static int child_fd_counts(int *fds, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) && n < max) {
        char path[300], buf[512];
        const char *rp;
        FILE *f;
        int ppid, k = 0;
        DIR *fd_dir;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        rp = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
        fclose(f);
        if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1 || ppid != getpid())
            continue;
        snprintf(path, sizeof(path), "/proc/%s/fd", e->d_name);
        fd_dir = opendir(path);
        if (!fd_dir)
            continue;
        while (readdir(fd_dir))
            k++;
        closedir(fd_dir);
        fds[n++] = k;
    }
    closedir(d);
    return n;
}

/*
 * Every worker holds the same fds: its own two pipe ends and what it
 * inherited from the test. A worker that keeps the pipe ends of the workers
 * forked before it holds two more per sibling — and keeps their task pipes
 * open, so they may never see end of file.
 */
static void workers_hold_own_pipes_only(void)
{
    int fds[8], n;
    struct squares s;
    struct pool *p = create(4);

    spin_units = 0;
    squares_init(&s, 12, 4); /* three crashes: three workers replaced */
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    /* A map with a task for every worker: once it returns, each of them,
     * the new ones too, has sent a result, so it is past its start-up. */
    squares_init(&s, 16, 0);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    n = child_fd_counts(fds, 8);
    if (n != 4)
        harness_fail("expected 4 worker processes, found %d children", n);
    for (int i = 1; i < n; i++)
        if (fds[i] != fds[0])
            harness_fail("the workers hold different numbers of fds (%d and "
                         "%d): does a new worker close the pipe ends of the "
                         "workers it inherited from the parent?",
                         fds[0], fds[i]);
    pool_destroy(p);
    squares_free(&s);
}

static void test_pool_workers_hold_own_pipes_only(void **state)
{
    (void)state;
    workers_hold_own_pipes_only();
}

/*
 * Two pools at once, the older destroyed first. The younger pool's workers
 * were forked while the older pool's pipes were open in the parent: if they
 * keep those copies, the older pool's workers never see end of file and
 * its pool_destroy waits for ever (a timeout).
 */
static void two_pools_destroy_in_any_order(void)
{
    struct harness_snapshot snap = harness_snapshot();
    struct squares s;
    struct pool *older = create(2), *younger = create(2);

    spin_units = 0;
    squares_init(&s, 8, 0);
    map_ok(older, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    pool_destroy(older);
    squares_init(&s, 8, 0);
    map_ok(younger, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    pool_destroy(younger);
    if (harness_count_children() != 0)
        harness_fail("%d child process(es) left after destroying both pools",
                     harness_count_children());
    harness_assert_no_leaks(snap);
}

static void test_pool_two_pools_destroy_in_any_order(void **state)
{
    (void)state;
    two_pools_destroy_in_any_order();
}

static int map_after_pool_failure(void);

/*
 * A kernel before 5.9, as far as this test process and the workers it
 * forks can tell: close_range() fails with ENOSYS (a seccomp filter, which
 * children inherit). Then the two tests above again, and the pool
 * destroyed after a failed map (test_pool_map_after_pool_failure, below):
 * a new worker must still close what it inherited, one fd at a time if it
 * must, its own result pipe's read end included.
 */
static void test_pool_workers_close_inherited_on_old_kernel(void **state)
{
    (void)state;
    if (RUNNING_ON_VALGRIND)
        harness_skip("Valgrind runs its own seccomp-blind syscalls");
    if (harness_fail_syscall(SYS_close_range, ENOSYS) < 0)
        harness_skip("the test cannot install its seccomp filter here");
    workers_hold_own_pipes_only();
    two_pools_destroy_in_any_order();
    if (!map_after_pool_failure())
        harness_note("RLIMIT_NPROC does not stop fork here (root?): a pool "
                     "destroyed after its map failed was not tried");
}

static void test_pool_bad_arguments(void **state)
{
    uint64_t x = 1, y;
    struct pool_item big = {&x, POOL_MAX_MSG + 1, &y, 8, 0, 0};
    struct pool *p = NULL;
    struct squares s;

    (void)state;
    EXPECT_RC(pool_create(0, &p), -EINVAL);
    EXPECT_RC(pool_create(65, &p), -EINVAL);
    EXPECT_RC(pool_create(2, NULL), -EINVAL);
    p = create(64); /* the largest count is a pool too */
    spin_units = 0;
    squares_init(&s, 64, 0);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    pool_destroy(p);
    p = create(1);
    EXPECT_RC(pool_map(p, NULL, &big, 1), -EINVAL);
    EXPECT_RC(pool_map(NULL, square_task, &big, 1), -EINVAL);
    EXPECT_RC(pool_map(p, square_task, NULL, 1), -EINVAL);
    if (pool_map(p, square_task, &big, 1) != -EINVAL)
        harness_fail("an input over POOL_MAX_MSG: expected -EINVAL before "
                     "any task runs");
    pool_destroy(p);
    pool_destroy(NULL);
}

/*
 * The workers are other processes: what a task writes to memory stays in
 * its worker. Globals set up before pool_create, and every byte of its
 * result buffer past out_len, look the same in the parent after the map.
 */
enum { SCRIBBLE_N = 16, SCRIBBLE_OUT = 8 };
static int scribbled[SCRIBBLE_N];
static unsigned char *scribbled_heap; /* set up before pool_create */

static int scribble_task(const void *in, size_t in_len, void *out,
                         size_t out_cap, size_t *out_len)
{
    uint64_t x;

    if (in_len != sizeof(x) || out_cap < 1)
        return -EINVAL;
    memcpy(&x, in, sizeof(x));
    scribbled[x % SCRIBBLE_N] = (int)x + 1;
    scribbled_heap[x % SCRIBBLE_N] = 0xAB;
    memset(out, 0xCD, out_cap); /* the whole buffer, ... */
    ((unsigned char *)out)[0] = (unsigned char)x;
    *out_len = 1; /* ... but only one byte of result */
    return 0;
}

static void test_pool_task_memory_stays_in_worker(void **state)
{
    unsigned char out[SCRIBBLE_N][SCRIBBLE_OUT];
    struct pool_item items[SCRIBBLE_N];
    uint64_t in[SCRIBBLE_N];
    struct pool *p;

    (void)state;
    scribbled_heap = xcalloc(SCRIBBLE_N, 1);
    memset(scribbled, 0, sizeof(scribbled));
    memset(out, 0x5A, sizeof(out));
    p = create(2);
    for (int i = 0; i < SCRIBBLE_N; i++) {
        in[i] = (uint64_t)i;
        items[i] = (struct pool_item){&in[i],       sizeof(in[i]), out[i],
                                      SCRIBBLE_OUT, (size_t)-1,    12345};
    }
    map_ok(p, scribble_task, items, SCRIBBLE_N);
    for (int i = 0; i < SCRIBBLE_N; i++) {
        if (scribbled[i] != 0 || scribbled_heap[i] != 0)
            harness_fail("a task wrote to a global (and to the heap) in its "
                         "worker, and the parent sees it (global %d, heap "
                         "byte %#x): the tasks must run in worker processes, "
                         "never in the caller's",
                         scribbled[i], scribbled_heap[i]);
        if (items[i].err != 0 || items[i].out_len != 1 || out[i][0] != i)
            harness_fail("item %d: expected err 0, out_len 1 and byte %d, "
                         "got err %d, out_len %zu, byte %d",
                         i, i, items[i].err, items[i].out_len, out[i][0]);
        for (int k = 1; k < SCRIBBLE_OUT; k++)
            if (out[i][k] != 0x5A)
                harness_fail("item %d: the task wrote its whole buffer but "
                             "set out_len 1, and byte %d of the caller's "
                             "out changed (%#x, was 0x5a): only the out_len "
                             "bytes of a result reach the parent",
                             i, k, out[i][k]);
    }
    pool_destroy(p);
    free(scribbled_heap);
}

/* pool_create with one resource limit of this process lowered to lim. */
static int create_limited(int resource, rlim_t lim, int workers,
                          struct pool **p)
{
    struct rlimit old, rl;
    int rc;

    if (getrlimit(resource, &old) < 0)
        harness_fail("getrlimit failed");
    rl = old;
    rl.rlim_cur = lim < old.rlim_max ? lim : old.rlim_max;
    if (setrlimit(resource, &rl) < 0)
        harness_fail("setrlimit to %llu failed", (unsigned long long)lim);
    rc = pool_create(workers, p);
    if (setrlimit(resource, &old) < 0)
        harness_fail("restoring a resource limit failed");
    return rc;
}

/* After a pool_create that failed: no child, no fd more than before. */
static void expect_nothing_left(const char *how, int rc, int want,
                                struct harness_snapshot snap)
{
    int children = harness_count_children(), fds = harness_count_fds();

    if (rc != want)
        harness_fail("pool_create(4) %s returned %d (%s): expected %d (%s), "
                     "the negative errno of the call that failed",
                     how, rc, rc < 0 ? strerror(-rc) : "-", want,
                     strerror(-want));
    if (children != snap.children || fds != snap.fds)
        harness_fail("pool_create(4) %s returned %d but left %d child(ren) "
                     "and %d fd(s) more than before: on failure, stop and "
                     "reap the workers already started and close every "
                     "pipe end made so far",
                     how, rc, children - snap.children, fds - snap.fds);
}

/* Whether fork fails with RLIMIT_NPROC 0 here (not for root). */
static int nproc_limit_bites(void)
{
    struct rlimit old, none = {0, 0};
    pid_t pid;

    if (getrlimit(RLIMIT_NPROC, &old) < 0)
        return 0;
    none.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_NPROC, &none) < 0)
        return 0;
    pid = fork();
    if (pid == 0)
        _exit(0);
    setrlimit(RLIMIT_NPROC, &old);
    if (pid > 0)
        xwaitpid(pid, NULL, 0);
    return pid < 0;
}

/*
 * pool_create runs out of fds at every step of its way (RLIMIT_NOFILE
 * raised one at a time until it works), with workers already started
 * for most of them; then fork fails for its first worker (RLIMIT_NPROC
 * 0). Each failure returns the errno of the call and leaves nothing.
 * Another pool is alive all along: a failed create waits for none of its
 * workers (waitpid on an empty slot's pid 0 would wait for any child).
 */
static void test_pool_create_failure_leaves_nothing(void **state)
{
    struct pool *other = create(2); /* its workers are not the failure's */
    struct harness_snapshot snap = harness_snapshot();
    struct pool *p = NULL;
    struct squares s;
    int rc = -1, fails = 0;
    rlim_t lim;

    (void)state;
    for (lim = 3; lim < 1024; lim++) {
        char how[64];

        rc = create_limited(RLIMIT_NOFILE, lim, 4, &p);
        if (rc == 0)
            break;
        snprintf(how, sizeof(how), "with RLIMIT_NOFILE %llu",
                 (unsigned long long)lim);
        expect_nothing_left(how, rc, -EMFILE, snap);
        fails++;
    }
    if (rc != 0)
        harness_fail("pool_create(4) never worked, even with RLIMIT_NOFILE "
                     "1023: it returned %d (%s)",
                     rc, strerror(-rc));
    if (fails == 0)
        harness_fail("pool_create(4) worked with RLIMIT_NOFILE 3, which "
                     "leaves no room for a pipe");
    spin_units = 0;
    squares_init(&s, 8, 0);
    map_ok(p, square_task, s.items, s.n); /* the one that worked works */
    squares_check(&s);
    squares_free(&s);
    pool_destroy(p);
    harness_assert_no_leaks(snap);
    if (!nproc_limit_bites()) {
        harness_note("RLIMIT_NPROC does not stop fork here (root?): the "
                     "fork failure was not tried");
        pool_destroy(other);
        return;
    }
    rc = create_limited(RLIMIT_NPROC, 0, 4, &p);
    if (rc == 0)
        pool_destroy(p);
    expect_nothing_left("where fork fails (RLIMIT_NPROC 0)", rc, -EAGAIN, snap);
    pool_destroy(other);
}

/*
 * The pool itself fails: every task crashes its worker, and no worker can
 * be replaced (fork fails, RLIMIT_NPROC 0). pool_map returns fork's
 * -EAGAIN rather than waiting for ever or claiming every task ran, and
 * pool_destroy still leaves nothing.
 */
static void test_pool_map_reports_pool_failure(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct rlimit old, none = {0, 0};
    struct squares s;
    struct pool *p;
    int rc;

    (void)state;
    if (!nproc_limit_bites())
        harness_skip("RLIMIT_NPROC does not stop fork here (running as "
                     "root?)");
    spin_units = 0;
    squares_init(&s, 6, 1);
    p = create(2);
    if (getrlimit(RLIMIT_NPROC, &old) < 0)
        harness_fail("getrlimit failed");
    none.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_NPROC, &none) < 0)
        harness_fail("setrlimit(RLIMIT_NPROC, 0) failed");
    rc = pool_map(p, square_task, s.items, s.n);
    if (setrlimit(RLIMIT_NPROC, &old) < 0)
        harness_fail("restoring RLIMIT_NPROC failed");
    if (rc != -EAGAIN)
        harness_fail("six tasks that each crash their worker, on a pool "
                     "that cannot fork a replacement: pool_map returned %d "
                     "(%s), expected -EAGAIN, the error of the fork that "
                     "failed (a pool with no workers cannot run the rest)",
                     rc, rc < 0 ? strerror(-rc) : "-");
    pool_destroy(p);
    squares_free(&s);
    if (harness_count_children() != snap.children)
        harness_fail("%d child process(es) left after pool_destroy of a "
                     "pool whose map failed",
                     harness_count_children() - snap.children);
    harness_assert_no_leaks(snap);
}

#define BIG_RESULT 0xB16u /* a result of POOL_MAX_MSG bytes */

/* in: a uint64 x; out: x * x + 1, 20 ms later. CRASH_ME crashes the
 * worker 5 ms in, once the map has handed out its first tasks; BIG_RESULT
 * is POOL_MAX_MSG bytes of result, more than a pipe holds, 200 ms in. */
static int crash_late_task(const void *in, size_t in_len, void *out,
                           size_t out_cap, size_t *out_len)
{
    struct timespec d = {0, 20 * 1000 * 1000};
    uint64_t x, y;

    if (in_len != sizeof(x) || out_cap < sizeof(y))
        return -EINVAL;
    memcpy(&x, in, sizeof(x));
    if (x == BIG_RESULT) {
        struct timespec late = {0, 200 * 1000 * 1000}; /* map has failed */

        if (out_cap < POOL_MAX_MSG)
            return -EINVAL;
        nanosleep(&late, NULL);
        memset(out, 0xB1, POOL_MAX_MSG);
        *out_len = POOL_MAX_MSG;
        return 0;
    }
    if (x == CRASH_ME) {
        struct rlimit no_core = {0, 0};

        d.tv_nsec = 5 * 1000 * 1000;
        nanosleep(&d, NULL);
        setrlimit(RLIMIT_CORE, &no_core);
        raise(SIGSEGV);
    }
    nanosleep(&d, NULL);
    y = x * x + 1;
    memcpy(out, &y, sizeof(y));
    *out_len = sizeof(y);
    return 0;
}

/*
 * What is left of a pool whose map failed. One task of six crashes its
 * worker while the other worker is busy with a result bigger than a pipe
 * holds, and fork fails (RLIMIT_NPROC 0): pool_map returns an error with
 * tasks still queued and that worker blocked writing. pool.h lets a later
 * map work or fail, but it reads and writes only items[0..n) and returns:
 * the next map's one item is the last of a page whose next page is
 * unreadable, so a look at an item past n (a task queued by the failed
 * map, sent again) crashes the test. pool_destroy then leaves nothing,
 * which it cannot do if the blocked worker holds a read end of its own
 * result pipe (it never gets EPIPE). Returns 0 where fork cannot be made
 * to fail (root).
 */
static int map_after_pool_failure(void)
{
    struct harness_snapshot snap = harness_snapshot();
    struct rlimit old, none = {0, 0};
    uint64_t in[6] = {BIG_RESULT, CRASH_ME, 3, 4, 5, 6}, out[6], x = 7, y = 0;
    struct pool_item items[6], *last;
    long page = sysconf(_SC_PAGESIZE);
    char *map, *big = xmalloc(POOL_MAX_MSG);
    struct pool *p;
    int rc;

    if (!nproc_limit_bites()) {
        free(big);
        return 0;
    }
    for (int i = 0; i < 6; i++)
        items[i] = (struct pool_item){&in[i],         sizeof(in[i]), &out[i],
                                      sizeof(out[i]), (size_t)-1,    12345};
    items[0].out = big;
    items[0].out_cap = POOL_MAX_MSG;
    map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(map + page, (size_t)page, PROT_NONE))
        harness_fail("the test cannot map its guarded page");
    last = (struct pool_item *)(map + page) - 1;
    *last = (struct pool_item){&x, sizeof(x), &y, sizeof(y), (size_t)-1, 12345};
    p = create(2);
    if (getrlimit(RLIMIT_NPROC, &old) < 0)
        harness_fail("getrlimit failed");
    none.rlim_max = old.rlim_max;
    if (setrlimit(RLIMIT_NPROC, &none) < 0)
        harness_fail("setrlimit(RLIMIT_NPROC, 0) failed");
    rc = pool_map(p, crash_late_task, items, 6);
    if (setrlimit(RLIMIT_NPROC, &old) < 0)
        harness_fail("restoring RLIMIT_NPROC failed");
    if (rc >= 0)
        harness_fail("a task crashed its worker and fork failed: pool_map "
                     "returned %d, expected a negative errno (the pool "
                     "could not replace the worker)",
                     rc);
    rc = pool_map(p, crash_late_task, last, 1);
    if (rc > 0 || (rc == 0 && (last->err != 0 || y != x * x + 1)))
        harness_fail("one task on a pool whose last map failed: pool_map "
                     "returned %d, the task's err %d and result %llu; "
                     "expected 0, 0 and %llu, or a negative errno",
                     rc, last->err, (unsigned long long)y,
                     (unsigned long long)(x * x + 1));
    pool_destroy(p);
    munmap(map, 2 * (size_t)page);
    free(big);
    if (harness_count_children() != snap.children)
        harness_fail("%d child process(es) left after pool_destroy of a "
                     "pool whose map failed, then mapped again",
                     harness_count_children() - snap.children);
    harness_assert_no_leaks(snap);
    return 1;
}

static void test_pool_map_after_pool_failure(void **state)
{
    (void)state;
    if (!map_after_pool_failure())
        harness_skip("RLIMIT_NPROC does not stop fork here (running as "
                     "root?)");
}

/* The worker's pid, as its result: which process ran the task. */
static int pid_task(const void *in, size_t in_len, void *out, size_t out_cap,
                    size_t *out_len)
{
    int32_t pid = (int32_t)getpid();

    (void)in;
    (void)in_len;
    if (out_cap < sizeof(pid))
        return -EINVAL;
    memcpy(out, &pid, sizeof(pid));
    *out_len = sizeof(pid);
    return 0;
}

/* The pids of this process's children, in pids (at most max). */
static int child_pids(pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) && n < max) {
        char path[300], buf[512];
        const char *rp;
        FILE *f;
        int ppid;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        rp = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
        fclose(f);
        if (rp && sscanf(rp + 1, " %*c %d", &ppid) == 1 && ppid == getpid())
            pids[n++] = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return n;
}

/*
 * A map runs on the pool's workers: every task of a map in which no worker
 * died ran in one of the processes pool_create forked. Then every worker
 * is killed while idle, between maps (by the OOM killer, say): the next
 * map, of one task and then of eight, finds them dead when it hands them
 * work, replaces them, and runs every task; pool_map writes no item past
 * n. A map that waited for a result from a worker it gave nothing, or
 * polled an idle worker's pipe and took its hang-up for the end of an
 * old task, gets these wrong.
 */
static void test_pool_workers_killed_while_idle(void **state)
{
    int32_t out[8];
    struct pool_item items[8];
    pid_t pids[8];
    struct squares s;
    struct pool *p = create(2);
    int n = child_pids(pids, 8), rc;

    (void)state;
    if (n != 2)
        harness_fail("expected 2 worker processes after pool_create(2), "
                     "found %d children",
                     n);
    for (int i = 0; i < 8; i++)
        items[i] = (struct pool_item){NULL,           0,          &out[i],
                                      sizeof(out[i]), (size_t)-1, 12345};
    map_ok(p, pid_task, items, 8);
    for (int i = 0; i < 8; i++)
        if (items[i].err != 0 || (out[i] != pids[0] && out[i] != pids[1]))
            harness_fail("task %d ran in process %d (err %d), which is not "
                         "one of the pool's workers (%d, %d): a map runs on "
                         "the workers pool_create forked, and starts none "
                         "while they live",
                         i, (int)out[i], items[i].err, (int)pids[0],
                         (int)pids[1]);
    for (int i = 0; i < 2; i++) {
        siginfo_t si;

        assert_int_equal(kill(pids[i], SIGKILL), 0);
        /* dead (its fds closed), but left for the pool to reap */
        while (waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOWAIT) < 0)
            assert_int_equal(errno, EINTR);
    }
    spin_units = 0;
    squares_init(&s, 8, 0);
    rc = pool_map(p, square_task, s.items, 1);
    if (rc != 0 || s.items[0].err != 0 || s.out[0] != 2)
        harness_fail("one task on a pool whose workers were all killed while "
                     "idle: pool_map returned %d, the task's err %d and "
                     "result %llu, expected 0, 0 and 2: a worker found dead "
                     "when it is given a task is replaced, and the task "
                     "runs on the new one",
                     rc, s.items[0].err, (unsigned long long)s.out[0]);
    for (size_t i = 1; i < s.n; i++)
        if (s.items[i].err != 12345 || s.items[i].out_len != (size_t)-1)
            harness_fail("pool_map of 1 task wrote item %zu (err %d): an idle "
                         "worker's hang-up is no task's result",
                         i, s.items[i].err);
    map_ok(p, square_task, s.items, s.n);
    squares_check(&s);
    squares_free(&s);
    pool_destroy(p);
}

static volatile sig_atomic_t pool_ticks;

static void pool_on_tick(int sig)
{
    (void)sig;
    pool_ticks++;
}

/* SIGALRM every 200 us, its handler installed without SA_RESTART: a
 * blocking call of this process fails with EINTR. (Timers are not
 * inherited: the workers get none.) */
static void pool_ticking(int on)
{
    struct itimerval it = {{0, on ? 200 : 0}, {0, on ? 200 : 0}};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on ? pool_on_tick : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (on)
        assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    if (!on)
        assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
}

/* in: a uint64 x; out: x * x + 1, after 2 ms of sleep (simulated I/O). */
static int slow_square_task(const void *in, size_t in_len, void *out,
                            size_t out_cap, size_t *out_len)
{
    struct timespec ts = {0, 2 * 1000 * 1000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    return square_task(in, in_len, out, out_cap, out_len);
}

/*
 * Signals rain on the caller (a SIGALRM every 200 us, no SA_RESTART)
 * while pool_map waits for slow tasks, and while pool_destroy waits for a
 * worker that is stopped (SIGSTOP) until a helper process resumes it
 * 20 ms later. "Blocks until every task has ended" and "until every
 * worker has exited": a call a signal interrupts (EINTR) is resumed.
 */
static void test_pool_survives_signals(void **state)
{
    struct squares s;
    struct pool *p = create(2);
    pid_t pids[8], helper;
    int n = child_pids(pids, 8), rc;
    siginfo_t si;

    (void)state;
    if (n != 2)
        harness_fail("expected 2 worker processes after pool_create(2), "
                     "found %d children",
                     n);
    squares_init(&s, 16, 0);
    pool_ticking(1);
    rc = pool_map(p, slow_square_task, s.items, s.n);
    pool_ticking(0);
    if (rc != 0)
        harness_fail("pool_map under a rain of %d signals returned %d (%s), "
                     "expected 0: a wait (poll, read) that a signal "
                     "interrupts with EINTR must be resumed",
                     (int)pool_ticks, rc, strerror(-rc));
    squares_check(&s);
    squares_free(&s);

    assert_int_equal(kill(pids[0], SIGSTOP), 0);
    while (waitid(P_PID, (id_t)pids[0], &si, WSTOPPED | WNOWAIT) < 0)
        assert_int_equal(errno, EINTR);
    helper = xfork();
    if (helper == 0) {
        harness_io_wait_ms(20);
        kill(pids[0], SIGCONT);
        _exit(0);
    }
    pool_ticking(1);
    pool_destroy(p);
    pool_ticking(0);
    assert_int_equal(lab07_wait_child(helper), 0);
    for (int i = 0; i < 2; i++)
        if (waitpid(pids[i], NULL, WNOHANG) != -1 || errno != ECHILD) {
            kill(pids[i], SIGCONT);
            harness_fail("worker %d was still a child of this process after "
                         "pool_destroy under a rain of signals: a waitpid "
                         "that a signal interrupts (EINTR) must be resumed, "
                         "so that pool_destroy waits for every worker",
                         (int)pids[i]);
        }
}

/* The speedup check: the same CPU-bound tasks, in this process one after
 * the other, then on a pool of two workers. */
struct speed {
    struct squares s;
    struct pool *p;
};

static void run_serial(void *arg)
{
    struct speed *sp = arg;

    for (size_t i = 0; i < sp->s.n; i++) {
        struct pool_item *it = &sp->s.items[i];

        it->err =
            square_task(it->in, it->in_len, it->out, it->out_cap, &it->out_len);
    }
}

static void run_pool(void *arg)
{
    struct speed *sp = arg;

    map_ok(sp->p, square_task, sp->s.items, sp->s.n);
}

/* The check ends the test at once when it fails or is inconclusive, so the
 * pool is stopped in the teardown, which cmocka runs whatever happened. */
static struct speed speed_ctx;

static int speedup_teardown(void **state)
{
    (void)state;
    pool_destroy(speed_ctx.p);
    speed_ctx.p = NULL;
    return 0;
}

static void test_pool_cpu_speedup(void **state)
{
    struct speed *sp = &speed_ctx;

    (void)state;
    spin_units = (uint64_t)harness_param_long("spin_units", 400);
    squares_init(&sp->s, (size_t)harness_param_long("tasks", 64), 0);
    sp->p = create(2);
    harness_check_cpu_speedup("pool_map on 2 worker processes", 2, 0.8,
                              run_serial, sp, run_pool, sp);
    squares_check(&sp->s);
    squares_free(&sp->s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_map_in_input_order),
    cmocka_unit_test(test_pool_sizes),
    cmocka_unit_test(test_pool_task_errors),
    cmocka_unit_test(test_pool_worker_crash_reported),
    cmocka_unit_test(test_pool_all_workers_crash),
    cmocka_unit_test(test_pool_workers_leave_without_exit),
    cmocka_unit_test(test_pool_worker_exit_reported),
    cmocka_unit_test(test_pool_destroy_leaves_nothing),
    cmocka_unit_test(test_pool_workers_hold_own_pipes_only),
    cmocka_unit_test(test_pool_two_pools_destroy_in_any_order),
    cmocka_unit_test(test_pool_workers_close_inherited_on_old_kernel),
    cmocka_unit_test(test_pool_bad_arguments),
    cmocka_unit_test(test_pool_task_memory_stays_in_worker),
    cmocka_unit_test(test_pool_create_failure_leaves_nothing),
    cmocka_unit_test(test_pool_map_reports_pool_failure),
    cmocka_unit_test(test_pool_map_after_pool_failure),
    cmocka_unit_test(test_pool_workers_killed_while_idle),
    cmocka_unit_test(test_pool_survives_signals),
    cmocka_unit_test_teardown(test_pool_cpu_speedup, speedup_teardown),
};

HARNESS_MAIN(tests)
