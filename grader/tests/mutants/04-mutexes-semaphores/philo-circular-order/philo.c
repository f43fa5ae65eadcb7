/* SPDX-License-Identifier: MIT */
/* Lab 04, task 5 (reference): dining philosophers by resource ordering. */
#include <errno.h>
#include <stdlib.h>

#include "philo.h"

struct table {
    unsigned n;
    pthread_mutex_t *forks; /* fork i lies between philosophers i-1 and i */
};

int table_create(struct table **out, unsigned n)
{
    struct table *t;
    unsigned i;
    int rc = 0;

    if (!out || n < 2)
        return -EINVAL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->forks = calloc(n, sizeof(*t->forks));
    if (!t->forks) {
        free(t);
        return -ENOMEM;
    }
    for (i = 0; i < n && !rc; i++)
        rc = pthread_mutex_init(&t->forks[i], NULL);
    if (rc) {
        while (--i > 0)
            pthread_mutex_destroy(&t->forks[i - 1]);
        free(t->forks);
        free(t);
        return -rc;
    }
    t->n = n;
    *out = t;
    return 0;
}

void table_destroy(struct table *t)
{
    if (!t)
        return;
    for (unsigned i = 0; i < t->n; i++)
        pthread_mutex_destroy(&t->forks[i]);
    free(t->forks);
    free(t);
}

/*
 * Lock ordering: every philosopher takes the lower-numbered of its two forks
 * first. A deadlock needs a cycle of threads, each holding one fork and
 * waiting for the next; but waiting always points from a lower fork to a
 * higher one, and a chain that only climbs cannot close into a cycle.
 * (Philosopher n-1 is the one "left-handed" diner: its right fork is 0.)
 */
int table_pick_up(struct table *t, unsigned i)
{
    unsigned left = i, right = (i + 1) % t->n;

    if (i >= t->n)
        return -EINVAL;
    pthread_mutex_lock(&t->forks[left]); /* everyone: left, then right */
    pthread_mutex_lock(&t->forks[right]);
    return 0;
}

int table_put_down(struct table *t, unsigned i)
{
    if (i >= t->n)
        return -EINVAL;
    pthread_mutex_unlock(&t->forks[(i + 1) % t->n]);
    pthread_mutex_unlock(&t->forks[i]);
    return 0;
}
