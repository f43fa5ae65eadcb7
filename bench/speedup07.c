/* SPDX-License-Identifier: MIT */
/*
 * Lab 07's speedups on 1, 2, 4 and 8 worker processes: pool_map over
 * CPU-bound tasks and over tasks that sleep (simulated I/O), each against
 * the same tasks run in a plain loop in this process. The pool is created
 * outside the timing (in the warm-up): a pool is made once, used for many
 * maps.
 */
#include <signal.h>

#include "pool.h"
#include "speedup.h"

#define CPU_TASKS 64
#define CPU_ITERS 2000000 /* xorshift rounds per task: ~3 ms */
#define IO_TASKS 32
#define IO_US 10000 /* each task "waits for I/O" 10 ms */

static uint64_t in[CPU_TASKS], out[CPU_TASKS];
static struct pool_item items[CPU_TASKS];

/*
 * One pool at a time, remade when the worker count changes (during a
 * series' untimed warm-up): each series runs on exactly the worker
 * processes it names, and no others are alive.
 */
static struct pool *pool;
static unsigned pool_workers;

static struct pool *pool_for(unsigned workers)
{
    if (pool && pool_workers != workers) {
        pool_destroy(pool);
        pool = NULL;
    }
    if (!pool && pool_create((int)workers, &pool) != 0)
        bench_die("pool_create(%u) failed", workers);
    pool_workers = workers;
    return pool;
}

/* noinline: the sequential baseline must run the very code a worker runs. */
__attribute__((noinline)) static int spin_task(const void *inp, size_t in_len,
                                               void *outp, size_t out_cap,
                                               size_t *out_len)
{
    uint64_t x;

    if (in_len != sizeof(x) || out_cap < sizeof(x))
        return -EINVAL;
    memcpy(&x, inp, sizeof(x));
    x = bench_spin(x, CPU_ITERS);
    memcpy(outp, &x, sizeof(x));
    *out_len = sizeof(x);
    return 0;
}

static int sleep_task(const void *inp, size_t in_len, void *outp,
                      size_t out_cap, size_t *out_len)
{
    (void)inp;
    (void)in_len;
    (void)outp;
    (void)out_cap;
    bench_sleep_us(IO_US);
    *out_len = 0;
    return 0;
}

/* Map fn over the first n items: in this process, or on the pool. */
static void map(pool_task_fn fn, size_t n, unsigned workers)
{
    for (size_t i = 0; i < n; i++) {
        items[i] = (struct pool_item){.in = &in[i],
                                      .in_len = sizeof(in[i]),
                                      .out = &out[i],
                                      .out_cap = sizeof(out[i])};
        if (workers == 0)
            items[i].err = fn(items[i].in, items[i].in_len, items[i].out,
                              items[i].out_cap, &items[i].out_len);
    }
    if (workers > 0 && pool_map(pool_for(workers), fn, items, n) != 0)
        bench_die("pool_map failed");
    for (size_t i = 0; i < n; i++)
        if (items[i].err != 0)
            bench_die("task %zu failed: %s", i, strerror(-items[i].err));
}

static void cpu_body(void *arg, unsigned workers)
{
    (void)arg;
    map(spin_task, CPU_TASKS, workers);
}

static void io_body(void *arg, unsigned workers)
{
    (void)arg;
    map(sleep_task, IO_TASKS, workers);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* pool.h asks its caller to */
    for (size_t i = 0; i < CPU_TASKS; i++)
        in[i] = i * 0x9e3779b97f4a7c15u;
    speedup_series("cpu-bound", "lab07 pool", cpu_body, NULL);
    speedup_series("io-bound", "lab07 pool", io_body, NULL);
    pool_destroy(pool);
    return 0;
}
