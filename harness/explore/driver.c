/* SPDX-License-Identifier: MIT */
/*
 * `make explore` (docs/sched.md): the main() of a standalone pthread program
 * run under the controlled scheduler. The program's own main is renamed
 * harness_explore_main and its assert() failures reach
 * harness_explore_assert_fail (explore.syms); this driver runs it under N
 * schedules, each in a forked child, then replays the first that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "scheduler.h"

int harness_explore_main(int argc, char **argv);

/* A schedule that runs longer than this outside the scheduler's control
 * (a real blocking call) is cut and counted as failed. */
#define SCHEDULE_LIMIT_S 20

/* The program called exit() before its main returned: end the schedule
 * (its trace) all the same. A no-op when it has ended. */
static void exit_cb(int status, void *arg)
{
    (void)arg;
    fflush(stdout);
    harness__sched_end(status != 0);
}

/* One schedule, in this process: the program's exit status. */
static int run_schedule(int argc, char **argv, const char *strategy,
                        uint64_t seed)
{
    int rc;

    on_exit(exit_cb, NULL);
    setenv(HARNESS_ENV_SCHED, strategy, 1);
    harness__sched_set_seed(seed);
    harness__sched_begin();
    rc = harness_explore_main(argc, argv);
    harness__sched_exit_point();
    fflush(stdout);
    harness__sched_end(rc != 0);
    return rc;
}

/* assert() in the program: glibc's words, the schedule's end, a failure. */
void harness_explore_assert_fail(const char *expr, const char *file,
                                 unsigned line, const char *func)
{
    fflush(stdout);
    fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, func,
            expr);
    harness__sched_end(1);
    fflush(stdout);
    _exit(1);
}

/* abort() in the program: the same, with the status it would have had. */
void harness_explore_abort(void)
{
    fflush(stdout);
    fprintf(stderr, "abort() called\n");
    harness__sched_end(1);
    fflush(stdout);
    _exit(128 + SIGABRT);
}

static const char *strategy_of(const char *given, long i)
{
    if (strcmp(given, HARNESS_SCHED_BOTH) == 0)
        return i % 2 ? "random" : "pct";
    return given;
}

/* Runs `strategy` with `seed` in a child, its output discarded; its exit
 * status (0 passed). With `steps`, the child's step count comes back. */
static int child(int argc, char **argv, const char *strategy, uint64_t seed,
                 volatile uint64_t *steps)
{
    pid_t pid;
    int st;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("explore: fork");
        exit(2);
    }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        int rc;

        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        unsetenv(HARNESS_ENV_SCHED_TRACE);
        unsetenv(HARNESS_ENV_SCHED_TIMELINE);
        alarm(SCHEDULE_LIMIT_S);
        harness__sched_count_steps(steps);
        rc = run_schedule(argc, argv, strategy, seed);
        _exit(rc ? 1 : 0);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * PCT's change points fall in steps 1..K, and its bound holds when K is
 * about the schedule's length. A small program takes tens of steps, not
 * the lab tests' thousands: unless HARNESS_SCHED_HORIZON says, K is the
 * length of one random-walk schedule from the first seed (deterministic,
 * so the same SEED measures the same K).
 */
static void measure_horizon(int argc, char **argv, uint64_t seed)
{
    volatile uint64_t *steps;
    char k[32];

    if (getenv(HARNESS_ENV_SCHED_HORIZON))
        return;
    steps = mmap(NULL, sizeof(*steps), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (steps == MAP_FAILED)
        return;
    *steps = 0;
    child(argc, argv, "random", seed, steps);
    snprintf(k, sizeof(k), "%" PRIu64, *steps > 1 ? *steps : 2);
    setenv(HARNESS_ENV_SCHED_HORIZON, k, 1);
    munmap((void *)steps, sizeof(*steps));
}

int main(int argc, char **argv)
{
    const char *given = getenv(HARNESS_ENV_SCHED);
    long runs = harness__sched_runs(), failed = 0, first_at = 0, done = 0;
    uint64_t base = harness__sched_seed(), seed = base, first = base;
    const char *strategy;
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    harness__sched_label_main(" (main)");
    if (!given || !*given)
        given = HARNESS_SCHED_BOTH;
    if (strcmp(given, "pct") && strcmp(given, "random") &&
        strcmp(given, HARNESS_SCHED_BOTH)) {
        fprintf(stderr, "explore: %s=%s: use pct, random or both\n",
                HARNESS_ENV_SCHED, given);
        return 2;
    }
    measure_horizon(argc, argv, base);
    for (; done < runs; done++, seed = harness__sched_next_seed(seed))
        if (child(argc, argv, strategy_of(given, done), seed, NULL) != 0 &&
            !failed++) {
            first = seed;
            first_at = done;
        }
    strategy = strategy_of(given, first_at);
    if (failed)
        printf("explore: failed %ld of %ld schedules, first at seed "
               "0x%016" PRIx64 " (schedule %ld, %s, horizon %s). "
               "Replaying it:\n",
               failed, done, first, first_at + 1, strategy,
               getenv(HARNESS_ENV_SCHED_HORIZON));
    else
        printf("explore: passed %ld of %ld schedules (%s, horizon %s); "
               "replaying the first:\n",
               done, done,
               strcmp(given, HARNESS_SCHED_BOTH) == 0
                   ? "half PCT, half a random walk"
                   : given,
               getenv(HARNESS_ENV_SCHED_HORIZON));
    rc = run_schedule(argc, argv, strategy, first);
    if (failed && !rc) {
        printf("explore: the schedule failed in a child but passed on "
               "replay: something outside the scheduler's control (real "
               "time, input, a thread it did not create) decides\n");
        return 1;
    }
    return failed ? 1 : rc;
}
