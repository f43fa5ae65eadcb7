/* SPDX-License-Identifier: MIT */
/* Lab 06, task 3: tasks awaiting the loop, and the echo server written as
 * straight-line code on them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "harness.h"
#include "async.h"
#include "serve.h"

static struct loop *new_loop(void)
{
    struct loop *loop = NULL;
    int rc = loop_create(&loop);

    if (rc < 0 || !loop)
        harness_fail("loop_create returned %d (%s)", rc, strerror(-rc));
    return loop;
}

static void expect_run_ok(struct loop *loop)
{
    int rc = loop_run(loop);

    if (rc != 0)
        harness_fail("loop_run returned %d (%s)", rc, strerror(-rc));
}

struct sleeper {
    uint64_t ms;
    int rc;
    uint64_t start, end; /* loop_now_ns() around the await */
    char *log;           /* shared by the sleepers: one task runs at a time */
};

static void sleeper_task(void *arg)
{
    struct sleeper *s = arg;
    char me[8];

    s->start = loop_now_ns();
    s->rc = await_sleep(s->ms);
    s->end = loop_now_ns();
    snprintf(me, sizeof(me), "%llu ", (unsigned long long)s->ms);
    strcat(s->log, me);
}

/*
 * Three tasks sleep 30, 10 and 20 ms: each sleeps at least its time, all
 * three sleep at the same time (every one has started before the first
 * wakes), and they wake in the order of their deadlines, start + ms. Each
 * task starts its own sleep when it first runs, and under Valgrind a first
 * run translates code for milliseconds: a warm-up round goes first, and
 * the order expected is computed from the starts measured, not assumed to
 * be "10 20 30" (deadlines less than 5 ms apart may wake either way: the
 * sleep begins a little after the start measured).
 */
static void test_async_sleepers_interleave(void **state)
{
    struct loop *loop = new_loop();
    char log[64] = "", want[64] = "";
    struct sleeper s[3] = {{.ms = 30, .rc = -1, .log = log},
                           {.ms = 10, .rc = -1, .log = log},
                           {.ms = 20, .rc = -1, .log = log}};
    int rc, order[3] = {0, 1, 2};
    uint64_t last_start = 0, first_end = UINT64_MAX;

    (void)state;
    rc = await_sleep(1);
    if (rc != -EPERM)
        harness_fail("await_sleep outside a task: expected -EPERM, got %d", rc);
    for (int i = 0; i < 3; i++) {
        rc = async_spawn(loop, sleeper_task, &s[i]);
        if (rc < 0)
            harness_fail("async_spawn returned %d (%s)", rc, strerror(-rc));
    }
    if (log[0])
        harness_fail("a task ran inside async_spawn; it must first run from "
                     "the loop");
    assert_int_equal(async_live_tasks(), 3);
    expect_run_ok(loop);        /* returns when every task is over */
    for (int i = 0; i < 3; i++) /* the warm-up round */
        assert_int_equal(s[i].rc, 0);
    log[0] = '\0';
    for (int i = 0; i < 3; i++) {
        s[i].rc = -1;
        rc = async_spawn(loop, sleeper_task, &s[i]);
        if (rc < 0)
            harness_fail("async_spawn returned %d (%s)", rc, strerror(-rc));
    }
    expect_run_ok(loop);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s[i].rc, 0);
        if (s[i].end - s[i].start < s[i].ms * 1000000u)
            harness_fail("await_sleep(%llu) returned after %.1f ms: it must "
                         "sleep at least that long",
                         (unsigned long long)s[i].ms,
                         (double)(s[i].end - s[i].start) / 1e6);
        last_start = s[i].start > last_start ? s[i].start : last_start;
        first_end = s[i].end < first_end ? s[i].end : first_end;
    }
    if (last_start >= first_end)
        harness_fail_symptom("sleep-blocks-loop",
                             "a sleeper woke up %.1f ms before the last of "
                             "the others had started: await_sleep must "
                             "suspend only the task, and let the loop run "
                             "the other tasks meanwhile (woke in the order "
                             "\"%s\")",
                             (double)(last_start - first_end) / 1e6, log);
    /* The order of the deadlines, start + ms. */
    for (int i = 1; i < 3; i++)
        for (int j = i;
             j > 0 && s[order[j]].start + s[order[j]].ms * 1000000u <
                          s[order[j - 1]].start + s[order[j - 1]].ms * 1000000u;
             j--) {
            int t = order[j];

            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < 3; i++)
        snprintf(want + strlen(want), sizeof(want) - strlen(want), "%llu ",
                 (unsigned long long)s[order[i]].ms);
    if (strcmp(log, want) != 0) {
        int close_call = 0;

        for (int i = 0; i + 1 < 3; i++)
            close_call |= s[order[i + 1]].start +
                              s[order[i + 1]].ms * 1000000u -
                              (s[order[i]].start + s[order[i]].ms * 1000000u) <
                          5000000u;
        if (!close_call)
            harness_fail("the sleepers woke in the order \"%s\", expected "
                         "\"%s\": the order of their deadlines (when each "
                         "started, plus its sleep)",
                         log, want);
    }
    assert_int_equal(async_live_tasks(), 0);
    loop_destroy(loop);
}

struct piper {
    int p[2];
    char got[16];
    int rc_read, rc_write;
    size_t wrote;
};

static void reader_task(void *arg)
{
    struct piper *pp = arg;
    ssize_t n;

    while ((n = read(pp->p[0], pp->got, sizeof(pp->got) - 1)) < 0 &&
           errno == EAGAIN)
        if ((pp->rc_read = await_readable(pp->p[0])) < 0)
            return;
    if (n > 0)
        pp->got[n] = '\0';
}

static void late_writer_cb(struct loop *loop, long id, void *arg)
{
    struct piper *pp = arg;

    (void)loop;
    (void)id;
    if (write(pp->p[1], "hello", 5) != 5)
        pp->rc_read = -1000;
}

/* A task awaits a pipe that a timer fills 10 ms later. */
static void test_async_await_readable(void **state)
{
    struct loop *loop = new_loop();
    struct piper pp = {0};

    (void)state;
    xpipe(pp.p);
    fcntl(pp.p[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(async_spawn(loop, reader_task, &pp), 0);
    loop_timer_add(loop, 10, 0, late_writer_cb, &pp, "late writer");
    expect_run_ok(loop);
    assert_int_equal(pp.rc_read, 0);
    assert_string_equal(pp.got, "hello");
    assert_int_equal(async_live_tasks(), 0);
    xclose(pp.p[0]);
    xclose(pp.p[1]);
    loop_destroy(loop);
}

static void writer_task(void *arg)
{
    struct piper *pp = arg;

    while (write(pp->p[1], "w", 1) < 0 && errno == EAGAIN)
        if ((pp->rc_write = await_writable(pp->p[1])) < 0)
            return;
    pp->wrote = 1;
}

static void drain_cb(struct loop *loop, long id, void *arg)
{
    struct piper *pp = arg;
    char buf[4096];

    (void)loop;
    (void)id;
    for (int i = 0; i < 16; i++)
        if (read(pp->p[0], buf, sizeof(buf)) <= 0)
            break;
}

/* A task awaits room in a full pipe that a timer drains 10 ms later. */
static void test_async_await_writable(void **state)
{
    struct loop *loop = new_loop();
    struct piper pp = {0};
    char buf[4096] = {0};

    (void)state;
    xpipe(pp.p);
    fcntl(pp.p[1], F_SETFL, O_NONBLOCK);
    while (write(pp.p[1], buf, sizeof(buf)) > 0)
        ;
    assert_int_equal(async_spawn(loop, writer_task, &pp), 0);
    loop_timer_add(loop, 10, 0, drain_cb, &pp, "drain");
    expect_run_ok(loop);
    assert_int_equal(pp.rc_write, 0);
    if (!pp.wrote)
        harness_fail("the task did not write after the pipe was drained");
    xclose(pp.p[0]);
    xclose(pp.p[1]);
    loop_destroy(loop);
}

struct ready {
    int p[2];
    int rc_read, rc_write;
};

static void ready_task(void *arg)
{
    struct ready *r = arg;

    r->rc_read = await_readable(r->p[0]);
    r->rc_write = await_writable(r->p[1]);
}

/* Awaiting outside a task is -EPERM (async.h): there is no task to
 * suspend, and blocking the thread would stall the loop. Inside a task the
 * same calls work: a pipe holding a byte is readable and writable at once. */
static void test_async_await_outside_task(void **state)
{
    struct loop *loop = new_loop();
    struct ready r = {.rc_read = -1, .rc_write = -1};
    int rc;

    (void)state;
    xpipe(r.p);
    if (write(r.p[1], "x", 1) != 1)
        harness_fail("cannot write to the test's pipe");
    rc = await_readable(r.p[0]);
    if (rc != -EPERM)
        harness_fail("await_readable outside a task: expected -EPERM, got "
                     "%d",
                     rc);
    rc = await_writable(r.p[1]);
    if (rc != -EPERM)
        harness_fail("await_writable outside a task: expected -EPERM, got "
                     "%d",
                     rc);
    assert_int_equal(async_spawn(loop, ready_task, &r), 0);
    expect_run_ok(loop);
    if (r.rc_read != 0 || r.rc_write != 0)
        harness_fail("inside a task, on a pipe holding a byte: "
                     "await_readable returned %d and await_writable %d, "
                     "expected 0 and 0",
                     r.rc_read, r.rc_write);
    assert_int_equal(async_live_tasks(), 0);
    xclose(r.p[0]);
    xclose(r.p[1]);
    loop_destroy(loop);
}

/* ---- spawning from a task; an fd the loop refuses ------------------- */

struct spawn_log {
    struct loop *loop;
    int iter;                    /* runs of the counter: loop iterations */
    int parent_iter, child_iter; /* iter when each task first ran; -1: not */
    int rc;                      /* the parent's async_spawn */
    int child_before_return;     /* the child ran inside async_spawn */
    long live_in_parent;         /* async_live_tasks() after the spawn */
};

static void iter_count_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct spawn_log *log = arg;

    (void)events;
    if (++log->iter > 100000 || (log->parent_iter >= 0 && log->child_iter >= 0))
        loop_unwatch(loop, fd);
}

static void child_task(void *arg)
{
    struct spawn_log *log = arg;

    log->child_iter = log->iter;
}

static void parent_task(void *arg)
{
    struct spawn_log *log = arg;

    log->parent_iter = log->iter;
    log->rc = async_spawn(log->loop, child_task, log);
    log->child_before_return = log->child_iter >= 0;
    log->live_in_parent = async_live_tasks();
}

/*
 * A task spawns another: 0, the child is live but not run inside
 * async_spawn, and each task first runs within an iteration or so of its
 * spawn (a pipe that stays readable counts the iterations), not after a
 * timer's delay.
 */
static void test_async_spawn_from_task(void **state)
{
    struct loop *loop = new_loop();
    struct spawn_log log = {
        .loop = loop, .parent_iter = -1, .child_iter = -1, .rc = -1};
    int p[2];

    (void)state;
    xpipe(p);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(loop_watch(loop, p[0], LOOP_READABLE, iter_count_cb, &log,
                                "iterations"),
                     0);
    assert_int_equal(async_spawn(loop, parent_task, &log), 0);
    expect_run_ok(loop);
    if (log.parent_iter < 0 || log.rc != 0 || log.child_iter < 0)
        harness_fail("a task spawned from main %s; the task it spawned: "
                     "async_spawn returned %d (%s), %s",
                     log.parent_iter < 0 ? "never ran" : "ran", log.rc,
                     strerror(-log.rc),
                     log.child_iter < 0 ? "never ran" : "ran");
    if (log.child_before_return)
        harness_fail("the child task ran inside async_spawn: it must first "
                     "run from the loop");
    if (log.live_in_parent != 2)
        harness_fail("after a task spawned another, async_live_tasks() "
                     "said %ld; expected 2",
                     log.live_in_parent);
    if (log.parent_iter > 2 || log.child_iter - log.parent_iter > 2)
        harness_fail("tasks first ran %d and %d loop iterations after their "
                     "spawns (a readable pipe counted them): a task first "
                     "runs within the loop's next iteration",
                     log.parent_iter, log.child_iter - log.parent_iter);
    assert_int_equal(async_live_tasks(), 0);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

static void stop_cb(struct loop *loop, long id, void *arg)
{
    (void)id;
    *(int *)arg = 1;
    loop_stop(loop);
}

struct refused {
    int fd;
    int rc_read, rc_write, returned;
    long guard;
    struct loop *loop;
};

static void refused_task(void *arg)
{
    struct refused *r = arg;

    r->rc_read = await_readable(r->fd);
    r->rc_write = await_writable(r->fd);
    r->returned = 1;
    loop_timer_cancel(r->loop, r->guard);
}

static void noop_io_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    (void)arg;
}

/* Awaiting an fd that loop_watch refuses (a closed one) returns
 * loop_watch's error at once; the task is not left suspended forever. */
static void test_async_await_refused_fd(void **state)
{
    struct loop *loop = new_loop();
    struct refused r = {.rc_read = 1, .rc_write = 1, .loop = loop};
    int p[2], guard = 0, want;

    (void)state;
    xpipe(p);
    r.fd = p[0];
    xclose(p[0]); /* a number no file holds: nothing opens one meanwhile */
    want = loop_watch(loop, r.fd, LOOP_READABLE, noop_io_cb, NULL, "closed");
    if (want >= 0)
        harness_fail("setup: loop_watch accepted a closed fd (%d)", want);
    r.guard = loop_timer_add(loop, 2000, 0, stop_cb, &guard, "guard");
    assert_true(r.guard > 0);
    assert_int_equal(async_spawn(loop, refused_task, &r), 0);
    expect_run_ok(loop);
    if (!r.returned)
        harness_fail("a task awaited a closed fd, which loop_watch refuses "
                     "with %d (%s), and never got an answer: return "
                     "loop_watch's error instead of suspending",
                     want, strerror(-want));
    if (r.rc_read != want || r.rc_write != want)
        harness_fail("await_readable and await_writable on a closed fd "
                     "returned %d and %d; loop_watch's error is %d (%s)",
                     r.rc_read, r.rc_write, want, strerror(-want));
    assert_int_equal(async_live_tasks(), 0);
    xclose(p[1]);
    loop_destroy(loop);
}

/* How many mappings the process has: a task's stack is one or two. */
static int count_maps(void)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        n += strchr(line, '\n') != NULL;
    fclose(f);
    return n;
}

static void quick_task(void *arg)
{
    ++*(int *)arg;
}

/* async.h: when a task's body returns, the task is over and its stack
 * freed (200 finished tasks must not keep 200 stacks). */
static void test_async_finished_tasks_freed(void **state)
{
    struct loop *loop = new_loop();
    int ran = 0, before, after;

    (void)state;
    before = count_maps();
    for (int i = 0; i < 200; i++)
        assert_int_equal(async_spawn(loop, quick_task, &ran), 0);
    assert_int_equal(loop_run(loop), 0);
    after = count_maps();
    assert_int_equal(ran, 200);
    assert_int_equal(async_live_tasks(), 0);
    if (after > before + 50)
        harness_fail("200 tasks ran to the end and the process has %d more "
                     "mappings than before: free a task's stack when its "
                     "body returns",
                     after - before);
    loop_destroy(loop);
}

/* Bytes of address space mapped now (/proc/self/statm), 0 if unknown. */
static unsigned long long mapped_now(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (!f)
        return 0;
    if (fscanf(f, "%llu", &pages) != 1)
        pages = 0;
    fclose(f);
    return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/*
 * Room for small allocations (malloc's free chunks) but not for a 256 KiB
 * stack: the address space is capped 64 KiB above what is mapped. A spawn
 * then fails with a negative errno and counts nothing, or (a design that
 * needs no new mapping) succeeds and its task runs.
 */
static void spawn_without_stack_room(struct loop *loop)
{
    struct rlimit saved, low;
    unsigned long long now;
    int ran = 0, rc;
    long live;

    if (harness_under_valgrind() || getrlimit(RLIMIT_AS, &saved) != 0)
        return;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
    return; /* their shadow memory needs the address space */
#endif
    /* Warm the loop's timer heap and malloc's caches first. */
    assert_int_equal(async_spawn(loop, quick_task, &ran), 0);
    expect_run_ok(loop);
    ran = 0;
    now = mapped_now();
    if (now == 0)
        return;
    low = saved;
    low.rlim_cur = (rlim_t)(now + 64 * 1024);
    if (setrlimit(RLIMIT_AS, &low) != 0)
        return;
    rc = async_spawn(loop, quick_task, &ran);
    live = async_live_tasks();
    setrlimit(RLIMIT_AS, &saved);
    if (rc < 0 && live != 0)
        harness_fail("async_spawn failed with %d (%s) for want of room for a "
                     "stack, and async_live_tasks() says %ld: a task that "
                     "was never made is counted",
                     rc, strerror(-rc), live);
    if (rc > 0)
        harness_fail("async_spawn returned %d", rc);
    expect_run_ok(loop);
    if (ran != (rc == 0))
        harness_fail("async_spawn returned %d with no room for a stack, and "
                     "its task ran %d times",
                     rc, ran);
    harness_note("async_spawn with no room for a stack: %d (%s)", rc,
                 rc ? strerror(-rc) : "a stack found all the same");
}

/*
 * async_spawn while every allocation fails (harness_oom_begin; skipped
 * under Valgrind and the sanitizers): a negative errno, no task counted,
 * nothing run; and spawning works again once memory is back.
 */
static void test_async_spawn_out_of_memory(void **state)
{
    struct loop *loop = new_loop();
    int ran = 0, rc;
    long live;

    (void)state;
    if (harness_oom_begin() != 0) {
        harness_note("out-of-memory checks skipped here (Valgrind or a "
                     "sanitizer)");
        loop_destroy(loop);
        return;
    }
    rc = async_spawn(loop, quick_task, &ran);
    live = async_live_tasks();
    harness_oom_end();
    if (rc > 0 || (rc < 0 && live != 0))
        harness_fail("async_spawn with no memory left: returned %d (expected "
                     "a negative errno, -ENOMEM), async_live_tasks() %ld "
                     "(expected 0)",
                     rc, live);
    expect_run_ok(loop);
    if (ran != (rc == 0))
        harness_fail("async_spawn returned %d with no memory left, and its "
                     "task ran %d times",
                     rc, ran);
    ran = 0;
    assert_int_equal(async_spawn(loop, quick_task, &ran), 0);
    expect_run_ok(loop);
    assert_int_equal(ran, 1);
    assert_int_equal(async_live_tasks(), 0);
    spawn_without_stack_room(loop);
    loop_destroy(loop);
}

/*
 * await_sleep when the loop refuses its timer: every allocation fails
 * (harness_oom_begin) and the task first adds hour-long timers until
 * loop_timer_add says -ENOMEM (the loop's heap is full), then sleeps.
 * await_sleep must return that error, or sleep and return 0 (a design that
 * needs no memory for it); never leave the task suspended with no timer
 * to wake it (a 2 s guard stops the loop then).
 */
#define SLEEP_FILLERS 4096

struct refused_sleep {
    struct loop *loop;
    long guard, refused, filler[SLEEP_FILLERS];
    int nfill, oom, rc, returned;
};

static void filler_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    (void)arg;
}

/*
 * async_spawn when the loop refuses its task's timer: the loop holds 80,000
 * timers an hour or so away (made while memory was plentiful, each due
 * before the one made before it, so that a sorted list takes them at its
 * head); then every allocation fails (harness_oom_begin) but for 4 MiB of
 * address space given back, room for a task and its stack but not for
 * the timers' storage to double; the test adds timers until
 * loop_timer_add says -ENOMEM, and spawns twice. Each spawn returns a
 * negative errno, and the second leaves the address space as it found it:
 * a task that could not be started frees its coroutine, stack and all
 * (the first may grow the heap). A design that needs no timer to start a
 * task may return 0: not judged.
 */
#define REFUSED_FILL 80000
#define REFUSED_ROOM ((size_t)4 << 20)

/* The address space in KiB, read without malloc (memory is short). */
static long vm_kib(void)
{
    char buf[64] = {0};
    int fd = open("/proc/self/statm", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (fd >= 0)
        close(fd);
    return n <= 0 ? -1 : atol(buf) * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_async_spawn_refused_timer(void **state)
{
    struct loop *loop = new_loop();
    long refused = 0, grew = 0, vm;
    int ran = 0, rc[2] = {1, 1}, oom;
    void *room;

    (void)state;
    for (int i = 0; i < REFUSED_FILL; i++)
        if (loop_timer_add(loop, 3600000 - (uint64_t)i, 0, filler_cb, NULL,
                           "filler") <= 0)
            harness_fail("loop_timer_add failed with memory to spare");
    room =
        mmap(NULL, REFUSED_ROOM, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (room == MAP_FAILED)
        harness_fail("setup: mmap of the room failed");
    oom = harness_oom_begin();
    munmap(room, REFUSED_ROOM);
    if (oom == 0) {
        for (uint64_t ms = 3600000 - REFUSED_FILL;
             (refused =
                  loop_timer_add(loop, ms, 0, filler_cb, NULL, "filler")) > 0;
             ms--)
            ;
        rc[0] = async_spawn(loop, quick_task, &ran);
        vm = vm_kib();
        rc[1] = async_spawn(loop, quick_task, &ran);
        grew = vm_kib() - vm;
        harness_oom_end();
    }
    if (oom != 0) {
        harness_note("out-of-memory checks skipped here (Valgrind or a "
                     "sanitizer)");
    } else if (refused != -ENOMEM) {
        harness_note("no -ENOMEM from loop_timer_add (%ld): the loop's "
                     "refusal was not reached",
                     refused);
    } else if (rc[0] == 0 || rc[1] == 0) {
        harness_note("async_spawn returned %d and %d while loop_timer_add "
                     "refused every timer: a design that needs none",
                     rc[0], rc[1]);
        return; /* its tasks are queued on a loop of hour-long timers */
    } else if (rc[0] > 0 || rc[1] > 0) {
        harness_fail("async_spawn returned %d and %d when the loop "
                     "refused its timer: expected a negative errno",
                     rc[0], rc[1]);
    } else if (grew >= 64) {
        harness_fail("async_spawn returned %d when the loop refused its "
                     "task's timer, and the address space grew by %ld KiB: "
                     "destroy the task's coroutine (its stack) and free "
                     "the task before returning",
                     rc[1], grew);
    }
    if (async_live_tasks() != 0 || ran != 0)
        harness_fail("two spawns failed, yet async_live_tasks() is %ld and "
                     "%d tasks ran",
                     async_live_tasks(), ran);
    loop_destroy(loop);
}

static void refused_sleep_task(void *arg)
{
    struct refused_sleep *r = arg;
    long id = 0;

    r->oom = harness_oom_begin();
    if (r->oom == 0) {
        while (r->nfill < SLEEP_FILLERS &&
               (id = loop_timer_add(r->loop, 3600000, 0, filler_cb, NULL,
                                    "filler")) > 0)
            r->filler[r->nfill++] = id;
        r->refused = id;
        r->rc = await_sleep(1);
        harness_oom_end();
        r->returned = 1;
    }
    for (int i = 0; i < r->nfill; i++)
        loop_timer_cancel(r->loop, r->filler[i]);
    loop_timer_cancel(r->loop, r->guard);
}

static void test_async_sleep_refused_timer(void **state)
{
    struct loop *loop = new_loop();
    struct refused_sleep *r = calloc(1, sizeof(*r));
    int guard = 0;

    (void)state;
    if (!r)
        harness_fail("setup: out of memory");
    r->loop = loop;
    r->rc = 1;
    r->guard = loop_timer_add(loop, 2000, 0, stop_cb, &guard, "guard");
    assert_true(r->guard > 0);
    assert_int_equal(async_spawn(loop, refused_sleep_task, r), 0);
    expect_run_ok(loop);
    harness_oom_end(); /* if the task never came back to end it */
    if (r->oom != 0) {
        harness_note("out-of-memory checks skipped here (Valgrind or a "
                     "sanitizer)");
    } else if (r->refused != -ENOMEM) {
        harness_note("%d timers added with no memory left, and no "
                     "-ENOMEM (%ld): the loop's refusal was not reached",
                     r->nfill, r->refused);
    } else if (!r->returned) {
        harness_fail("a task called await_sleep while loop_timer_add "
                     "refused every timer (-ENOMEM), and never got an "
                     "answer: return loop_timer_add's error instead of "
                     "suspending with nothing to wake the task");
    } else if (r->rc != 0 && r->rc != -ENOMEM) {
        harness_fail("await_sleep while loop_timer_add refused every timer "
                     "with -ENOMEM returned %d: expected loop_timer_add's "
                     "error (or 0 after sleeping)",
                     r->rc);
    }
    if (r->oom == 0 && r->refused == -ENOMEM)
        harness_note("await_sleep with the loop's timers refused: %d", r->rc);
    assert_int_equal(async_live_tasks(), 0);
    free(r);
    loop_destroy(loop);
}

/* ---- tasks are counted per thread --------------------------------- */

struct other_loop {
    int ready[2], go[2]; /* other thread -> main; main -> other thread */
    long live_spawned;   /* its async_live_tasks() after three spawns */
    long live_after;     /* and after its loop ran them */
    int ran, rc;
};

static void *other_loop_thread(void *arg)
{
    struct other_loop *o = arg;
    struct loop *loop = NULL;
    char c = 'r';

    o->rc = loop_create(&loop);
    for (int i = 0; i < 3 && o->rc == 0; i++)
        o->rc = async_spawn(loop, quick_task, &o->ran);
    o->live_spawned = async_live_tasks();
    if (write(o->ready[1], &c, 1) != 1 || read(o->go[0], &c, 1) != 1)
        o->rc = -EIO;
    if (loop && o->rc == 0)
        o->rc = loop_run(loop);
    o->live_after = async_live_tasks();
    loop_destroy(loop);
    return NULL;
}

/*
 * async_live_tasks counts the tasks spawned on the calling thread: two on
 * main's loop and three on another thread's, all live at once, are 2 and 3,
 * not 5 (a counter shared by all threads).
 */
static void test_async_live_tasks_per_thread(void **state)
{
    struct loop *loop = new_loop();
    struct other_loop o = {.rc = -1};
    long live_main;
    int ran = 0;
    pthread_t t;
    char c;

    (void)state;
    xpipe(o.ready);
    xpipe(o.go);
    for (int i = 0; i < 2; i++)
        assert_int_equal(async_spawn(loop, quick_task, &ran), 0);
    xpthread_create(&t, NULL, other_loop_thread, &o);
    if (read(o.ready[0], &c, 1) != 1)
        harness_fail("the other thread did not get ready");
    live_main = async_live_tasks(); /* its three are live now */
    if (write(o.go[1], "g", 1) != 1)
        harness_fail("cannot write to the test's pipe");
    xpthread_join(t, NULL);
    expect_run_ok(loop);
    if (o.rc != 0)
        harness_fail("on another thread: loop_create, async_spawn or "
                     "loop_run returned %d (%s)",
                     o.rc, strerror(-o.rc));
    if (live_main != 2 || o.live_spawned != 3)
        harness_fail("two tasks spawned on this thread, three on another, "
                     "none run yet: async_live_tasks() said %ld here and "
                     "%ld there; expected 2 and 3 (tasks of this thread)",
                     live_main, o.live_spawned);
    if (o.ran != 3 || o.live_after != 0 || ran != 2 || async_live_tasks() != 0)
        harness_fail("after both loops ran: %d and %d tasks ran (expected 2 "
                     "and 3), async_live_tasks() says %ld here and said %ld "
                     "there (expected 0 and 0)",
                     ran, o.ran, async_live_tasks(), o.live_after);
    xclose(o.ready[0]);
    xclose(o.ready[1]);
    xclose(o.go[0]);
    xclose(o.go[1]);
    loop_destroy(loop);
}

/* ---- the straight-line echo server -------------------------------- */

struct fixture {
    struct loop *loop;
    int lfd, port;
};

static void setup_sndbuf(struct fixture *f, int sndbuf)
{
    int rc;

    f->lfd = listen_loopback_sndbuf(&f->port, sndbuf);
    f->loop = new_loop();
    rc = echo_async_start(f->loop, f->lfd);
    if (rc < 0)
        harness_fail("echo_async_start returned %d (%s)", rc, strerror(-rc));
}

static void setup(struct fixture *f)
{
    setup_sndbuf(f, 0);
}

static long live_tasks(void *arg)
{
    (void)arg;
    return async_live_tasks();
}

/* Once every client has left, every task has returned: none is leaked. */
static void teardown(struct fixture *f)
{
    run_until_closed(f->loop, live_tasks, NULL);
    echo_async_stop(f->loop, f->lfd);
    expect_not_accepting(f->loop, f->lfd, f->port, "echo_async_stop");
    loop_destroy(f->loop);
    xclose(f->lfd);
}

static void serve_and_check(struct fixture *f, struct clients_spec *s,
                            const char *what)
{
    struct clients_result res;

    s->port = f->port;
    res = run_clients(f->loop, s);
    expect_served(&res, s, what);
}

static void test_async_echo_1mib_messages(void **state)
{
    struct clients_spec s = {.nclients = (int)harness_param_long("clients", 4),
                             .msg_len = 1 << 20,
                             .rounds = 2,
                             .rcvbuf = 4096};
    struct harness_snapshot snap = harness_snapshot();
    struct fixture f;

    (void)state;
    setup_sndbuf(&f, 16384); /* short sends, for sure */
    serve_and_check(&f, &s, "1 MiB messages (async)");
    teardown(&f);
    harness_assert_no_leaks(snap);
}

static void test_async_echo_trickling_clients(void **state)
{
    struct clients_spec s = {.nclients =
                                 (int)harness_param_long("clients", 100),
                             .msg_len = 3000,
                             .rounds = 2,
                             .pieces = 10,
                             .gap_ms = 2};
    struct fixture f;

    (void)state;
    setup(&f);
    serve_and_check(&f, &s, "trickling clients (async)");
    teardown(&f);
}

static void test_async_echo_vanishing_clients(void **state)
{
    struct clients_spec s = {.nclients = (int)harness_param_long("clients", 40),
                             .msg_len = 256 * 1024,
                             .rounds = 1,
                             .vanish = 1};
    struct harness_snapshot snap = harness_snapshot();
    struct fixture f;

    (void)state;
    setup(&f);
    serve_and_check(&f, &s, "vanishing clients (async)");
    teardown(&f);
    harness_assert_no_leaks(snap);
}

/*
 * echo_async_stop while a client is connected: it has had one echo, the
 * server is told to stop (from a callback, as a real program would), and
 * its second message must still come back, then its close be answered.
 * Meanwhile a task serves it: async_live_tasks() counts at least one.
 */
struct stop_midway {
    int lfd;
    int ask[2], told[2]; /* peer -> loop: "stop now"; loop -> peer: "done" */
    int stopped;         /* the peer's: the server has been stopped */
    long live;           /* async_live_tasks() with the client connected */
};

static void stop_midway_cb(struct loop *loop, int fd, unsigned events,
                           void *arg)
{
    struct stop_midway *m = arg;
    char c;

    (void)events;
    if (read(fd, &c, 1) != 1)
        return;
    loop_unwatch(loop, fd);
    m->live = async_live_tasks();
    echo_async_stop(loop, m->lfd);
    if (write(m->told[1], "s", 1) != 1)
        return;
}

static void stop_midway_peer(struct peer *p)
{
    struct stop_midway *m = p->arg;
    char c;

    if (peer_send(p, 1000, 5000) < 0 || peer_read_echo(p, 0) < 0)
        return;
    if (write(m->ask[1], "s", 1) != 1 ||
        peer_wait(m->told[0], POLLIN, 5000) < 0 ||
        read(m->told[0], &c, 1) != 1) {
        peer_fail(p, "the loop did not run the callback that stops the server");
        return;
    }
    m->stopped = 1;
    if (peer_send(p, 3000, 5000) < 0 || peer_read_echo(p, 0) < 0)
        return;
    shutdown(p->fd, SHUT_WR);
    peer_read_echo(p, 1);
}

static void test_async_echo_stop_serves_accepted(void **state)
{
    struct stop_midway m = {0};
    struct peer p = {.fn = stop_midway_peer, .arg = &m};
    struct fixture f;

    (void)state;
    setup(&f);
    m.lfd = f.lfd;
    xpipe(m.ask);
    xpipe(m.told);
    assert_int_equal(loop_watch(f.loop, m.ask[0], LOOP_READABLE, stop_midway_cb,
                                &m, "stop_midway"),
                     0);
    p.port = f.port;
    run_peer(f.loop, &p);
    if (p.err[0])
        harness_fail("a client connected before echo_async_stop, %s: %s; "
                     "connections already accepted are served until their "
                     "clients close",
                     m.stopped ? "after the stop" : "before the stop", p.err);
    if (m.live < 1)
        harness_fail("while a client was connected (and had had an echo), "
                     "async_live_tasks() said %ld: each connection is "
                     "served by a task of its own (async_spawn)",
                     m.live);
    run_until_closed(f.loop, live_tasks, NULL);
    expect_not_accepting(f.loop, f.lfd, f.port, "echo_async_stop");
    loop_destroy(f.loop);
    xclose(f.lfd);
    xclose(m.ask[0]);
    xclose(m.ask[1]);
    xclose(m.told[0]);
    xclose(m.told[1]);
}

static void test_async_many_clients_speedup(void **state)
{
    struct fixture f;

    (void)state;
    raise_nofile();
    setup(&f);
    check_many_clients_speedup(f.loop, f.port,
                               harness_param_long("clients", 1000));
    teardown(&f);
}

/*
 * A task whose coroutine cannot be made is not started: in the loop's
 * thread, a seccomp filter fails every mmap of a stack (MAP_STACK), which
 * is how coro_create gets one. async_spawn then returns a negative errno
 * and keeps nothing (Memcheck sees a task left allocated), and the echo
 * server closes the connection it could not serve. A design that made its
 * stacks beforehand may serve it instead: the client takes an echo or the
 * end of the stream, but not silence.
 */
struct stackless {
    struct loop *loop;
    int lfd, filter, rc, spawned, ran, ticks;
    long live_before, live_after;
    atomic_int answered; /* set by the client (the main thread) */
};

static void stackless_tick(struct loop *loop, long id, void *arg)
{
    struct stackless *s = arg;

    (void)id;
    if (++s->ticks > 300 || atomic_load(&s->answered))
        loop_stop(loop);
}

static void *serve_stackless(void *arg)
{
    struct stackless *s = arg;

    s->rc = echo_async_start(s->loop, s->lfd);
    if (s->rc < 0)
        return NULL;
    if (loop_timer_add(s->loop, 10, 10, stackless_tick, s, "tick") <= 0) {
        s->rc = -1;
        echo_async_stop(s->loop, s->lfd);
        return NULL;
    }
    s->filter =
        harness_fail_syscall_if(SYS_mmap, 3, MAP_STACK, MAP_STACK, ENOMEM);
    if (s->filter == 0) {
        s->live_before = async_live_tasks();
        s->spawned = async_spawn(s->loop, quick_task, &s->ran);
        s->live_after = async_live_tasks();
        s->rc = loop_run(s->loop);
    }
    echo_async_stop(s->loop, s->lfd);
    return NULL;
}

static void test_async_spawn_stack_refused(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    struct stackless s = {0};
    struct pollfd pfd = {.events = POLLIN};
    char buf[8];
    ssize_t n = -1;
    pthread_t t;
    int port, ready;

    (void)state;
    s.lfd = listen_loopback(&port);
    s.loop = new_loop();
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    pfd.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (pfd.fd < 0)
        harness_fail("socket: %s", strerror(errno));
    xpthread_create(&t, NULL, serve_stackless, &s);
    if (connect(pfd.fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        harness_fail("the client could not connect: %s", strerror(errno));
    if (write(pfd.fd, "ping", 4) != 4)
        harness_fail("the client could not send: %s", strerror(errno));
    ready = poll(&pfd, 1, 3000);
    if (ready == 1)
        n = read(pfd.fd, buf, sizeof(buf));
    atomic_store(&s.answered, 1);
    xclose(pfd.fd);
    xpthread_join(t, NULL);
    loop_destroy(s.loop);
    xclose(s.lfd);
    if (s.rc < 0)
        harness_fail("echo_async_start or loop_run returned %d (%s)", s.rc,
                     strerror(-s.rc));
    if (s.filter != 0) {
        harness_note("no seccomp filter here: mmap cannot be made to fail");
        return;
    }
    if (s.spawned < 0 && s.live_after != s.live_before)
        harness_fail("async_spawn returned %d (its coroutine's stack could "
                     "not be mapped) but async_live_tasks went from %ld to "
                     "%ld: a task that did not start is not live",
                     s.spawned, s.live_before, s.live_after);
    if (s.spawned == 0 && !s.ran)
        harness_fail("async_spawn returned 0 with no stack to be had, and "
                     "the task never ran");
    if (ready != 1 || (n < 0 && errno != ECONNRESET) ||
        (n > 0 && (n != 4 || memcmp(buf, "ping", 4) != 0)))
        harness_fail_symptom(
            "conn-left-open",
            "a client connected while no task could be started (every "
            "stack mmap failed) and sent \"ping\": after 3 s it had %s. A "
            "connection whose task async_spawn refused must be closed",
            ready != 1 ? "neither an echo nor the end of the stream"
                       : "a wrong answer");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_async_sleepers_interleave),
    cmocka_unit_test(test_async_await_readable),
    cmocka_unit_test(test_async_await_writable),
    cmocka_unit_test(test_async_await_outside_task),
    cmocka_unit_test(test_async_finished_tasks_freed),
    cmocka_unit_test(test_async_spawn_from_task),
    cmocka_unit_test(test_async_await_refused_fd),
    cmocka_unit_test(test_async_live_tasks_per_thread),
    cmocka_unit_test(test_async_spawn_out_of_memory),
    cmocka_unit_test(test_async_spawn_refused_timer),
    cmocka_unit_test(test_async_spawn_stack_refused),
    cmocka_unit_test(test_async_sleep_refused_timer),
    cmocka_unit_test(test_async_echo_1mib_messages),
    cmocka_unit_test(test_async_echo_trickling_clients),
    cmocka_unit_test(test_async_echo_vanishing_clients),
    cmocka_unit_test(test_async_echo_stop_serves_accepted),
    cmocka_unit_test(test_async_many_clients_speedup),
};

HARNESS_MAIN(tests)
