/* SPDX-License-Identifier: MIT */
/*
 * Lab 05, task 3: a round-robin scheduler of green threads on one OS
 * thread: spawn, yield, join, sleep and unbuffered channels. Yours to
 * write; the queue helpers and the structures are given.
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
 * that it asks for itself. Add fields as you need them.
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

/* Given. `unused` only keeps -Werror quiet until your code calls them. */
__attribute__((unused)) static void gq_push(struct gqueue *q, struct green *g)
{
    g->next = NULL;
    if (q->tail)
        q->tail->next = g;
    else
        q->head = g;
    q->tail = g;
}

__attribute__((unused)) static struct green *gq_pop(struct gqueue *q)
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

__attribute__((unused)) static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int green_spawn(struct green **out, coro_fn fn, void *arg)
{
    /*
     * TODO(lab05.3): a coroutine with a GREEN_STACK_SIZE stack, wrapped in
     * a struct green that green_run can find again to free it (sched.all),
     * queued at the tail (rule 1).
     */
    (void)out;
    (void)fn;
    (void)arg;
    return -ENOSYS;
}

struct green *green_self(void)
{
    return sched.running;
}

int green_yield(void)
{
    /*
     * TODO(lab05.3): who puts the caller back at the tail, and who switches
     * to the next thread: the caller, or green_run once it gets control
     * back? Blocking (join, channels, sleep) is the same switch without
     * the queueing.
     */
    return -EPERM;
}

int green_join(struct green *g, void **result)
{
    /* TODO(lab05.3): wait in g's joiners unless g is done (rule 3). */
    (void)g;
    (void)result;
    return -EPERM;
}

int green_sleep_ms(unsigned ms)
{
    /*
     * TODO(lab05.3): note the deadline, wait in sched.sleepers (sorted,
     * rule 5). Never sleep the OS thread here: the others must run.
     */
    (void)ms;
    return -EPERM;
}

int green_run(void)
{
    /*
     * TODO(lab05.3): the loop of rule 2, with rule 5's sleepers. When may
     * it stop, and how does it tell "all finished" from "all stuck"?
     * TODO(lab05.4): when a thread has finished, free its stack right away
     * (but never while running on it); handles live until the end.
     */
    return -ENOSYS;
}

int green_chan_create(struct green_chan **out)
{
    if (!out)
        return -EINVAL;
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : -ENOMEM;
}

int green_chan_send(struct green_chan *ch, void *value)
{
    /*
     * TODO(lab05.3): rule 4. If a receiver waits, hand it the value and
     * queue it; else wait in ch->senders. Where does the value travel
     * while you wait, and how do you learn later how it went?
     */
    (void)ch;
    (void)value;
    return -ENOSYS;
}

int green_chan_recv(struct green_chan *ch, void **value)
{
    /* TODO(lab05.3): the mirror image of send. */
    (void)ch;
    (void)value;
    return -ENOSYS;
}

int green_chan_close(struct green_chan *ch)
{
    /* TODO(lab05.3): wake every waiter, in order, with -EPIPE. */
    (void)ch;
    return -ENOSYS;
}

void green_chan_destroy(struct green_chan *ch)
{
    free(ch);
}
