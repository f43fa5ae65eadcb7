/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, tasks 3 and 4: the green-thread scheduler runs threads in exactly
 * the order its rules say (green.h), sleeps without spinning, detects a
 * deadlock, and runs 10,000 threads in little memory.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "green.h"
#include "lab05_util.h"

#define V(x) ((void *)(uintptr_t)(x))
#define N(p) ((long)(uintptr_t)(p))

/*
 * The trace: every green thread runs on the test's own OS thread, one at a
 * time, so it needs no lock (that is the point of cooperative scheduling).
 */
static char trace[1024];

static void rec(const char *fmt, long x)
{
    size_t len = strlen(trace);

    if (len)
        trace[len++] = ' ';
    snprintf(trace + len, sizeof(trace) - len, fmt, x);
}

static struct green *spawn(coro_fn fn, void *arg)
{
    struct green *g = NULL;
    int rc = green_spawn(&g, fn, arg);

    if (rc != 0 || !g)
        harness_fail("green_spawn returned %d, expected 0 and a handle", rc);
    return g;
}

static void run_expect(int want, const char *expected)
{
    int rc = green_run();

    if (rc != want)
        harness_fail("green_run returned %d, expected %d (trace so far: "
                     "\"%s\")",
                     rc, want, trace);
    if (strcmp(trace, expected) != 0)
        harness_fail("the interleaving differs from green.h's rules:\n"
                     "  expected \"%s\"\n  got      \"%s\"",
                     expected, trace);
}

static void *loop3(void *arg)
{
    for (long i = 0; i < 3; i++) {
        rec((const char *)arg, i);
        green_yield();
    }
    return NULL;
}

static void test_green_yield_round_robin(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_yield(), -EPERM);
    assert_int_equal(green_sleep_ms(1), -EPERM);
    assert_int_equal(green_join(NULL, NULL), -EPERM);
    if (green_self() != NULL)
        harness_fail("green_self() outside green threads must be NULL");
    spawn(loop3, "A%ld");
    spawn(loop3, "B%ld");
    spawn(loop3, "C%ld");
    if (trace[0])
        harness_fail("green_spawn ran the thread at once (trace \"%s\"): "
                     "it should only queue it",
                     trace);
    run_expect(0, "A0 B0 C0 A1 B1 C1 A2 B2 C2");
}

static void *leaf(void *arg)
{
    rec("b%ld", N(arg));
    return NULL;
}

static void *spawner(void *arg)
{
    (void)arg;
    rec("a%ld", 0);
    spawn(leaf, V(0));
    green_yield();
    rec("a%ld", 1);
    return NULL;
}

static void *other(void *arg)
{
    (void)arg;
    rec("c%ld", 0);
    green_yield();
    rec("c%ld", 1);
    return NULL;
}

static void test_green_spawn_from_thread(void **state)
{
    (void)state;
    trace[0] = '\0';
    spawn(spawner, NULL);
    spawn(other, NULL);
    run_expect(0, "a0 c0 b0 a1 c1");
}

/* W is joined by J1 then J2 while X keeps yielding (rule 3). */
static struct green *worker;

static void *work(void *arg)
{
    (void)arg;
    rec("w%ld", 0);
    green_yield();
    rec("w%ld", 1);
    return V(42);
}

static void *joiner(void *arg)
{
    void *res = NULL;
    int rc = green_join(worker, &res);

    rec((const char *)arg, rc == 0 ? N(res) : rc);
    return NULL;
}

static void *busy(void *arg)
{
    void *res = NULL;

    (void)arg;
    for (long i = 0; i < 3; i++) {
        rec("x%ld", i);
        if (i < 2)
            green_yield();
    }
    if (green_join(green_self(), NULL) != -EDEADLK)
        rec("join-self-not-EDEADLK%ld", 0);
    if (green_join(NULL, NULL) != -EINVAL)
        rec("join-NULL-not-EINVAL%ld", 0);
    green_join(worker, &res); /* finished: returns at once */
    rec("xj:%ld", N(res));
    return NULL;
}

static void test_green_join_order(void **state)
{
    (void)state;
    trace[0] = '\0';
    worker = spawn(work, NULL);
    spawn(joiner, "j1:%ld");
    spawn(joiner, "j2:%ld");
    spawn(busy, NULL);
    run_expect(0, "w0 x0 w1 x1 j1:42 j2:42 x2 xj:42");
}

/* An unbuffered channel: the second to arrive completes the exchange. */
static struct green_chan *chan;

static void *producer(void *arg)
{
    for (long v = 1; v <= N(arg); v++) {
        int rc;

        rec("s%ld", v);
        rc = green_chan_send(chan, V(v));
        rec(rc == 0 ? "S%ld" : "send-error%ld", rc == 0 ? v : rc);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    for (long i = 0; i < N(arg); i++) {
        void *v = NULL;
        int rc = green_chan_recv(chan, &v);

        rec(rc == 0 ? "r%ld" : "recv-error%ld", rc == 0 ? N(v) : rc);
    }
    return NULL;
}

static void test_green_channel_rendezvous(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(producer, V(3));
    spawn(consumer, V(3));
    run_expect(0, "s1 r1 S1 s2 S2 s3 r2 r3 S3");
    green_chan_destroy(chan);
    chan = NULL; /* else memcheck counts a leaked channel still reachable */
}

static void *closer(void *arg)
{
    (void)arg;
    rec("close%ld", green_chan_close(chan));
    rec("again%ld", green_chan_close(chan));
    return NULL;
}

/* One send of the value arg, traced "S<value>" once a receiver has it. */
static void *sender(void *arg)
{
    int rc = green_chan_send(chan, arg);

    rec(rc == 0 ? "S%ld" : "send-error%ld", rc == 0 ? N(arg) : rc);
    return NULL;
}

/* One receive, traced with the format arg: "a%ld" gives "a7" when receiver
 * a got 7, "a-32" when it got -EPIPE. */
static void *receiver(void *arg)
{
    void *v = NULL;
    int rc = green_chan_recv(chan, &v);

    rec((const char *)arg, rc == 0 ? N(v) : rc);
    return NULL;
}

/*
 * Rule 4: "Waiting senders (and receivers) are served in the order they
 * came." Two senders wait, then one receiver takes twice: 1 before 2.
 * Two receivers wait, then 7 and 8 are sent: a gets 7, b gets 8. Two wait
 * again and a close wakes them in the order they came (green_chan_close):
 * a before b. The second sender is spawned with a NULL out (green.h: no
 * handle wanted).
 */
static void test_green_waiters_served_in_order(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(sender, V(1));
    expect_rc("green_spawn(NULL, sender, 2)", green_spawn(NULL, sender, V(2)),
              0);
    spawn(consumer, V(2));
    run_expect(0, "r1 r2 S1 S2");
    trace[0] = '\0';
    spawn(receiver, "a%ld");
    spawn(receiver, "b%ld");
    spawn(sender, V(7));
    spawn(sender, V(8));
    run_expect(0, "S7 S8 a7 b8");
    trace[0] = '\0';
    spawn(receiver, "a%ld");
    spawn(receiver, "b%ld");
    spawn(closer, NULL);
    run_expect(0, "close0 again-32 a-32 b-32");
    green_chan_destroy(chan);
    chan = NULL;
}

static void test_green_channel_close(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(consumer, V(2)); /* waits, is woken by close, tries again */
    spawn(consumer, V(1));
    spawn(closer, NULL);
    spawn(producer, V(1)); /* too late: the channel is closed */
    run_expect(0, "close0 again-32 s1 send-error-32 recv-error-32 "
                  "recv-error-32 recv-error-32");
    green_chan_destroy(chan);
}

/* Close wakes the waiting senders too, in the order they came (green.h). */
static void test_green_channel_close_wakes_senders(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(producer, V(1)); /* waits: nobody receives */
    spawn(producer, V(1)); /* waits behind it */
    spawn(closer, NULL);
    run_expect(0, "s1 s1 close0 again-32 send-error-32 send-error-32");
    green_chan_destroy(chan);
}

/*
 * The argument checks green.h documents. Outside a green thread: NULL fn,
 * out or channel, and sends and receives (-EPERM). Inside one: NULL
 * channel or value, and green_run, which must not start a scheduler
 * inside itself (-EPERM). The trace proves the thread ran.
 */
static void *misuser(void *arg)
{
    void *v;

    rec("run%ld", green_run());
    rec("send%ld", green_chan_send(NULL, V(1)));
    rec("recv%ld", green_chan_recv(NULL, &v));
    rec("recv%ld", green_chan_recv(arg, NULL));
    return NULL;
}

static void test_green_bad_arguments(void **state)
{
    struct green_chan *ch = NULL;
    void *v;

    (void)state;
    trace[0] = '\0';
    expect_rc("green_spawn(NULL, NULL, NULL)", green_spawn(NULL, NULL, NULL),
              -EINVAL);
    expect_rc("green_chan_create(NULL)", green_chan_create(NULL), -EINVAL);
    expect_rc("green_chan_close(NULL)", green_chan_close(NULL), -EINVAL);
    expect_rc("green_chan_create(&ch)", green_chan_create(&ch), 0);
    expect_rc("green_chan_send outside a green thread",
              green_chan_send(ch, V(1)), -EPERM);
    expect_rc("green_chan_recv outside a green thread", green_chan_recv(ch, &v),
              -EPERM);
    spawn(misuser, ch);
    run_expect(0, "run-1 send-22 recv-22 recv-22");
    green_chan_destroy(ch);
    green_chan_destroy(NULL); /* green.h: ignored */
}

/* Nobody will ever send: green_run must notice rather than hang. */
static void *stuck_join(void *arg)
{
    rec("j%ld", green_join(arg, NULL));
    return NULL;
}

static void test_green_deadlock_detected(void **state)
{
    struct green *r;

    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    r = spawn(consumer, V(1));
    spawn(stuck_join, r);
    run_expect(-EDEADLK, "");
    /* The scheduler is usable again afterwards. */
    spawn(loop3, "A%ld");
    run_expect(0, "A0 A1 A2");
    green_chan_destroy(chan);
    /* A sender alone, with nobody to receive, is stuck just the same. */
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(producer, V(1));
    run_expect(-EDEADLK, "s1");
    green_chan_destroy(chan);
    chan = NULL;
}

static void *recv_forever(void *arg)
{
    void *v;

    green_chan_recv(arg, &v); /* nobody ever sends */
    return NULL;
}

/* green.h: after -EDEADLK too, every thread's stack is freed before
 * green_run returns (each leaked stack is a mapping or two more). */
static void test_green_deadlock_frees_stacks(void **state)
{
    struct green_chan *ch;
    int before, after;

    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&ch), 0);
    before = lab05_count_maps();
    for (int i = 0; i < 200; i++)
        spawn(recv_forever, ch);
    run_expect(-EDEADLK, "");
    after = lab05_count_maps();
    green_chan_destroy(ch);
    if (after > before + 50)
        harness_fail("green_run returned -EDEADLK with 200 threads blocked "
                     "and left %d more mappings than before they were "
                     "spawned: free the stacks of blocked threads too",
                     after - before);
}

/* Three sleepers wake in deadline order while a fourth thread runs. */
static void *sleeper(void *arg)
{
    long ms = N(arg);
    uint64_t t0 = harness_now_ns();

    green_sleep_ms((unsigned)ms);
    if (harness_now_ns() - t0 < (uint64_t)ms * 1000000u)
        rec("woke-early-from-%ld", ms);
    rec("z%ld", ms);
    return NULL;
}

static void *yield5(void *arg)
{
    (void)arg;
    for (long i = 0; i < 5; i++) {
        rec("d%ld", i);
        green_yield();
    }
    return NULL;
}

static void test_green_sleep_order(void **state)
{
    long ms = harness_param_long("sleep_ms", 40);
    double spinner = lab05_spinner_share(), cpu0, cpu, wall, ready0, ready;
    uint64_t run_start;
    char want[128];

    (void)state;
    trace[0] = '\0';
    snprintf(want, sizeof(want), "d0 d1 d2 d3 d4 z%ld z%ld z%ld", ms, 2 * ms,
             3 * ms);
    spawn(sleeper, V(3 * ms));
    spawn(sleeper, V(ms));
    spawn(sleeper, V(2 * ms));
    spawn(yield5, NULL);
    run_start = harness_now_ns();
    cpu0 = harness_cpu_seconds();
    ready0 = lab05_runnable_seconds();
    run_expect(0, want);
    cpu = harness_cpu_seconds() - cpu0;
    ready = ready0 < 0 ? 0 : lab05_runnable_seconds() - ready0;
    wall = (double)(harness_now_ns() - run_start) / 1e9;
    if (wall < 3.0 * (double)ms / 1e3)
        harness_fail("green_run returned after %.1f ms, before the last "
                     "sleeper's %ld ms were up",
                     wall * 1e3, 3 * ms);
    /* On a loaded machine a spinning scheduler gets far less than a whole
     * CPU: compare with a spinner's share measured just before, and see
     * whether the thread was runnable (on a CPU or waiting for one) nearly
     * all along, which a thread that blocks is not. */
    if ((cpu > 0.02 * wall && cpu > 0.4 * spinner * wall) || ready > 0.9 * wall)
        harness_fail("the process used %.1f ms of CPU in %.1f ms while "
                     "every green thread slept, as much as a spinning "
                     "thread gets here (%.0f%%), or was runnable %.0f%% of "
                     "the time: when nothing can run, block until the "
                     "earliest deadline instead of spinning",
                     cpu * 1e3, wall * 1e3, 100 * spinner, 100 * ready / wall);
}

/*
 * Rule 5: due sleepers are looked for "before taking each head", not only
 * when the run queue is empty. One thread sleeps 20 ms while another keeps
 * yielding: the sleeper must run between two of its turns, soon after its
 * deadline, not once the yielder gives up (2 s later).
 */
static int napped; /* green threads only: one OS thread, no lock */

static void *napper(void *arg)
{
    green_sleep_ms((unsigned)N(arg));
    napped = 1;
    rec("nap%ld", N(arg));
    return NULL;
}

static void *yield_until_napped(void *arg)
{
    uint64_t t0 = harness_now_ns();

    (void)arg;
    while (!napped && harness_now_ns() - t0 < 2000000000u)
        green_yield();
    rec(napped ? "saw-nap%ld" : "gave-up-after-%ld-ms",
        (long)((harness_now_ns() - t0) / 1000000u));
    return NULL;
}

static void test_green_sleepers_woken_between_heads(void **state)
{
    (void)state;
    trace[0] = '\0';
    napped = 0;
    spawn(napper, V(20));
    spawn(yield_until_napped, NULL);
    assert_int_equal(green_run(), 0);
    if (strncmp(trace, "nap20 saw-nap", 13) != 0)
        harness_fail("a thread slept 20 ms while another kept yielding: "
                     "expected the sleeper to run between two of its turns "
                     "once its time was up (\"nap20 saw-nap...\"), got "
                     "\"%s\". Rule 5: look for due sleepers before taking "
                     "each head, not only when the run queue is empty",
                     trace);
}

/*
 * "One scheduler per OS thread; green threads never move between OS
 * threads." Two OS threads each spawn one green thread and run their own
 * green_run; the two green threads wait for each other (bounded: 2 s), so
 * both schedulers are busy at once, then check green_self(), their OS
 * thread and what green_yield returns. Recorded, asserted after the join.
 */
struct green_side {
    pthread_t os;
    struct green *handle;
    int spawn_rc, run_rc, yield_rc, met, self_before, self_after, same_os;
};

static atomic_int sides_in, sides_looked;

/* Spin until *count reaches 2 or the deadline passes; 1 if it did. */
static int wait_for_both(atomic_int *count, uint64_t deadline)
{
    while (atomic_load(count) < 2 && harness_now_ns() < deadline)
        sched_yield();
    return atomic_load(count) >= 2;
}

static void *side_body(void *arg)
{
    struct green_side *s = arg;
    uint64_t deadline = harness_now_ns() + 2000000000u;

    atomic_fetch_add(&sides_in, 1);
    s->met = wait_for_both(&sides_in, deadline);
    s->self_before = green_self() == s->handle;
    atomic_fetch_add(&sides_looked, 1);
    s->met &= wait_for_both(&sides_looked, deadline);
    s->yield_rc = green_yield();
    s->self_after = green_self() == s->handle;
    s->same_os = pthread_equal(pthread_self(), s->os);
    return NULL;
}

static void *side_thread(void *arg)
{
    struct green_side *s = arg;

    s->os = pthread_self();
    s->spawn_rc = green_spawn(&s->handle, side_body, s);
    s->run_rc = s->spawn_rc ? 0 : green_run();
    return NULL;
}

static void test_green_scheduler_per_thread(void **state)
{
    struct green_side s[2];
    pthread_t t[2];

    (void)state;
    atomic_store(&sides_in, 0);
    atomic_store(&sides_looked, 0);
    for (int i = 0; i < 2; i++) {
        s[i] = (struct green_side){.yield_rc = 1};
        xpthread_create(&t[i], NULL, side_thread, &s[i]);
    }
    for (int i = 0; i < 2; i++)
        xpthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (s[i].spawn_rc != 0 || s[i].run_rc != 0)
            harness_fail("OS thread %d: green_spawn returned %d and green_run "
                         "%d, expected 0 and 0: each OS thread has its own "
                         "scheduler",
                         i, s[i].spawn_rc, s[i].run_rc);
        if (!s[i].met)
            harness_fail("the green threads of two OS threads never ran at "
                         "the same time (2 s): does one OS thread run the "
                         "other's green threads? The scheduler's state "
                         "belongs in _Thread_local variables");
        if (!s[i].self_before || !s[i].self_after)
            harness_fail("OS thread %d: green_self() inside its green thread "
                         "was not that thread's handle (%s its yield) while "
                         "another OS thread ran its own: one scheduler per "
                         "OS thread (_Thread_local)",
                         i, s[i].self_before ? "after" : "before");
        if (!s[i].same_os)
            harness_fail("OS thread %d's green thread came back from "
                         "green_yield on another OS thread",
                         i);
        if (s[i].yield_rc != 0)
            harness_fail("green_yield returned %d once run again, expected 0",
                         s[i].yield_rc);
    }
}

/* Touch the stack n bytes deep, a page at a time downwards. */
static __attribute__((noinline)) long touch_stack(size_t n)
{
    volatile char buf[n];

    for (size_t i = n; i > 0; i -= i < 512 ? i : 512)
        buf[i - 1] = (char)i;
    buf[0] = 1;
    return buf[n - 1] + buf[0];
}

/* A thread's stack is GREEN_STACK_SIZE; its sleeps and yields return 0. */
static void *deep_sleeper(void *arg)
{
    long touched = touch_stack(GREEN_STACK_SIZE - 2048);

    (void)arg;
    rec("sleep%ld", green_sleep_ms(1));
    rec("yield%ld", green_yield());
    return V(touched);
}

static void test_green_stack_and_returns(void **state)
{
    (void)state;
    trace[0] = '\0';
    /* Said first: a smaller stack overflows into the guard page. */
    harness_symptom("small-stack",
                    "a green thread used %d of its GREEN_STACK_SIZE (%d) "
                    "bytes of stack",
                    GREEN_STACK_SIZE - 2048, GREEN_STACK_SIZE);
    spawn(deep_sleeper, NULL);
    expect_rc("green_run", green_run(), 0);
    if (strcmp(trace, "sleep0 yield0") != 0)
        harness_fail_symptom("nonzero-return",
                             "green_sleep_ms and green_yield should return 0 "
                             "once the thread runs again: expected "
                             "\"sleep0 yield0\", got \"%s\"",
                             trace);
}

/* green.h: closing from the scheduler's OS thread, before green_run. */
static void test_green_close_from_os_thread(void **state)
{
    (void)state;
    trace[0] = '\0';
    assert_int_equal(green_chan_create(&chan), 0);
    spawn(receiver, "a%ld");
    spawn(sender, V(5));
    expect_rc("green_chan_close from the OS thread, outside green threads",
              green_chan_close(chan), 0);
    expect_rc("green_chan_close again from the OS thread",
              green_chan_close(chan), -EPIPE);
    run_expect(0, "a-32 send-error-32");
    green_chan_destroy(chan);
    chan = NULL;
}

/*
 * -ENOMEM from green_spawn and green_chan_create, in a child whose address
 * space is capped 16 KiB above its use (no room for a stack), then whose
 * heap is used up (no room for a channel). A spawn that failed queues
 * nothing: green_run then has nothing to run.
 */
static void starved_calls(int fd)
{
    int rc[3] = {1, 1, 1};
    struct green_chan *ch = NULL;
    char line[256];
    unsigned long kib = 0;
    struct rlimit lim;
    FILE *f = fopen("/proc/self/status", "r");

    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmSize: %lu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib && getrlimit(RLIMIT_AS, &lim) == 0) {
        /* Below a hard limit already lower, if any: a cap all the same. */
        lim.rlim_cur = kib * 1024 + 16 * 1024;
        if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
            lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_AS, &lim) == 0) {
            rc[0] = green_spawn(NULL, loop3, "A%ld");
            /* Every size class, until none is left: the free lists too. */
            for (size_t sz = 1; sz <= 1024; sz += 8)
                while (malloc(sz))
                    ;
            rc[1] = green_chan_create(&ch);
            rc[2] = green_run();
        }
    }
    if (write(fd, rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        _exit(3);
    _exit(0);
}

static void test_green_out_of_memory(void **state)
{
    int fds[2], rc[3] = {1, 1, 1}, status;
    pid_t pid;

    (void)state;
    xpipe(fds);
    fflush(NULL);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        starved_calls(fds[1]);
    }
    close(fds[1]);
    if (read(fds[0], rc, sizeof(rc)) != (ssize_t)sizeof(rc))
        rc[0] = rc[1] = rc[2] = 1;
    close(fds[0]);
    xwaitpid(pid, &status, 0);
    if (rc[0] == 1 && rc[1] == 1 && rc[2] == 1)
        harness_fail(
            "the child that caps its memory and spawns reported "
            "nothing: it %s %d. Does green_spawn go on after "
            "coro_create failed, or green_chan_create use a NULL "
            "calloc?",
            WIFSIGNALED(status) ? "was killed by signal" : "exited with",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    expect_rc("green_spawn with no room for a stack", rc[0], -ENOMEM);
    expect_rc("green_chan_create with the heap used up", rc[1], -ENOMEM);
    expect_rc("green_run after a failed spawn (nothing to run)", rc[2], 0);
}

/*
 * -ENOMEM from green_spawn when coro_create fails, in a thread where every
 * mprotect to PROT_NONE fails (a seccomp filter: no guard page can be
 * made): the thread is not queued, green_run has nothing to run, and
 * memcheck sees nothing leaked. A coro_create that needs no such mprotect
 * may succeed: the thread must then run.
 */
struct spawn_guardless {
    int filter, rc_spawn, rc_run; /* written by the thread, read after join */
    long ran;
};

static void *count_run(void *arg)
{
    ++*(long *)arg;
    return NULL;
}

static void *spawn_without_guards(void *arg)
{
    struct spawn_guardless *r = arg;

    r->filter = lab05_no_guard_pages();
    if (r->filter != 0)
        return NULL;
    r->rc_spawn = green_spawn(NULL, count_run, &r->ran);
    r->rc_run = green_run();
    return NULL;
}

static void test_green_spawn_guard_fails(void **state)
{
    struct spawn_guardless r = {0};
    pthread_t t;

    (void)state;
    xpthread_create(&t, NULL, spawn_without_guards, &r);
    xpthread_join(t, NULL);
    if (r.filter != 0)
        harness_skip("no seccomp filter here: mprotect cannot be made to "
                     "fail");
    expect_rc("green_run after the spawn", r.rc_run, 0);
    if (r.rc_spawn == 0) {
        if (r.ran != 1)
            harness_fail("green_spawn returned 0 where no guard page can be "
                         "made, but its thread ran %ld times, not once",
                         r.ran);
        return;
    }
    expect_rc("green_spawn where coro_create cannot make a guard page",
              r.rc_spawn, -ENOMEM);
    if (r.ran != 0)
        harness_fail("green_spawn failed, yet its thread ran");
}

/* ---- Task 4: 10,000 green threads. */

static long started, finished;
static long rss_all_alive;

static void *tiny(void *arg)
{
    long n = N(arg);

    if (++started == n)
        rss_all_alive = lab05_rss_kib();
    green_yield();
    finished++;
    return NULL;
}

static void test_green_ten_thousand(void **state)
{
    long n = harness_param_long("threads", 10000);
    long per_kib = harness_param_long("max_kib_per_thread", 16);
    long rss0;

    (void)state;
    trace[0] = '\0';
    started = finished = 0;
    rss_all_alive = -1;
    rss0 = lab05_rss_kib();
    for (long i = 0; i < n; i++)
        spawn(tiny, V(n));
    run_expect(0, "");
    if (started != n || finished != n)
        harness_fail("%ld green threads: %ld started and %ld finished", n,
                     started, finished);
    if (rss_all_alive < 0 || rss_all_alive - rss0 > n * per_kib)
        harness_fail("with %ld green threads alive the process grew by %ld "
                     "KiB, more than %ld KiB a thread: are stacks touched "
                     "(memset, calloc'd) rather than mapped on demand?",
                     n, rss_all_alive - rss0, per_kib);
    harness_note("%ld green threads alive: %ld KiB resident, %.1f KiB each", n,
                 rss_all_alive - rss0,
                 (double)(rss_all_alive - rss0) / (double)n);
}

/* A chain: each thread spawns the next and finishes. */
static long chain_len, chain_maps_mid;

static void *link_body(void *arg)
{
    long i = N(arg);

    if (i == chain_len / 2)
        chain_maps_mid = lab05_count_maps();
    if (i < chain_len)
        spawn(link_body, V(i + 1));
    return NULL;
}

static void test_green_finished_stacks_freed_at_once(void **state)
{
    int before;

    (void)state;
    trace[0] = '\0';
    chain_len = harness_param_long("threads", 10000);
    chain_maps_mid = -1;
    spawn(link_body, V(1));
    before = lab05_count_maps();
    run_expect(0, "");
    if (chain_maps_mid < 0 || chain_maps_mid > before + 16)
        harness_fail("halfway through a chain of %ld threads (each spawns "
                     "the next and finishes) the process had %ld mappings, "
                     "%d at the start: free a finished thread's stack as "
                     "soon as it finishes, not when green_run ends",
                     chain_len, chain_maps_mid, before);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_green_yield_round_robin),
    cmocka_unit_test(test_green_spawn_from_thread),
    cmocka_unit_test(test_green_join_order),
    cmocka_unit_test(test_green_channel_rendezvous),
    cmocka_unit_test(test_green_channel_close),
    cmocka_unit_test(test_green_channel_close_wakes_senders),
    cmocka_unit_test(test_green_waiters_served_in_order),
    cmocka_unit_test(test_green_bad_arguments),
    cmocka_unit_test(test_green_deadlock_detected),
    cmocka_unit_test(test_green_deadlock_frees_stacks),
    cmocka_unit_test(test_green_sleep_order),
    cmocka_unit_test(test_green_sleepers_woken_between_heads),
    cmocka_unit_test(test_green_scheduler_per_thread),
    cmocka_unit_test(test_green_stack_and_returns),
    cmocka_unit_test(test_green_close_from_os_thread),
    cmocka_unit_test(test_green_out_of_memory),
    cmocka_unit_test(test_green_spawn_guard_fails),
    cmocka_unit_test(test_green_ten_thousand),
    cmocka_unit_test(test_green_finished_stacks_freed_at_once),
};

HARNESS_MAIN(tests)
