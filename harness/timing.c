/* SPDX-License-Identifier: MIT */
/*
 * Time, simulated I/O and speedup checks. Every timing verdict is a ratio of
 * two things measured interleaved in the same process, best of several
 * trials after a warm-up, and a lower bound only: noise can only add time.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0 /* no valgrind headers: never under it */
#endif

#include "harness.h"
#include "scheduler.h"

uint64_t harness_now_ns(void)
{
    struct timespec ts;

    if (harness__sched_active()) /* virtual time */
        return harness__sched_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double clock_seconds(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int harness_under_valgrind(void)
{
    return RUNNING_ON_VALGRIND ? 1 : 0;
}

double harness_cpu_seconds(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

double harness_thread_cpu_seconds(void)
{
    return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

double harness_thread_cpu_wait_seconds(void)
{
    unsigned long long run = 0, wait = 0;
    FILE *f = fopen("/proc/thread-self/schedstat", "re");
    int n;

    if (!f)
        return 0;
    n = fscanf(f, "%llu %llu", &run, &wait);
    fclose(f);
    return n == 2 ? (double)wait / 1e9 : 0;
}

void harness_io_wait_us(unsigned long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    uint64_t t0 = harness_now_ns();

    if (harness__sched_active()) {
        harness__sched_sleep_ns_at(__builtin_return_address(0),
                                   (uint64_t)us * 1000);
        return;
    }
    /* nanosleep leaves the remaining time in ts when a signal cuts it. */
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    harness__trace_auto('w', "I/O wait", t0);
}

void harness_io_wait_ms(unsigned ms)
{
    harness_io_wait_us((unsigned long)ms * 1000);
}

int harness_cpus(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return 1;
    return CPU_COUNT(&set);
}

uint64_t harness_spin_work(uint64_t units)
{
    /* xorshift64: a serial dependency chain, about 1 ns a step. */
    uint64_t x = 0x9E3779B97F4A7C15u ^ units;
    uint64_t t0 = harness_now_ns();

    for (uint64_t i = 0; i < units * 1000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    /* Make the result observable, so the loop survives even when the
     * caller ignores it (the reference kernel's serial run does). */
    __asm__ volatile("" : : "r"(x) : "memory");
    harness__trace_auto('c', "work", t0);
    return x;
}

static double time_body(harness_body_fn fn, void *arg)
{
    uint64_t t0 = harness_now_ns();

    fn(arg);
    return (double)(harness_now_ns() - t0) / 1e9;
}

/* The candidate, traced: each run replaces the last run's spans, so the
 * timeline a failure prints is of one whole run of the student's code. */
struct traced {
    harness_body_fn fn;
    void *arg;
};

static void traced_body(void *arg)
{
    struct traced *t = arg;

    harness_trace_reset();
    harness_trace_arm(1);
    t->fn(t->arg);
    harness_trace_arm(0);
}

static double min2(double a, double b)
{
    return a < b ? a : b;
}

/* The best of `trials` runs of each side, after one warm-up run each (page
 * faults, thread stacks, caches); after_base, when given, runs after each
 * timed run of the baseline, outside the timing. */
static struct harness_ratio measure(harness_body_fn base, void *base_arg,
                                    harness_body_fn cand, void *cand_arg,
                                    int trials, void (*after_base)(void))
{
    struct harness_ratio r = {1e30, 1e30, 0};

    base(base_arg);
    cand(cand_arg);
    for (int i = 0; i < trials; i++) {
        r.base_s = min2(r.base_s, time_body(base, base_arg));
        if (after_base)
            after_base();
        r.cand_s = min2(r.cand_s, time_body(cand, cand_arg));
    }
    r.ratio = r.cand_s > 0 ? r.base_s / r.cand_s : 0;
    return r;
}

struct harness_ratio harness_measure_ratio(harness_body_fn base, void *base_arg,
                                           harness_body_fn cand, void *cand_arg,
                                           int trials)
{
    return measure(base, base_arg, cand, cand_arg, trials, NULL);
}

/*
 * harness_measure_ratio for the speedup checks: the baseline is traced the
 * same way as the candidate (both pay the same small cost for it), and its
 * spans are kept, outside the timed part, for the timeline a failure prints
 * above yours.
 */
static struct harness_ratio measure_traced(struct traced *b, struct traced *c,
                                           int trials)
{
    return measure(traced_body, b, traced_body, c, trials,
                   harness__trace_keep_baseline);
}

void harness_check_io_speedup(const char *what, double min_ratio,
                              harness_body_fn base, void *base_arg,
                              harness_body_fn cand, void *cand_arg)
{
    int trials = (int)harness_param_long("trials", 3);
    struct traced tc = {cand, cand_arg}, tb = {base, base_arg};
    struct harness_ratio r;

    min_ratio = harness_param_double("min_ratio", min_ratio);
    r = measure_traced(&tb, &tc, trials);
    harness_trace_export(what);
    harness_note("%s: %.2fx (baseline %.1f ms, yours %.1f ms; need %.2fx)",
                 what, r.ratio, r.base_s * 1e3, r.cand_s * 1e3, min_ratio);
    if (r.ratio < min_ratio) {
        harness_trace_print_timeline(what);
        harness_fail_slow("too slow: %s ran %.2fx faster than the baseline "
                          "(%.1f ms against %.1f ms); at least %.2fx expected. "
                          "Do the waits overlap, or does one wait for the "
                          "other?%s",
                          what, r.ratio, r.cand_s * 1e3, r.base_s * 1e3,
                          min_ratio, harness_trace_verdict());
    }
}

/* The reference parallel kernel: the same spin work split over w threads. */
struct ref_job {
    uint64_t units;
    int workers;
};

static void *ref_worker(void *arg)
{
    const struct ref_job *job = arg;

    /* Returned, so the work cannot be optimised away. */
    return (void *)(uintptr_t)harness_spin_work(job->units /
                                                (uint64_t)job->workers);
}

static void ref_parallel(void *arg)
{
    struct ref_job *job = arg;
    pthread_t t[64];
    int n = job->workers < 64 ? job->workers : 64;

    for (int i = 0; i < n; i++)
        xpthread_create(&t[i], NULL, ref_worker, job);
    for (int i = 0; i < n; i++)
        xpthread_join(t[i], NULL);
}

static void ref_serial(void *arg)
{
    struct ref_job one = *(struct ref_job *)arg;

    one.workers = 1;
    ref_worker(&one);
}

void harness_check_cpu_speedup(const char *what, int workers, double fraction,
                               harness_body_fn base, void *base_arg,
                               harness_body_fn cand, void *cand_arg)
{
    int cpus = harness_cpus();
    int trials = (int)harness_param_long("trials", 5);
    int w = workers < cpus ? workers : cpus;
    double best_ref = 0, best_stu = 0, busy_stu = 0;
    struct ref_job job = {(uint64_t)harness_param_long("ref_units", 40000), w};
    struct traced tc = {cand, cand_arg}, tb = {base, base_arg};

    fraction = harness_param_double("fraction", fraction);
    if (cpus < 2)
        harness_skip("%s: only %d CPU usable here, so no CPU-bound speedup "
                     "can show (grade on a machine with 2 or more)",
                     what, cpus);

    for (int attempt = 0; attempt < 3; attempt++) {
        struct harness_ratio ref, stu;
        double need;

        /* Interleave the reference and the student, trial by trial. */
        ref = harness_measure_ratio(ref_serial, &job, ref_parallel, &job, 1);
        stu = measure_traced(&tb, &tc, 1);
        for (int i = 1; i < trials; i++) {
            struct harness_ratio a, b;
            double ref_now, stu_now;

            a = harness_measure_ratio(ref_serial, &job, ref_parallel, &job, 1);
            b = measure_traced(&tb, &tc, 1);
            ref.base_s = min2(ref.base_s, a.base_s);
            ref.cand_s = min2(ref.cand_s, a.cand_s);
            stu.base_s = min2(stu.base_s, b.base_s);
            stu.cand_s = min2(stu.cand_s, b.cand_s);
            /* Enough: the machine shows parallelism, and the student's
             * ratio already meets the need of any reference, even an ideal
             * one (w workers, or more if the reference measured above it).
             * Further trials would refine a ratio that is enough already;
             * a check that passes so takes two trials, not five. */
            ref_now = ref.base_s / ref.cand_s;
            stu_now = stu.base_s / stu.cand_s;
            if (ref_now >= 1.0 + 0.5 * (w - 1) &&
                stu_now >= fraction * (ref_now > w ? ref_now : w))
                break;
        }
        ref.ratio = ref.base_s / ref.cand_s;
        stu.ratio = stu.base_s / stu.cand_s;
        if (ref.ratio > best_ref)
            best_ref = ref.ratio;
        /* The machine shows parallelism when the reference gets at least
         * half of the ideal extra speed. Only such attempts count: a
         * student's ratio from a busy attempt proves nothing either way. */
        if (ref.ratio < 1.0 + 0.5 * (w - 1)) {
            if (stu.ratio > busy_stu)
                busy_stu = stu.ratio;
            continue;
        }
        if (stu.ratio > best_stu)
            best_stu = stu.ratio;
        need = fraction * ref.ratio;
        harness_note("%s: %.2fx with %d workers (baseline %.1f ms, yours "
                     "%.1f ms); reference kernel %.2fx on %d CPUs; need "
                     "%.2fx",
                     what, stu.ratio, workers, stu.base_s * 1e3,
                     stu.cand_s * 1e3, ref.ratio, cpus, need);
        if (best_stu >= need) {
            harness_trace_export(what);
            return;
        }
        if (attempt == 2) {
            harness_trace_export(what);
            harness_trace_print_timeline(what);
            harness_fail_slow(
                "too slow: %s reached %.2fx with %d workers, while "
                "this machine gives %.2fx right now (reference "
                "kernel); at least %.2fx expected. Do the workers "
                "really run at the same time, or does a lock or a "
                "join serialize them?%s",
                what, best_stu, workers, ref.ratio, need,
                harness_trace_verdict());
        }
    }
    harness_trace_export(what);
    harness_inconclusive("%s: machine busy: the reference kernel reached only "
                         "%.2fx on %d CPUs (yours %.2fx); grade again on a "
                         "quiet machine",
                         what, best_ref, w, busy_stu);
}
