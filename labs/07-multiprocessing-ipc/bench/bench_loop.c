/* SPDX-License-Identifier: MIT */
/*
 * Lab 07 bench: the event-loop model, on your lab 06 loop. Each connection's
 * I/O is a timer fd armed for wait_us: the loop watches it like a socket,
 * and its callback computes the request, then arms it for the next one.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "harness.h"
#include "bench.h"
#include "loop.h"

struct conn {
    const struct bench_load *w;
    int fd, left;
    int *active;
    uint64_t acc;
};

static int arm(int fd, unsigned long us)
{
    struct itimerspec it = {{0, 0}, {0, 0}};

    if (us == 0)
        it.it_value.tv_nsec = 1; /* 0 would disarm it: due at once */
    it.it_value.tv_sec = (time_t)(us / 1000000);
    it.it_value.tv_nsec += (long)(us % 1000000) * 1000;
    return timerfd_settime(fd, 0, &it, NULL) < 0 ? -errno : 0;
}

static void on_ready(struct loop *loop, int fd, unsigned events, void *arg)
{
    struct conn *c = arg;
    uint64_t ticks;

    (void)events;
    if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
        return; /* not due yet: level-triggered, it will come back */
    c->acc += harness_spin_work(c->w->cpu); /* the request's work */
    if (--c->left > 0 && arm(fd, c->w->wait_us) == 0)
        return;
    loop_unwatch(loop, fd);
    if (--*c->active == 0)
        loop_stop(loop);
}

int bench_loop_run(const struct bench_load *w)
{
    struct conn *c = calloc((size_t)w->conns, sizeof(*c));
    struct loop *loop = NULL;
    int rc, active = 0;

    if (!c)
        return -ENOMEM;
    for (int i = 0; i < w->conns; i++)
        c[i].fd = -1;
    rc = loop_create(&loop);
    for (int i = 0; !rc && i < w->conns; i++) {
        c[i] = (struct conn){w, -1, w->reqs, &active, 0};
        c[i].fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (c[i].fd < 0) {
            rc = -errno;
            break;
        }
        rc = loop_watch(loop, c[i].fd, LOOP_READABLE, on_ready, &c[i], "conn");
        if (!rc)
            rc = arm(c[i].fd, w->wait_us);
        if (!rc)
            active++;
    }
    if (!rc)
        rc = loop_run(loop);
    if (!rc && active)
        rc = -EIO; /* the loop returned with connections left */
    loop_destroy(loop);
    for (int i = 0; i < w->conns; i++)
        if (c[i].fd >= 0)
            close(c[i].fd);
    free(c);
    return rc;
}
