/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 4: the decision rule, measured. The same three workloads
 * under four models of concurrency, each written here in a few lines (its
 * own models, so it runs before your labs are done), and the start-up cost
 * of a process against a thread. Run it by hand (it earns no points):
 *   make -C labs/07-multiprocessing-ipc, then
 *   build/trees/labs/07-multiprocessing-ipc/plain/bin/bench --run NAME
 * with NAME = bench_decision_rule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A workload: `conns` connections (or tasks) each making `reqs` requests,
 * each request waiting `wait_us` of simulated I/O then computing `cpu`
 * units of harness_spin_work. */
struct workload {
    const char *name;
    int conns, reqs;
    unsigned long wait_us;
    uint64_t cpu;
};

static uint64_t bench_sink; /* keeps the work alive; atomic adds only */
static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;

/* One connection's life in the blocking style (threads and processes). */
static void serve_blocking(const struct workload *w, int use_gil)
{
    uint64_t acc = 0; /* local: the threads share nothing but the GIL */

    for (int r = 0; r < w->reqs; r++) {
        if (w->wait_us)
            harness_io_wait_us(w->wait_us); /* blocking I/O: GIL released */
        for (uint64_t u = 0; u < w->cpu; u++) {
            if (use_gil) /* CPython-style: compute only with the GIL */
                xpthread_mutex_lock(&gil);
            acc += harness_spin_work(1);
            if (use_gil)
                xpthread_mutex_unlock(&gil);
        }
    }
    __atomic_fetch_add(&bench_sink, acc, __ATOMIC_RELAXED);
}

struct thread_arg {
    const struct workload *w;
    int use_gil;
};

static void *thread_main(void *p)
{
    struct thread_arg *a = p;

    serve_blocking(a->w, a->use_gil);
    return NULL;
}

/* One thread per connection, small stacks so a thousand fit. */
static void run_threads(const struct workload *w, int use_gil)
{
    pthread_t *t = xcalloc((size_t)w->conns, sizeof(*t));
    struct thread_arg a = {w, use_gil};
    pthread_attr_t attr;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    for (int i = 0; i < w->conns; i++)
        xpthread_create(&t[i], &attr, thread_main, &a);
    for (int i = 0; i < w->conns; i++)
        xpthread_join(t[i], NULL);
    pthread_attr_destroy(&attr);
    free(t);
}

/* One process per connection. */
static void run_processes(const struct workload *w)
{
    pid_t *pid = xcalloc((size_t)w->conns, sizeof(*pid));

    for (int i = 0; i < w->conns; i++) {
        pid[i] = xfork();
        if (pid[i] == 0) {
            serve_blocking(w, 0);
            _exit(0);
        }
    }
    for (int i = 0; i < w->conns; i++)
        xwaitpid(pid[i], NULL, 0);
    free(pid);
}

/*
 * One thread, one event loop: each connection is a state (requests left)
 * and a deadline. Every wait has the same length, so deadlines come due in
 * the order they were set and a FIFO serves as the timer queue.
 */
static void run_event_loop(const struct workload *w)
{
    int n = w->conns, head = 0, count = n;
    int *q = xcalloc((size_t)n, sizeof(int));
    int *left = xcalloc((size_t)n, sizeof(int));
    uint64_t *due = xcalloc((size_t)n, sizeof(uint64_t)),
             now = harness_now_ns();

    for (int i = 0; i < n; i++) {
        q[i] = i;
        left[i] = w->reqs;
        due[i] = now + w->wait_us * 1000;
    }
    while (count > 0) {
        int c = q[head];
        uint64_t t = harness_now_ns();

        head = (head + 1) % n;
        count--;
        if (due[c] > t)
            harness_io_wait_us((due[c] - t) / 1000); /* epoll_wait's sleep */
        bench_sink += harness_spin_work(w->cpu);     /* the callback */
        if (--left[c] > 0) {
            due[c] = harness_now_ns() + w->wait_us * 1000;
            q[(head + count++) % n] = c;
        }
    }
    free(q);
    free(left);
    free(due);
}

static double seconds_of(void (*fn)(const struct workload *, int),
                         const struct workload *w, int arg)
{
    double best = 1e30;

    for (int i = 0; i < 3; i++) { /* best of 3: noise only adds time */
        uint64_t t0 = harness_now_ns();
        double s;

        fn(w, arg);
        s = (double)(harness_now_ns() - t0) / 1e9;
        best = s < best ? s : best;
    }
    return best;
}

static void m_threads(const struct workload *w, int a)
{
    (void)a;
    run_threads(w, 0);
}
static void m_gil(const struct workload *w, int a)
{
    (void)a;
    run_threads(w, 1);
}
static void m_loop(const struct workload *w, int a)
{
    (void)a;
    run_event_loop(w);
}
static void m_procs(const struct workload *w, int a)
{
    (void)a;
    run_processes(w);
}

static double startup_us(int processes)
{
    enum { N = 200 };
    uint64_t t0 = harness_now_ns();

    for (int i = 0; i < N; i++) {
        if (processes) {
            pid_t pid = xfork();

            if (pid == 0)
                _exit(0);
            xwaitpid(pid, NULL, 0);
        } else {
            pthread_t t;
            struct workload none = {"", 0, 0, 0, 0};
            struct thread_arg a = {&none, 0};

            xpthread_create(&t, NULL, thread_main, &a);
            xpthread_join(t, NULL);
        }
    }
    return (double)(harness_now_ns() - t0) / 1e3 / N;
}

static void bench_decision_rule(void **state)
{
    static const struct workload loads[] = {
        {"CPU-bound: 4 tasks of ~10 ms", 4, 1, 0, 6000},
        {"fast I/O, few conns: 4 x 200 reqs of 100 us", 4, 200, 100, 2},
        {"slow I/O, many conns: 1000 x 2 reqs of 50 ms", 1000, 2, 50000, 2},
    };
    static const struct {
        const char *name;
        void (*fn)(const struct workload *, int);
    } models[] = {{"threads", m_threads},
                  {"threads+GIL", m_gil},
                  {"event loop", m_loop},
                  {"processes", m_procs}};

    (void)state;
    printf("\n%-46s", "workload (ms, best of 3)");
    for (size_t m = 0; m < 4; m++)
        printf(" %12s", models[m].name);
    printf("\n");
    for (size_t l = 0; l < 3; l++) {
        printf("%-46s", loads[l].name);
        for (size_t m = 0; m < 4; m++) {
            fflush(stdout);
            printf(" %12.1f", seconds_of(models[m].fn, &loads[l], 0) * 1e3);
        }
        printf("\n");
    }
    printf("\nstart-up: a process (fork + wait) %.0f us, a thread (create + "
           "join) %.0f us, on %d CPUs\n",
           startup_us(1), startup_us(0), harness_cpus());
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(bench_decision_rule),
};

HARNESS_MAIN(tests)
