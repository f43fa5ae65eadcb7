/* SPDX-License-Identifier: MIT */
/* Lab 06, tasks 1 and 4: the loop's watchers, timers, stop, idleness and
 * its slow-callback detector. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "compat.h" /* SYS_epoll_pwait2 where the headers lack it */
#include "harness.h"
#include "loop.h"

static struct loop *new_loop(void)
{
    struct loop *loop = NULL;
    int rc = loop_create(&loop);

    if (rc < 0 || !loop)
        harness_fail("loop_create returned %d (%s): expected 0 and a loop", rc,
                     strerror(-rc));
    return loop;
}

static void expect_run_ok(struct loop *loop)
{
    int rc = loop_run(loop);

    if (rc != 0)
        harness_fail("loop_run returned %d (%s), expected 0", rc,
                     strerror(-rc));
}

/* A timer that stops the loop: the tests' guard against a loop that never
 * returns (a wrong answer should fail, not hang). */
static void stop_cb(struct loop *loop, long id, void *arg)
{
    (void)id;
    *(int *)arg = 1;
    loop_stop(loop);
}

static void test_loop_create_destroy(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct loop *loop = new_loop();

    (void)state;
    expect_run_ok(loop); /* nothing to wait for: returns at once */
    loop_destroy(loop);
    loop_destroy(NULL);
    harness_assert_no_leaks(snap);
}

static void test_loop_bad_arguments(void **state)
{
    struct loop *loop = new_loop();
    char path[256];
    int p[2], fd, rc;

    (void)state;
    xpipe(p);
    assert_int_equal(
        loop_watch(loop, -1, LOOP_READABLE, (loop_io_fn)1, NULL, NULL),
        -EINVAL);
    assert_int_equal(loop_watch(loop, p[0], 0x80, (loop_io_fn)1, NULL, NULL),
                     -EINVAL);
    assert_int_equal(loop_watch(loop, p[0], LOOP_READABLE, NULL, NULL, NULL),
                     -EINVAL);
    /* Nothing watched yet: not even room for fd 0 may be there. */
    assert_int_equal(loop_unwatch(loop, 0), -ENOENT);
    assert_int_equal(loop_unwatch(loop, p[0]), -ENOENT);
    /* events == 0 is no error: loop.h makes it loop_unwatch. */
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, (loop_io_fn)1, NULL, NULL), 0);
    assert_int_equal(loop_watch(loop, p[0], 0, (loop_io_fn)1, NULL, NULL), 0);
    assert_int_equal(loop_unwatch(loop, p[0]), -ENOENT);
    assert_int_equal(loop_timer_add(loop, 1, 0, NULL, NULL, NULL), -EINVAL);
    assert_int_equal(loop_timer_cancel(loop, 12345), -ENOENT);
    snprintf(path, sizeof(path), "%s/lab06-regular-%d", harness_tmpdir(),
             (int)getpid());
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    assert_true(fd >= 0);
    unlink(path);
    rc = loop_watch(loop, fd, LOOP_READABLE, (loop_io_fn)1, NULL, NULL);
    if (rc != -EPERM)
        harness_fail("watching a regular file: expected -EPERM (what "
                     "epoll_ctl says), got %d",
                     rc);
    close(fd);
    /* Closed now, and this thread opens nothing meanwhile. */
    rc = loop_watch(loop, fd, LOOP_READABLE, (loop_io_fn)1, NULL, NULL);
    if (rc != -EBADF)
        harness_fail("watching a closed fd: expected -EBADF (what epoll_ctl "
                     "says), got %d",
                     rc);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

struct pipe_pair {
    int rfd, wfd;
    long guard_id;
    int reads, writes;
    unsigned last_events;
    char got[16];
};

static void pipe_read_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct pipe_pair *pp = arg;
    ssize_t n = read(fd, pp->got, sizeof(pp->got) - 1);

    pp->reads++;
    pp->last_events = events;
    if (n > 0)
        pp->got[n] = '\0';
    /* One read; then nothing is left to wait for and loop_run returns. */
    loop_unwatch(loop, fd);
    loop_timer_cancel(loop, pp->guard_id);
}

static void pipe_write_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct pipe_pair *pp = arg;

    (void)events;
    pp->writes++;
    if (write(fd, "ping", 4) != 4)
        pp->writes = -1000;
    loop_unwatch(loop, fd);
}

/* A pipe: the write end is writable at once, then the read end readable. */
static void test_loop_pipe_readiness(void **state)
{
    struct loop *loop = new_loop();
    struct pipe_pair pp = {0};
    int p[2], guard = 0;
    long id;

    (void)state;
    xpipe(p);
    pp.rfd = p[0];
    pp.wfd = p[1];
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, pipe_read_cb, &pp, "reader"), 0);
    assert_int_equal(
        loop_watch(loop, p[1], LOOP_WRITABLE, pipe_write_cb, &pp, "writer"), 0);
    id = loop_timer_add(loop, 3000, 0, stop_cb, &guard, "guard");
    assert_true(id > 0);
    pp.guard_id = id;
    /* A second watch of the same fd replaces the first (no -EEXIST). */
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, pipe_read_cb, &pp, "reader"), 0);
    expect_run_ok(loop);
    if (guard)
        harness_fail("the loop did not run the pipe callbacks within 3 s: "
                     "writes=%d reads=%d",
                     pp.writes, pp.reads);
    assert_int_equal(pp.writes, 1);
    assert_int_equal(pp.reads, 1);
    assert_string_equal(pp.got, "ping");
    if (!(pp.last_events & LOOP_READABLE))
        harness_fail("the read callback got events 0x%x, without "
                     "LOOP_READABLE",
                     pp.last_events);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

/* ---- what the kernel says, and what a watch holds ------------------- */

struct err_seen {
    unsigned events;
    int runs;
    long guard_id;
};

static void err_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct err_seen *e = arg;

    e->events = events;
    e->runs++;
    loop_unwatch(loop, fd);
    loop_timer_cancel(loop, e->guard_id);
}

/*
 * A pipe whose other end is closed: epoll says EPOLLHUP for the read end,
 * EPOLLERR for the write end, and the callbacks must be told (LOOP_ERROR)
 * and must run, whatever else is in events.
 */
static void test_loop_error_reported(void **state)
{
    struct loop *loop = new_loop();
    struct err_seen hup = {0}, err = {0};
    int a[2], b[2], guard = 0;
    long id;

    (void)state;
    xpipe(a);
    xpipe(b);
    xclose(a[1]); /* a[0]: hang-up */
    xclose(b[0]); /* b[1]: error, no reader left */
    assert_int_equal(
        loop_watch(loop, a[0], LOOP_READABLE, err_cb, &hup, "hung_up"), 0);
    assert_int_equal(
        loop_watch(loop, b[1], LOOP_WRITABLE, err_cb, &err, "broken"), 0);
    id = loop_timer_add(loop, 3000, 0, stop_cb, &guard, "guard");
    assert_true(id > 0);
    hup.guard_id = err.guard_id = id;
    expect_run_ok(loop);
    if (hup.runs != 1 || err.runs != 1)
        harness_fail("a pipe read end whose writer is gone (EPOLLHUP) ran its "
                     "callback %d times, a write end whose reader is gone "
                     "(EPOLLERR) %d times; expected once each (it "
                     "unwatches)%s",
                     hup.runs, err.runs,
                     guard ? ", and the loop was still running after 3 s" : "");
    if (!(hup.events & LOOP_ERROR))
        harness_fail("EPOLLHUP on a watched pipe: the callback got events "
                     "0x%x, without LOOP_ERROR (0x%x)",
                     hup.events, LOOP_ERROR);
    if (!(err.events & LOOP_ERROR))
        harness_fail("EPOLLERR on a watched pipe: the callback got events "
                     "0x%x, without LOOP_ERROR (0x%x)",
                     err.events, LOOP_ERROR);
    if (guard)
        harness_fail("loop_run went on after both callbacks unwatched");
    xclose(a[0]);
    xclose(b[1]);
    loop_destroy(loop);
}

struct rewatch_log {
    int first, second;  /* runs of each callback */
    void *second_arg;   /* the argument the second one got */
    const char *report; /* the name the slow-callback detector gave */
};

static void replaced_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    ((struct rewatch_log *)arg)->first++;
    loop_unwatch(loop, fd);
}

static void replacing_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct rewatch_log *log = *(struct rewatch_log **)arg;
    char c;

    (void)events;
    log->second++;
    log->second_arg = arg;
    if (read(fd, &c, 1) == 1)
        harness_io_wait_ms(30); /* slow, for the detector */
    loop_unwatch(loop, fd);
}

static void name_report(struct loop *loop, const char *name, uint64_t ns,
                        void *arg)
{
    (void)loop;
    (void)ns;
    ((struct rewatch_log *)arg)->report = name;
}

/*
 * A second loop_watch of the same fd with the same events but another
 * callback, argument and name (NULL): the new ones are used, and the
 * detector calls the nameless watch "?".
 */
static void test_loop_rewatch_replaces_callback(void **state)
{
    struct loop *loop = new_loop();
    struct rewatch_log log = {0};
    struct rewatch_log *ptr = &log;
    int p[2];

    (void)state;
    xpipe(p);
    loop_set_slow_detector(loop, 10, name_report, &log);
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, replaced_cb, &log, "replaced"),
        0);
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, replacing_cb, &ptr, NULL), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    expect_run_ok(loop);
    if (log.first)
        harness_fail("a watch replaced by a second loop_watch of the same fd "
                     "and events ran its old callback: keep the new "
                     "callback, argument and name even when the events are "
                     "the same");
    if (log.second != 1 || log.second_arg != &ptr)
        harness_fail("the replacing callback ran %d times (expected 1) with "
                     "argument %p (expected %p, the new one)",
                     log.second, log.second_arg, (void *)&ptr);
    if (!log.report || strcmp(log.report, "?") != 0)
        harness_fail("a callback watched with name NULL blocked 30 ms and was "
                     "reported as \"%s\"; expected \"?\"",
                     log.report ? log.report : "(null)");
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

struct destroy_probe {
    int runs;
};

static void never_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    ((struct destroy_probe *)arg)->runs++;
}

static void never_io_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    ((struct destroy_probe *)arg)->runs++;
}

/* loop_destroy with watches and timers left: the timers are freed (under
 * memcheck), the watched fds stay open and usable (they are the caller's). */
static void test_loop_destroy_leaves_fds_open(void **state)
{
    struct loop *loop = new_loop();
    struct destroy_probe probe = {0};
    int p[2];
    char c = 0;

    (void)state;
    xpipe(p);
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, never_io_cb, &probe, "r"), 0);
    assert_int_equal(
        loop_watch(loop, p[1], LOOP_WRITABLE, never_io_cb, &probe, "w"), 0);
    for (int i = 0; i < 3; i++)
        assert_true(loop_timer_add(loop, 60000, (uint64_t)i, never_cb, &probe,
                                   "pending") > 0);
    loop_destroy(loop);
    if (fcntl(p[0], F_GETFD) < 0 || fcntl(p[1], F_GETFD) < 0)
        harness_fail("loop_destroy closed a watched fd (%s): the fds are the "
                     "caller's",
                     fcntl(p[0], F_GETFD) < 0 ? "the read end"
                                              : "the write "
                                                "end");
    if (write(p[1], "y", 1) != 1 || read(p[0], &c, 1) != 1 || c != 'y')
        harness_fail("after loop_destroy the watched pipe no longer works");
    assert_int_equal(probe.runs, 0);
    xclose(p[0]);
    xclose(p[1]);
}

/* ---- timers --------------------------------------------------------- */

#define NTIMERS 400

struct order {
    long guard_id;
    int fired[NTIMERS];
    int nfired;
    uint64_t added_ns[NTIMERS];       /* just before loop_timer_add */
    uint64_t added_after_ns[NTIMERS]; /* just after it */
    uint64_t delay_ms[NTIMERS];
    int early; /* a timer that fired before its deadline */
};

struct order_arg {
    struct order *o;
    int i;
};

static void order_cb(struct loop *loop, long id, void *arg)
{
    struct order_arg *a = arg;
    struct order *o = a->o;

    (void)id;
    if (harness_now_ns() < o->added_ns[a->i] + o->delay_ms[a->i] * 1000000u)
        o->early++;
    if (o->nfired < NTIMERS)
        o->fired[o->nfired++] = a->i;
    if (o->nfired == NTIMERS)
        loop_timer_cancel(loop, o->guard_id);
}

/*
 * 400 timers with deadlines from 0 to 30 ms, many equal, added in a
 * scrambled order. Whatever the machine's load, each must fire once, never
 * early, in deadline order, equal deadlines in the order they were added.
 */
static void test_loop_timers_fire_in_deadline_order(void **state)
{
    struct loop *loop = new_loop();
    static struct order o;
    static struct order_arg args[NTIMERS];
    unsigned seed = 12345;
    int guard = 0;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.guard_id = loop_timer_add(loop, 3000, 0, stop_cb, &guard, "guard");
    for (int i = 0; i < NTIMERS; i++) {
        long id;

        seed = seed * 1103515245u + 12345u;
        o.delay_ms[i] = (seed >> 16) % 31;
        args[i] = (struct order_arg){&o, i};
        o.added_ns[i] = harness_now_ns();
        id =
            loop_timer_add(loop, o.delay_ms[i], 0, order_cb, &args[i], "order");
        o.added_after_ns[i] = harness_now_ns();
        if (id <= 0)
            harness_fail("loop_timer_add returned %ld, expected an id > 0", id);
    }
    expect_run_ok(loop); /* returns when the last timer has fired */
    if (guard || o.nfired != NTIMERS)
        harness_fail("%d of %d one-shot timers fired", o.nfired, NTIMERS);
    if (o.early)
        harness_fail("%d timers fired before their deadline (rounding the "
                     "epoll timeout down?)",
                     o.early);
    for (int k = 1; k < NTIMERS; k++) {
        int a = o.fired[k - 1], b = o.fired[k];
        /* The loop reads its clock inside loop_timer_add, somewhere between
         * our readings before and after it (a busy machine can preempt us in
         * between): out of order only if a's earliest possible deadline is
         * past b's latest. */
        uint64_t da = o.added_ns[a] + o.delay_ms[a] * 1000000u;
        uint64_t db = o.added_after_ns[b] + o.delay_ms[b] * 1000000u;

        if (da > db || (da == db && a > b))
            harness_fail("timers fired out of order: #%d (+%llu ms) fired "
                         "before #%d (+%llu ms) although its deadline is "
                         "later; is the heap's sift-up or sift-down "
                         "comparing the right entries?",
                         a, (unsigned long long)o.delay_ms[a], b,
                         (unsigned long long)o.delay_ms[b]);
    }
    loop_destroy(loop);
}

struct rep {
    long guard_id;
    int runs;
    long self_id;
    int cancel_rc;
    int oneshot_runs;
};

static void rep_cb(struct loop *loop, long id, void *arg)
{
    struct rep *r = arg;

    r->self_id = id;
    if (r->runs >= 5) /* cancelled, yet it runs again: end the test */
        loop_stop(loop);
    if (++r->runs == 5) {
        r->cancel_rc = loop_timer_cancel(loop, id); /* cancels itself */
        loop_timer_cancel(loop, r->guard_id);
    }
}

static void oneshot_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    ((struct rep *)arg)->oneshot_runs++;
}

/* A repeating timer runs until it cancels itself; a cancelled one-shot
 * timer never runs; a one-shot timer that fired cannot be cancelled. */
static void test_loop_repeating_timer_and_cancel(void **state)
{
    struct loop *loop = new_loop();
    struct rep r = {0};
    long rep_id, dead_id, once_id;
    int guard = 0;

    (void)state;
    rep_id = loop_timer_add(loop, 1, 3, rep_cb, &r, "repeat");
    dead_id = loop_timer_add(loop, 5, 0, oneshot_cb, &r, "cancelled");
    once_id = loop_timer_add(loop, 2, 0, oneshot_cb, &r, "once");
    assert_true(rep_id > 0 && dead_id > 0 && once_id > 0);
    assert_true(rep_id != dead_id && dead_id != once_id && rep_id != once_id);
    assert_int_equal(loop_timer_cancel(loop, dead_id), 0);
    assert_int_equal(loop_timer_cancel(loop, dead_id), -ENOENT);
    r.guard_id = loop_timer_add(loop, 3000, 0, stop_cb, &guard, "guard");
    expect_run_ok(loop); /* nothing left after the 5th run: it returns */
    if (r.runs > 5 && r.cancel_rc == -ENOENT)
        harness_fail_symptom("rearmed-late",
                             "the repeating timer cancelled itself from its "
                             "5th run, cancel returned -ENOENT, and it ran "
                             "again: it was not armed while its callback ran");
    if (r.runs != 5)
        harness_fail("the repeating timer ran %d times; it cancels itself "
                     "on its 5th run (cancel returned %d)",
                     r.runs, r.cancel_rc);
    assert_int_equal(r.cancel_rc, 0);
    assert_int_equal(r.self_id, rep_id);
    if (r.oneshot_runs != 1)
        harness_fail("one-shot timers ran %d times, expected 1 (one of the "
                     "two was cancelled before its deadline)",
                     r.oneshot_runs);
    assert_int_equal(loop_timer_cancel(loop, once_id), -ENOENT);
    loop_destroy(loop);
}

static void count_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)loop;
    (void)fd;
    (void)events;
    ++*(int *)arg;
}

static void stop_after_cb(struct loop *loop, long id, void *arg)
{
    (void)id;
    ++*(int *)arg;
    loop_stop(loop);
}

/* loop_stop makes loop_run return although a watcher remains, and the loop
 * runs again afterwards. */
static void test_loop_stop_returns(void **state)
{
    struct loop *loop = new_loop();
    int p[2], stops = 0, ticks = 0;

    (void)state;
    xpipe(p);
    assert_int_equal(
        loop_watch(loop, p[1], LOOP_WRITABLE, count_cb, &ticks, "ever"), 0);
    assert_true(loop_timer_add(loop, 5, 0, stop_after_cb, &stops, "stop") > 0);
    expect_run_ok(loop);
    assert_int_equal(stops, 1);
    if (ticks < 1)
        harness_fail("a writable pipe's callback never ran in 5 ms");
    assert_true(
        loop_timer_add(loop, 5, 0, stop_after_cb, &stops, "stop again") > 0);
    expect_run_ok(loop);
    assert_int_equal(stops, 2);
    assert_int_equal(loop_unwatch(loop, p[1]), 0);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

struct level {
    long guard_id;
    int runs;
};

static void level_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct level *l = arg;

    (void)events;
    /* The byte is never read: the fd stays readable. */
    if (++l->runs == 3) {
        loop_unwatch(loop, fd);
        loop_timer_cancel(loop, l->guard_id);
    }
}

/* loop.h: "The readiness is level-triggered: cb runs on every iteration
 * while the fd stays ready." A pipe holding a byte nobody reads: its
 * callback runs again and again (three times, then it unwatches). An
 * edge-triggered watch (EPOLLET) runs it once and waits for the guard. */
static void test_loop_level_triggered(void **state)
{
    struct loop *loop = new_loop();
    struct level l = {0};
    int p[2], guard = 0;

    (void)state;
    xpipe(p);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, level_cb, &l, "level"), 0);
    l.guard_id = loop_timer_add(loop, 1000, 0, stop_cb, &guard, "guard");
    assert_true(l.guard_id > 0);
    expect_run_ok(loop);
    if (guard || l.runs != 3)
        harness_fail("a pipe holding one unread byte: its callback ran %d "
                     "time(s) in 1 s, expected 3 (it unwatches on its third "
                     "run). The readiness is level-triggered: while the fd "
                     "stays readable, the callback runs on every iteration "
                     "(no EPOLLET)",
                     l.runs);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

struct two {
    struct loop *loop;
    int p1[2], p2[2];
    int runs1, runs2;
};

static void first_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct two *t = arg;

    (void)events;
    t->runs1++;
    loop_unwatch(loop, fd);
    /* The other fd is ready in this very iteration: after this it is gone. */
    loop_unwatch(loop, fd == t->p1[0] ? t->p2[0] : t->p1[0]);
}

/* Two fds ready in the same iteration; the first callback unwatches the
 * other: the other's callback must not run (its arg may be freed by now). */
static void test_loop_unwatch_from_callback(void **state)
{
    struct loop *loop = new_loop();
    struct two t = {0};

    (void)state;
    xpipe(t.p1);
    xpipe(t.p2);
    assert_int_equal(write(t.p1[1], "a", 1), 1);
    assert_int_equal(write(t.p2[1], "b", 1), 1);
    assert_int_equal(
        loop_watch(loop, t.p1[0], LOOP_READABLE, first_cb, &t, "first"), 0);
    assert_int_equal(
        loop_watch(loop, t.p2[0], LOOP_READABLE, first_cb, &t, "second"), 0);
    expect_run_ok(loop);
    if (t.runs1 != 1)
        harness_fail_symptom("stale-callback",
                             "a callback ran %d times for fds unwatched in "
                             "the same iteration; expected exactly one: "
                             "check a watcher is still there before running "
                             "its callback",
                             t.runs1);
    xclose(t.p1[0]);
    xclose(t.p1[1]);
    xclose(t.p2[0]);
    xclose(t.p2[1]);
    loop_destroy(loop);
}

struct rewatch {
    int pa[2], pb[2];
    int b_calls, b_empty;
    unsigned b_events;
};

static void rewatch_b_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct rewatch *r = arg;

    (void)loop;
    (void)fd;
    r->b_calls++;
    if (!(events & (LOOP_READABLE | LOOP_WRITABLE | LOOP_ERROR))) {
        r->b_empty++;
        r->b_events = events;
    }
}

static void rewatch_a_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct rewatch *r = arg;
    char c;

    (void)events;
    if (read(fd, &c, 1) != 1)
        r->b_empty = -1000;
    loop_unwatch(loop, fd);
    /* b's fd was reported writable in this very batch; now it waits for
     * readable, which a pipe's write end never is. */
    loop_watch(loop, r->pb[1], LOOP_READABLE, rewatch_b_cb, r, "b");
}

/*
 * loop.h: `events` is the readiness that fired. A callback that changes
 * another fd's watch in the same iteration must not make that fd's
 * callback run for readiness it no longer watches (with nothing in
 * `events`). Either order of the two in epoll's batch is fine.
 */
static void test_loop_rewatch_from_callback(void **state)
{
    struct loop *loop = new_loop();
    struct rewatch r = {0};
    int stops = 0;

    (void)state;
    xpipe(r.pa);
    xpipe(r.pb);
    assert_int_equal(write(r.pa[1], "a", 1), 1);
    assert_int_equal(
        loop_watch(loop, r.pa[0], LOOP_READABLE, rewatch_a_cb, &r, "a"), 0);
    assert_int_equal(
        loop_watch(loop, r.pb[1], LOOP_WRITABLE, rewatch_b_cb, &r, "b"), 0);
    assert_true(loop_timer_add(loop, 20, 0, stop_after_cb, &stops, "stop") > 0);
    expect_run_ok(loop);
    assert_int_equal(stops, 1);
    if (r.b_empty)
        harness_fail("a callback ran %d time(s) with events = %#x, for "
                     "readiness its fd is no longer watched for (changed by "
                     "an earlier callback of the same iteration)",
                     r.b_empty, r.b_events);
    assert_int_equal(loop_unwatch(loop, r.pb[1]), 0);
    xclose(r.pa[0]);
    xclose(r.pa[1]);
    xclose(r.pb[0]);
    xclose(r.pb[1]);
    loop_destroy(loop);
}

static void tick_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    ++*(int *)arg;
}

/*
 * An idle loop sleeps in epoll_wait: a watched pipe that stays silent and a
 * timer every 10 ms for 100 ms should cost almost no CPU. A loop that polls
 * with a zero timeout burns a whole CPU (or all the share it gets), however
 * short the wait: the verdict is a share of the wall time.
 */
static void test_loop_idle_sleeps(void **state)
{
    struct loop *loop = new_loop();
    double max_share = harness_param_double("max_cpu_share", 0.05);
    int p[2], ticks = 0, stops = 0;
    double cpu0, cpu;
    uint64_t t0, wall;

    (void)state;
    xpipe(p);
    assert_int_equal(
        loop_watch(loop, p[0], LOOP_READABLE, count_cb, &ticks, "silent"), 0);
    assert_true(loop_timer_add(loop, 10, 10, tick_cb, &ticks, "tick") > 0);
    assert_true(loop_timer_add(loop, 100, 0, stop_after_cb, &stops, "stop") >
                0);
    t0 = harness_now_ns();
    cpu0 = harness_thread_cpu_seconds();
    expect_run_ok(loop);
    cpu = harness_thread_cpu_seconds() - cpu0;
    wall = harness_now_ns() - t0;
    harness_note("idle loop: %.2f ms CPU in %.1f ms", cpu * 1e3, wall / 1e6);
    assert_int_equal(stops, 1);
    /* The CPU first: a spinning loop on a busy machine gets few ticks. */
    if (cpu > max_share * (double)wall / 1e9)
        harness_fail_symptom("busy-poll",
                             "an idle loop used %.1f ms of CPU in %.1f ms "
                             "(%.0f%%): it should sleep in epoll_wait until "
                             "the next deadline, not poll with a zero "
                             "timeout",
                             cpu * 1e3, wall / 1e6,
                             100.0 * cpu * 1e9 / (double)wall);
    if (ticks < 3)
        harness_fail("a 10 ms repeating timer ran %d times in %.0f ms", ticks,
                     wall / 1e6);
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

#define LATE_PERIOD_MS 10
#define LATE_BLOCK_MS 55 /* five periods missed and a half */

struct late {
    int fires;
    uint64_t block_end;
    int in_window; /* fires after the block, before block_end + a period */
};

static void late_cb(struct loop *loop, long id, void *arg)
{
    struct late *l = arg;
    uint64_t now = harness_now_ns();

    (void)loop;
    (void)id;
    if (l->fires++ == 0) {
        harness_io_wait_ms(LATE_BLOCK_MS); /* the loop falls behind */
        l->block_end = harness_now_ns();
        return;
    }
    if (now < l->block_end + LATE_PERIOD_MS * 1000000u)
        l->in_window++;
}

/*
 * loop.h: "A late loop fires a repeating timer once, not once per missed
 * period." The first run blocks for five periods and more; in the period
 * after it, the timer may fire for the late deadline and, if it keeps its
 * phase, for the next boundary: at most twice, never the five missed ones
 * in a burst.
 */
static void test_loop_late_repeating_timer(void **state)
{
    struct loop *loop = new_loop();
    struct late l = {0};
    int stops = 0;

    (void)state;
    assert_true(loop_timer_add(loop, 1, LATE_PERIOD_MS, late_cb, &l, "late") >
                0);
    assert_true(loop_timer_add(loop, LATE_BLOCK_MS + 3 * LATE_PERIOD_MS, 0,
                               stop_after_cb, &stops, "stop") > 0);
    expect_run_ok(loop);
    assert_int_equal(stops, 1);
    if (l.fires < 2)
        harness_fail("the repeating timer ran %d time(s); after its first "
                     "run blocked for %d ms it should run again",
                     l.fires, LATE_BLOCK_MS);
    if (l.in_window > 2)
        harness_fail("after one callback blocked the loop for %d ms, a %d ms "
                     "repeating timer ran %d times in the next %d ms: a "
                     "late timer fires once, not once per missed period",
                     LATE_BLOCK_MS, LATE_PERIOD_MS, l.in_window,
                     LATE_PERIOD_MS);
    loop_destroy(loop);
}

/* The share of a CPU this thread gets while it never sleeps, in 20 ms:
 * what a spinning loop would use on this machine at this moment. */
static double spinner_share(void)
{
    double cpu0 = harness_thread_cpu_seconds();
    uint64_t t0 = harness_now_ns(), t;

    while ((t = harness_now_ns()) - t0 < 20000000u)
        ;
    return (harness_thread_cpu_seconds() - cpu0) / ((double)(t - t0) / 1e9);
}

/*
 * A 1 ms repeating timer: the wait for each deadline is under a millisecond,
 * and epoll_wait counts whole milliseconds. A loop that rounds it down waits
 * 0 ms, again and again, until the deadline: it spins between every tick.
 * Its CPU is compared with a spinner's measured just before, so a loaded
 * machine (where a spinner gets a small share) does not hide it.
 */
static void test_loop_short_timers_sleep(void **state)
{
    struct loop *loop = new_loop();
    double max_fraction = harness_param_double("max_spinner_fraction", 0.4);
    double spinner = spinner_share(), share, cpu0, cpu;
    int ticks = 0, stops = 0;
    uint64_t t0, wall;

    (void)state;
    assert_true(loop_timer_add(loop, 1, 1, tick_cb, &ticks, "tick") > 0);
    assert_true(loop_timer_add(loop, 50, 0, stop_after_cb, &stops, "stop") > 0);
    t0 = harness_now_ns();
    cpu0 = harness_thread_cpu_seconds();
    expect_run_ok(loop);
    cpu = harness_thread_cpu_seconds() - cpu0;
    wall = harness_now_ns() - t0;
    share = cpu * 1e9 / (double)wall;
    harness_note("1 ms ticks: %d, %.2f ms CPU in %.1f ms (%.1f%%; a spinner "
                 "got %.0f%%)",
                 ticks, cpu * 1e3, wall / 1e6, 100 * share, 100 * spinner);
    assert_int_equal(stops, 1);
    if (ticks < 1)
        harness_fail("a 1 ms repeating timer never ran in %.0f ms", wall / 1e6);
    if (share > 0.02 && share > max_fraction * spinner)
        harness_fail("a loop waiting for 1 ms timers used %.0f%% of a CPU, "
                     "as much as a spinning thread gets here (%.0f%%): is "
                     "the epoll_wait timeout rounded down, so that a wait "
                     "under 1 ms becomes 0 (a poll)?",
                     100 * share, 100 * spinner);
    loop_destroy(loop);
}

/* ---- task 4: the slow-callback detector ------------------------------ */

#define SLOW_MS 15  /* the detector's threshold */
#define BLOCK_MS 35 /* what a sleepy callback blocks: well over it */

struct slow_log {
    int n;
    const char *names[8];
    uint64_t ns[8];
};

static void slow_report(struct loop *loop, const char *name, uint64_t ns,
                        void *arg)
{
    struct slow_log *log = arg;

    (void)loop;
    if (log->n < 8) {
        log->names[log->n] = name;
        log->ns[log->n] = ns;
    }
    log->n++;
}

static void sleepy_timer_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    (void)arg;
    harness_io_wait_ms(BLOCK_MS); /* a blocking call in a callback */
}

static void sleepy_io_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    char c;

    (void)events;
    (void)arg;
    if (read(fd, &c, 1) == 1)
        harness_io_wait_ms(BLOCK_MS);
    loop_unwatch(loop, fd);
}

static int slow_find(const struct slow_log *log, const char *name)
{
    for (int i = 0; i < log->n && i < 8; i++)
        if (log->names[i] && strcmp(log->names[i], name) == 0)
            return i;
    return -1;
}

static void test_loop_slow_callback_reported(void **state)
{
    struct loop *loop = new_loop();
    struct slow_log log = {0};
    int p[2], ticks = 0, i;

    (void)state;
    xpipe(p);
    assert_int_equal(write(p[1], "x", 1), 1);
    loop_set_slow_detector(loop, SLOW_MS, slow_report, &log);
    assert_true(loop_timer_add(loop, 1, 0, tick_cb, &ticks, "quick") > 0);
    assert_true(
        loop_timer_add(loop, 2, 0, sleepy_timer_cb, NULL, "sleepy_timer") > 0);
    assert_int_equal(loop_watch(loop, p[0], LOOP_READABLE, sleepy_io_cb, NULL,
                                "sleepy_reader"),
                     0);
    expect_run_ok(loop);
    assert_int_equal(ticks, 1);
    if ((i = slow_find(&log, "sleepy_timer")) < 0)
        harness_fail("a timer callback that blocked %d ms was not reported "
                     "(threshold %d ms; %d reports)",
                     BLOCK_MS, SLOW_MS, log.n);
    if (log.ns[i] < BLOCK_MS * 950000u)
        harness_fail("sleepy_timer reported as %.1f ms; it ran for %d ms",
                     log.ns[i] / 1e6, BLOCK_MS);
    if ((i = slow_find(&log, "sleepy_reader")) < 0)
        harness_fail("an fd callback that blocked %d ms was not reported "
                     "(threshold %d ms; %d reports)",
                     BLOCK_MS, SLOW_MS, log.n);
    if (log.ns[i] < BLOCK_MS * 950000u)
        harness_fail("sleepy_reader reported as %.1f ms; it ran for %d ms",
                     log.ns[i] / 1e6, BLOCK_MS);
    /* A busy machine may pause even "quick" for 15 ms: then it is slow,
     * and reporting it is right. Reporting under the threshold is not. */
    for (int k = 0; k < log.n && k < 8; k++)
        if (log.ns[k] <= SLOW_MS * 1000000u)
            harness_fail("\"%s\" reported as slow after %.3f ms; the "
                         "threshold is %d ms",
                         log.names[k] ? log.names[k] : "(null)",
                         log.ns[k] / 1e6, SLOW_MS);
    /* Off again: no more reports. */
    i = log.n;
    loop_set_slow_detector(loop, SLOW_MS, NULL, NULL);
    assert_true(
        loop_timer_add(loop, 1, 0, sleepy_timer_cb, NULL, "sleepy_timer") > 0);
    expect_run_ok(loop);
    if (log.n != i)
        harness_fail("a report after the detector was turned off");
    xclose(p[0]);
    xclose(p[1]);
    loop_destroy(loop);
}

/* ---- out of memory ---------------------------------------------------- */

static void count_timer_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    ++*(int *)arg;
}

/*
 * While every allocation fails (harness_oom_begin; skipped under Valgrind
 * and the sanitizers): loop_create is -ENOMEM or a working loop; 2000
 * timers added are each an id or -ENOMEM, and only those with an id ever
 * run; a watch of a high fd number is 0 or -ENOMEM, and a refused one is
 * not watched. Never a crash.
 */
static void test_loop_out_of_memory(void **state)
{
    struct loop *loop = NULL, *spare = NULL;
    int rc, p[2], hi, ran = 0, added = 0, refused = 0, odd = 0;
    long id;

    (void)state;
    xpipe(p);
    hi = fcntl(p[0], F_DUPFD_CLOEXEC, 600); /* past a small first table */
    if (hi < 0)
        harness_fail("setup: fcntl(F_DUPFD, 600): %s", strerror(errno));
    if (harness_oom_begin() != 0) {
        harness_note("out-of-memory checks skipped here (Valgrind or a "
                     "sanitizer)");
        goto out;
    }
    rc = loop_create(&spare);
    harness_oom_end();
    if (rc == 0)
        loop_destroy(spare);
    else if (rc != -ENOMEM)
        harness_fail("loop_create with no memory left: expected -ENOMEM "
                     "(or 0), got %d",
                     rc);
    loop = new_loop();
    if (harness_oom_begin() != 0)
        goto out;
    for (int i = 0; i < 2000; i++) {
        id = loop_timer_add(loop, 0, 0, count_timer_cb, &ran, "oom");
        if (id > 0)
            added++;
        else if (id == -ENOMEM)
            refused++;
        else
            odd++;
    }
    rc = loop_watch(loop, hi, LOOP_READABLE, (loop_io_fn)1, NULL, "oom");
    harness_oom_end();
    if (odd)
        harness_fail("loop_timer_add with no memory left: %d of 2000 calls "
                     "returned neither an id nor -ENOMEM",
                     odd);
    harness_note("with no memory left: %d timers added, %d refused; "
                 "loop_watch of fd %d: %d",
                 added, refused, hi, rc);
    expect_run_ok(loop);
    if (ran != added)
        harness_fail("%d timers were added (and %d refused with -ENOMEM) "
                     "while memory was short; %d ran",
                     added, refused, ran);
    if (rc != 0 && rc != -ENOMEM)
        harness_fail("loop_watch of fd %d with no memory left: expected "
                     "-ENOMEM (or 0), got %d",
                     hi, rc);
    if (rc == -ENOMEM && loop_unwatch(loop, hi) != -ENOENT)
        harness_fail("loop_watch said -ENOMEM, and fd %d is watched all the "
                     "same",
                     hi);
    if (rc == 0)
        loop_unwatch(loop, hi);
out:
    loop_destroy(loop);
    xclose(hi);
    xclose(p[0]);
    xclose(p[1]);
}

/* ---- signals, and the clock ------------------------------------------ */

static volatile sig_atomic_t alarms;

static void alarm_handler(int sig)
{
    (void)sig;
    alarms++;
}

/*
 * SIGALRM every 2 ms while the loop sleeps until a 30 ms timer: each
 * signal interrupts epoll_wait (EINTR, never restarted), and loop_run must
 * go back to sleep, not return.
 */
static void test_loop_eintr_retried(void **state)
{
    struct loop *loop = new_loop();
    struct sigaction sa = {.sa_handler = alarm_handler}, old;
    struct itimerval it = {{0, 2000}, {0, 2000}}, off = {{0, 0}, {0, 0}};
    int fired = 0, rc;

    (void)state;
    sigemptyset(&sa.sa_mask); /* no SA_RESTART: epoll_wait ignores it anyway */
    if (sigaction(SIGALRM, &sa, &old) < 0)
        harness_fail("sigaction: %s", strerror(errno));
    assert_true(loop_timer_add(loop, 30, 0, stop_cb, &fired, "deadline") > 0);
    alarms = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    rc = loop_run(loop);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    if (rc != 0 || !fired)
        harness_fail("signals arrived while the loop waited for a 30 ms "
                     "timer, and loop_run returned %d (%s) %s its timer ran: "
                     "epoll_wait's EINTR means \"wait again\"",
                     rc, strerror(-rc), fired ? "after" : "before");
    if (alarms == 0)
        harness_fail("setup: no SIGALRM arrived in 30 ms");
    harness_note("%d signals interrupted the wait", (int)alarms);
    loop_destroy(loop);
}

struct clock_probe {
    uint64_t before, now, after;
};

static void *clock_thread(void *arg)
{
    struct clock_probe *c = arg;
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    c->before = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    c->now = loop_now_ns();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    c->after = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return NULL;
}

static void mono_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    clock_thread(arg);
}

/* loop_now_ns is CLOCK_MONOTONIC in ns, any thread may read it, and the
 * loop's timers are due by it. */
static void test_loop_now_is_monotonic_clock(void **state)
{
    struct clock_probe c[3], added;
    struct loop *loop = new_loop();
    pthread_t t;

    (void)state;
    clock_thread(&c[0]);
    xpthread_create(&t, NULL, clock_thread, &c[1]);
    xpthread_join(t, NULL);
    for (int i = 0; i < 2; i++)
        if (c[i].now < c[i].before || c[i].now > c[i].after)
            harness_fail("%s: loop_now_ns() said %llu, between "
                         "CLOCK_MONOTONIC readings %llu and %llu ns",
                         i ? "another thread" : "the main thread",
                         (unsigned long long)c[i].now,
                         (unsigned long long)c[i].before,
                         (unsigned long long)c[i].after);
    clock_thread(&added);
    assert_true(loop_timer_add(loop, 30, 0, mono_cb, &c[2], "mono") > 0);
    expect_run_ok(loop);
    if (c[2].after < added.after + 30000000u)
        harness_fail("a 30 ms timer ran %.3f ms after it was added, by "
                     "CLOCK_MONOTONIC",
                     (double)(c[2].after - added.after) / 1e6);
    loop_destroy(loop);
}

/* Two slow callbacks of one iteration: each report comes right after its
 * own callback, before the next one runs. */
struct order_log {
    char seq[16]; /* 'a'/'b': a callback ran; 'A'/'B': its report */
    int n;
};

static void slow_pair_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct order_log *log = *(struct order_log **)arg;
    char c;

    (void)events;
    if (read(fd, &c, 1) == 1 && log->n < 15)
        log->seq[log->n++] = c;
    harness_io_wait_ms(20);
    loop_unwatch(loop, fd);
}

static void order_report(struct loop *loop, const char *name, uint64_t ns,
                         void *arg)
{
    struct order_log *log = arg;

    (void)loop;
    (void)ns;
    if (log->n < 15 && name && (name[0] == 'a' || name[0] == 'b'))
        log->seq[log->n++] = (char)(name[0] - 'a' + 'A');
}

static void test_loop_slow_report_follows_callback(void **state)
{
    struct loop *loop = new_loop();
    struct order_log log = {0};
    struct order_log *ptr = &log;
    int a[2], b[2];

    (void)state;
    xpipe(a);
    xpipe(b);
    assert_int_equal(write(a[1], "a", 1), 1);
    assert_int_equal(write(b[1], "b", 1), 1);
    loop_set_slow_detector(loop, 10, order_report, &log);
    assert_int_equal(
        loop_watch(loop, a[0], LOOP_READABLE, slow_pair_cb, &ptr, "a"), 0);
    assert_int_equal(
        loop_watch(loop, b[0], LOOP_READABLE, slow_pair_cb, &ptr, "b"), 0);
    expect_run_ok(loop);
    if (strcmp(log.seq, "aAbB") != 0 && strcmp(log.seq, "bBaA") != 0)
        harness_fail("two callbacks of one iteration each blocked 20 ms "
                     "(threshold 10 ms); runs (a, b) and reports (A, B) came "
                     "in the order \"%s\": each report must come right after "
                     "its own callback returns",
                     log.seq);
    xclose(a[0]);
    xclose(a[1]);
    xclose(b[0]);
    xclose(b[1]);
    loop_destroy(loop);
}

/* ---- the loop's own failures, and its thread ------------------------- */

/*
 * loop_create with no descriptor left (RLIMIT_NOFILE lowered to the lowest
 * free one): epoll_create1 fails with EMFILE, and loop_create must say so,
 * leaving no descriptor (nor, under Memcheck, memory) behind.
 */
static void test_loop_create_no_fd_left(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct rlimit saved, low;
    struct loop *loop = NULL;
    int lowest, rc;

    (void)state;
    lowest = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (lowest < 0 || getrlimit(RLIMIT_NOFILE, &saved) != 0)
        harness_fail("setup: open or getrlimit: %s", strerror(errno));
    xclose(lowest);
    low = saved;
    low.rlim_cur = (rlim_t)lowest; /* every fd below it is taken */
    if (setrlimit(RLIMIT_NOFILE, &low) != 0)
        harness_fail("setup: setrlimit(RLIMIT_NOFILE, %d): %s", lowest,
                     strerror(errno));
    rc = loop_create(&loop);
    setrlimit(RLIMIT_NOFILE, &saved);
    if (rc == 0) {
        loop_destroy(loop);
        harness_fail("loop_create succeeded with no descriptor left for its "
                     "epoll fd");
    }
    if (rc != -EMFILE)
        harness_fail("loop_create with no descriptor left returned %d (%s): "
                     "expected epoll_create1's error, -EMFILE",
                     rc, strerror(-rc));
    harness_assert_no_leaks(snap);
}

/*
 * A loop created on one thread and run on another belongs to the one that
 * runs it: that thread watches, adds timers and runs them, and its
 * callbacks run there.
 */
struct handed {
    struct loop *loop;
    int p[2];
    pthread_t self;
    int watch_rc, run_rc, io_here, timer_here, got;
    long timer_id;
};

static void handed_io_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct handed *h = arg;
    char c;

    (void)events;
    h->io_here = pthread_equal(pthread_self(), h->self);
    h->got = read(fd, &c, 1) == 1;
    loop_unwatch(loop, fd);
}

static void handed_timer_cb(struct loop *loop, long id, void *arg)
{
    struct handed *h = arg;

    (void)loop;
    (void)id;
    h->timer_here = pthread_equal(pthread_self(), h->self);
    if (write(h->p[1], "x", 1) != 1)
        h->got = -1;
}

static void *handed_main(void *arg)
{
    struct handed *h = arg;

    h->self = pthread_self();
    h->watch_rc =
        loop_watch(h->loop, h->p[0], LOOP_READABLE, handed_io_cb, h, "handed");
    h->timer_id = loop_timer_add(h->loop, 1, 0, handed_timer_cb, h, "handed");
    if (h->watch_rc == 0 && h->timer_id > 0)
        h->run_rc = loop_run(h->loop);
    return NULL;
}

static void test_loop_runs_on_another_thread(void **state)
{
    struct handed h = {.loop = new_loop(), .run_rc = -1};
    pthread_t t;

    (void)state;
    xpipe(h.p);
    xpthread_create(&t, NULL, handed_main, &h);
    xpthread_join(t, NULL);
    if (h.watch_rc != 0 || h.timer_id <= 0)
        harness_fail("a loop created on the main thread, used from another: "
                     "loop_watch returned %d and loop_timer_add %ld there",
                     h.watch_rc, h.timer_id);
    if (h.run_rc != 0)
        harness_fail("a loop created on the main thread and run on another: "
                     "loop_run returned %d (%s)",
                     h.run_rc, strerror(-h.run_rc));
    if (h.got != 1 || !h.io_here || !h.timer_here)
        harness_fail("a loop created on the main thread and run on another: "
                     "its timer %s, its fd callback %s (the loop belongs to "
                     "the thread that runs it)",
                     h.timer_here ? "ran there" : "did not run there",
                     h.got != 1  ? "did not read the byte"
                     : h.io_here ? "ran there"
                                 : "did not run there");
    loop_destroy(h.loop);
    xclose(h.p[0]);
    xclose(h.p[1]);
}

/*
 * epoll_wait failing (a seccomp filter of the loop's thread makes every
 * epoll wait fail with EINVAL): loop_run returns that negative errno, at
 * once, rather than carry on as if nothing were ready.
 */
static int epoll_waits_fail(void)
{
    static const struct harness_syscall_fault waits[] = {
#ifdef SYS_epoll_wait /* not on aarch64, which has epoll_pwait alone */
        {.nr = SYS_epoll_wait, .err = EINVAL},
#endif
        {.nr = SYS_epoll_pwait, .err = EINVAL},
        {.nr = SYS_epoll_pwait2, .err = EINVAL},
    };

    return harness_fail_syscalls(waits, sizeof(waits) / sizeof(waits[0]));
}

struct failing_wait {
    int filter_rc, run_rc, fired;
};

static void *failing_wait_main(void *arg)
{
    struct failing_wait *w = arg;
    struct loop *loop = NULL;

    w->run_rc = loop_create(&loop);
    if (w->run_rc != 0)
        return NULL;
    if (loop_timer_add(loop, 1, 0, stop_cb, &w->fired, "after") <= 0)
        w->run_rc = -ENOTRECOVERABLE;
    else if ((w->filter_rc = epoll_waits_fail()) == 0)
        w->run_rc = loop_run(loop); /* only this thread is filtered */
    loop_destroy(loop);
    return NULL;
}

static void test_loop_run_epoll_wait_fails(void **state)
{
    struct failing_wait w = {0, -1, 0};
    pthread_t t;

    (void)state;
    if (harness_under_valgrind())
        harness_skip("Valgrind runs its own seccomp-blind syscalls");
    xpthread_create(&t, NULL, failing_wait_main, &w);
    xpthread_join(t, NULL);
    if (w.filter_rc != 0)
        harness_skip("the test cannot install its seccomp filter here");
    if (w.run_rc == -ENOTRECOVERABLE)
        harness_fail("setup: loop_timer_add failed");
    if (w.run_rc != -EINVAL)
        harness_fail("every epoll_wait failed with EINVAL, and loop_run "
                     "returned %d (%s)%s: expected -EINVAL, at once",
                     w.run_rc, strerror(-w.run_rc),
                     w.fired ? " after running a timer" : "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_loop_create_destroy),
    cmocka_unit_test(test_loop_bad_arguments),
    cmocka_unit_test(test_loop_pipe_readiness),
    cmocka_unit_test(test_loop_timers_fire_in_deadline_order),
    cmocka_unit_test(test_loop_repeating_timer_and_cancel),
    cmocka_unit_test(test_loop_late_repeating_timer),
    cmocka_unit_test(test_loop_stop_returns),
    cmocka_unit_test(test_loop_level_triggered),
    cmocka_unit_test(test_loop_unwatch_from_callback),
    cmocka_unit_test(test_loop_rewatch_from_callback),
    cmocka_unit_test(test_loop_idle_sleeps),
    cmocka_unit_test(test_loop_short_timers_sleep),
    cmocka_unit_test(test_loop_slow_callback_reported),
    cmocka_unit_test(test_loop_error_reported),
    cmocka_unit_test(test_loop_rewatch_replaces_callback),
    cmocka_unit_test(test_loop_destroy_leaves_fds_open),
    cmocka_unit_test(test_loop_eintr_retried),
    cmocka_unit_test(test_loop_now_is_monotonic_clock),
    cmocka_unit_test(test_loop_out_of_memory),
    cmocka_unit_test(test_loop_slow_report_follows_callback),
    cmocka_unit_test(test_loop_create_no_fd_left),
    cmocka_unit_test(test_loop_runs_on_another_thread),
    cmocka_unit_test(test_loop_run_epoll_wait_fails),
};

HARNESS_MAIN(tests)
