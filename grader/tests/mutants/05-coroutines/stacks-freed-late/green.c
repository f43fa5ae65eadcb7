/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 3 (reference): a round-robin scheduler of green threads on
 * one OS thread: spawn, yield, join, sleep and unbuffered channels.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "green.h"

/* A FIFO of green threads, linked through their `next` field. */
struct gqueue {
    struct green *head, *tail;
};

/*
 * Everything here belongs to one OS thread (the scheduler is thread-local),
 * so nothing needs a lock: a green thread runs only between two switches
 * that it asks for itself.
 */
struct green {
    struct coro *co;    /* NULL once finished: its stack is gone */
    void *result;       /* what fn returned */
    int done;           /* fn has returned */
    struct green *next; /* in the one queue it waits in, if any */
    struct green *all;  /* every thread of the scheduler, for cleanup */
    struct gqueue joiners;
    uint64_t deadline; /* while asleep: CLOCK_MONOTONIC ns */
    void *xfer;        /* a channel's value in transit */
    int wake_rc;       /* what a blocked channel operation returns */
};

struct green_chan {
    struct gqueue senders, receivers; /* at most one of them is non-empty */
    int closed;
};

struct sched {
    struct gqueue runq;
    struct green *sleepers; /* by deadline, ties in arrival order */
    struct green *all;
    struct green *running;
    long live; /* spawned and not finished */
};

static _Thread_local struct sched sched;

static void gq_push(struct gqueue *q, struct green *g)
{
    g->next = NULL;
    if (q->tail)
        q->tail->next = g;
    else
        q->head = g;
    q->tail = g;
}

static struct green *gq_pop(struct gqueue *q)
{
    struct green *g = q->head;

    if (g) {
        q->head = g->next;
        if (!q->head)
            q->tail = NULL;
        g->next = NULL;
    }
    return g;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Switch back to green_run without queueing: someone else will wake us. */
static void green__block(void)
{
    coro_yield(NULL);
}

int green_spawn(struct green **out, coro_fn fn, void *arg)
{
    struct green *g;
    int rc;

    if (!fn)
        return -EINVAL;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    rc = coro_create(&g->co, fn, arg, GREEN_STACK_SIZE);
    if (rc < 0) {
        free(g);
        return rc;
    }
    g->all = sched.all;
    sched.all = g;
    sched.live++;
    gq_push(&sched.runq, g);
    if (out)
        *out = g;
    return 0;
}

struct green *green_self(void)
{
    return sched.running;
}

int green_yield(void)
{
    if (!sched.running)
        return -EPERM;
    gq_push(&sched.runq, sched.running);
    green__block();
    return 0;
}

int green_join(struct green *g, void **result)
{
    struct green *self = sched.running;

    if (!self)
        return -EPERM;
    if (!g)
        return -EINVAL;
    if (g == self)
        return -EDEADLK;
    if (!g->done) {
        gq_push(&g->joiners, self);
        green__block();
    }
    if (result)
        *result = g->result;
    return 0;
}

int green_sleep_ms(unsigned ms)
{
    struct green *self = sched.running, **p;

    if (!self)
        return -EPERM;
    self->deadline = now_ns() + (uint64_t)ms * 1000000u;
    /* Sorted insert after every equal deadline: ties keep their order. */
    for (p = &sched.sleepers; *p && (*p)->deadline <= self->deadline;
         p = &(*p)->next)
        ;
    self->next = *p;
    *p = self;
    green__block();
    return 0;
}

/* Rule 5: sleepers whose time is up join the run queue, earliest first. */
static void green__wake_sleepers(void)
{
    uint64_t now;

    if (!sched.sleepers)
        return;
    now = now_ns();
    while (sched.sleepers && sched.sleepers->deadline <= now) {
        struct green *g = sched.sleepers;

        sched.sleepers = g->next;
        gq_push(&sched.runq, g);
    }
}

static void green__sleep_until(uint64_t deadline)
{
    struct timespec ts = {(time_t)(deadline / 1000000000u),
                          (long)(deadline % 1000000000u)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Rule 3, and task 4: the stack goes now, the handle at the end of run. */
static void green__finish(struct green *g)
{
    struct green *j;

    g->done = 1; /* its stack goes with the handle, in green__free_all */
    sched.live--;
    while ((j = gq_pop(&g->joiners)))
        gq_push(&sched.runq, j);
}

static void green__free_all(void)
{
    struct green *g = sched.all, *next;

    for (; g; g = next) {
        next = g->all;
        coro_destroy(g->co); /* blocked forever after a deadlock */
        free(g);
    }
    sched = (struct sched){0};
}

int green_run(void)
{
    struct green *g;
    int rc;

    if (sched.running)
        return -EPERM;
    for (;;) {
        green__wake_sleepers();
        g = gq_pop(&sched.runq);
        if (!g && sched.sleepers) {
            green__sleep_until(sched.sleepers->deadline);
            continue;
        }
        if (!g)
            break;
        sched.running = g;
        coro_resume(g->co, &g->result);
        sched.running = NULL;
        if (coro_finished(g->co))
            green__finish(g);
    }
    rc = sched.live ? -EDEADLK : 0;
    green__free_all();
    return rc;
}

int green_chan_create(struct green_chan **out)
{
    if (!out)
        return -EINVAL;
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

/* Rule 4: the waiting side is handed its result and queued at the tail. */
static void green__wake(struct green *g, int rc)
{
    g->wake_rc = rc;
    gq_push(&sched.runq, g);
}

int green_chan_send(struct green_chan *ch, void *value)
{
    struct green *self = sched.running, *r;

    if (!self)
        return -EPERM;
    if (!ch)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    r = gq_pop(&ch->receivers);
    if (r) {
        r->xfer = value;
        green__wake(r, 0);
        return 0;
    }
    self->xfer = value;
    gq_push(&ch->senders, self);
    green__block();
    return self->wake_rc;
}

int green_chan_recv(struct green_chan *ch, void **value)
{
    struct green *self = sched.running, *s;

    if (!self)
        return -EPERM;
    if (!ch || !value)
        return -EINVAL;
    s = gq_pop(&ch->senders);
    if (s) {
        *value = s->xfer;
        green__wake(s, 0);
        return 0;
    }
    if (ch->closed)
        return -EPIPE;
    gq_push(&ch->receivers, self);
    green__block();
    if (self->wake_rc == 0)
        *value = self->xfer;
    return self->wake_rc;
}

int green_chan_close(struct green_chan *ch)
{
    struct green *g;

    if (!ch)
        return -EINVAL;
    if (ch->closed)
        return -EPIPE;
    ch->closed = 1;
    while ((g = gq_pop(&ch->senders)))
        green__wake(g, -EPIPE);
    while ((g = gq_pop(&ch->receivers)))
        green__wake(g, -EPIPE);
    return 0;
}

void green_chan_destroy(struct green_chan *ch)
{
    free(ch);
}
