/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 4: a reusable barrier: n threads meet, none leaves before
 * the last arrives, and the same barrier serves round after round. You
 * write barrier.c; this header is not yours to edit.
 */
#ifndef LAB04_BARRIER_H
#define LAB04_BARRIER_H

#include "sync_hooks.h"

/* What barrier_wait returns to exactly one thread of each round. */
#define BARRIER_SERIAL 1

struct barrier; /* defined in barrier.c */

/*
 * barrier_create - a barrier for n threads (n >= 1). Returns 0 and sets
 * *out, -EINVAL for a NULL out or n == 0, -ENOMEM (or another negative
 * errno) otherwise. Context: any.
 */
int barrier_create(struct barrier **out, unsigned n);

/*
 * barrier_destroy - free a barrier nobody waits on. NULL is a no-op.
 * Context: no other thread may use b during or after the call.
 */
void barrier_destroy(struct barrier *b);

/*
 * barrier_wait - arrive, and sleep until all n threads of this round have
 * arrived. Returns BARRIER_SERIAL to one thread of each round (any one) and
 * 0 to the others. A thread may call it again at once for the next round;
 * it must not slip into the round the others are still leaving.
 * Context: exactly n threads per round.
 */
int barrier_wait(struct barrier *b);

#endif /* LAB04_BARRIER_H */
