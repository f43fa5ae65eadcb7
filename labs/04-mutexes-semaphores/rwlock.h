/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 3: a readers-writer lock. Readers share it, a writer has it
 * alone, and a waiting writer is not starved by readers that keep arriving.
 * You write rwlock.c; this header is not yours to edit.
 */
#ifndef LAB04_RWLOCK_H
#define LAB04_RWLOCK_H

#include "sync_hooks.h"

struct rwlock; /* defined in rwlock.c */

/*
 * rwlock_create - a new, unlocked lock. Returns 0 and sets *out, -EINVAL
 * for a NULL out, -ENOMEM (or another negative errno) otherwise.
 * Context: any.
 */
int rwlock_create(struct rwlock **out);

/*
 * rwlock_destroy - free an unlocked lock nobody uses. NULL is a no-op.
 * Context: no other thread may use l during or after the call.
 */
void rwlock_destroy(struct rwlock *l);

/*
 * rwlock_rdlock - enter as a reader: sleep while a writer holds the lock
 * or while a writer is waiting for it (so readers arriving all the time
 * cannot starve a writer). Returns 0.
 * Context: any thread that does not hold l already.
 */
int rwlock_rdlock(struct rwlock *l);

/*
 * rwlock_rdunlock - leave as a reader. Returns 0, or -EPERM when no reader
 * holds the lock. Never blocks for long. Context: a thread holding l to read.
 */
int rwlock_rdunlock(struct rwlock *l);

/*
 * rwlock_wrlock - enter as the writer: sleep until no reader and no other
 * writer holds the lock. Returns 0. Context: a thread that does not hold l.
 */
int rwlock_wrlock(struct rwlock *l);

/*
 * rwlock_wrunlock - leave as the writer. Returns 0, or -EPERM when no writer
 * holds the lock. Never blocks for long. Context: the thread holding l to
 * write.
 */
int rwlock_wrunlock(struct rwlock *l);

#endif /* LAB04_RWLOCK_H */
