/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 2: the pool runs every task once, in order, hands results
 * back through futures, sleeps when idle, overlaps I/O-bound tasks, and
 * runs every queued task when it shuts down.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "pool.h"
#include "lab02_util.h"

static struct pool *make_pool(unsigned n)
{
    struct pool *p = NULL;
    int rc = pool_create(&p, n);

    if (rc != 0 || !p)
        harness_fail("pool_create(%u) returned %d (%s), expected 0 and a "
                     "pool",
                     n, rc, strerror(-rc));
    return p;
}

static struct future *submit(struct pool *p, pool_task_fn fn, void *arg)
{
    struct future *f = NULL;
    int rc = pool_submit(p, fn, arg, &f);

    if (rc != 0 || !f)
        harness_fail("pool_submit returned %d (%s), expected 0 and a future",
                     rc, strerror(-rc));
    return f;
}

static void *get(struct future *f)
{
    void *r = NULL;
    int rc = future_get(f, &r);

    if (rc != 0)
        harness_fail("future_get returned %d (%s), expected 0", rc,
                     strerror(-rc));
    return r;
}

static void *triple_plus_one(void *arg)
{
    return (void *)((uintptr_t)arg * 3 + 1);
}

static void test_pool_futures_return_results(void **state)
{
    long n = harness_param_long("tasks", 200);
    struct future **f = xcalloc((size_t)n, sizeof(*f));
    struct pool *p = make_pool(4);

    (void)state;
    for (long i = 0; i < n; i++)
        f[i] = submit(p, triple_plus_one, (void *)(uintptr_t)i);
    for (long i = n - 1; i >= 0; i--) { /* any order of gets must work */
        uintptr_t r = (uintptr_t)get(f[i]);

        if (r != (uintptr_t)i * 3 + 1)
            harness_fail("task %ld returned %lu through its future, expected "
                         "%lu: is the result stored in the right future?",
                         i, (unsigned long)r, (unsigned long)(i * 3 + 1));
    }
    pool_destroy(p);
    free(f);
}

/* One worker runs the tasks one by one: in the order they were submitted. */
struct order_log {
    int seq[64]; /* written by the single worker, read after pool_destroy */
    int len;
};

struct order_arg {
    struct order_log *log;
    int id;
};

static void *log_order(void *arg)
{
    struct order_arg *a = arg;

    a->log->seq[a->log->len++] = a->id;
    return NULL;
}

static void test_pool_single_worker_fifo(void **state)
{
    static struct order_log log;
    struct order_arg a[64];
    struct future *f[64];
    struct pool *p = make_pool(1);

    (void)state;
    log.len = 0;
    for (int i = 0; i < 64; i++) {
        a[i] = (struct order_arg){&log, i};
        f[i] = submit(p, log_order, &a[i]);
    }
    pool_destroy(p); /* joins the worker: its writes to log are visible */
    for (int i = 0; i < 64; i++)
        (void)get(f[i]);
    if (log.len != 64)
        harness_fail("64 tasks submitted, %d ran", log.len);
    for (int i = 0; i < 64; i++)
        if (log.seq[i] != i)
            harness_fail("with one worker the tasks must run in submission "
                         "order (FIFO); run #%d was task %d",
                         i, log.seq[i]);
}

/*
 * A gate the first task waits at, so that the other tasks are still queued
 * when the pool shuts down. The task says when it has arrived, the main
 * thread waits for that, queues the rest and opens it; nothing here sleeps.
 */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int arrived, open; /* guarded by lock */
};

static void *wait_at_gate(void *arg)
{
    struct gate *g = arg;

    xpthread_mutex_lock(&g->lock);
    g->arrived = 1;
    xpthread_cond_broadcast(&g->cv);
    while (!g->open)
        xpthread_cond_wait(&g->cv, &g->lock);
    xpthread_mutex_unlock(&g->lock);
    return NULL;
}

static void *mark_ran(void *arg)
{
    *(int *)arg = 1; /* each task its own flag: read after pool_destroy */
    return arg;
}

#define QUEUED 49

static void test_pool_shutdown_runs_queued_tasks(void **state)
{
    static struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                            0, 0};
    int ran[QUEUED] = {0}, count = 0, rc;
    struct future *f[QUEUED + 1], *late = NULL;
    struct pool *p = make_pool(1);

    (void)state;
    g.arrived = g.open = 0;
    f[0] = submit(p, wait_at_gate, &g);
    /* The worker runs the first task, which holds no lock of the pool. */
    xpthread_mutex_lock(&g.lock);
    while (!g.arrived)
        xpthread_cond_wait(&g.cv, &g.lock);
    xpthread_mutex_unlock(&g.lock);
    for (int i = 0; i < QUEUED; i++)
        f[i + 1] = submit(p, mark_ran, &ran[i]);
    pool_shutdown(p); /* the worker is stuck at the gate: all still queued */
    rc = pool_submit(p, mark_ran, &count, &late);
    if (rc != -ESHUTDOWN)
        harness_fail("pool_submit after pool_shutdown returned %d, expected "
                     "-ESHUTDOWN (%d)",
                     rc, -ESHUTDOWN);

    xpthread_mutex_lock(&g.lock);
    g.open = 1;
    xpthread_cond_broadcast(&g.cv);
    xpthread_mutex_unlock(&g.lock);
    pool_destroy(p);

    for (int i = 0; i < QUEUED; i++)
        count += ran[i];
    if (count != QUEUED)
        harness_fail_symptom("queue-dropped",
                             "%d tasks were queued when the pool shut down, "
                             "only %d of them ran: shutdown must finish the "
                             "queue before the workers exit (like "
                             "ThreadPoolExecutor.shutdown)",
                             QUEUED, count);
    for (int i = 0; i <= QUEUED; i++)
        (void)get(f[i]);
}

static void test_pool_get_after_destroy(void **state)
{
    struct future *f[16];
    struct pool *p = make_pool(3);

    (void)state;
    for (int i = 0; i < 16; i++)
        f[i] = submit(p, triple_plus_one, (void *)(uintptr_t)i);
    pool_destroy(p);
    for (int i = 0; i < 16; i++)
        if ((uintptr_t)get(f[i]) != (uintptr_t)i * 3 + 1)
            harness_fail("future %d gave the wrong result after "
                         "pool_destroy",
                         i);
}

/*
 * Workers go idle and wake up again, round after round: one task at a time,
 * run before the next is submitted. Chaos mode is on, so a condition wait
 * may return now and then without a signal, as POSIX allows (pool_hooks.h):
 * a worker must wait again, not take the empty queue for a shutdown and
 * leave; future_get must wait again, not return before the task is done.
 */
struct ping {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    long ran; /* guarded by lock: tasks that have started */
};

static void *ping_task(void *arg)
{
    struct ping *pg = arg;

    xpthread_mutex_lock(&pg->lock);
    pg->ran++;
    xpthread_cond_broadcast(&pg->cv);
    xpthread_mutex_unlock(&pg->lock);
    /* future_get is waiting meanwhile, mostly. Under the controlled
     * scheduler a scheduling point instead: whether future_get waits
     * already when the task ends is the scheduler's choice (a completion
     * that signals without the future's lock loses that wake-up). */
    if (harness_sched_enabled())
        harness_yield();
    else
        harness_io_wait_us(200);
    return arg;
}

/* Wait until `want` ping tasks have started, at most ms: 0 or -ETIMEDOUT. */
static int await_started(struct ping *pg, long want, unsigned ms)
{
    uint64_t deadline = harness_now_ns() + (uint64_t)ms * 1000000u;
    int started;

    xpthread_mutex_lock(&pg->lock);
    while (pg->ran < want && harness_now_ns() < deadline) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts); /* the condition's clock */
        ts.tv_nsec += 10000000; /* 10 ms slices until the deadline */
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        (void)pthread_cond_timedwait(&pg->cv, &pg->lock, &ts);
    }
    started = pg->ran >= want;
    xpthread_mutex_unlock(&pg->lock);
    return started ? 0 : -ETIMEDOUT;
}

static void test_pool_survives_spurious_wakeups(void **state)
{
    static struct ping pg = {PTHREAD_MUTEX_INITIALIZER,
                             PTHREAD_COND_INITIALIZER, 0};
    static const unsigned sizes[] = {1, 3};
    long rounds =
        harness_param_long("rounds", harness_sched_enabled() ? 20 : 100);

    (void)state;
    harness_chaos_enable(1);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        struct pool *p = make_pool(sizes[s]);

        pg.ran = 0;
        for (long i = 0; i < rounds; i++) {
            struct future *f = submit(p, ping_task, &pg);

            if (await_started(&pg, i + 1, 2000) != 0)
                harness_fail_symptom(
                    "worker-left",
                    "%u worker(s), round %ld: a task submitted to an idle "
                    "pool did not start within 2 s: no worker was left to "
                    "take it. A condition wait may return without a signal "
                    "(POSIX allows it; chaos mode makes it happen): does "
                    "each worker wait in a while loop, until there is a "
                    "task or the pool is shut down? And does pool_submit "
                    "queue the task and signal with the pool's lock held "
                    "(else the signal can come between a worker's look at "
                    "the empty queue and its wait, and is lost)?",
                    sizes[s], i);
            if (get(f) != &pg)
                harness_fail_symptom(
                    "early-result",
                    "%u worker(s), round %ld: future_get returned before "
                    "its task had returned (the result is wrong). A "
                    "condition wait may return without a signal: does "
                    "future_get wait in a while loop until the task is "
                    "done?",
                    sizes[s], i);
            /* Not needed for a correct pool: time for the workers to go
             * idle, so that the next task wakes one from its wait. Under
             * the scheduler, not: a worker between its look at the empty
             * queue and its wait when the task comes is what shows a
             * submit that signals without the lock (a lost wake-up). */
            if (!harness_sched_enabled())
                harness_io_wait_us(100);
        }
        pool_destroy(p);
    }
    /* Shutdowns of pools whose worker may be about to wait: a shutdown
     * that sets its flag and broadcasts without the lock can come between
     * the worker's look and its wait, and the worker never leaves (the
     * scheduler switches at the yield; the create's point is too early). */
    for (long i = 0; i < rounds; i++) {
        struct pool *p = make_pool(1);

        harness_yield();
        pool_destroy(p);
    }
}

static void test_pool_bad_arguments(void **state)
{
    struct pool *p = NULL;
    struct future *f = NULL;

    (void)state;
    EXPECT_RC(pool_create(NULL, 2), -EINVAL);
    EXPECT_RC(pool_create(&p, 0), -EINVAL);
    EXPECT_RC(pool_create(&p, POOL_MAX_WORKERS + 1), -EINVAL);
    EXPECT_RC(future_get(NULL, NULL), -EINVAL);
    p = make_pool(1);
    EXPECT_RC(pool_submit(p, NULL, NULL, &f), -EINVAL);
    EXPECT_RC(pool_submit(p, triple_plus_one, NULL, NULL), -EINVAL);
    EXPECT_RC(pool_submit(NULL, triple_plus_one, NULL, &f), -EINVAL);
    pool_destroy(p);
    pool_destroy(NULL);
    /* The limit itself is allowed: only above it is -EINVAL. */
    p = NULL;
    EXPECT_RC(pool_create(&p, POOL_MAX_WORKERS), 0);
    if (p) {
        if ((uintptr_t)get(submit(p, triple_plus_one, (void *)5)) != 16)
            harness_fail("a pool of POOL_MAX_WORKERS (%d) workers gave the "
                         "wrong result",
                         POOL_MAX_WORKERS);
        pool_destroy(p);
    }
}

/*
 * The rest of pool_submit's and future_get's contract: a task may submit
 * more tasks; two threads may submit at once; future_get(f, NULL) is fine;
 * pool_shutdown twice is harmless, and a refused submit leaves *fut alone.
 * The threads that submit record; the main thread checks after join.
 */
struct nested {
    struct pool *p;
    struct future *inner; /* the future of the task this task submitted */
    int rc;
};

static void *submit_from_task(void *arg)
{
    struct nested *n = arg;

    n->rc = pool_submit(n->p, triple_plus_one, (void *)(uintptr_t)7, &n->inner);
    return arg;
}

#define SUBMITTERS 2
#define EACH 100

struct submitter {
    struct pool *p;
    struct harness_start *start;
    unsigned id;
    struct future *f[EACH];
    int rc; /* the first non-zero return, or 0 */
};

static void *submit_many(void *arg)
{
    struct submitter *s = arg;

    harness_start_wait(s->start);
    for (unsigned i = 0; i < EACH; i++) {
        int rc = pool_submit(s->p, triple_plus_one,
                             (void *)(uintptr_t)(s->id * EACH + i), &s->f[i]);

        if (rc != 0) {
            s->rc = rc;
            s->f[i] = NULL;
        }
    }
    return NULL;
}

static void test_pool_submit_contract(void **state)
{
    struct nested n = {NULL, NULL, -1};
    struct harness_start start;
    struct submitter s[SUBMITTERS];
    pthread_t t[SUBMITTERS];
    struct future *f, *keep = (struct future *)&n; /* any non-NULL value */
    struct pool *p = make_pool(2);

    (void)state;
    n.p = p;
    if (get(submit(p, submit_from_task, &n)) != &n || n.rc != 0 || !n.inner)
        harness_fail("a task's own pool_submit returned %d (expected 0 and "
                     "a future): a task may submit more tasks",
                     n.rc);
    if ((uintptr_t)get(n.inner) != 22)
        harness_fail("a task submitted by a task gave the wrong result");

    harness_start_init(&start, SUBMITTERS);
    for (unsigned i = 0; i < SUBMITTERS; i++) {
        s[i] = (struct submitter){.p = p, .start = &start, .id = i};
        xpthread_create(&t[i], NULL, submit_many, &s[i]);
    }
    for (unsigned i = 0; i < SUBMITTERS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (unsigned i = 0; i < SUBMITTERS; i++) {
        if (s[i].rc != 0)
            harness_fail("two threads submitting at once: pool_submit "
                         "returned %d (%s), expected 0",
                         s[i].rc, strerror(-s[i].rc));
        for (unsigned k = 0; k < EACH; k++)
            if ((uintptr_t)get(s[i].f[k]) != (i * EACH + k) * 3 + 1)
                harness_fail("two threads submitting at once: a task's "
                             "future gave the wrong result (is the queue "
                             "updated under the lock?)");
    }

    f = submit(p, triple_plus_one, NULL);
    EXPECT_RC(future_get(f, NULL), 0);
    pool_shutdown(p);
    pool_shutdown(p); /* twice is harmless */
    EXPECT_RC(pool_submit(p, triple_plus_one, NULL, &keep), -ESHUTDOWN);
    if (keep != (struct future *)&n)
        harness_fail("pool_submit refused a task after pool_shutdown but "
                     "changed *fut: a refused submit leaves it alone");
    pool_destroy(p);
}

/* An absolute CLOCK_REALTIME time ms from now, for pthread_cond_timedwait. */
static struct timespec in_ms(unsigned ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

/*
 * A thread cannot start: RLIMIT_NPROC lets two more threads start, and
 * pool_create asks for eight. It returns pthread_create's -EAGAIN, and
 * the two workers that did start are stopped and joined: the process has
 * no thread more than before. (Memcheck sees what it forgot to free.)
 */
static void test_pool_create_failure_reported(void **state)
{
    int threads = harness_count_threads(), rc;
    struct pool *p = NULL;
    struct rlimit old;

    (void)state;
    p = make_pool(8); /* where threads can start, it works */
    pool_destroy(p);
    p = NULL;
    if (harness_count_threads_settled(threads) != threads)
        harness_fail("pool_destroy left threads behind");
    if (!lab02_limit_threads(2, &old))
        harness_skip("RLIMIT_NPROC does not stop a thread from starting "
                     "here (running as root?)");
    rc = pool_create(&p, 8);
    lab02_unlimit_threads(&old);
    if (rc == 0)
        pool_destroy(p);
    if (rc != -EAGAIN)
        harness_fail("pool_create(8) where only 2 threads can start "
                     "returned %d (%s): expected -EAGAIN, pthread_create's "
                     "error",
                     rc, rc < 0 ? strerror(-rc) : "-");
    if (harness_count_threads_settled(threads) != threads)
        harness_fail("pool_create returned -EAGAIN but left %d thread(s) "
                     "running: stop and join the workers already started "
                     "before returning",
                     harness_count_threads() - threads);
}

/*
 * Out of memory (lab02_memory_out): pool_create returns -ENOMEM and starts
 * no thread; pool_submit returns -ENOMEM (or 0, if the pool had the memory
 * at hand: then that task runs), and the pool works once memory is back.
 */
static void test_pool_out_of_memory_reported(void **state)
{
    int threads = harness_count_threads(), rc_create, rc_submit;
    struct pool *p = NULL, *q = make_pool(2);
    struct future *f = NULL;
    struct lab02_oom oom;

    (void)state;
    lab02_memory_out(&oom);
    rc_create = pool_create(&p, 2);
    rc_submit = pool_submit(q, triple_plus_one, (void *)(uintptr_t)4, &f);
    lab02_memory_back(&oom);
    if (!oom.ok)
        harness_skip("the heap could not be used up here");
    if (rc_create == 0)
        pool_destroy(p);
    if (rc_create != -ENOMEM)
        harness_fail("pool_create with no memory to be had returned %d "
                     "(%s): expected -ENOMEM",
                     rc_create, rc_create < 0 ? strerror(-rc_create) : "-");
    if (harness_count_threads_settled(threads + 2) != threads + 2)
        harness_fail("pool_create failed with -ENOMEM but threads were "
                     "left running");
    if (rc_submit == 0 && (uintptr_t)get(f) != 13)
        harness_fail("pool_submit with no memory to be had returned 0, but "
                     "its future gave the wrong result");
    if (rc_submit != 0 && rc_submit != -ENOMEM)
        harness_fail("pool_submit with no memory to be had returned %d "
                     "(%s): expected -ENOMEM",
                     rc_submit, strerror(-rc_submit));
    if ((uintptr_t)get(submit(q, triple_plus_one, (void *)(uintptr_t)5)) != 16)
        harness_fail("after a pool_submit that failed for want of memory, "
                     "the next one gave the wrong result");
    pool_destroy(q);
}

/*
 * Context: any thread. Four threads create a pool each at the same time,
 * with one worker, and submit a task to it; the four tasks wait for each
 * other (at most 2 s), which they can only do on four workers. The main
 * thread destroys the pools. Pools that share state (a static queue, a
 * single pool) do not give four tasks four workers.
 */
#define CREATORS 4

struct meet {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int came; /* guarded by lock */
};

static void *meet_others(void *arg)
{
    struct meet *m = arg;
    struct timespec until = in_ms(2000);
    int all;

    xpthread_mutex_lock(&m->lock);
    if (++m->came == CREATORS)
        xpthread_cond_broadcast(&m->cv);
    while (m->came < CREATORS &&
           pthread_cond_timedwait(&m->cv, &m->lock, &until) != ETIMEDOUT)
        ;
    all = m->came >= CREATORS;
    xpthread_mutex_unlock(&m->lock);
    return (void *)(uintptr_t)all;
}

struct creator {
    struct harness_start *start;
    struct meet *meet;
    struct pool *p;
    int rc;
    void *met; /* what the task returned: 1 when all four met */
};

static void *create_and_use(void *arg)
{
    struct creator *c = arg;
    struct future *f = NULL;

    harness_start_wait(c->start);
    c->rc = pool_create(&c->p, 1);
    if (c->rc == 0)
        c->rc = pool_submit(c->p, meet_others, c->meet, &f);
    if (c->rc == 0)
        c->rc = future_get(f, &c->met);
    return NULL;
}

static void test_pool_create_from_any_thread(void **state)
{
    static struct meet m = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                            0};
    struct creator c[CREATORS];
    struct harness_start start;
    pthread_t t[CREATORS];

    (void)state;
    m.came = 0;
    harness_start_init(&start, CREATORS);
    for (int i = 0; i < CREATORS; i++) {
        c[i] = (struct creator){&start, &m, NULL, -1, NULL};
        xpthread_create(&t[i], NULL, create_and_use, &c[i]);
    }
    for (int i = 0; i < CREATORS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&start);
    for (int i = 0; i < CREATORS; i++)
        if (c[i].rc != 0)
            harness_fail("thread %d: pool_create, pool_submit or future_get "
                         "returned %d (%s), expected 0: a pool may be made "
                         "from any thread",
                         i, c[i].rc, strerror(-c[i].rc));
    for (int i = 0; i < CREATORS; i++)
        pool_destroy(c[i].p);
    for (int i = 0; i < CREATORS; i++)
        if (c[i].met != (void *)1)
            harness_fail("four threads made a pool of one worker each at "
                         "once, and gave each a task: the four tasks never "
                         "ran at the same time (%d came): do the pools "
                         "share state?",
                         m.came);
}

/*
 * First in, first out, with several workers: tasks start in the order
 * they were submitted, as workers become free. Three workers are held at
 * a gate while 15 tasks are queued; then the tasks run in rounds, three
 * at a time, each round ending when its three tasks have all started (a
 * barrier: at most 2 s). FIFO puts tasks 0-2 in round 0, 3-5 in round 1,
 * and so on; another order puts other tasks in a round.
 */
#define FIFO_WORKERS 3
#define FIFO_TASKS 15

struct rounds {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int open;           /* guarded by lock: the gate */
    int round;          /* guarded by lock: the barrier's generation */
    int came;           /* guarded by lock: arrivals in this round */
    int timed_out;      /* guarded by lock */
    int of[FIFO_TASKS]; /* guarded by lock: the round each task started in */
};

struct fifo_arg {
    struct rounds *r;
    int id;
};

static void *hold_at_gate(void *arg)
{
    struct rounds *r = arg;
    struct timespec until = in_ms(2000);

    xpthread_mutex_lock(&r->lock);
    while (!r->open &&
           pthread_cond_timedwait(&r->cv, &r->lock, &until) != ETIMEDOUT)
        ;
    xpthread_mutex_unlock(&r->lock);
    return NULL;
}

static void *start_in_round(void *arg)
{
    struct fifo_arg *a = arg;
    struct rounds *r = a->r;
    struct timespec until = in_ms(2000);
    int mine;

    xpthread_mutex_lock(&r->lock);
    mine = r->round;
    r->of[a->id] = mine;
    if (++r->came == FIFO_WORKERS) {
        r->came = 0;
        r->round++;
        xpthread_cond_broadcast(&r->cv);
    }
    while (r->round == mine &&
           pthread_cond_timedwait(&r->cv, &r->lock, &until) != ETIMEDOUT)
        ;
    if (r->round == mine) { /* nobody came: end the round anyway */
        r->timed_out = 1;
        r->came = 0;
        r->round++;
        xpthread_cond_broadcast(&r->cv);
    }
    xpthread_mutex_unlock(&r->lock);
    return NULL;
}

static void test_pool_several_workers_fifo(void **state)
{
    static struct rounds r = {
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, {0}};
    struct future *hold[FIFO_WORKERS], *f[FIFO_TASKS];
    struct fifo_arg a[FIFO_TASKS];
    struct pool *p = make_pool(FIFO_WORKERS);

    (void)state;
    r.open = r.round = r.came = r.timed_out = 0;
    for (int i = 0; i < FIFO_WORKERS; i++)
        hold[i] = submit(p, hold_at_gate, &r);
    for (int i = 0; i < FIFO_TASKS; i++) {
        a[i] = (struct fifo_arg){&r, i};
        f[i] = submit(p, start_in_round, &a[i]);
    }
    xpthread_mutex_lock(&r.lock);
    r.open = 1;
    xpthread_cond_broadcast(&r.cv);
    xpthread_mutex_unlock(&r.lock);
    for (int i = 0; i < FIFO_WORKERS; i++)
        (void)get(hold[i]);
    for (int i = 0; i < FIFO_TASKS; i++)
        (void)get(f[i]);
    pool_destroy(p);
    if (r.timed_out)
        harness_fail("a pool of %d workers never had %d tasks started at "
                     "once (2 s)",
                     FIFO_WORKERS, FIFO_WORKERS);
    for (int i = 0; i < FIFO_TASKS; i++)
        if (r.of[i] != i / FIFO_WORKERS)
            harness_fail("with %d workers, task %d started in round %d "
                         "(rounds of %d tasks that start together): "
                         "expected round %d, if tasks start in the order "
                         "they were submitted (first in, first out)",
                         FIFO_WORKERS, i, r.of[i], FIFO_WORKERS,
                         i / FIFO_WORKERS);
}

/*
 * pool_shutdown from any thread, a worker included: a task shuts its own
 * pool down (and another thread does too, at the same time). The call
 * does not block, the tasks already queued still run, later submits are
 * refused, and pool_destroy finishes.
 */
struct self_stop {
    struct pool *p;
    struct harness_start *start;
};

static void *shut_own_pool(void *arg)
{
    struct self_stop *s = arg;

    harness_start_wait(s->start);
    pool_shutdown(s->p);
    return arg;
}

static void *shut_from_thread(void *arg)
{
    return shut_own_pool(arg);
}

static void test_pool_shutdown_from_any_thread(void **state)
{
    int ran[8] = {0}, late = 0, rc;
    struct future *stopper, *f[8], *refused = NULL;
    struct harness_start start;
    struct self_stop s;
    struct pool *p = make_pool(1); /* the task's worker is the only one */
    pthread_t t;

    (void)state;
    harness_start_init(&start, 2);
    s = (struct self_stop){p, &start};
    stopper = submit(p, shut_own_pool, &s);
    for (int i = 0; i < 8; i++)
        f[i] = submit(p, mark_ran, &ran[i]);
    xpthread_create(&t, NULL, shut_from_thread, &s);
    xpthread_join(t, NULL);
    if (get(stopper) != &s)
        harness_fail("the task that called pool_shutdown gave the wrong "
                     "result");
    rc = pool_submit(p, mark_ran, &late, &refused);
    if (rc != -ESHUTDOWN)
        harness_fail("pool_submit after a task called pool_shutdown "
                     "returned %d, expected -ESHUTDOWN (%d)",
                     rc, -ESHUTDOWN);
    pool_destroy(p);
    harness_start_destroy(&start);
    for (int i = 0; i < 8; i++)
        if ((int *)get(f[i]) != &ran[i] || !ran[i])
            harness_fail("task %d, queued before a task shut the pool down, "
                         "did not run",
                         i);
}

static void *nothing(void *arg)
{
    return arg;
}

/*
 * An idle pool must sleep. The main thread waits a fixed interval (it waits
 * for no thread: nothing is expected to happen) and the CPU time the whole
 * process used meanwhile is measured.
 */
static void test_pool_idle_workers_sleep(void **state)
{
    unsigned ms = (unsigned)harness_param_long("idle_ms", 80);
    double max_ms = harness_param_double("max_cpu_ms", 4.0);
    struct pool *p = make_pool(4);
    double cpu0, used_ms;

    (void)state;
    for (int i = 0; i < 8; i++) /* the workers have started and gone idle */
        (void)get(submit(p, nothing, NULL));
    cpu0 = harness_cpu_seconds();
    harness_io_wait_ms(ms);
    used_ms = (harness_cpu_seconds() - cpu0) * 1e3;
    pool_destroy(p);
    harness_note("an idle pool of 4 workers used %.2f ms of CPU in %u ms",
                 used_ms, ms);
    if (used_ms > max_ms)
        harness_fail_symptom("busy-wait",
                             "an idle pool of 4 workers used %.1f ms of CPU "
                             "in %u ms (at most %.1f ms expected): idle "
                             "workers must sleep on a condition variable, "
                             "not spin or poll",
                             used_ms, ms, max_ms);
}

/*
 * future_get sleeps while it waits: a thread other than the main one (any
 * thread may get a future) waits for a task held at a gate, and the CPU
 * time the process uses meanwhile is measured, as for an idle pool.
 */
struct getter {
    struct future *f;
    int rc;
    void *result;
};

static void *get_in_thread(void *arg)
{
    struct getter *g = arg;

    g->rc = future_get(g->f, &g->result);
    return NULL;
}

static void test_pool_get_sleeps(void **state)
{
    static struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                            0, 0};
    unsigned ms = (unsigned)harness_param_long("wait_ms", 80);
    double max_ms = harness_param_double("max_cpu_ms", 4.0);
    struct pool *p = make_pool(1);
    struct getter gt = {NULL, -1, &gt}; /* the task returns NULL */
    double cpu0, used_ms;
    pthread_t t;

    (void)state;
    g.arrived = g.open = 0;
    gt.f = submit(p, wait_at_gate, &g);
    xpthread_mutex_lock(&g.lock); /* the task has started: it holds no lock */
    while (!g.arrived)
        xpthread_cond_wait(&g.cv, &g.lock);
    xpthread_mutex_unlock(&g.lock);
    xpthread_create(&t, NULL, get_in_thread, &gt);
    cpu0 = harness_cpu_seconds();
    harness_io_wait_ms(ms);
    used_ms = (harness_cpu_seconds() - cpu0) * 1e3;
    xpthread_mutex_lock(&g.lock);
    g.open = 1;
    xpthread_cond_broadcast(&g.cv);
    xpthread_mutex_unlock(&g.lock);
    xpthread_join(t, NULL);
    pool_destroy(p);
    harness_note("a thread waiting in future_get (and a worker in a task "
                 "that waits) used %.2f ms of CPU in %u ms",
                 used_ms, ms);
    if (gt.rc != 0 || gt.result != NULL)
        harness_fail("future_get in another thread returned %d and %p, "
                     "expected 0 and the task's result (NULL)",
                     gt.rc, gt.result);
    if (used_ms > max_ms)
        harness_fail_symptom("busy-wait",
                             "a thread waiting in future_get used %.1f ms "
                             "of CPU in %u ms (at most %.1f ms expected): "
                             "future_get must sleep on a condition variable "
                             "until the task is done, not spin or poll",
                             used_ms, ms, max_ms);
}

/*
 * I/O-bound tasks: each one waits (simulated I/O) and uses no CPU. They
 * count how many of them wait at once: on 8 workers, never more than one
 * means the tasks ran one at a time (under the pool's lock, say).
 */
struct io_job {
    unsigned workers, tasks, wait_ms;
    atomic_int inside, peak;
};

static void *io_task(void *arg)
{
    struct io_job *j = arg;
    int now = atomic_fetch_add(&j->inside, 1) + 1;
    int peak = atomic_load(&j->peak);

    while (now > peak && !atomic_compare_exchange_weak(&j->peak, &peak, now))
        ;
    harness_io_wait_ms(j->wait_ms);
    atomic_fetch_sub(&j->inside, 1);
    return NULL;
}

static void io_body(void *arg)
{
    struct io_job *j = arg;
    struct future *f[64];
    struct pool *p = make_pool(j->workers);

    for (unsigned i = 0; i < j->tasks; i++)
        f[i] = submit(p, io_task, j);
    for (unsigned i = 0; i < j->tasks; i++)
        (void)get(f[i]);
    pool_destroy(p);
    if (j->workers > 1 && atomic_load(&j->peak) < 2)
        harness_symptom("serialized",
                        "%u tasks of simulated I/O on %u workers never "
                        "waited at the same time: the tasks ran one at a "
                        "time",
                        j->tasks, j->workers);
}

static void test_pool_io_speedup(void **state)
{
    unsigned wait_ms = (unsigned)harness_param_long("wait_ms", 10);
    struct io_job one = {1, 32, wait_ms, 0, 0}, eight = {8, 32, wait_ms, 0, 0};

    (void)state;
    harness_check_io_speedup("32 tasks of simulated I/O on 8 workers", 6.0,
                             io_body, &one, io_body, &eight);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pool_futures_return_results),
    cmocka_unit_test(test_pool_single_worker_fifo),
    cmocka_unit_test(test_pool_shutdown_runs_queued_tasks),
    cmocka_unit_test(test_pool_get_after_destroy),
    cmocka_unit_test(test_pool_survives_spurious_wakeups),
    cmocka_unit_test(test_pool_bad_arguments),
    cmocka_unit_test(test_pool_submit_contract),
    cmocka_unit_test(test_pool_create_failure_reported),
    cmocka_unit_test(test_pool_out_of_memory_reported),
    cmocka_unit_test(test_pool_create_from_any_thread),
    cmocka_unit_test(test_pool_several_workers_fifo),
    cmocka_unit_test(test_pool_shutdown_from_any_thread),
    cmocka_unit_test(test_pool_idle_workers_sleep),
    cmocka_unit_test(test_pool_get_sleeps),
    cmocka_unit_test(test_pool_io_speedup),
};

HARNESS_MAIN(tests)
