/* SPDX-License-Identifier: MIT */
/*
 * Lab 03: the step scheduler (provided, not a student file). The calling
 * thread plays the operating system: it hands the turn to one thread at a
 * time and waits until that thread has taken exactly one step.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"

#define NO_TURN (-1)

struct steps_sched {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int turn;  /* guarded by lock: the thread allowed one step, or NO_TURN */
    int abort; /* guarded by lock: the schedule was rejected, stop */
    long x;    /* the shared x: touched only by the thread holding the turn */
    char *trace;
    size_t len, used; /* trace: written only by the thread holding the turn */
};

struct steps_thread {
    struct steps_sched *s;
    int id, incs;
    int left; /* steps left; read by the scheduler while it holds the turn */
};

static void trace_add(struct steps_sched *s, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!s->trace || s->used + 1 >= s->len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(s->trace + s->used, s->len - s->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->used +=
            (size_t)n < s->len - s->used ? (size_t)n : s->len - s->used - 1;
}

/* Wait for our turn; returns 0 when it came, -1 when the run was aborted. */
static int wait_turn(struct steps_sched *s, int id)
{
    int rc;

    pthread_mutex_lock(&s->lock);
    while (s->turn != id && !s->abort)
        pthread_cond_wait(&s->changed, &s->lock);
    rc = s->turn == id ? 0 : -1;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void end_turn(struct steps_sched *s)
{
    pthread_mutex_lock(&s->lock);
    s->turn = NO_TURN;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static void take_step(struct steps_thread *t, enum steps_op op, long *r)
{
    struct steps_sched *s = t->s;
    char name = (char)('A' + t->id);

    switch (op) {
    case STEPS_LOAD:
        *r = s->x;
        trace_add(s, "  %c: load   r%c = x      -> r%c = %ld\n", name, name,
                  name, *r);
        break;
    case STEPS_ADD:
        *r = *r + 1;
        trace_add(s, "  %c: add    r%c = r%c + 1 -> r%c = %ld\n", name, name,
                  name, name, *r);
        break;
    case STEPS_STORE:
        s->x = *r;
        trace_add(s, "  %c: store  x = r%c      -> x  = %ld\n", name, name,
                  s->x);
        break;
    }
    t->left--;
}

static void *steps_thread_main(void *arg)
{
    struct steps_thread *t = arg;
    long r = 0; /* this thread's register */

    for (int i = 0; i < t->incs; i++) {
        for (int op = STEPS_LOAD; op <= STEPS_STORE; op++) {
            if (wait_turn(t->s, t->id) < 0)
                return NULL;
            take_step(t, (enum steps_op)op, &r);
            end_turn(t->s);
        }
    }
    return NULL;
}

/* Give the turn to thread id and wait until it has taken its step. */
static void grant_step(struct steps_sched *s, int id)
{
    pthread_mutex_lock(&s->lock);
    s->turn = id;
    pthread_cond_broadcast(&s->changed);
    while (s->turn != NO_TURN)
        pthread_cond_wait(&s->changed, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

static int play(struct steps_sched *s, struct steps_thread *t, int nthreads,
                const char *schedule)
{
    for (const char *c = schedule; *c; c++) {
        int id = *c - 'A';

        if (id < 0 || id >= nthreads) {
            trace_add(s, "  '%c': no such thread (threads are A..%c)\n", *c,
                      'A' + nthreads - 1);
            return -EINVAL;
        }
        if (t[id].left == 0) {
            trace_add(s, "  %c: has no step left (it has finished)\n", *c);
            return -EINVAL;
        }
        grant_step(s, id);
    }
    for (int i = 0; i < nthreads; i++) {
        if (t[i].left > 0) {
            trace_add(s, "  the schedule ended; %c still has %d step(s)\n",
                      'A' + i, t[i].left);
            return -EINVAL;
        }
    }
    return 0;
}

int steps_run(int nthreads, int incs, const char *schedule, long *x,
              char *trace, size_t len)
{
    struct steps_sched s = {.turn = NO_TURN, .trace = trace, .len = len};
    struct steps_thread t[STEPS_MAX_THREADS];
    pthread_t tid[STEPS_MAX_THREADS];
    int started = 0, rc;

    if (trace && len)
        trace[0] = '\0';
    if (nthreads < 1 || nthreads > STEPS_MAX_THREADS || incs < 0 || !schedule ||
        !x)
        return -EINVAL;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.changed, NULL);
    for (; started < nthreads; started++) {
        t[started] = (struct steps_thread){&s, started, incs, 3 * incs};
        rc =
            pthread_create(&tid[started], NULL, steps_thread_main, &t[started]);
        if (rc) {
            rc = -rc;
            goto out_stop;
        }
    }
    rc = play(&s, t, nthreads, schedule);
out_stop:
    pthread_mutex_lock(&s.lock);
    s.abort = 1; /* threads still waiting for a turn leave */
    pthread_cond_broadcast(&s.changed);
    pthread_mutex_unlock(&s.lock);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&s.changed);
    pthread_mutex_destroy(&s.lock);
    *x = s.x;
    return rc;
}
