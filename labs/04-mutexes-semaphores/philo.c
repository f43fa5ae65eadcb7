/* SPDX-License-Identifier: MIT */
/* Lab 04, task 5: the dining philosophers, without deadlock. Yours. */
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

int table_pick_up(struct table *t, unsigned i)
{
    /*
     * TODO(lab04.5): philosopher i takes forks i and (i + 1) % n.
     * If every philosopher takes its left fork first, then its right, what
     * happens when all of them have just taken the left one? Which rule
     * for the order in which forks are taken makes a circle of waiting
     * impossible? (Or: how many philosophers may reach for forks at once?)
     */
    (void)t;
    (void)i;
    return -ENOSYS;
}

int table_put_down(struct table *t, unsigned i)
{
    /* TODO(lab04.5): philosopher i puts both forks back. */
    (void)t;
    (void)i;
    return -ENOSYS;
}
