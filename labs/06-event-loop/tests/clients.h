/* SPDX-License-Identifier: MIT */
/*
 * Lab 06 tests: simulated slow clients. A helper thread drives many TCP
 * clients over loopback with its own epoll (never the student's loop), each
 * a small state machine: connect, send a message (perhaps in trickled
 * pieces), read the echo back and check every byte, think, repeat, then
 * shut down its side and wait for the server to close. Their slowness is
 * simulated with timeouts, so it costs no CPU.
 */
#ifndef LAB06_TESTS_CLIENTS_H
#define LAB06_TESTS_CLIENTS_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "harness.h"

struct clients_spec {
    int port;
    int nclients;
    int concurrency; /* at most this many at once (1: one by one) */
    size_t msg_len;  /* bytes per round */
    int rounds;      /* message/echo rounds per client */
    int pieces;      /* each message is sent in this many pieces... */
    unsigned gap_ms; /* ...gap_ms apart; also the think time between rounds */
    int vanish;      /* reset the connection halfway through message 1 */
    unsigned budget_ms; /* give up after this long (0: 8000) */
    int rcvbuf;         /* SO_RCVBUF of the clients (0: the default) */
};

struct clients_result {
    int finished; /* every round echoed, then the server closed */
    int vanished;
    int failed;
    int aborted; /* unfinished when the budget ran out */
    int cut;     /* of the failed: the server ended it in mid-message */
    uint64_t elapsed_ns;
    uint64_t max_rtt_ns; /* last byte of a message sent -> its echo complete */
    char error[256];     /* the first failure */
};

enum cl_state { CL_NEW, CL_CONNECTING, CL_ROUND, CL_CLOSING, CL_DONE };

struct cl {
    int fd;
    enum cl_state state;
    int round, piece;
    size_t sent, recvd;
    uint64_t wake_at; /* a pause (between pieces or rounds) ends; 0: none */
    uint64_t sent_at; /* the whole message was sent */
    uint64_t echo_at; /* its first echoed byte came back (0: none yet) */
    unsigned ev;      /* the epoll interest now */
};

struct clients_run {
    struct clients_spec spec;
    struct clients_result res; /* written by the driver, read after join */
    int notify_fd;             /* a byte is written here when all are done */
    atomic_int abort;
    pthread_t thread;
    /* The driver thread's own: */
    int epfd;
    struct cl *cls;
    int next, active;
    unsigned char scratch[64 * 1024];
};

/* The byte at offset k of message r of client c: shifts and drops show. */
static inline unsigned char cl_byte(int c, int r, size_t k)
{
    uint32_t x = (uint32_t)k * 2654435761u ^ (uint32_t)(c * 40503 + r * 977);

    return (unsigned char)(x >> 24);
}

static inline void cl_fail(struct clients_run *r, struct cl *c, int i,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* While the trace is armed, a client's lane shows the time it was being
 * served: from its first echoed byte to its end. The first clients only:
 * a timeline has room for a few dozen lanes. */
#define CL_TRACED 48

static inline void cl_finish(struct clients_run *r, struct cl *c)
{
    long i = c - r->cls;

    if (c->state == CL_DONE)
        return;
    if (c->echo_at && i < CL_TRACED && harness_trace_armed())
        harness_trace_span((int)i, "served", c->echo_at, harness_now_ns());
    if (c->fd >= 0) {
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = CL_DONE;
    r->active--;
}

static inline void cl_fail(struct clients_run *r, struct cl *c, int i,
                           const char *fmt, ...)
{
    va_list ap;
    int n;

    if (c->state == CL_DONE)
        return;
    if (r->res.failed++ == 0) {
        n = snprintf(r->res.error, sizeof(r->res.error), "client %d: ", i);
        va_start(ap, fmt);
        vsnprintf(r->res.error + n, sizeof(r->res.error) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    cl_finish(r, c);
}

static inline void cl_interest(struct clients_run *r, struct cl *c, int i,
                               unsigned ev)
{
    struct epoll_event e = {.events = ev, .data.u32 = (uint32_t)i};

    if (ev != c->ev)
        epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd, &e);
    c->ev = ev;
}

static inline void cl_vanish(struct clients_run *r, struct cl *c)
{
    struct linger lg = {1, 0}; /* close() sends a reset */

    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    r->res.vanished++;
    cl_finish(r, c);
}

static inline size_t cl_piece_end(const struct clients_spec *s, int piece)
{
    return s->msg_len * (size_t)(piece + 1) / (size_t)s->pieces;
}

/* Send until the current piece is out or the socket is full. */
static inline void cl_send(struct clients_run *r, struct cl *c, int i)
{
    const struct clients_spec *s = &r->spec;
    size_t end = cl_piece_end(s, c->piece);

    if (s->vanish && end > s->msg_len / 2)
        end = s->msg_len / 2;
    while (c->sent < end) {
        size_t len = end - c->sent;
        ssize_t n;

        if (len > sizeof(r->scratch))
            len = sizeof(r->scratch);
        for (size_t k = 0; k < len; k++)
            r->scratch[k] = cl_byte(i, c->round, c->sent + k);
        n = send(c->fd, r->scratch, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            cl_interest(r, c, i, EPOLLIN | EPOLLOUT);
            return;
        }
        if (n < 0) {
            if (errno == ECONNRESET || errno == EPIPE)
                r->res.cut++;
            cl_fail(r, c, i, "send failed after %zu bytes of message %d: %s",
                    c->sent, c->round, strerror(errno));
            return;
        }
        c->sent += (size_t)n;
    }
    cl_interest(r, c, i, EPOLLIN);
    if (s->vanish) {
        cl_vanish(r, c);
    } else if (c->sent == s->msg_len) {
        c->sent_at = harness_now_ns();
    } else {
        c->piece++;
        c->wake_at = harness_now_ns() + s->gap_ms * 1000000ull;
    }
}

static inline void cl_start_round(struct clients_run *r, struct cl *c, int i)
{
    c->state = CL_ROUND;
    c->sent = c->recvd = 0;
    c->piece = 0;
    c->wake_at = 0;
    cl_send(r, c, i);
}

static inline void cl_round_done(struct clients_run *r, struct cl *c, int i)
{
    uint64_t rtt = harness_now_ns() - c->sent_at;

    if (rtt > r->res.max_rtt_ns)
        r->res.max_rtt_ns = rtt;
    if (++c->round < r->spec.rounds) {
        if (r->spec.gap_ms) {
            c->state = CL_NEW; /* thinking; wake_at restarts the round */
            c->wake_at = harness_now_ns() + r->spec.gap_ms * 1000000ull;
        } else {
            cl_start_round(r, c, i);
        }
        return;
    }
    shutdown(c->fd, SHUT_WR); /* done: the server should now close */
    c->state = CL_CLOSING;
}

static inline void cl_recv(struct clients_run *r, struct cl *c, int i)
{
    while (c->state != CL_DONE) {
        ssize_t n = recv(c->fd, r->scratch, sizeof(r->scratch), 0);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n < 0) {
            if (errno == ECONNRESET)
                r->res.cut++;
            cl_fail(r, c, i,
                    "recv: %s after %zu of %zu echoed "
                    "bytes of message %d",
                    strerror(errno), c->recvd, r->spec.msg_len, c->round);
            return;
        }
        if (n == 0 && c->state == CL_CLOSING) {
            r->res.finished++;
            cl_finish(r, c);
            return;
        }
        if (n == 0) {
            r->res.cut++;
            cl_fail(r, c, i,
                    "the server closed the connection after "
                    "echoing %zu of %zu bytes of message %d",
                    c->recvd, r->spec.msg_len, c->round);
            return;
        }
        if (c->state != CL_ROUND || c->recvd + (size_t)n > c->sent) {
            cl_fail(r, c, i,
                    "got %zd bytes more than were sent "
                    "(message %d)",
                    n, c->round);
            return;
        }
        for (ssize_t k = 0; k < n; k++)
            if (r->scratch[k] != cl_byte(i, c->round, c->recvd + (size_t)k)) {
                cl_fail(r, c, i,
                        "echo corrupted at byte %zu of "
                        "message %d (%zu bytes long): bytes lost, "
                        "repeated or reordered",
                        c->recvd + (size_t)k, c->round, r->spec.msg_len);
                return;
            }
        if (!c->echo_at)
            c->echo_at = harness_now_ns();
        c->recvd += (size_t)n;
        if (c->recvd == r->spec.msg_len)
            cl_round_done(r, c, i);
    }
}

static inline void cl_connect(struct clients_run *r, int i)
{
    struct cl *c = &r->cls[i];
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)r->spec.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct epoll_event e = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
    int one = 1;

    r->active++;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        cl_fail(r, c, i, "socket: %s", strerror(errno));
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    /* A small receive window: the server's sends fill up and fall short. */
    if (r->spec.rcvbuf)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &r->spec.rcvbuf,
                   sizeof(r->spec.rcvbuf));
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0 &&
        errno != EINPROGRESS) {
        cl_fail(r, c, i, "connect: %s", strerror(errno));
        return;
    }
    c->state = CL_CONNECTING;
    c->ev = EPOLLOUT;
    epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd, &e);
}

static inline void cl_event(struct clients_run *r, int i, uint32_t ev)
{
    struct cl *c = &r->cls[i];
    int err = 0;
    socklen_t len = sizeof(err);

    if (c->state == CL_CONNECTING) {
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            cl_fail(r, c, i, "connect: %s", strerror(err));
            return;
        }
        cl_interest(r, c, i, EPOLLIN);
        cl_start_round(r, c, i);
        return;
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
        cl_recv(r, c, i);
    if (c->state == CL_ROUND && (ev & EPOLLOUT) && !c->wake_at)
        cl_send(r, c, i);
}

/* Wake the clients whose pause is over; returns the next wake-up in ms. */
static inline int cl_timers(struct clients_run *r)
{
    uint64_t now = harness_now_ns(), next = now + 50 * 1000000ull;

    for (int i = 0; i < r->next; i++) {
        struct cl *c = &r->cls[i];

        if (c->state == CL_DONE || !c->wake_at)
            continue;
        if (c->wake_at <= now) {
            c->wake_at = 0;
            if (c->state == CL_NEW)
                cl_start_round(r, c, i);
            else
                cl_send(r, c, i);
        } else if (c->wake_at < next) {
            next = c->wake_at;
        }
    }
    return (int)((next - now + 999999) / 1000000);
}

static inline void *clients__main(void *arg)
{
    struct clients_run *r = arg;
    struct epoll_event evs[256];
    uint64_t t0 = harness_now_ns();
    uint64_t end =
        t0 + (r->spec.budget_ms ? r->spec.budget_ms : 8000) * 1000000ull;
    int n = r->spec.nclients;

    while (r->next < n || r->active > 0) {
        int timeout, k;

        if (atomic_load(&r->abort) || harness_now_ns() > end)
            break;
        while (r->next < n && r->active < r->spec.concurrency)
            cl_connect(r, r->next++);
        timeout = cl_timers(r);
        k = epoll_wait(r->epfd, evs, 256, timeout);
        for (int j = 0; j < k; j++)
            if (r->cls[evs[j].data.u32].state != CL_DONE)
                cl_event(r, (int)evs[j].data.u32, evs[j].events);
    }
    r->res.elapsed_ns = harness_now_ns() - t0;
    for (int i = 0; i < n; i++) {
        if (i < r->next && r->cls[i].state == CL_DONE)
            continue;
        r->res.aborted++;
        if (i < r->next)
            cl_finish(r, &r->cls[i]);
    }
    if (r->notify_fd >= 0)
        while (write(r->notify_fd, "x", 1) < 0 && errno == EINTR)
            ;
    return NULL;
}

/* Start the driver thread; a byte goes to notify_fd (if >= 0) at the end. */
static inline struct clients_run *clients_start(const struct clients_spec *s,
                                                int notify_fd)
{
    struct clients_run *r = xcalloc(1, sizeof(*r));

    r->spec = *s;
    if (r->spec.pieces < 1)
        r->spec.pieces = 1;
    if (r->spec.concurrency < 1)
        r->spec.concurrency = s->nclients;
    r->notify_fd = notify_fd;
    r->cls = xcalloc((size_t)s->nclients, sizeof(*r->cls));
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (r->epfd < 0)
        harness_fail("epoll_create1: %s", strerror(errno));
    xpthread_create(&r->thread, NULL, clients__main, r);
    return r;
}

/* Wait for the driver (abort it first if `abort`), copy its result, free. */
static inline struct clients_result clients_join(struct clients_run *r,
                                                 int abort)
{
    struct clients_result res;

    if (abort)
        atomic_store(&r->abort, 1);
    xpthread_join(r->thread, NULL);
    res = r->res;
    close(r->epfd);
    free(r->cls);
    free(r);
    return res;
}

/*
 * A listening, non-blocking TCP socket on 127.0.0.1 and a free port. With
 * sndbuf > 0, the accepted sockets inherit that (fixed) send buffer: a
 * server's sends then fall short as soon as a client reads slowly.
 */
static inline int listen_loopback_sndbuf(int *port, int sndbuf)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd >= 0 && sndbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(fd, 4096) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        harness_fail("cannot listen on loopback: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

static inline int listen_loopback(int *port)
{
    return listen_loopback_sndbuf(port, 0);
}

/* Raise the soft fd limit to the hard one; returns the fds now allowed. */
static inline long raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
}

#endif /* LAB06_TESTS_CLIENTS_H */
