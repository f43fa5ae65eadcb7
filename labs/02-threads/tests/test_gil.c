/* SPDX-License-Identifier: MIT */
/*
 * Lab 02, task 3: the GIL lets one thread at a time run interpreter code,
 * hands it over when asked so nobody starves, gives CPU-bound threads no
 * speedup and I/O-bound threads that release it around their waits a big one.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "gil.h"
#include "lab02_util.h"

static struct gil *make_gil(unsigned interval_us)
{
    struct gil *g = NULL;
    int rc = gil_create(&g, interval_us);

    if (rc != 0 || !g)
        harness_fail("gil_create(%u us) returned %d (%s), expected 0 and a "
                     "GIL",
                     interval_us, rc, strerror(-rc));
    return g;
}

/* One step of interpreter code: the talk's fib, small enough to be a step. */
static uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void test_gil_bad_arguments(void **state)
{
    struct gil *g = NULL;

    (void)state;
    EXPECT_RC(gil_create(NULL, 1000), -EINVAL);
    EXPECT_RC(gil_create(&g, 0), -EINVAL);
    gil_destroy(NULL);
}

/* ---------------------------------------------------------------- */
/* Mutual exclusion: the interpreter's state is guarded by the GIL.   */

struct interp {
    struct gil *g;
    struct harness_start start;
    uint64_t deadline_ns;
    long counter;   /* guarded by the GIL */
    long made;      /* guarded by the GIL: steps the threads say they made */
    int inside;     /* guarded by the GIL: threads in a step right now */
    int violations; /* guarded by the GIL */
    uint64_t sink;  /* guarded by the GIL */
};

static void *nothing(void *arg)
{
    return arg;
}

/* Steps for a fixed time, so that threads overlap if the GIL lets them. */
static void *exclusive_thread(void *arg)
{
    struct interp *in = arg;
    long mine = 0;

    harness_start_wait(&in->start);
    gil_acquire(in->g);
    while (harness_now_ns() < in->deadline_ns) {
        if (in->inside++ != 0)
            in->violations++;
        in->counter++;
        in->sink += fib(10);
        harness_chaos_point();
        in->inside--;
        if (++mine % 64 == 0)
            (void)gil_call_unlocked(in->g, nothing, NULL);
        gil_check(in->g);
    }
    in->made += mine;
    gil_release(in->g);
    return NULL;
}

static void test_gil_mutual_exclusion(void **state)
{
    struct interp in = {0};
    pthread_t t[4];

    (void)state;
    in.g = make_gil(50);
    harness_start_init(&in.start, 5);
    for (int i = 0; i < 4; i++)
        xpthread_create(&t[i], NULL, exclusive_thread, &in);
    in.deadline_ns = harness_now_ns() +
                     (uint64_t)harness_param_long("run_ms", 100) * 1000000;
    harness_start_wait(&in.start); /* the barrier publishes deadline_ns */
    for (int i = 0; i < 4; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&in.start);
    gil_destroy(in.g);
    if (in.violations != 0)
        harness_fail_symptom("overlap",
                             "%d times a thread began a step while another "
                             "was in one: the GIL let two threads run at "
                             "once",
                             in.violations);
    if (in.counter != in.made)
        harness_fail_symptom("lost-update",
                             "4 threads made %ld steps in all, the shared "
                             "counter says %ld: updates were lost, so two "
                             "threads ran at once",
                             in.made, in.counter);
}

/* ---------------------------------------------------------------- */
/* Starvation: two CPU-bound threads for a fixed time. The GIL's own
 * fairness is how often each one gets it (turns: each at least twice and
 * 30% of them); the steps each makes also depend on how much CPU the
 * scheduler gives it while it holds the GIL, and the grader shares a busy
 * machine, so steps get a lower floor (20%). A starved thread gets ~0. */

/*
 * How long the two threads run: run_ms of wall time, and then on until the
 * process has used 3/4 of that in CPU time (at most 20 x run_ms of wall
 * time). Only the GIL's holder computes, so on a machine busy with other
 * work the threads get as many switch intervals of running as on a quiet
 * one, and take as many turns: a fixed wall time gave a correct GIL 2 and 1
 * turns at load 100. A GIL that starves its waiter uses CPU as fast as one
 * that does not, so it fails in the same time as before.
 */
struct share {
    struct gil *g;
    struct harness_start start;
    uint64_t deadline_ns, last_ns; /* at least until, at most until */
    double cpu_from, cpu_s;        /* the process's CPU: at the start, wanted */
    long steps[2];                 /* guarded by the GIL */
    long turns[2]; /* guarded by the GIL: times this lane took it over */
    int last_lane; /* guarded by the GIL: who made the last step */
    int next_lane; /* guarded by the GIL */
    uint64_t sink; /* guarded by the GIL */
};

static void *share_thread(void *arg)
{
    struct share *s = arg;
    int lane;

    harness_start_wait(&s->start);
    gil_acquire(s->g);
    lane = s->next_lane++;
    for (;;) {
        uint64_t now = harness_now_ns();

        if (now >= s->last_ns ||
            (now >= s->deadline_ns &&
             harness_cpu_seconds() - s->cpu_from >= s->cpu_s))
            break;
        if (s->last_lane != lane) {
            s->turns[lane]++;
            s->last_lane = lane;
        }
        s->sink += fib(12);
        s->steps[lane]++;
        gil_check(s->g);
    }
    gil_release(s->g);
    return NULL;
}

static double smaller_share(const long v[2])
{
    long total = v[0] + v[1];

    return total ? (double)(v[0] < v[1] ? v[0] : v[1]) / (double)total : 0;
}

static void test_gil_no_starvation(void **state)
{
    struct share s = {.last_lane = -1};
    long run_ms;
    double min_turns = harness_param_double("min_turn_share", 0.30);
    double min_steps = harness_param_double("min_step_share", 0.20);
    pthread_t t[2];

    (void)state;
    s.g = make_gil((unsigned)harness_param_long("interval_us", 1000));
    harness_start_init(&s.start, 3);
    for (int i = 0; i < 2; i++)
        xpthread_create(&t[i], NULL, share_thread, &s);
    run_ms = harness_param_long("run_ms", 200);
    s.deadline_ns = harness_now_ns() + (uint64_t)run_ms * 1000000;
    s.last_ns = s.deadline_ns + (uint64_t)(19 * run_ms) * 1000000;
    s.cpu_from = harness_cpu_seconds();
    s.cpu_s = 0.75 * (double)run_ms / 1e3;
    harness_start_wait(&s.start); /* the barrier publishes the times */
    for (int i = 0; i < 2; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&s.start);
    gil_destroy(s.g);

    harness_note("two CPU-bound threads got the GIL %ld and %ld times, made "
                 "%ld and %ld steps, in %.0f ms of CPU",
                 s.turns[0], s.turns[1], s.steps[0], s.steps[1],
                 (harness_cpu_seconds() - s.cpu_from) * 1e3);
    if (s.turns[0] < 2 || s.turns[1] < 2 ||
        smaller_share(s.turns) < min_turns ||
        smaller_share(s.steps) < min_steps)
        harness_fail_symptom("starved",
                             "starvation: running together, one CPU-bound "
                             "thread got the GIL %ld times and made %ld "
                             "steps, the other %ld times and %ld steps; they "
                             "should take turns, once a switch interval or "
                             "so. Does a waiting thread ask the holder to "
                             "drop the GIL after an interval, and does "
                             "gil_check hand it over, waiting until the "
                             "other thread has taken it?",
                             s.turns[0], s.steps[0], s.turns[1], s.steps[1]);
}

/* ---------------------------------------------------------------- */
/* Hand-over: a waiter gets the GIL as soon as it is given up, not when */
/* its switch interval runs out (a long one here).                      */

struct handover {
    struct gil *g;
    struct harness_start start;
    uint64_t asked_ns, got_ns; /* written by the waiter, read after join */
    atomic_int stop;           /* the holder's loop ends when set */
    long steps;                /* guarded by the GIL */
    /* Seconds each waited for a CPU meanwhile (a busy machine's share of
     * the latency), written by each, read after join. */
    double waiter_delay, holder_delay;
};

static void *acquire_once(void *arg)
{
    struct handover *h = arg;

    double delay;

    harness_start_wait(&h->start);
    delay = harness_thread_cpu_wait_seconds();
    h->asked_ns = harness_now_ns();
    gil_acquire(h->g);
    h->got_ns = harness_now_ns();
    h->waiter_delay = harness_thread_cpu_wait_seconds() - delay;
    atomic_store(&h->stop, 1);
    gil_release(h->g);
    return NULL;
}

/*
 * gil_release wakes a waiting thread: with a switch interval of 1 s, the
 * waiter must have the GIL long before its own timed wait would end.
 */
static void test_gil_release_wakes_waiter(void **state)
{
    unsigned interval_ms = (unsigned)harness_param_long("interval_ms", 1000);
    double latency_ms = 0;

    (void)state;
    for (int round = 0; round < 3; round++) {
        struct handover h = {0};
        uint64_t t0;
        pthread_t t;

        h.g = make_gil(interval_ms * 1000);
        harness_start_init(&h.start, 2);
        gil_acquire(h.g);
        xpthread_create(&t, NULL, acquire_once, &h);
        harness_start_wait(&h.start);
        /* Simulated work while holding the GIL: the other thread is
         * waiting by now (were it not, it would find the GIL free). */
        harness_io_wait_ms(10);
        t0 = harness_now_ns();
        gil_release(h.g);
        xpthread_join(t, NULL);
        harness_start_destroy(&h.start);
        gil_destroy(h.g);
        latency_ms = (double)(h.got_ns - t0) / 1e6;
        if (latency_ms > interval_ms / 2.0)
            harness_fail_symptom(
                "slow-handover",
                "a thread waiting in gil_acquire got the GIL %.0f ms after "
                "gil_release, with a switch interval of %u ms: gil_release "
                "must wake a waiter (signal the condition it waits on), not "
                "leave it to its timed wait",
                latency_ms, interval_ms);
    }
    harness_note("hand-over after gil_release: %.2f ms", latency_ms);
}

static void *hold_and_check(void *arg)
{
    struct handover *h = arg;
    double delay;

    gil_acquire(h->g);
    harness_start_wait(&h->start); /* the GIL is held: let the waiter go */
    delay = harness_thread_cpu_wait_seconds();
    while (!atomic_load(&h->stop)) {
        h->steps++;
        gil_check(h->g);
    }
    h->holder_delay = harness_thread_cpu_wait_seconds() - delay;
    gil_release(h->g);
    return NULL;
}

/*
 * gil_check hands the GIL over at once when asked: a waiter asks after one
 * switch interval, and must have the GIL soon after, not a second interval
 * later (which is what waking nobody at the hand-over costs).
 */
static void test_gil_check_hands_over_promptly(void **state)
{
    unsigned interval_ms = (unsigned)harness_param_long("interval_ms", 250);
    double max = harness_param_double("max_intervals", 1.6), waited = 0;
    double busy_ms = 0;
    int excused = 0; /* late by no more than the CPU its threads waited */

    (void)state;
    /* Up to 3 rounds: a round late only by as much as its two threads
     * waited for a CPU (a busy machine) is run again; late by more, it
     * fails at once; 3 such rounds are inconclusive, not a verdict. */
    for (int round = 0; round < 3; round++) {
        struct handover h = {0};
        pthread_t holder, waiter;

        h.g = make_gil(interval_ms * 1000);
        harness_start_init(&h.start, 2);
        xpthread_create(&holder, NULL, hold_and_check, &h);
        xpthread_create(&waiter, NULL, acquire_once, &h);
        xpthread_join(waiter, NULL);
        xpthread_join(holder, NULL);
        harness_start_destroy(&h.start);
        gil_destroy(h.g);
        waited = (double)(h.got_ns - h.asked_ns) / 1e6 / interval_ms;
        busy_ms = (h.waiter_delay + h.holder_delay) * 1e3;
        harness_note("a waiter got the GIL from a busy holder after %.2f "
                     "switch intervals (the two threads waited %.0f ms for "
                     "a CPU)",
                     waited, busy_ms);
        excused = waited > max && (waited - max) * interval_ms <= busy_ms;
        if (!excused)
            break;
    }
    if (excused)
        harness_inconclusive("in 3 rounds a waiter got the GIL late, the "
                             "last after %.2f switch intervals, but its two "
                             "threads waited %.0f ms for a CPU meanwhile: the "
                             "machine is too busy to judge",
                             waited, busy_ms);
    if (waited > max)
        harness_fail_symptom(
            "slow-handover",
            "a waiter got the GIL from a thread busy in gil_check after %.2f "
            "switch intervals (at most %.2f expected: one interval, then "
            "the drop request, then the hand-over): when gil_check releases "
            "the GIL it must wake the waiter, not leave it to its timed wait",
            waited, max);
}

/*
 * The holder of the test below: steps that sleep (0.2 ms of simulated I/O,
 * the GIL held). What it waited for a CPU in its last step, the one that
 * saw the drop request and handed the GIL over, is the part of the
 * machine's load that can make that hand-over late: the rest of its CPU
 * wait falls while the waiter sleeps its interval anyway.
 */
static void *hold_and_check_slowly(void *arg)
{
    struct handover *h = arg;
    double before;

    gil_acquire(h->g);
    harness_start_wait(&h->start);
    while (!atomic_load(&h->stop)) {
        before = harness_thread_cpu_wait_seconds();
        h->steps++;
        harness_io_wait_us(200);
        gil_check(h->g);
        h->holder_delay = harness_thread_cpu_wait_seconds() - before;
    }
    gil_release(h->g);
    return NULL;
}

/*
 * gil_check waits until another thread has taken the GIL, and waits again
 * after a wake-up that was no hand-over: chaos mode makes the GIL's
 * condition waits (gil_hooks.h) return now and then without a signal, as
 * POSIX allows. A holder that takes the GIL straight back after such a
 * wake-up leaves its waiter to ask again, a whole interval later (2
 * intervals in all: 1.8 allowed here). 30 rounds of the hand-over above; a
 * round late by no more than its threads waited for a CPU (the waiter
 * while it waited, the holder in its last step) is not judged.
 */
static void test_gil_survives_spurious_wakeups(void **state)
{
    unsigned interval_ms = (unsigned)harness_param_long("interval_ms", 50);
    double max = harness_param_double("max_intervals", 1.8), waited = 0;
    int rounds = (int)harness_param_long("rounds", 30), judged = 0;
    double worst = 0;

    (void)state;
    harness_chaos_enable(1);
    for (int round = 0; round < rounds; round++) {
        struct handover h = {0};
        pthread_t holder, waiter;
        double busy_ms;

        h.g = make_gil(interval_ms * 1000);
        harness_start_init(&h.start, 2);
        xpthread_create(&holder, NULL, hold_and_check_slowly, &h);
        xpthread_create(&waiter, NULL, acquire_once, &h);
        xpthread_join(waiter, NULL);
        xpthread_join(holder, NULL);
        harness_start_destroy(&h.start);
        gil_destroy(h.g);
        waited = (double)(h.got_ns - h.asked_ns) / 1e6 / interval_ms;
        busy_ms = (h.waiter_delay + h.holder_delay) * 1e3;
        if (waited > worst)
            worst = waited;
        if (waited <= max) {
            judged++;
        } else if ((waited - max) * interval_ms > busy_ms) {
            harness_chaos_enable(0);
            harness_fail_symptom(
                "slow-handover",
                "with condition waits that sometimes return unsignalled "
                "(as POSIX allows), a waiter got the GIL from a thread busy "
                "in gil_check after %.2f switch intervals (at most %.2f "
                "expected; its threads waited %.0f ms for a CPU): after a "
                "wake-up, gil_check must look again and keep waiting "
                "(while, not if) until another thread has taken the GIL",
                waited, max, busy_ms);
        }
    }
    harness_chaos_enable(0);
    harness_note("%d of %d hand-overs with spurious wake-ups judged (the "
                 "others late by less than the CPU their threads waited "
                 "for); the slowest after %.2f switch intervals",
                 judged, rounds, worst);
    if (judged < rounds / 2)
        harness_inconclusive("only %d of %d hand-overs were on time or late "
                             "by more than the CPU their threads waited "
                             "for: the machine is too busy to judge",
                             judged, rounds);
}

/*
 * A waiter asks for the GIL only after a whole switch interval: with an
 * interval of 1 s, a holder that runs steps (gil_check between them) for
 * 100 ms keeps it. A waiter that asks at once takes the GIL away at the
 * holder's next gil_check (the thrashing a switch interval prevents).
 */
static void test_gil_no_early_drop_request(void **state)
{
    unsigned interval_ms = (unsigned)harness_param_long("interval_ms", 1000);
    unsigned run_ms = (unsigned)harness_param_long("run_ms", 100);
    struct handover h = {0};
    uint64_t end;
    pthread_t t;
    int taken;

    (void)state;
    h.g = make_gil(interval_ms * 1000);
    harness_start_init(&h.start, 2);
    gil_acquire(h.g);
    xpthread_create(&t, NULL, acquire_once, &h);
    harness_start_wait(&h.start); /* the waiter is on its way to wait */
    end = harness_now_ns() + (uint64_t)run_ms * 1000000;
    while (harness_now_ns() < end && !atomic_load(&h.stop)) {
        h.steps++;
        gil_check(h.g);
    }
    taken = atomic_load(&h.stop);
    gil_release(h.g);
    xpthread_join(t, NULL);
    harness_start_destroy(&h.start);
    gil_destroy(h.g);
    if (taken)
        harness_fail("a waiter took the GIL from a thread busy in gil_check "
                     "%.1f ms after it began to wait, with a switch interval "
                     "of %u ms: a waiter may ask for the GIL (the drop "
                     "request) only after a whole interval without a "
                     "hand-over",
                     (double)(h.got_ns - h.asked_ns) / 1e6, interval_ms);
}

/* ---------------------------------------------------------------- */
/* CPU-bound threads gain nothing, I/O-bound threads overlap.         */

struct run {
    struct gil *g;
    unsigned threads;
    long work;      /* per thread: fib steps, or I/O waits */
    unsigned io_ms; /* 0: CPU-bound */
    uint64_t sink;  /* guarded by the GIL */
    /* Threads in a blocking call at once: without the GIL, so atomic. */
    atomic_int inside, peak;
};

static void *io_wait(void *arg)
{
    struct run *r = arg;
    int now = atomic_fetch_add(&r->inside, 1) + 1;
    int peak = atomic_load(&r->peak);

    while (now > peak && !atomic_compare_exchange_weak(&r->peak, &peak, now))
        ;
    harness_io_wait_ms(r->io_ms);
    atomic_fetch_sub(&r->inside, 1);
    return NULL;
}

/*
 * The timeline's GIL lane (drawn while a speedup check traces): this
 * thread held the GIL from `since` until now. A gil_check that took more
 * than HANDOVER_NS gave the GIL away and took it back (or was preempted:
 * the lane then shows a gap where it held it, which does no harm).
 */
#define HANDOVER_NS 20000
static void held_until_now(uint64_t since)
{
    harness_trace_hold("GIL", since, harness_now_ns());
}

static void *run_thread(void *arg)
{
    struct run *r = arg;
    uint64_t since;

    gil_acquire(r->g);
    since = harness_now_ns();
    for (long i = 0; i < r->work; i++) {
        if (r->io_ms) { /* "fetch a URL": a blocking call, GIL released */
            held_until_now(since);
            (void)gil_call_unlocked(r->g, io_wait, r);
            since = harness_now_ns();
        }
        for (int k = 0; k < (r->io_ms ? 8 : 1); k++) {
            uint64_t before;

            r->sink += fib(18);
            before = harness_now_ns();
            gil_check(r->g);
            if (harness_now_ns() - before > HANDOVER_NS) {
                harness_trace_hold("GIL", since, before);
                since = harness_now_ns();
            }
        }
    }
    held_until_now(since);
    gil_release(r->g);
    return NULL;
}

static void run_body(void *arg)
{
    struct run *r = arg;
    pthread_t t[8];

    for (unsigned i = 0; i < r->threads; i++)
        xpthread_create(&t[i], NULL, run_thread, r);
    for (unsigned i = 0; i < r->threads; i++)
        xpthread_join(t[i], NULL);
    if (r->io_ms && r->threads > 1 && atomic_load(&r->peak) < 2)
        harness_symptom("serialized",
                        "%u I/O-bound threads never waited at the same "
                        "time: each blocking call kept the others out",
                        r->threads);
}

/*
 * Two CPU-bound threads under the GIL compute one at a time. The check is
 * structural: the CPU time the process used while they ran, over the wall
 * time, is how many CPUs computed at once, and must stay near 1. (A ratio
 * of wall times against one thread is printed, as the talk's figure, but
 * not judged: on a busy machine the scheduler favours threads that sleep
 * and wake, as GIL waiters do, so it swings both ways.)
 */
static void test_gil_cpu_bound_no_speedup(void **state)
{
    long steps = harness_param_long("steps", 6000);
    struct run one = {NULL, 1, 2 * steps, 0, 0, 0, 0};
    struct run two = {NULL, 2, steps, 0, 0, 0, 0};
    double max = harness_param_double("max_parallelism", 1.15);
    int trials = (int)harness_param_long("trials", 3);
    double base_s = 1e30, cand_s = 1e30, par = 0;

    (void)state;
    one.g = two.g = make_gil(5000); /* CPython's default interval */
    run_body(&one);                 /* warm-up */
    for (int i = 0; i < trials; i++) {
        uint64_t t0 = harness_now_ns();
        double c0, wall;

        run_body(&one);
        wall = (double)(harness_now_ns() - t0) / 1e9;
        base_s = wall < base_s ? wall : base_s;
        c0 = harness_cpu_seconds();
        t0 = harness_now_ns();
        run_body(&two);
        wall = (double)(harness_now_ns() - t0) / 1e9;
        cand_s = wall < cand_s ? wall : cand_s;
        if ((harness_cpu_seconds() - c0) / wall > par)
            par = (harness_cpu_seconds() - c0) / wall;
    }
    gil_destroy(one.g);
    harness_note("fib under the GIL: one thread %.1f ms, two threads (same "
                 "total work) %.1f ms: %.2fx; CPUs busy at once: %.2f",
                 base_s * 1e3, cand_s * 1e3, base_s / cand_s, par);
    if (par > max)
        harness_fail("two CPU-bound threads under the GIL kept %.2f CPUs "
                     "busy at once (at most %.2f expected): the GIL let both "
                     "run interpreter code at the same time",
                     par, max);
}

static void test_gil_io_bound_speedup(void **state)
{
    long waits = harness_param_long("waits", 4);
    unsigned ms = (unsigned)harness_param_long("wait_ms", 10);
    struct run one = {NULL, 1, 4 * waits, ms, 0, 0, 0};
    struct run four = {NULL, 4, waits, ms, 0, 0, 0};

    (void)state;
    one.g = four.g = make_gil(5000);
    harness_check_io_speedup("4 I/O-bound threads under the GIL", 3.0, run_body,
                             &one, run_body, &four);
    gil_destroy(one.g);
}

/* ---------------------------------------------------------------- */
/* Hand-overs in every interleaving: each step holds the GIL for a    */
/* while (harness_io_wait_us stands for slow interpreter code), so a   */
/* waiter's timed wait runs out, it sets the drop request, and the     */
/* holder's gil_check hands over. The sched check runs this under the  */
/* controlled scheduler, in virtual time (docs/sched.md).              */

struct handovers {
    struct gil *g;
    long steps;       /* per thread */
    unsigned step_us; /* how long a step holds the GIL */
    long counter;     /* guarded by the GIL */
    int inside;       /* guarded by the GIL: threads in a step right now */
    int violations;   /* guarded by the GIL */
};

static void *handover_thread(void *arg)
{
    struct handovers *h = arg;

    gil_acquire(h->g);
    for (long i = 0; i < h->steps; i++) {
        if (h->inside++ != 0)
            h->violations++;
        harness_io_wait_us(h->step_us); /* a slow step: the GIL stays held */
        h->counter++;
        h->inside--;
        if (i % 8 == 7)
            (void)gil_call_unlocked(h->g, nothing, NULL);
        gil_check(h->g);
    }
    gil_release(h->g);
    return NULL;
}

static void test_gil_handover_exclusive(void **state)
{
    struct handovers h = {0};
    pthread_t t[3];

    (void)state;
    h.g = make_gil(1000);
    h.steps = harness_param_long("steps", harness_sched_enabled() ? 12 : 40);
    h.step_us = 300;
    for (int i = 0; i < 3; i++)
        xpthread_create(&t[i], NULL, handover_thread, &h);
    for (int i = 0; i < 3; i++)
        xpthread_join(t[i], NULL);
    gil_destroy(h.g);
    if (h.violations != 0)
        harness_fail_symptom("overlap",
                             "%d times a thread began a step while another "
                             "was in one: the GIL let two threads run at "
                             "once (around a hand-over?)",
                             h.violations);
    if (h.counter != 3 * h.steps)
        harness_fail_symptom("lost-update",
                             "3 threads made %ld steps each, the shared "
                             "counter says %ld of %ld",
                             h.steps, h.counter, 3 * h.steps);
}

/* ---------------------------------------------------------------- */
/* gil_call_unlocked returns what fn returned, and fn runs without    */
/* the GIL: another thread takes it and gives it back meanwhile.      */

struct visitor {
    struct gil *g;
    int visited; /* written by the visitor while it holds the GIL */
};

static void *visit(void *arg)
{
    struct visitor *v = arg;

    gil_acquire(v->g);
    v->visited = 1;
    gil_release(v->g);
    return NULL;
}

static void *let_a_visitor_in(void *arg)
{
    pthread_t t;

    xpthread_create(&t, NULL, visit, arg); /* it needs the GIL: free now */
    xpthread_join(t, NULL);
    return (char *)arg + 1;
}

static void test_gil_call_unlocked_returns(void **state)
{
    struct visitor v = {NULL, 0};
    void *r;

    (void)state;
    v.g = make_gil(1000);
    gil_acquire(v.g);
    r = gil_call_unlocked(v.g, let_a_visitor_in, &v);
    if (r != (char *)&v + 1)
        harness_fail("gil_call_unlocked returned %p, fn returned %p: it must "
                     "return what fn returned",
                     r, (void *)((char *)&v + 1));
    if (!v.visited)
        harness_fail("while fn ran in gil_call_unlocked, another thread "
                     "did not get the GIL");
    r = gil_call_unlocked(v.g, nothing, NULL);
    if (r != NULL)
        harness_fail("gil_call_unlocked returned %p, fn returned NULL", r);
    gil_release(v.g);
    gil_destroy(v.g);
}

/*
 * Out of memory (lab02_memory_out): gil_create returns -ENOMEM, and once
 * memory is back a GIL can be made again.
 */
static void test_gil_out_of_memory_reported(void **state)
{
    struct gil *g = NULL;
    struct lab02_oom oom;
    int rc;

    (void)state;
    lab02_memory_out(&oom);
    rc = gil_create(&g, 1000);
    lab02_memory_back(&oom);
    if (!oom.ok)
        harness_skip("the heap could not be used up here");
    if (rc == 0)
        gil_destroy(g);
    if (rc != -ENOMEM)
        harness_fail("gil_create with no memory to be had returned %d (%s): "
                     "expected -ENOMEM",
                     rc, rc < 0 ? strerror(-rc) : "-");
    gil_destroy(make_gil(1000));
}

/*
 * Context: any thread. Four threads make a GIL each at the same time;
 * once all four are made, each takes its own and holds it until all four
 * hold theirs (at most 2 s): four GILs, four holders. GILs that share
 * state (one static GIL for all) let one thread in at a time. The main
 * thread destroys them.
 */
#define MAKERS 4

struct makers {
    struct harness_start start, made;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int holding; /* guarded by lock */
};

struct maker {
    struct makers *all;
    struct gil *g;
    int rc;
    int met; /* all four held their GIL at once */
};

static void *make_and_hold(void *arg)
{
    struct maker *mk = arg;
    struct makers *all = mk->all;
    struct timespec until;

    harness_start_wait(&all->start);
    mk->rc = gil_create(&mk->g, 5000);
    harness_start_wait(&all->made);
    if (mk->rc != 0)
        return NULL;
    gil_acquire(mk->g);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    xpthread_mutex_lock(&all->lock);
    if (++all->holding == MAKERS)
        xpthread_cond_broadcast(&all->cv);
    while (all->holding < MAKERS &&
           pthread_cond_timedwait(&all->cv, &all->lock, &until) != ETIMEDOUT)
        ;
    mk->met = all->holding >= MAKERS;
    xpthread_mutex_unlock(&all->lock);
    gil_release(mk->g);
    return NULL;
}

static void test_gil_create_from_any_thread(void **state)
{
    struct makers all = {.lock = PTHREAD_MUTEX_INITIALIZER,
                         .cv = PTHREAD_COND_INITIALIZER};
    struct maker mk[MAKERS];
    pthread_t t[MAKERS];

    (void)state;
    harness_start_init(&all.start, MAKERS);
    harness_start_init(&all.made, MAKERS);
    for (int i = 0; i < MAKERS; i++) {
        mk[i] = (struct maker){&all, NULL, -1, 0};
        xpthread_create(&t[i], NULL, make_and_hold, &mk[i]);
    }
    for (int i = 0; i < MAKERS; i++)
        xpthread_join(t[i], NULL);
    harness_start_destroy(&all.start);
    harness_start_destroy(&all.made);
    for (int i = 0; i < MAKERS; i++)
        if (mk[i].rc != 0)
            harness_fail("thread %d: gil_create returned %d (%s), expected "
                         "0: a GIL may be made from any thread",
                         i, mk[i].rc, strerror(-mk[i].rc));
    for (int i = 0; i < MAKERS; i++)
        gil_destroy(mk[i].g);
    for (int i = 0; i < MAKERS; i++)
        if (!mk[i].met)
            harness_fail("four threads made a GIL each and took it: they "
                         "never held their four GILs at once (%d did): do "
                         "the GILs share state?",
                         all.holding);
}

/*
 * With nobody waiting, gil_check is the cheap path, called between every
 * two steps: it must cost less than half an uncontended mutex lock and
 * unlock (one load of an atomic flag, no lock). Best of 7 runs of 200,000
 * calls each, against the same for the lock and unlock pair, in this run.
 */
static void test_gil_check_is_cheap(void **state)
{
    enum { CALLS = 200000, TRIALS = 7 };
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    double max = harness_param_double("max_ratio", 0.5);
    uint64_t best_check = UINT64_MAX, best_lock = UINT64_MAX;
    struct gil *g = make_gil(1000000);
    double ratio;
    int rc = 0;

    (void)state;
    gil_acquire(g);
    for (int t = 0; t < TRIALS; t++) {
        uint64_t t0 = harness_now_ns(), t1, t2;

        for (int i = 0; i < CALLS; i++)
            gil_check(g);
        t1 = harness_now_ns();
        for (int i = 0; i < CALLS; i++) { /* checked after the loop */
            rc |= pthread_mutex_lock(&m);
            rc |= pthread_mutex_unlock(&m);
        }
        t2 = harness_now_ns();
        if (t1 - t0 < best_check)
            best_check = t1 - t0;
        if (t2 - t1 < best_lock)
            best_lock = t2 - t1;
    }
    gil_release(g);
    gil_destroy(g);
    if (rc != 0)
        harness_fail("pthread_mutex_lock or unlock failed");
    ratio = (double)best_check / (double)(best_lock ? best_lock : 1);
    harness_note("gil_check with no drop request: %.1f ns a call; a mutex "
                 "lock and unlock: %.1f ns (ratio %.2f)",
                 (double)best_check / CALLS, (double)best_lock / CALLS, ratio);
    if (ratio > max)
        harness_fail_slow("gil_check with nobody waiting took %.1f ns a "
                          "call, %.2f times an uncontended mutex lock and "
                          "unlock (%.1f ns; at most %.2f expected): the "
                          "cheap path is one atomic load of the drop "
                          "request, no lock",
                          (double)best_check / CALLS, ratio,
                          (double)best_lock / CALLS, max);
}

/*
 * A waiter asks for the GIL only after a whole interval in which the GIL
 * did not change hands. Four threads take turns of 0.4 interval each,
 * each ending its turn itself (gil_release, then gil_acquire again), so
 * the GIL changes hands every 0.4 interval and nobody ever has reason to
 * ask: a waiter waits 1.2 intervals for its turn, and the GIL changed
 * hands while it did. A waiter that asks whenever its timed wait runs
 * out, whoever took the GIL meanwhile, ends turns in gil_check (forced)
 * before they have lasted an interval, which no correct waiter can ask.
 */
#define TURNS 30
#define TURN_THREADS 4

struct turns {
    struct gil *g;
    struct harness_start start;
    uint64_t turn_ns;
    int owner;     /* guarded by the GIL */
    int n;         /* guarded by the GIL: turns so far */
    int forced;    /* guarded by the GIL: turns taken in gil_check, early */
    int late;      /* guarded by the GIL: the same, after an interval */
    uint64_t sink; /* guarded by the GIL */
};

struct turn_arg {
    struct turns *t;
    int me;
};

static void *take_turns(void *arg)
{
    struct turn_arg *a = arg;
    struct turns *t = a->t;

    harness_start_wait(&t->start);
    gil_acquire(t->g);
    while (t->n < TURNS) {
        uint64_t since = harness_now_ns();

        t->owner = a->me;
        t->n++;
        while (harness_now_ns() - since < t->turn_ns) {
            uint64_t before;

            t->sink += fib(12);
            before = harness_now_ns();
            gil_check(t->g);
            if (t->owner != a->me) { /* taken and given back meanwhile */
                /* A turn held past an interval (this thread preempted
                 * while it held the GIL) may be asked for; one that
                 * had not lasted 3/4 of an interval may not. */
                if (before - since < t->turn_ns * 15 / 8)
                    t->forced++;
                else
                    t->late++;
                break;
            }
        }
        gil_release(t->g);
        gil_acquire(t->g);
    }
    gil_release(t->g);
    return NULL;
}

static void test_gil_waiter_restarts_its_interval(void **state)
{
    unsigned interval_ms = (unsigned)harness_param_long("interval_ms", 50);
    struct turns t = {.owner = -1};
    struct turn_arg a[TURN_THREADS];
    pthread_t th[TURN_THREADS];

    (void)state;
    t.g = make_gil(interval_ms * 1000);
    t.turn_ns = (uint64_t)interval_ms * 400000; /* 0.4 interval */
    harness_start_init(&t.start, TURN_THREADS);
    for (int i = 0; i < TURN_THREADS; i++) {
        a[i] = (struct turn_arg){&t, i};
        xpthread_create(&th[i], NULL, take_turns, &a[i]);
    }
    for (int i = 0; i < TURN_THREADS; i++)
        xpthread_join(th[i], NULL);
    harness_start_destroy(&t.start);
    gil_destroy(t.g);
    harness_note("%d turns of %.0f ms among %d threads, switch interval %u "
                 "ms: %d taken away in gil_check early, %d after an "
                 "interval (preempted)",
                 t.n, interval_ms * 0.4, TURN_THREADS, interval_ms, t.forced,
                 t.late);
    if (t.forced > 2)
        harness_fail("%d of %d turns of %.0f ms, each ended by its holder, "
                     "were taken away in gil_check before they had lasted "
                     "3/4 of the switch interval of %u ms: the GIL changed "
                     "hands every %.0f ms, yet "
                     "waiters asked for it. A waiter whose timed wait ran "
                     "out asks only if the GIL has not changed hands since "
                     "it began to wait; else it waits a whole interval more",
                     t.forced, t.n, interval_ms * 0.4, interval_ms,
                     interval_ms * 0.4);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gil_bad_arguments),
    cmocka_unit_test(test_gil_mutual_exclusion),
    cmocka_unit_test(test_gil_no_starvation),
    cmocka_unit_test(test_gil_release_wakes_waiter),
    cmocka_unit_test(test_gil_check_hands_over_promptly),
    cmocka_unit_test(test_gil_survives_spurious_wakeups),
    cmocka_unit_test(test_gil_no_early_drop_request),
    cmocka_unit_test(test_gil_cpu_bound_no_speedup),
    cmocka_unit_test(test_gil_io_bound_speedup),
    cmocka_unit_test(test_gil_handover_exclusive),
    cmocka_unit_test(test_gil_call_unlocked_returns),
    cmocka_unit_test(test_gil_out_of_memory_reported),
    cmocka_unit_test(test_gil_create_from_any_thread),
    cmocka_unit_test(test_gil_check_is_cheap),
    cmocka_unit_test(test_gil_waiter_restarts_its_interval),
};

HARNESS_MAIN(tests)
