/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 4: the decision rule, measured on your own code. The same
 * workloads under the thread pool of lab 02 (with and without its GIL),
 * the event loop of lab 06 and the process pool of lab 07. Not a test: run
 * it with `make bench` in this lab's folder (see the handout).
 */
#ifndef LAB07_BENCH_H
#define LAB07_BENCH_H

#include <stdint.h>

/*
 * A workload: `conns` connections (or tasks), each making `reqs` requests
 * in turn; a request waits `wait_us` of simulated I/O (a sleep, or a timer
 * fd in the event loop), then computes `cpu` units of harness_spin_work
 * (about a microsecond each).
 */
struct bench_load {
    const char *name;
    int conns, reqs;
    unsigned long wait_us;
    uint64_t cpu;
};

/* One connection's life in the blocking style (pools of threads or
 * processes). Returns a value that depends on the work done. */
uint64_t bench_serve_blocking(const struct bench_load *w);

/*
 * The models. Each runs the whole workload once and returns 0, or the
 * negative errno of the lab code that failed (-ENOSYS: not written yet).
 * `workers` is the size of a pool.
 */
int bench_threads_run(const struct bench_load *w, int workers); /* 02 */
int bench_gil_run(const struct bench_load *w, int workers);     /* 02 */
int bench_loop_run(const struct bench_load *w);                 /* 06 */
int bench_procs_run(const struct bench_load *w, int workers);   /* 07 */
int bench_threads_startup(int workers); /* lab 02 pool up and down */
int bench_procs_startup(int workers);   /* lab 07 pool up and down */

#endif /* LAB07_BENCH_H */
