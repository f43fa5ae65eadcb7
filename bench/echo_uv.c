/* SPDX-License-Identifier: MIT */
/*
 * The baseline for lab 06: an echo server on libuv, written the way libuv
 * is meant to be used (try the write at once, queue only what the socket
 * would not take, stop reading while a backlog waits). It serves the
 * listening socket it inherits as fd 3 until it is killed.
 * Usage: echo_uv (run by echo_load, not by hand).
 */
#include <signal.h>
#include <uv.h>

#include "bench.h"

/* Stop reading from a client while this many bytes wait to be written. */
#define BACKLOG_MAX (256 * 1024)

/* One loop, one thread: every read lands in this buffer and is written (or
 * copied into a write request) before the next read. */
static char read_buf[64 * 1024];

struct pending_write {
    uv_write_t req;
    uv_buf_t buf; /* a copy of the bytes the socket did not take at once */
};

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(read_buf, sizeof(read_buf));
}

static void free_cb(uv_handle_t *h)
{
    free(h);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void write_cb(uv_write_t *req, int status)
{
    struct pending_write *w = (struct pending_write *)req;
    uv_stream_t *s = req->handle;

    free(w->buf.base);
    free(w);
    if (status < 0) {
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, free_cb);
        return;
    }
    if (s->write_queue_size == 0 && !uv_is_closing((uv_handle_t *)s))
        uv_read_start(s, alloc_cb, read_cb); /* the backlog has drained */
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    uv_buf_t rest;
    int sent;

    if (n < 0) { /* UV_EOF or an error: nothing more to echo */
        uv_close((uv_handle_t *)s, free_cb);
        return;
    }
    if (n == 0)
        return;
    rest = uv_buf_init(buf->base, (unsigned)n);
    sent = s->write_queue_size ? UV_EAGAIN : uv_try_write(s, &rest, 1);
    if (sent == n)
        return;
    if (sent < 0 && sent != UV_EAGAIN) {
        uv_close((uv_handle_t *)s, free_cb);
        return;
    }
    if (sent > 0) {
        rest.base += sent;
        rest.len -= (size_t)sent;
    }
    struct pending_write *w = malloc(sizeof(*w));
    char *copy = malloc(rest.len);

    if (!w || !copy)
        bench_die("out of memory");
    memcpy(copy, rest.base, rest.len);
    w->buf = uv_buf_init(copy, (unsigned)rest.len);
    if (uv_write(&w->req, s, &w->buf, 1, write_cb) < 0)
        bench_die("uv_write failed");
    if (s->write_queue_size > BACKLOG_MAX)
        uv_read_stop(s);
}

static void connection_cb(uv_stream_t *server, int status)
{
    uv_tcp_t *client;

    if (status < 0)
        return;
    client = malloc(sizeof(*client));
    if (!client)
        bench_die("out of memory");
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, (uv_stream_t *)client) != 0) {
        uv_close((uv_handle_t *)client, free_cb);
        return;
    }
    uv_read_start((uv_stream_t *)client, alloc_cb, read_cb);
}

int main(void)
{
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    uv_tcp_init(loop, &server);
    rc = uv_tcp_open(&server, 3);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server, 4096, connection_cb);
    if (rc != 0)
        bench_die("listening on fd 3: %s", uv_strerror(rc));
    rc = uv_run(loop, UV_RUN_DEFAULT); /* until SIGTERM */
    bench_die("uv_run returned %d", rc);
}
