/* SPDX-License-Identifier: MIT */
/*
 * Lab 02's speedups on 1, 2, 4 and 8 threads: pmap_reduce over CPU-bound
 * work, and the thread pool over simulated I/O (tasks that sleep), each
 * against the same work done in a plain loop.
 */
#include <pthread.h>

#include "pmap.h"
#include "pool.h"
#include "speedup.h"

#define CPU_ELEMENTS 2048
#define CPU_ITERS 100000 /* xorshift rounds per element: ~0.1 ms */
#define IO_TASKS 32
#define IO_US 10000 /* each task "waits for I/O" 10 ms */

static uint64_t in[CPU_ELEMENTS], out[CPU_ELEMENTS];
static volatile uint64_t sink; /* keeps the sequential loop's work alive */

/* noinline: inlined into the sequential loop, the compiler would run several
 * elements side by side (vectorised), a speed no pmap_reduce call can have. */
__attribute__((noinline)) static uint64_t spin_map(uint64_t x, void *ctx)
{
    (void)ctx;
    return bench_spin(x, CPU_ITERS);
}

static void cpu_body(void *arg, unsigned workers)
{
    uint64_t sum = 0;

    (void)arg;
    if (workers == 0) {
        for (size_t i = 0; i < CPU_ELEMENTS; i++)
            sum += out[i] = spin_map(in[i], NULL);
    } else if (pmap_reduce(in, out, CPU_ELEMENTS, spin_map, NULL, workers,
                           &sum) != 0) {
        bench_die("pmap_reduce failed");
    }
    sink = sum;
}

/*
 * The machine's own answer, for comparison: the same elements split into
 * `workers` slices, one bare pthread each, no library in between. What it
 * reaches is what this machine gives right now (busy CPUs pull it below
 * the ideal); the labs' figures should be read against it.
 */
struct slice {
    size_t from, to;
};

static void *bare_slice(void *arg)
{
    const struct slice *sl = arg;

    for (size_t i = sl->from; i < sl->to; i++)
        out[i] = spin_map(in[i], NULL);
    return NULL;
}

static void bare_body(void *arg, unsigned workers)
{
    pthread_t t[8];
    struct slice sl[8];

    if (workers == 0 || workers > 8) {
        cpu_body(arg, 0);
        return;
    }
    for (unsigned k = 0; k < workers; k++) {
        sl[k] = (struct slice){CPU_ELEMENTS * k / workers,
                               CPU_ELEMENTS * (k + 1) / workers};
        if (pthread_create(&t[k], NULL, bare_slice, &sl[k]) != 0)
            bench_die("pthread_create failed");
    }
    for (unsigned k = 0; k < workers; k++)
        pthread_join(t[k], NULL);
}

static void *io_task(void *arg)
{
    bench_sleep_us(IO_US);
    return arg;
}

static void io_body(void *arg, unsigned workers)
{
    struct future *fut[IO_TASKS];
    struct pool *p;

    (void)arg;
    if (workers == 0) {
        for (int i = 0; i < IO_TASKS; i++)
            io_task(NULL);
        return;
    }
    if (pool_create(&p, workers) != 0)
        bench_die("pool_create failed");
    for (int i = 0; i < IO_TASKS; i++)
        if (pool_submit(p, io_task, NULL, &fut[i]) != 0)
            bench_die("pool_submit failed");
    for (int i = 0; i < IO_TASKS; i++)
        future_get(fut[i], NULL);
    pool_destroy(p);
}

int main(void)
{
    for (size_t i = 0; i < CPU_ELEMENTS; i++)
        in[i] = i * 0x9e3779b97f4a7c15u;
    speedup_ideal();
    speedup_series("cpu-bound", "bare pthreads", bare_body, NULL);
    speedup_series("cpu-bound", "lab02 pmap", cpu_body, NULL);
    speedup_series("io-bound", "lab02 pool", io_body, NULL);
    return 0;
}
