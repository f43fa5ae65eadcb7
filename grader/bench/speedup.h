/* SPDX-License-Identifier: MIT */
/*
 * What speedup02.c and speedup07.c share: the worker counts, the timing
 * (best of 3 after a warm-up, as the lab's speedup checks do), and the
 * rows they print. A speedup is the sequential loop's time (the same work,
 * no threads, no processes) over the parallel version's.
 */
#ifndef BENCH_SPEEDUP_H
#define BENCH_SPEEDUP_H

#include "bench.h"

static const unsigned speedup_workers[] = {1, 2, 4, 8};
#define SPEEDUP_NWORKERS 4

/* Best of 3 runs of body(arg, workers), after one warm-up, in seconds. */
static inline double speedup_time(void (*body)(void *arg, unsigned workers),
                                  void *arg, unsigned workers)
{
    double best = 1e30;

    body(arg, workers);
    for (int t = 0; t < 3; t++) {
        uint64_t t0 = bench_now_ns();

        body(arg, workers);
        double s = (double)(bench_now_ns() - t0) / 1e9;
        best = s < best ? s : best;
    }
    return best;
}

/*
 * speedup_series - time the sequential baseline (workers == 0 means "no
 * concurrency at all") and then body on 1, 2, 4 and 8 workers, and print
 * one row per count: "speedup,<label> w=N,<seq/time>,x". The ideal a
 * CPU-bound series can reach is min(N, CPUs); an I/O-bound one, N.
 */
static inline void speedup_series(const char *label,
                                  void (*body)(void *arg, unsigned workers),
                                  void *arg)
{
    double seq = speedup_time(body, arg, 0);
    char variant[96];

    for (int i = 0; i < SPEEDUP_NWORKERS; i++) {
        unsigned w = speedup_workers[i];

        snprintf(variant, sizeof(variant), "%s w=%u", label, w);
        bench_row("speedup", variant, seq / speedup_time(body, arg, w), "x");
    }
}

/* The ideal rows, printed once (by speedup02). */
static inline void speedup_ideal(void)
{
    int cpus = bench_cpus();
    char variant[64];

    for (int i = 0; i < SPEEDUP_NWORKERS; i++) {
        unsigned w = speedup_workers[i];

        snprintf(variant, sizeof(variant), "ideal cpu-bound w=%u", w);
        bench_row("speedup", variant,
                  w < (unsigned)cpus ? (double)w : (double)cpus, "x");
        snprintf(variant, sizeof(variant), "ideal io-bound w=%u", w);
        bench_row("speedup", variant, w, "x");
    }
}

#endif /* BENCH_SPEEDUP_H */
