/* SPDX-License-Identifier: MIT */
/* Lab 06, tasks 2, 4 and 5: the callback echo server with many slow
 * clients, a blocking callback stalling them all, and idle memory. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/syscall.h>

#include "harness.h"
#include "echo.h"
#include "serve.h"

struct fixture {
    struct loop *loop;
    struct echo_server *srv;
    int lfd, port;
};

static void setup_sndbuf(struct fixture *f, int sndbuf)
{
    int rc;

    f->lfd = listen_loopback_sndbuf(&f->port, sndbuf);
    rc = loop_create(&f->loop);
    if (rc < 0)
        harness_fail("loop_create returned %d (%s)", rc, strerror(-rc));
    rc = echo_server_start(f->loop, f->lfd, &f->srv);
    if (rc < 0)
        harness_fail("echo_server_start returned %d (%s)", rc, strerror(-rc));
}

static void setup(struct fixture *f)
{
    setup_sndbuf(f, 0);
}

static void teardown(struct fixture *f)
{
    echo_server_stop(f->srv);
    expect_not_accepting(f->loop, f->lfd, f->port, "echo_server_stop");
    loop_destroy(f->loop);
    xclose(f->lfd);
}

static long open_conns(void *arg)
{
    struct echo_stats st;

    echo_server_stats(arg, &st);
    return st.open;
}

static void serve_and_check(struct fixture *f, struct clients_spec *s,
                            const char *what)
{
    struct clients_result res;

    s->port = f->port;
    res = run_clients(f->loop, s);
    expect_served(&res, s, what);
}

static void test_echo_one_client(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct clients_spec s = {.nclients = 1, .msg_len = 100, .rounds = 3};
    struct echo_stats st;
    struct fixture f;

    (void)state;
    setup(&f);
    serve_and_check(&f, &s, "one client, three short messages");
    echo_server_stats(f.srv, &st);
    if (st.accepted != 1 || st.open != 0 || st.echoed != 300)
        harness_fail("stats: accepted %ld, open %ld, echoed %lld; expected "
                     "1, 0 (the client closed first) and 300",
                     st.accepted, st.open, st.echoed);
    teardown(&f);
    harness_assert_no_leaks(snap);
}

/* 1 MiB messages: far more than a socket buffer holds, so reads and writes
 * are partial and the server must keep what it could not write yet. */
static void test_echo_1mib_messages(void **state)
{
    struct clients_spec s = {.nclients = (int)harness_param_long("clients", 4),
                             .msg_len = 1 << 20,
                             .rounds = 2,
                             .rcvbuf = 4096};
    struct clients_result res;
    struct fixture f;

    (void)state;
    setup_sndbuf(&f, 16384); /* short sends, for sure */
    s.port = f.port;
    res = run_clients(f.loop, &s);
    if (res.cut)
        harness_fail_symptom("closed-mid-echo",
                             "1 MiB messages: the server ended %d of %d "
                             "connections in the middle of a message (the "
                             "first: %s): did it take EAGAIN for an error?",
                             res.cut, s.nclients, res.error);
    expect_served(&res, &s, "1 MiB messages");
    teardown(&f);
}

/* Clients that trickle: each message in 10 pieces, 2 ms apart. */
static void test_echo_trickling_clients(void **state)
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
    serve_and_check(&f, &s, "trickling clients");
    teardown(&f);
}

/* Clients that reset the connection halfway through a 256 KiB message: the
 * server closes each one (no fd, no buffer left) and serves the next. */
static void test_echo_vanishing_clients(void **state)
{
    struct clients_spec s = {.nclients = (int)harness_param_long("clients", 40),
                             .msg_len = 256 * 1024,
                             .rounds = 1,
                             .vanish = 1};
    struct clients_spec after = {
        .msg_len = 1000, .rounds = 2, .budget_ms = 4000};
    struct harness_snapshot snap;
    struct fixture f;

    (void)state;
    /* As many as vanished: the clients' sockets and the server's share
     * this process's fd table, and the new ones are numbered as the old
     * were (the lowest free first), so the server's land on its own old
     * numbers. Two clients took the two lowest, the server the next two,
     * which had been clients' before: the check then saw nothing. */
    after.nclients = s.nclients;
    setup(&f);
    snap = harness_snapshot();
    serve_and_check(&f, &s, "vanishing clients");
    run_until_closed(f.loop, open_conns, f.srv);
    harness_assert_no_leaks(snap);
    /* Said first: the next accepts reuse the numbers of the closed
     * connections, which a connection closed but still watched keeps in the
     * loop's table (the new one is then never read). */
    harness_symptom("closed-still-watched",
                    "the vanished clients' connections were closed; new "
                    "connections that reuse their fd numbers were not served");
    serve_and_check(&f, &after, "well-behaved clients after the vanished");
    teardown(&f);
}

/* echo_server_stop closes the connections of clients still connected. */
static void test_echo_stop_closes_connections(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct clients_spec s = {.nclients = 1, .msg_len = 10, .rounds = 1};
    struct echo_stats st;
    struct fixture f;
    int fds[5];

    (void)state;
    setup(&f);
    s.port = f.port;
    for (int i = 0; i < 5; i++) { /* connected, never send, never close */
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)f.port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || connect(fds[i], (void *)&a, sizeof(a)) < 0)
            harness_fail("connect: %s", strerror(errno));
    }
    serve_and_check(&f, &s, "stop"); /* lets the server accept the five */
    echo_server_stats(f.srv, &st);
    if (st.accepted != 6 || st.open != 5)
        harness_fail("stats: accepted %ld, open %ld; expected 6 and 5",
                     st.accepted, st.open);
    teardown(&f);
    echo_server_stop(NULL); /* echo.h: a no-op */
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    harness_assert_no_leaks(snap);
}

/* ---- task 2: the rules the simulated clients never break -------------- */

/* A pipe that stays readable: its callback runs once per loop iteration. */
struct iter_watch {
    struct echo_server *srv;
    int runs;
    long accepted_after_one; /* accepted when iteration 2 began */
};

static void iter_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct iter_watch *w = arg;
    struct echo_stats st;

    (void)events;
    if (++w->runs < 2)
        return;
    echo_server_stats(w->srv, &st);
    w->accepted_after_one = st.accepted;
    loop_unwatch(loop, fd);
    loop_stop(loop);
}

/* Connections waiting in lfd's accept queue (TCP_INFO of a listener). */
static int accept_queue(int lfd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
        return -1;
    return (int)ti.tcpi_unacked;
}

/* Eight connections already pending when the loop first looks: all are
 * accepted in the first iteration, not one per iteration. */
static void test_echo_accepts_every_pending(void **state)
{
    struct sockaddr_in a;
    struct iter_watch w = {0};
    struct fixture f;
    uint64_t until;
    int fds[8], p[2], q;

    (void)state;
    setup(&f);
    a = (struct sockaddr_in){.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)f.port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < 8; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 || connect(fds[i], (void *)&a, sizeof(a)) < 0)
            harness_fail("connect: %s", strerror(errno));
    }
    /* The handshakes end in the kernel's softirqs: wait until all eight
     * are in the queue, so that the first iteration sees them all. */
    until = harness_now_ns() + 2000000000ull;
    while ((q = accept_queue(f.lfd)) >= 0 && q < 8 && harness_now_ns() < until)
        sched_yield();
    if (q != 8)
        harness_fail("setup: %d connections in the accept queue, not 8", q);
    xpipe(p);
    assert_int_equal(write(p[1], "x", 1), 1);
    w.srv = f.srv;
    assert_int_equal(
        loop_watch(f.loop, p[0], LOOP_READABLE, iter_cb, &w, "iterations"), 0);
    if (loop_run(f.loop) != 0)
        harness_fail("loop_run failed");
    if (w.accepted_after_one != 8)
        harness_fail("8 connections were pending when the loop started, and "
                     "after its first iteration %ld were accepted: accept "
                     "until EAGAIN each time the listening socket is "
                     "readable, or a burst of clients waits one iteration "
                     "each",
                     w.accepted_after_one);
    xclose(p[0]);
    xclose(p[1]);
    teardown(&f);
    for (int i = 0; i < 8; i++)
        close(fds[i]);
}

/* Sends, and reads nothing until it can send no more. */
static void greedy_peer(struct peer *p)
{
    size_t limit = *(size_t *)p->arg;

    if (peer_send(p, limit, 50) == 0)
        return; /* the server took it all: the test says so */
    if (p->err[0])
        return;
    shutdown(p->fd, SHUT_WR);
    peer_read_echo(p, 1);
}

/* A client that sends without reading: the server stops reading once its
 * buffer is full (the client's sends then stall), and nothing is lost.
 * Nor does the loop spin meanwhile: a connection still watched for
 * LOOP_READABLE with no room to read into is ready on every iteration, so
 * the loop's thread would be runnable (on a CPU or waiting for one) for the
 * whole 300 ms stall, whatever the machine's load. */
static void test_echo_client_that_never_reads(void **state)
{
    size_t limit = 16u << 20;
    struct peer p = {
        .rcvbuf = 65536, .sndbuf = 65536, .fn = greedy_peer, .arg = &limit};
    int rcvbuf = 65536;
    struct fixture f;
    double runnable, wall;
    uint64_t t0;

    (void)state;
    setup_sndbuf(&f, 65536);
    /* Small fixed socket buffers (inherited by the accepted sockets), so
     * that what the kernel holds is small next to the limit. */
    setsockopt(f.lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    p.port = f.port;
    t0 = harness_now_ns();
    runnable = harness_thread_cpu_seconds() + harness_thread_cpu_wait_seconds();
    run_peer(f.loop, &p);
    runnable = harness_thread_cpu_seconds() +
               harness_thread_cpu_wait_seconds() - runnable;
    wall = (double)(harness_now_ns() - t0) / 1e9;
    if (p.sent >= limit)
        harness_fail("a client sent %zu MiB without reading any of the echo, "
                     "and the server took it all: stop reading a connection "
                     "while its unwritten bytes fill the buffer, or one "
                     "client can make the server's memory grow without bound",
                     limit >> 20);
    if (p.err[0])
        harness_fail("a client that read nothing until its sends stalled "
                     "(after %zu bytes): %s",
                     p.sent, p.err);
    harness_note("the server held %zu KiB of an unread echo, socket buffers "
                 "included; its loop was runnable %.0f ms of %.0f",
                 p.sent / 1024, runnable * 1e3, wall * 1e3);
    if (runnable > 0.8 * wall)
        harness_fail("while a client's sends stalled (it read nothing), the "
                     "loop's thread was runnable %.0f ms of %.0f: it spun. "
                     "A connection whose buffer is full must not stay "
                     "watched for LOOP_READABLE (the socket stays readable, "
                     "so the loop wakes at once, again and again)",
                     runnable * 1e3, wall * 1e3);
    teardown(&f);
}

/*
 * echo_server_start when loop_watch refuses the listening socket: a
 * seccomp filter of the calling thread fails every epoll_ctl with ENOMEM.
 * It returns a negative errno (loop_watch's) and leaves nothing allocated
 * (memcheck).
 */
struct refused_start {
    struct loop *loop;
    struct echo_server *srv;
    int lfd, filter, rc; /* written by the thread, read after join */
};

static void *start_refused(void *arg)
{
    struct refused_start *r = arg;

    r->filter = harness_fail_syscall(SYS_epoll_ctl, ENOMEM);
    if (r->filter == 0)
        r->rc = echo_server_start(r->loop, r->lfd, &r->srv);
    return NULL;
}

static void test_echo_start_refused(void **state)
{
    struct refused_start r = {0};
    pthread_t t;
    int port;

    (void)state;
    r.lfd = listen_loopback(&port);
    if (loop_create(&r.loop) < 0)
        harness_fail("loop_create failed");
    xpthread_create(&t, NULL, start_refused, &r);
    xpthread_join(t, NULL);
    if (r.filter != 0) {
        loop_destroy(r.loop);
        xclose(r.lfd);
        harness_skip("no seccomp filter here: epoll_ctl cannot be made to "
                     "fail");
    }
    if (r.rc == 0)
        echo_server_stop(r.srv);
    loop_destroy(r.loop);
    xclose(r.lfd);
    if (r.rc >= 0)
        harness_fail("echo_server_start returned %d where every epoll_ctl "
                     "fails (loop_watch cannot watch the listening socket): "
                     "expected loop_watch's negative errno",
                     r.rc);
}

/*
 * A connection the server cannot set up: in the loop's thread, a seccomp
 * filter fails every epoll_ctl that adds an fd other than the listening
 * socket (with ENOMEM), so the server accepts a client but cannot watch
 * it; then again with every allocation failing (harness_oom_begin; not
 * under Valgrind or a sanitizer). Whatever it does with it, once
 * echo_server_stop has run nothing is left: no descriptor open, nothing
 * allocated (memcheck).
 */
struct refused_conn {
    struct loop *loop;
    struct echo_server *srv;
    int lfd, oom, filter, rc, ticks;
    atomic_int connected; /* set by the client (the main thread) */
};

/* epoll_ctl(epfd, EPOLL_CTL_ADD, fd2, ...) fails with ENOMEM for every
 * fd2 but `fd` (op and fd2 are ints: their low 32 bits are compared). */
static int epoll_adds_fail_but(int fd)
{
    const struct harness_syscall_fault add = {
        .nr = SYS_epoll_ctl,
        .err = ENOMEM,
        .args = {{.index = 1, .mask = 0xffffffff, .value = EPOLL_CTL_ADD},
                 {.index = 2,
                  .negate = 1,
                  .mask = 0xffffffff,
                  .value = (uint32_t)fd}},
    };

    return harness_fail_syscalls(&add, 1);
}

/* Every 10 ms: stop 100 ms after the client connected, or after 3 s. */
static void refused_conn_tick(struct loop *loop, long id, void *arg)
{
    struct refused_conn *r = arg;

    (void)id;
    if (++r->ticks > 300 || (atomic_load(&r->connected) && ++r->connected > 11))
        loop_stop(loop);
}

static void *serve_refused(void *arg)
{
    struct refused_conn *r = arg;

    r->rc = echo_server_start(r->loop, r->lfd, &r->srv);
    if (r->rc < 0)
        return NULL;
    if (loop_timer_add(r->loop, 10, 10, refused_conn_tick, r, "tick") <= 0)
        r->rc = -1;
    else if (r->oom)
        r->filter = harness_oom_begin();
    else
        r->filter = epoll_adds_fail_but(r->lfd);
    if (r->rc == 0 && r->filter == 0)
        r->rc = loop_run(r->loop);
    if (r->oom && r->filter == 0)
        harness_oom_end();
    echo_server_stop(r->srv);
    return NULL;
}

/* One client connects while the loop's thread runs with epoll_ctl's ADD
 * refused (oom 0) or with every allocation failing (oom 1). */
static void connect_while_refused(int oom)
{
    struct harness_snapshot snap = harness_snapshot();
    struct refused_conn r = {.oom = oom};
    struct sockaddr_in a = {.sin_family = AF_INET};
    pthread_t t;
    int port, cfd;

    r.lfd = listen_loopback(&port);
    if (loop_create(&r.loop) < 0)
        harness_fail("loop_create failed");
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (cfd < 0)
        harness_fail("socket: %s", strerror(errno));
    xpthread_create(&t, NULL, serve_refused, &r);
    if (connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
        harness_fail("the client could not connect: %s", strerror(errno));
    atomic_store(&r.connected, 1);
    xpthread_join(t, NULL);
    xclose(cfd);
    loop_destroy(r.loop);
    xclose(r.lfd);
    if (r.rc < 0 && (!oom || r.filter != 0))
        harness_fail("echo_server_start or loop_run returned %d (%s)", r.rc,
                     strerror(-r.rc));
    if (r.rc < 0) /* loop_run may need memory: a failure, not a leak */
        harness_note("loop_run with no memory left returned %d (%s)", r.rc,
                     strerror(-r.rc));
    if (r.filter != 0) {
        harness_note(oom ? "out-of-memory check skipped here (Valgrind or a "
                           "sanitizer)"
                         : "no seccomp filter here: epoll_ctl cannot be "
                           "made to fail");
        return;
    }
    harness_assert_no_leaks(snap);
}

static void test_echo_connection_not_watched(void **state)
{
    (void)state;
    connect_while_refused(0);
    connect_while_refused(1);
}

/* 48 KiB, then shutdown(SHUT_WR) at once; the client starts reading once
 * the server has done all it can (its loop asleep for 5 ms; 200 ms at
 * most). The server reads the EOF while most of the echo is unwritten. */
static void eof_peer(struct peer *p)
{
    if (peer_send(p, 48 * 1024, 5000) < 0) {
        peer_fail(p, "could not send 48 KiB: the server does not read");
        return;
    }
    shutdown(p->fd, SHUT_WR);
    peer_wait_loop_idle(p, 200); /* a slow client */
    if (*(int *)p->arg)
        peer_read_echo(p, 1);
}

static void test_echo_eof_with_echo_pending(void **state)
{
    int read_it = 1;
    struct peer p = {.rcvbuf = 4096, .fn = eof_peer, .arg = &read_it};
    struct fixture f;

    (void)state;
    setup_sndbuf(&f, 16384); /* the echo cannot all be written at once */
    p.port = f.port;
    run_peer(f.loop, &p);
    if (p.err[0])
        harness_fail("a client sent 48 KiB and closed its side at once: %s "
                     "(at EOF, write everything still to be echoed, then "
                     "close)",
                     p.err);
    run_until_closed(f.loop, open_conns, f.srv);
    teardown(&f);
}

/* The same client, but it closes its socket instead of reading the echo:
 * the server's next write to it fails with EPIPE, a signal unless asked
 * otherwise. */
static void test_echo_client_gone_during_echo(void **state)
{
    struct harness_snapshot snap;
    struct clients_spec after = {
        .nclients = 2, .msg_len = 1000, .rounds = 2, .budget_ms = 4000};
    int read_it = 0;
    struct fixture f;

    (void)state;
    signal(SIGPIPE, SIG_DFL); /* as a server runs: the default kills */
    setup_sndbuf(&f, 16384);
    snap = harness_snapshot();
    for (int i = 0; i < 3; i++) {
        struct peer p = {.rcvbuf = 4096, .fn = eof_peer, .arg = &read_it};

        p.port = f.port;
        run_peer(f.loop, &p);
        if (p.err[0])
            harness_fail("client %d: %s", i, p.err);
    }
    run_until_closed(f.loop, open_conns, f.srv);
    harness_assert_no_leaks(snap);
    serve_and_check(&f, &after, "clients after three that vanished mid-echo");
    teardown(&f);
}

static void test_echo_many_clients_speedup(void **state)
{
    struct fixture f;

    (void)state;
    raise_nofile();
    setup(&f);
    check_many_clients_speedup(f.loop, f.port,
                               harness_param_long("clients", 1000));
    teardown(&f);
}

/* ---- task 4: one callback that does not cooperate stalls everyone ----- */

struct slow_log {
    int n;
    const char *name;
    uint64_t ns;
};

static void slow_report(struct loop *loop, const char *name, uint64_t ns,
                        void *arg)
{
    struct slow_log *log = arg;

    (void)loop;
    if (strcmp(name, "blocking_handler") == 0) {
        log->name = name;
        log->ns = ns;
    }
    log->n++;
}

static void blocking_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    harness_io_wait_ms(*(unsigned *)arg); /* a blocking call, not awaited */
}

static void test_echo_blocking_handler_stalls_everyone(void **state)
{
    struct clients_spec s = {
        .nclients = 20, .msg_len = 64, .rounds = 8, .gap_ms = 5};
    struct clients_result calm, stalled;
    struct slow_log log = {0};
    unsigned block_ms = 100; /* from 20 ms on: the clients take 40 ms or more */
    struct fixture f;

    (void)state;
    setup(&f);
    s.port = f.port;
    calm = run_clients(f.loop, &s);
    expect_served(&calm, &s, "no blocking handler");
    loop_set_slow_detector(f.loop, 50, slow_report, &log);
    loop_timer_add(f.loop, 20, 0, blocking_cb, &block_ms, "blocking_handler");
    stalled = run_clients(f.loop, &s);
    expect_served(&stalled, &s, "with a blocking handler");
    harness_note("slowest echo: %.1f ms without the blocking handler, %.1f "
                 "ms with one %u ms blocking callback",
                 calm.max_rtt_ns / 1e6, stalled.max_rtt_ns / 1e6, block_ms);
    if (!log.name)
        harness_fail("the slow-callback detector (threshold 50 ms) did not "
                     "report \"blocking_handler\", which blocked %u ms (%d "
                     "other reports)",
                     block_ms, log.n);
    if (log.ns < (block_ms - 5) * 1000000ull)
        harness_fail("blocking_handler reported as %.1f ms; it ran %u ms",
                     log.ns / 1e6, block_ms);
    if (stalled.max_rtt_ns < (block_ms * 2 / 3) * 1000000ull)
        harness_fail("while a callback blocked for %u ms no client waited "
                     "longer than %.1f ms for its echo: are callbacks run "
                     "on other threads?",
                     block_ms, stalled.max_rtt_ns / 1e6);
    teardown(&f);
}

/* ---- task 5: what an idle connection costs ---------------------------- */

static long rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *fp = fopen("/proc/self/status", "r");

    while (fp && fgets(line, sizeof(line), fp))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    if (fp)
        fclose(fp);
    return kib;
}

/* A child holds n idle client connections; returns its pid. */
static pid_t idle_clients(int port, long n, int ready[2], int hold[2])
{
    pid_t pid = xfork();
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char c = 'r';

    if (pid > 0)
        return pid;
    close(hold[1]); /* else the read below never sees EOF */
    close(ready[0]);
    for (long i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        if (fd < 0 || connect(fd, (void *)&a, sizeof(a)) < 0) {
            c = 'e';
            break;
        }
    }
    if (write(ready[1], &c, 1) != 1 || read(hold[0], &c, 1) < 0)
        _exit(1);
    _exit(0);
}

struct idle_wait {
    struct echo_server *srv;
    long n;
    uint64_t deadline;
};

static void idle_poll_cb(struct loop *loop, long id, void *arg)
{
    struct idle_wait *w = arg;
    struct echo_stats st;

    echo_server_stats(w->srv, &st);
    if (st.open >= w->n || harness_now_ns() > w->deadline) {
        loop_timer_cancel(loop, id);
        loop_stop(loop);
    }
}

static void *idle_thread(void *arg)
{
    char c;

    /* A thread per connection would sit in read(); so does this one. */
    if (read(*(int *)arg, &c, 1) < 0)
        return NULL;
    return NULL;
}

static void test_echo_idle_memory(void **state)
{
    /* 2,000 real connections, scaled to 10,000 in the note: a handshake
     * each costs the kernel tens of microseconds, and `make` runs this. */
    long n = harness_param_long("conns", 2000);
    long nthreads = harness_param_long("threads", 200);
    long limit = raise_nofile(), rss0, rss1, rss2;
    struct idle_wait w;
    int ready[2], hold[2], status;
    pthread_t *th;
    struct fixture f;
    uint64_t t0;
    pid_t pid;
    char c;

    (void)state;
    if (n + 64 > limit)
        n = limit - 64;
    setup(&f);
    xpipe(ready);
    xpipe(hold);
    rss0 = rss_kib();
    pid = idle_clients(f.port, n, ready, hold);
    w = (struct idle_wait){f.srv, n, harness_now_ns() + 5000000000ull};
    loop_timer_add(f.loop, 1, 1, idle_poll_cb, &w, "poll");
    t0 = harness_now_ns();
    if (loop_run(f.loop) != 0)
        harness_fail("loop_run failed");
    rss1 = rss_kib();
    if (read(ready[0], &c, 1) != 1 || c != 'r')
        harness_fail("the client process could not open %ld connections", n);
    if (harness_now_ns() > w.deadline)
        harness_fail("the server did not accept %ld connections in 5 s", n);
    /* The same number of idle peers served by threads, each in read(). */
    th = xcalloc((size_t)nthreads, sizeof(*th));
    for (long i = 0; i < nthreads; i++)
        xpthread_create(&th[i], NULL, idle_thread, &hold[0]);
    rss2 = rss_kib();
    xclose(hold[1]); /* EOF: the threads and the child return */
    for (long i = 0; i < nthreads; i++)
        xpthread_join(th[i], NULL);
    free(th);
    xwaitpid(pid, &status, 0);
    harness_note("%ld idle connections on one loop: %.2f MiB resident, "
                 "%.1f KiB each (accepted in %.0f ms); a thread per "
                 "connection: %.1f KiB resident each (measured on %ld "
                 "threads), plus 8 MiB of virtual stack each. For 10000: "
                 "%.1f MiB on the loop, %.0f MiB with threads",
                 n, (rss1 - rss0) / 1024.0, (double)(rss1 - rss0) / (double)n,
                 (harness_now_ns() - t0) / 1e6,
                 (double)(rss2 - rss1) / (double)nthreads, nthreads,
                 (double)(rss1 - rss0) / (double)n * 10000 / 1024.0,
                 (double)(rss2 - rss1) / (double)nthreads * 10000 / 1024.0);
    xclose(ready[0]);
    xclose(ready[1]);
    xclose(hold[0]);
    teardown(&f);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_echo_one_client),
    cmocka_unit_test(test_echo_1mib_messages),
    cmocka_unit_test(test_echo_trickling_clients),
    cmocka_unit_test(test_echo_vanishing_clients),
    cmocka_unit_test(test_echo_stop_closes_connections),
    cmocka_unit_test(test_echo_accepts_every_pending),
    cmocka_unit_test(test_echo_client_that_never_reads),
    cmocka_unit_test(test_echo_start_refused),
    cmocka_unit_test(test_echo_connection_not_watched),
    cmocka_unit_test(test_echo_eof_with_echo_pending),
    cmocka_unit_test(test_echo_client_gone_during_echo),
    cmocka_unit_test(test_echo_many_clients_speedup),
    cmocka_unit_test(test_echo_blocking_handler_stalls_everyone),
    cmocka_unit_test(test_echo_idle_memory),
};

HARNESS_MAIN(tests)
