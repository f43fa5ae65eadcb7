/* SPDX-License-Identifier: MIT */
/*
 * Lab 07 (lab-local): a stand-in for harness_check_cpu_speedup with the
 * same contract, because the harness's serial reference (ref_serial in
 * harness/timing.c) drops its result and -O2 deletes the work, so the
 * reference "speedup" reads 0 and every check ends inconclusive. Switch back
 * to harness_check_cpu_speedup once that is fixed.
 */
#ifndef LAB07_SPEEDUP_H
#define LAB07_SPEEDUP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "harness.h"

static volatile uint64_t lab07_sink; /* keeps the reference work alive */

struct lab07_ref {
    uint64_t units;
    int workers;
};

static void *lab07_ref_worker(void *arg)
{
    const struct lab07_ref *job = arg;

    lab07_sink = harness_spin_work(job->units / (uint64_t)job->workers);
    return NULL;
}

static void lab07_ref_parallel(void *arg)
{
    struct lab07_ref *job = arg;
    pthread_t t[64];
    int n = job->workers < 64 ? job->workers : 64;

    for (int i = 0; i < n; i++)
        xpthread_create(&t[i], NULL, lab07_ref_worker, job);
    for (int i = 0; i < n; i++)
        xpthread_join(t[i], NULL);
}

static void lab07_ref_serial(void *arg)
{
    struct lab07_ref one = *(struct lab07_ref *)arg;

    one.workers = 1;
    lab07_ref_worker(&one);
}

static double lab07_min(double a, double b)
{
    return a < b ? a : b;
}

enum lab07_verdict {
    LAB07_PASS,
    LAB07_SLOW,
    LAB07_BUSY,
    LAB07_ONE_CPU,
};

/*
 * Same rules as harness_check_cpu_speedup (see harness.h), but it returns
 * the verdict with its message in msg instead of ending the test, so the
 * caller can stop its worker processes first; lab07_report then ends it.
 */
static enum lab07_verdict
lab07_cpu_speedup(const char *what, int workers, double fraction,
                  harness_body_fn base, void *base_arg, harness_body_fn cand,
                  void *cand_arg, char *msg, size_t msglen)
{
    int cpus = harness_cpus(), trials = (int)harness_param_long("trials", 5);
    int w = workers < cpus ? workers : cpus;
    struct lab07_ref job = {(uint64_t)harness_param_long("ref_units", 40000),
                            w};
    double best_ref = 0, best_stu = 0, need = 0;

    fraction = harness_param_double("fraction", fraction);
    if (cpus < 2) {
        snprintf(msg, msglen,
                 "%s: only %d CPU usable here, so no CPU-bound speedup can "
                 "show (grade on a machine with 2 or more)",
                 what, cpus);
        return LAB07_ONE_CPU;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        struct harness_ratio ref = {1e30, 1e30, 0}, stu = {1e30, 1e30, 0};

        for (int i = 0; i < trials; i++) {
            struct harness_ratio a, b;

            a = harness_measure_ratio(lab07_ref_serial, &job,
                                      lab07_ref_parallel, &job, 1);
            b = harness_measure_ratio(base, base_arg, cand, cand_arg, 1);
            ref.base_s = lab07_min(ref.base_s, a.base_s);
            ref.cand_s = lab07_min(ref.cand_s, a.cand_s);
            stu.base_s = lab07_min(stu.base_s, b.base_s);
            stu.cand_s = lab07_min(stu.cand_s, b.cand_s);
        }
        ref.ratio = ref.base_s / ref.cand_s;
        stu.ratio = stu.base_s / stu.cand_s;
        best_ref = ref.ratio > best_ref ? ref.ratio : best_ref;
        best_stu = stu.ratio > best_stu ? stu.ratio : best_stu;
        if (ref.ratio < 1.0 + 0.5 * (w - 1))
            continue; /* the machine shows no parallelism right now */
        need = fraction * ref.ratio;
        harness_note("%s: %.2fx with %d workers (baseline %.1f ms, yours "
                     "%.1f ms); reference kernel %.2fx on %d CPUs; need "
                     "%.2fx",
                     what, stu.ratio, workers, stu.base_s * 1e3,
                     stu.cand_s * 1e3, ref.ratio, cpus, need);
        if (best_stu >= need)
            return LAB07_PASS;
    }
    if (need > 0) {
        snprintf(msg, msglen,
                 "too slow: %s reached %.2fx with %d workers, while this "
                 "machine gives %.2fx (reference kernel); at least %.2fx "
                 "expected. Do the workers really run at the same time, or "
                 "does the parent wait for each result before sending the "
                 "next task?",
                 what, best_stu, workers, best_ref, need);
        return LAB07_SLOW;
    }
    snprintf(msg, msglen,
             "%s: machine busy: the reference kernel reached only %.2fx on "
             "%d CPUs (yours %.2fx); grade again on a quiet machine",
             what, best_ref, w, best_stu);
    return LAB07_BUSY;
}

/* End the test with the verdict of lab07_cpu_speedup. */
static void lab07_report(enum lab07_verdict v, const char *msg)
{
    if (v == LAB07_SLOW) {
        harness_trace_print_timeline("speedup");
        harness_fail("%s", msg);
    }
    if (v == LAB07_BUSY)
        harness_inconclusive("%s", msg);
    if (v == LAB07_ONE_CPU)
        harness_skip("%s", msg);
}

#endif /* LAB07_SPEEDUP_H */
