/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 1: a counting semaphore built from one mutex and one
 * condition variable. You write sema.c; this header is not yours to edit.
 */
#ifndef LAB04_SEMA_H
#define LAB04_SEMA_H

#include "sync_hooks.h"

/* The largest value a semaphore may hold (sema_post fails beyond it). */
#define SEMA_MAX 1000000u

struct sema; /* defined in sema.c */

/*
 * sema_create - a new semaphore holding `value` permits.
 * Returns 0 and sets *out, -EINVAL when out is NULL or value > SEMA_MAX,
 * -ENOMEM (or another negative errno from pthread) when it cannot be made.
 * Context: any.
 */
int sema_create(struct sema **out, unsigned value);

/*
 * sema_destroy - free a semaphore nobody waits on any more. NULL is a no-op.
 * Context: no other thread may use s during or after the call.
 */
void sema_destroy(struct sema *s);

/*
 * sema_wait - take one permit, sleeping while there is none (P, or down).
 * Returns 0. Blocks without using CPU until a permit is available.
 * Context: any thread.
 */
int sema_wait(struct sema *s);

/*
 * sema_trywait - take one permit if there is one, never blocking.
 * Returns 0, or -EAGAIN when there is none.
 * Context: any thread.
 */
int sema_trywait(struct sema *s);

/*
 * sema_timedwait - like sema_wait, but give up after timeout_ms
 * milliseconds (measured on CLOCK_MONOTONIC from the call) without a permit.
 * Returns 0, or -ETIMEDOUT, in which case no permit was taken. Spurious
 * wake-ups never make the wait longer or shorter than timeout_ms.
 * Context: any thread.
 */
int sema_timedwait(struct sema *s, unsigned timeout_ms);

/*
 * sema_post - return one permit and wake one sleeper, if any (V, or up).
 * Returns 0, or -EOVERFLOW when the value would exceed SEMA_MAX.
 * Never blocks for long (only on the semaphore's own mutex).
 * Context: any thread.
 */
int sema_post(struct sema *s);

#endif /* LAB04_SEMA_H */
