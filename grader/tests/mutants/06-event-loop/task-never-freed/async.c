/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 3: tasks are coroutines; awaiting registers a one-shot loop
 * callback that resumes the task, then yields back to the loop.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "async.h"
#include "coro.h"

struct task {
    struct loop *loop;
    struct coro *co;
    async_fn fn;
    void *arg;
};

/* The loop and its tasks live on one thread: per-thread state, no lock. */
static _Thread_local struct task *current_task;
static _Thread_local long live_tasks;

long async_live_tasks(void)
{
    return live_tasks;
}

/* Run t until its next await; free it when its body has returned. */
static void async__step(struct task *t)
{
    struct task *prev = current_task;
    int rc;

    current_task = t;
    rc = coro_resume(t->co);
    current_task = prev;
    if (rc == 1) {
        coro_destroy(t->co);
        live_tasks--; /* the struct task is never freed */
    }
}

static void async__body(void *arg)
{
    struct task *t = arg;

    t->fn(t->arg);
}

static void async__timer_cb(struct loop *loop, long id, void *arg)
{
    (void)loop;
    (void)id;
    async__step(arg);
}

static void async__fd_cb(struct loop *loop, int fd, unsigned events, void *arg)
{
    (void)events;
    loop_unwatch(loop, fd); /* one-shot: the task watches again if need be */
    async__step(arg);
}

int async_spawn(struct loop *loop, async_fn fn, void *arg)
{
    struct task *t = calloc(1, sizeof(*t));
    long id;
    int rc;

    if (!t)
        return -ENOMEM;
    t->loop = loop;
    t->fn = fn;
    t->arg = arg;
    rc = coro_create(&t->co, async__body, t, 0);
    if (rc < 0)
        goto out_free;
    id = loop_timer_add(loop, 0, 0, async__timer_cb, t, "async_task");
    if (id < 0) {
        rc = (int)id;
        coro_destroy(t->co);
        goto out_free;
    }
    live_tasks++;
    return 0;
out_free:
    free(t);
    return rc;
}

static int async__await_fd(int fd, unsigned events)
{
    struct task *t = current_task;
    int rc;

    if (!t)
        return -EPERM;
    rc = loop_watch(t->loop, fd, events, async__fd_cb, t, "async_task");
    if (rc < 0)
        return rc;
    coro_yield();
    return 0;
}

int await_readable(int fd)
{
    return async__await_fd(fd, LOOP_READABLE);
}

int await_writable(int fd)
{
    return async__await_fd(fd, LOOP_WRITABLE);
}

int await_sleep(uint64_t ms)
{
    struct task *t = current_task;
    long id;

    if (!t)
        return -EPERM;
    id = loop_timer_add(t->loop, ms, 0, async__timer_cb, t, "async_task");
    if (id < 0)
        return (int)id;
    coro_yield();
    return 0;
}

/* ---- the echo server, straight-line ---------------------------------- */

static int echo_async__send_all(int fd, const char *buf, size_t len)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (await_writable(fd) < 0)
                return -1;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static void echo_async__serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[16 * 1024]; /* on the task's own stack */

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);

        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (await_readable(fd) < 0)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* EOF: all echoed already; or the client vanished */
            break;
        if (echo_async__send_all(fd, buf, (size_t)n) < 0)
            break;
    }
    close(fd);
}

static void echo_async__accept_cb(struct loop *loop, int fd, unsigned events,
                                  void *arg)
{
    (void)events;
    (void)arg;
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (cfd < 0)
            return;
        if (async_spawn(loop, echo_async__serve, (void *)(intptr_t)cfd) < 0)
            close(cfd);
    }
}

int echo_async_start(struct loop *loop, int listen_fd)
{
    return loop_watch(loop, listen_fd, LOOP_READABLE, echo_async__accept_cb,
                      NULL, "echo_async_accept");
}

void echo_async_stop(struct loop *loop, int listen_fd)
{
    loop_unwatch(loop, listen_fd);
}
