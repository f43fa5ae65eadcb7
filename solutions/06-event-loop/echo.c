/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 2: the callback-style echo server. Each connection has one
 * buffer while it has bytes to echo: bytes read go in at the tail, bytes
 * written leave from the head.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"

#define ECHO_BUF (64 * 1024)

struct echo_conn {
    struct echo_server *srv;
    struct echo_conn *prev, *next; /* srv->conns */
    int fd;
    int eof;           /* the client has finished sending */
    size_t head, tail; /* buf[head, tail) is still to be written */
    char *buf;         /* ECHO_BUF bytes; NULL while none are pending */
};

/* Touched only from the loop's thread. */
struct echo_server {
    struct loop *loop;
    int listen_fd;
    struct echo_conn *conns; /* every open connection */
    struct echo_stats stats;
};

/* Put c on srv's list of open connections (and count it). */
static void echo__conn_link(struct echo_server *srv, struct echo_conn *c)
{
    c->srv = srv;
    c->prev = NULL;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->stats.accepted++;
    srv->stats.open++;
}

/* The end of a connection, whatever the reason. */
static void echo__conn_close(struct echo_conn *c)
{
    struct echo_server *srv = c->srv;

    /* Unwatch first: after close() the number may be reused at once. */
    loop_unwatch(srv->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->stats.open--;
    free(c->buf);
    free(c);
}

/*
 * Everything read has been echoed: give the buffer back. An idle connection
 * then holds none, and the next request gets one that malloc has just had
 * back, still in the cache: with many connections the server touches one
 * warm buffer instead of one cold buffer per client.
 */
static void echo__buf_release(struct echo_conn *c)
{
    free(c->buf);
    c->buf = NULL;
    c->head = c->tail = 0;
}

/* Read once if there is room. Returns 0, or -1 when the peer is gone. */
static int echo__fill(struct echo_conn *c)
{
    ssize_t n;

    if (c->eof || c->tail == ECHO_BUF)
        return 0;
    if (!c->buf && !(c->buf = malloc(ECHO_BUF)))
        return 0; /* no memory now: try again at the next readiness */
    n = recv(c->fd, c->buf + c->tail, ECHO_BUF - c->tail, 0);
    if (n > 0)
        c->tail += (size_t)n;
    else if (n == 0)
        c->eof = 1;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return -1;
    return 0;
}

/* Write what we can. Returns 0, or -1 when the peer is gone. */
static int echo__flush(struct echo_conn *c)
{
    while (c->head < c->tail) {
        ssize_t n =
            send(c->fd, c->buf + c->head, c->tail - c->head, MSG_NOSIGNAL);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        c->head += (size_t)n;
        c->srv->stats.echoed += n;
    }
    if (c->head == c->tail)
        echo__buf_release(c);
    return 0;
}

static void echo__conn_cb(struct loop *loop, int fd, unsigned events,
                          void *arg);

/* Read while there is room to read into; write while there is something. */
static int echo__rewatch(struct echo_conn *c)
{
    unsigned want = 0;

    if (!c->eof && c->tail < ECHO_BUF)
        want |= LOOP_READABLE;
    if (c->head < c->tail)
        want |= LOOP_WRITABLE;
    if (!want) /* eof and everything echoed */
        return -1;
    return loop_watch(c->srv->loop, c->fd, want, echo__conn_cb, c, "echo_conn");
}

static void echo__conn_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct echo_conn *c = arg;

    (void)loop;
    (void)fd;
    if ((events & LOOP_READABLE) && echo__fill(c) < 0)
        goto out_close;
    if (echo__flush(c) < 0)
        goto out_close;
    if (echo__rewatch(c) < 0)
        goto out_close;
    return;
out_close:
    echo__conn_close(c);
}

static void echo__accept_cb(struct loop *loop, int fd, unsigned events,
                            void *arg)
{
    struct echo_server *srv = arg;

    (void)events;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct echo_conn *c;

        if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (cfd < 0) /* EAGAIN: all accepted; EMFILE...: retry later */
            return;
        c = malloc(sizeof(*c));
        if (!c) {
            close(cfd);
            continue;
        }
        c->fd = cfd;
        c->eof = 0;
        c->buf = NULL;
        c->head = c->tail = 0;
        if (loop_watch(loop, cfd, LOOP_READABLE, echo__conn_cb, c,
                       "echo_conn") < 0) {
            free(c);
            close(cfd);
            continue;
        }
        echo__conn_link(srv, c);
    }
}

int echo_server_start(struct loop *loop, int listen_fd,
                      struct echo_server **out)
{
    struct echo_server *srv = calloc(1, sizeof(*srv));
    int rc;

    if (!srv)
        return -ENOMEM;
    srv->loop = loop;
    srv->listen_fd = listen_fd;
    rc = loop_watch(loop, listen_fd, LOOP_READABLE, echo__accept_cb, srv,
                    "echo_accept");
    if (rc < 0) {
        free(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

void echo_server_stop(struct echo_server *srv)
{
    if (!srv)
        return;
    loop_unwatch(srv->loop, srv->listen_fd);
    while (srv->conns)
        echo__conn_close(srv->conns);
    free(srv);
}

void echo_server_stats(const struct echo_server *srv, struct echo_stats *st)
{
    *st = srv->stats;
}
