/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 2: the callback-style echo server. Each connection has one
 * buffer: bytes read go in at the tail, bytes written leave from the head.
 * Yours to write: the TODO(lab06.2) marks say where.
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
    char buf[ECHO_BUF];
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

    /*
     * TODO(lab06.2): what must happen to c->fd, in which order, so that
     * neither the loop nor the process keeps anything of it?
     */
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->stats.open--;
    free(c);
}

static void echo__conn_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct echo_conn *c = arg;

    /*
     * TODO(lab06.2): the heart of the server, called when c->fd is ready.
     * - Read into the free end of c->buf (if there is room and the client
     *   has not finished sending). 0 means EOF; -1 with EAGAIN means "not
     *   now". How many reads per callback is fair to the other clients?
     * - Write what is pending: send() may take only part of it. Where does
     *   the rest wait, and who calls you back when the socket has room?
     *   (And why send(..., MSG_NOSIGNAL) rather than write()?)
     * - Then decide what you wait for next, and loop_watch accordingly:
     *   readable only while there is room in the buffer, writable only
     *   while something is pending. Nothing left to wait for (EOF, and all
     *   echoed)? Close. ECONNRESET, EPIPE? Close.
     * - stats.echoed counts the bytes written back.
     */
    (void)loop;
    (void)fd;
    (void)events;
    (void)c;
    (void)echo__conn_close;
}

static void echo__accept_cb(struct loop *loop, int fd, unsigned events,
                            void *arg)
{
    struct echo_server *srv = arg;

    /*
     * TODO(lab06.2): accept every pending connection, not just one
     * (accept4 can make the new socket non-blocking and close-on-exec in
     * the same call). Why must the listening socket itself be non-blocking
     * for this loop to end? For each: a struct echo_conn (malloc: the
     * buffer is big, and only touched pages cost memory), echo__conn_link,
     * and a watch for LOOP_READABLE. EINTR and ECONNABORTED: try the next.
     */
    (void)loop;
    (void)fd;
    (void)events;
    (void)srv;
    (void)echo__conn_cb;
    (void)echo__conn_link;
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
