/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 5: the dining philosophers. n philosophers sit at a round
 * table with one fork between each pair of neighbours; to eat, philosopher
 * i needs forks i (left) and (i + 1) % n (right). You write philo.c; this
 * header is not yours to edit.
 */
#ifndef LAB04_PHILO_H
#define LAB04_PHILO_H

#include "sync_hooks.h"

struct table; /* defined in philo.c */

/*
 * table_create - a table for n philosophers (n >= 2), every fork on it.
 * Returns 0 and sets *out, -EINVAL for a NULL out or n < 2, -ENOMEM (or
 * another negative errno) otherwise. Context: any.
 */
int table_create(struct table **out, unsigned n);

/*
 * table_destroy - free a table whose forks are all down. NULL is a no-op.
 * Context: no other thread may use t during or after the call.
 */
void table_destroy(struct table *t);

/*
 * table_pick_up - philosopher i takes both of its forks, sleeping until it
 * has them. However the n philosophers interleave, none may wait forever:
 * no deadlock. Neighbours never eat at once; others may.
 * Returns 0, or -EINVAL when i >= n.
 * Context: the thread playing philosopher i, not holding its forks.
 */
int table_pick_up(struct table *t, unsigned i);

/*
 * table_put_down - philosopher i puts both forks back. Returns 0, or
 * -EINVAL when i >= n. Never blocks for long.
 * Context: the thread playing philosopher i, holding its forks.
 */
int table_put_down(struct table *t, unsigned i);

#endif /* LAB04_PHILO_H */
