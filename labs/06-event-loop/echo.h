/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 2: an echo server on the event loop, callback style. Every
 * byte a client sends comes back to it, in order, however slowly it sends
 * or reads. You write echo.c; this header is not yours to edit.
 */
#ifndef LAB06_ECHO_H
#define LAB06_ECHO_H

#include "loop.h"

struct echo_server;

/* Counters, for the tests and for curiosity. */
struct echo_stats {
    long accepted; /* connections accepted since echo_server_start */
    long open;     /* connections still open (not yet closed by the server) */
    long long echoed; /* bytes written back, all connections together */
};

/*
 * echo_server_start - serve the clients of listen_fd on loop: watch it,
 * accept every pending connection when it is readable, and echo each
 * connection's bytes back to it. listen_fd is a bound, listening,
 * non-blocking TCP socket owned by the caller.
 *
 * Rules, because one thread serves everyone:
 * - no call may block: accepted sockets are made non-blocking, and EAGAIN
 *   means "not now, the loop will call back", never an error;
 * - read and write may move fewer bytes than asked: keep what is not yet
 *   written and write it when the socket is writable again; stop reading
 *   while unwritten bytes fill your buffer (so a client that sends without
 *   reading cannot make the server's memory grow without bound);
 * - a client that closes its side (read returns 0) gets every byte it sent
 *   echoed first, then the server closes the connection;
 * - a client that vanishes (ECONNRESET, EPIPE) is closed at once, and a
 *   write to it must not kill the process (SIGPIPE: use send(MSG_NOSIGNAL)).
 *
 * Returns 0 and sets *out, or a negative errno (-ENOMEM, loop_watch's).
 * Context: the loop's thread; the server runs while loop_run does.
 */
int echo_server_start(struct loop *loop, int listen_fd,
                      struct echo_server **out);

/*
 * echo_server_stop - stop watching listen_fd (not closed: it is the
 * caller's), close every open connection and free the server. NULL is a
 * no-op. Context: the loop's thread, not from one of the server's own
 * callbacks.
 */
void echo_server_stop(struct echo_server *srv);

/* echo_server_stats - copy the counters into *st. Context: the loop's thread. */
void echo_server_stats(const struct echo_server *srv, struct echo_stats *st);

#endif /* LAB06_ECHO_H */
