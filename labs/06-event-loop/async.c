/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, task 3: tasks are coroutines (coro.h, provided); awaiting
 * registers a one-shot loop callback that resumes the task, then yields
 * back to the loop. Yours to write: the TODO(lab06.3) marks say where.
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
    /*
     * TODO(lab06.3): resume t's coroutine, with current_task set to t while
     * it runs (what should it be after?). coro_resume tells you whether
     * the body has returned: then the task is over. Who frees it, and why
     * can it not free itself?
     */
    (void)t;
    (void)current_task;
}

/* The coroutine's body: the task's function. */
static void async__body(void *arg)
{
    struct task *t = arg;

    t->fn(t->arg);
}

int async_spawn(struct loop *loop, async_fn fn, void *arg)
{
    /*
     * TODO(lab06.3): a struct task, its coroutine (coro_create with
     * async__body), and a way to have the loop run its first step soon
     * (which loop facility calls you back "in the next iteration"?).
     */
    (void)loop;
    (void)fn;
    (void)arg;
    (void)async__body;
    (void)async__step;
    return -ENOSYS;
}

int await_readable(int fd)
{
    /*
     * TODO(lab06.3): outside a task, -EPERM. Inside: ask the loop to call
     * back when fd is readable, with a callback that stops watching fd and
     * steps the task; then coro_yield(). When coro_yield returns, fd is
     * ready. (await_writable is the same with LOOP_WRITABLE: share it.)
     */
    (void)fd;
    return -ENOSYS;
}

int await_writable(int fd)
{
    /* TODO(lab06.3): as await_readable. */
    (void)fd;
    return -ENOSYS;
}

int await_sleep(uint64_t ms)
{
    /* TODO(lab06.3): as await_readable, with a one-shot timer. */
    (void)ms;
    return -ENOSYS;
}

/* ---- the echo server, straight-line ---------------------------------- */

static void echo_async__serve(void *arg)
{
    int fd = (int)(intptr_t)arg;

    /*
     * TODO(lab06.3): one connection, as plain sequential code: read; when
     * there is nothing to read, await_readable and read again; write back
     * everything that was read, awaiting writable when the socket is full;
     * at EOF or on an error, close fd and return. Compare with echo.c:
     * where did the state machine go?
     */
    close(fd);
}

static void echo_async__accept_cb(struct loop *loop, int fd, unsigned events,
                                  void *arg)
{
    /*
     * TODO(lab06.3): as echo.c's accept callback, but each accepted
     * connection becomes a task running echo_async__serve (pass the fd
     * as (void *)(intptr_t)cfd).
     */
    (void)loop;
    (void)fd;
    (void)events;
    (void)arg;
    (void)echo_async__serve;
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
