/* SPDX-License-Identifier: MIT */
/*
 * What speedup02.c and speedup07.c share: the worker counts, the timing
 * (interleaved best of 3 after a warm-up, as the labs' speedup checks do),
 * and the rows they print. A speedup is the sequential loop's time (the
 * same work, no threads, no processes) over the parallel version's.
 */
#ifndef BENCH_SPEEDUP_H
#define BENCH_SPEEDUP_H

#include "bench.h"

static const unsigned speedup_workers[] = {1, 2, 4, 8};
#define SPEEDUP_NWORKERS 4

/* Seconds one run of body(arg, workers) takes. */
static inline double speedup_once(void (*body)(void *arg, unsigned workers),
                                  void *arg, unsigned workers)
{
    uint64_t t0 = bench_now_ns();

    body(arg, workers);
    return (double)(bench_now_ns() - t0) / 1e9;
}

/*
 * speedup_series - for 1, 2, 4 and 8 workers: after one warm-up of each,
 * three rounds of (sequential baseline, parallel version), interleaved so
 * that a busy moment slows both; best of 3 of each (noise only ever adds
 * time). Prints "speedup <kind>,<label> w=N,<seq/parallel>,x". workers ==
 * 0 asks body for the baseline: the same work, no threads, no processes.
 */
static inline void speedup_series(const char *kind, const char *label,
                                  void (*body)(void *arg, unsigned workers),
                                  void *arg)
{
    char bench[64], variant[96];

    snprintf(bench, sizeof(bench), "speedup %s", kind);
    for (int i = 0; i < SPEEDUP_NWORKERS; i++) {
        unsigned w = speedup_workers[i];
        double seq = 1e30, par = 1e30;

        body(arg, 0);
        body(arg, w);
        for (int t = 0; t < 3; t++) {
            double s = speedup_once(body, arg, 0);
            double p = speedup_once(body, arg, w);

            seq = s < seq ? s : seq;
            par = p < par ? p : par;
        }
        snprintf(variant, sizeof(variant), "%s w=%u", label, w);
        bench_row(bench, variant, seq / par, "x");
    }
}

/* The ideal rows, printed once (by speedup02): min(N, CPUs) for CPU-bound
 * work, N for I/O-bound work (as many tasks wait at once as there are
 * workers). */
static inline void speedup_ideal(void)
{
    int cpus = bench_cpus();
    char variant[64];

    for (int i = 0; i < SPEEDUP_NWORKERS; i++) {
        unsigned w = speedup_workers[i];

        snprintf(variant, sizeof(variant), "ideal w=%u", w);
        bench_row("speedup cpu-bound", variant,
                  w < (unsigned)cpus ? (double)w : (double)cpus, "x");
        bench_row("speedup io-bound", variant, w, "x");
    }
}

#endif /* BENCH_SPEEDUP_H */
