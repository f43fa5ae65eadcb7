/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 6: a limiter: at most k threads inside a section at once
 * (k connections to a server, k downloads at a time), and the peak it saw.
 * You write limiter.c; this header is not yours to edit.
 */
#ifndef LAB04_LIMITER_H
#define LAB04_LIMITER_H

#include "sync_hooks.h"

struct limiter; /* defined in limiter.c */

/*
 * limiter_create - a limiter letting at most k threads in (k >= 1).
 * Returns 0 and sets *out, -EINVAL for a NULL out or k == 0, -ENOMEM (or
 * another negative errno) otherwise. Context: any.
 */
int limiter_create(struct limiter **out, unsigned k);

/*
 * limiter_destroy - free a limiter nobody is inside. NULL is a no-op.
 * Context: no other thread may use l during or after the call.
 */
void limiter_destroy(struct limiter *l);

/*
 * limiter_enter - enter the section, sleeping while k threads are inside.
 * Returns 0. Context: any thread.
 */
int limiter_enter(struct limiter *l);

/*
 * limiter_leave - leave the section, letting one sleeper in. Returns 0, or
 * -EPERM when nobody is inside (more leaves than enters: the count must
 * never climb above k because of it). Never blocks for long.
 * Context: a thread that entered.
 */
int limiter_leave(struct limiter *l);

/*
 * limiter_peak - the largest number of threads that were inside at once
 * since the limiter was created (between 0 and k).
 * Context: any thread.
 */
unsigned limiter_peak(struct limiter *l);

#endif /* LAB04_LIMITER_H */
