/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmark programs of `make bench`: the clock, a
 * fatal-error macro, CPU pinning, the fd limit, a fixed unit of CPU work,
 * and the one output format every program writes (CSV rows on stdout).
 */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* bench_die - print "prog: file:line: message" and exit 1 (never 0). */
#define bench_die(...) bench__die(__FILE__, __LINE__, __VA_ARGS__)

static inline void __attribute__((format(printf, 3, 4), noreturn))
bench__die(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bench: %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * bench_row - one result: the CSV row "benchmark,variant,value,unit" that
 * bench.sh gathers into build/bench/bench.csv. No field may hold a comma.
 */
static inline void bench_row(const char *bench, const char *variant,
                             double value, const char *unit)
{
    printf("%s,%s,%.6g,%s\n", bench, variant, value, unit);
    fflush(stdout);
}

/* CPUs this process may run on (the affinity mask, not sysconf). */
static inline int bench_cpus(void)
{
    cpu_set_t set;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        bench_die("sched_getaffinity: %s", strerror(errno));
    return CPU_COUNT(&set);
}

/*
 * bench_pin_one - restrict this thread (and what it forks or creates later)
 * to the first CPU it may use; *saved receives the mask to restore with
 * bench_unpin. Pinning puts both ends of a ping-pong on one CPU, so a
 * switch is a real switch on that CPU, not a wake-up sent to another one.
 */
static inline void bench_pin_one(cpu_set_t *saved)
{
    cpu_set_t one;

    if (sched_getaffinity(0, sizeof(*saved), saved) != 0)
        bench_die("sched_getaffinity: %s", strerror(errno));
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, saved)) {
            CPU_SET(c, &one);
            break;
        }
    }
    if (sched_setaffinity(0, sizeof(one), &one) != 0)
        bench_die("sched_setaffinity: %s", strerror(errno));
}

static inline void bench_unpin(const cpu_set_t *saved)
{
    if (sched_setaffinity(0, sizeof(*saved), saved) != 0)
        bench_die("sched_setaffinity: %s", strerror(errno));
}

/* Raise the soft fd limit to the hard one; returns the new soft limit. */
static inline long bench_raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        bench_die("getrlimit: %s", strerror(errno));
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        bench_die("setrlimit: %s", strerror(errno));
    return (long)rl.rlim_cur;
}

/*
 * bench_spin - `iters` rounds of xorshift: pure CPU work that touches no
 * memory (so threads cannot slow each other through caches) and returns a
 * value that depends on every round, so the compiler cannot drop it.
 */
static inline uint64_t bench_spin(uint64_t seed, uint64_t iters)
{
    uint64_t x = seed | 1;

    for (uint64_t i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

/* Sleep `us` microseconds, restarting after signals: simulated I/O. */
static inline void bench_sleep_us(unsigned long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#endif /* BENCH_H */
