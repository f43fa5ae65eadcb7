/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 4: the decision rule, measured. Runs three workloads under
 * the models you built (lab 02's thread pool, with and without its GIL;
 * lab 06's event loop; lab 07's process pool) and prints the table the
 * handout discusses, then the start-up cost of a process against a thread.
 * Each measurement runs in a child process, so a model that is unfinished,
 * crashes or hangs costs its own cell only.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "bench.h"

#define CELL_TIMEOUT_MS 60000
#define TRIALS 3

uint64_t bench_serve_blocking(const struct bench_load *w)
{
    uint64_t acc = 0;

    for (int r = 0; r < w->reqs; r++) {
        if (w->wait_us)
            harness_io_wait_us(w->wait_us); /* blocking I/O */
        acc += harness_spin_work(w->cpu);
    }
    return acc;
}

enum model { THREADS, GIL, LOOP, PROCS, NMODELS };
static const char *const model_name[NMODELS] = {
    "threads (02)", "threads+GIL (02)", "event loop (06)", "processes (07)"};

static int pool_size(const struct bench_load *w)
{
    return w->conns < 64 ? w->conns : 64; /* both pools' largest */
}

static int run_model(enum model m, const struct bench_load *w, int workers)
{
    switch (m) {
    case THREADS:
        return bench_threads_run(w, workers);
    case GIL:
        return bench_gil_run(w, workers);
    case LOOP:
        return bench_loop_run(w);
    default:
        return bench_procs_run(w, workers);
    }
}

/* What a child reports: the best time, or why there is none. */
struct verdict {
    int err;
    double ms;
};

/* Best of TRIALS runs of model m on w, in this (child) process. */
static struct verdict measure(enum model m, const struct bench_load *w,
                              int workers)
{
    struct verdict v = {0, 1e30};

    for (int i = 0; i < TRIALS; i++) {
        uint64_t t0 = harness_now_ns();
        double ms;

        v.err = run_model(m, w, workers);
        ms = (double)(harness_now_ns() - t0) / 1e6;
        if (v.err)
            break;
        v.ms = ms < v.ms ? ms : v.ms; /* noise only adds time */
    }
    return v;
}

/* Run fn in a child with a time limit; print its cell (width 17). */
static void cell(struct verdict (*fn)(enum model, const struct bench_load *,
                                      int),
                 enum model m, const struct bench_load *w, int workers)
{
    struct verdict v = {-ETIMEDOUT, 0};
    struct pollfd pfd;
    int fds[2], st;
    pid_t pid;

    fflush(stdout);
    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        v = fn(m, w, workers);
        _exit(write(fds[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
    }
    xclose(fds[1]);
    pfd = (struct pollfd){fds[0], POLLIN, 0};
    if (poll(&pfd, 1, CELL_TIMEOUT_MS) == 1) {
        if (read(fds[0], &v, sizeof(v)) != sizeof(v))
            v.err = -ECHILD; /* it died without a verdict */
    } else {
        kill(pid, SIGKILL); /* our own child, by its id */
    }
    xclose(fds[0]);
    xwaitpid(pid, &st, 0);
    if (v.err == 0)
        printf(" %17.1f", v.ms);
    else if (v.err == -ENOSYS)
        printf(" %17s", "unfinished");
    else if (v.err == -ETIMEDOUT)
        printf(" %17s", "hung (60 s)");
    else if (v.err == -ECHILD)
        printf(" %17s", WIFSIGNALED(st) ? "crashed" : "no result");
    else
        printf(" %17.17s", strerror(-v.err));
}

/* Start-up: a pool of 2 up and down, best of 20, in microseconds. */
static struct verdict startup(enum model m, const struct bench_load *w,
                              int workers)
{
    struct verdict v = {0, 1e30};

    (void)w;
    for (int i = 0; i < 20 && !v.err; i++) {
        uint64_t t0 = harness_now_ns();
        double us;

        v.err = m == PROCS ? bench_procs_startup(workers)
                           : bench_threads_startup(workers);
        us = (double)(harness_now_ns() - t0) / 1e3;
        v.ms = us < v.ms ? us : v.ms;
    }
    return v;
}

static void *nothing(void *arg)
{
    return arg;
}

/* A bare process (fork + exit + wait) and a bare thread (create + join). */
static void bare_startup(void)
{
    enum { N = 200 };
    uint64_t t0 = harness_now_ns();
    double proc_us, thread_us;

    for (int i = 0; i < N; i++) {
        pid_t pid = xfork();

        if (pid == 0)
            _exit(0);
        xwaitpid(pid, NULL, 0);
    }
    proc_us = (double)(harness_now_ns() - t0) / 1e3 / N;
    t0 = harness_now_ns();
    for (int i = 0; i < N; i++) {
        pthread_t t;

        xpthread_create(&t, NULL, nothing, NULL);
        xpthread_join(t, NULL);
    }
    thread_us = (double)(harness_now_ns() - t0) / 1e3 / N;
    printf("  bare: a process (fork + _exit + waitpid) %.0f us, a thread "
           "(create + join) %.0f us: %.0fx\n",
           proc_us, thread_us, proc_us / thread_us);
}

int main(void)
{
    static const struct bench_load loads[] = {
        {"CPU-bound: 8 tasks of ~10 ms", 8, 1, 0, 10000},
        {"fast I/O, few conns: 4 x 200 x 100 us", 4, 200, 100, 2},
        {"slow I/O, many conns: 1000 x 2 x 50 ms", 1000, 2, 50000, 2},
    };
    struct rlimit rl;
    int cpus = harness_cpus();

    /* A thousand connections are a thousand timer fds in the event loop. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN); /* lab 07's pool asks its caller to */
    /* Sleeps end on time (not up to 50 us late, Linux's default slack),
     * so a sleeping thread and a timer fd simulate the same I/O. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    printf("The decision rule on your code: ms, best of %d (%d CPUs). Pools:"
           " %d workers for CPU-bound work, one per connection (at most 64) "
           "for I/O.\n\n%-40s",
           TRIALS, cpus, cpus, "workload");
    for (int m = 0; m < NMODELS; m++)
        printf(" %17s", model_name[m]);
    printf("\n");
    for (size_t l = 0; l < sizeof(loads) / sizeof(loads[0]); l++) {
        const struct bench_load *w = &loads[l];

        printf("%-40s", w->name);
        for (int m = 0; m < NMODELS; m++)
            cell(measure, (enum model)m, w, l == 0 ? cpus : pool_size(w));
        printf("\n");
    }
    printf("\nStart-up (us, best of 20): a pool of %d up and down:\n%-40s",
           cpus, "");
    cell(startup, THREADS, NULL, cpus);
    printf("%18s%18s", "", "");
    cell(startup, PROCS, NULL, cpus);
    printf("\n");
    bare_startup();
    return 0;
}
