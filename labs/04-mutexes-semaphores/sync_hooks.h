/* SPDX-License-Identifier: MIT */
/*
 * Lab 04's hooks, included by every API header of the lab (not yours to
 * edit). Each pthread_cond_wait and pthread_cond_timedwait in your files goes
 * through the harness, which in chaos mode (HARNESS_CHAOS=1) returns
 * spuriously now and then, as POSIX allows; and it is counted, so a test can
 * tell when its threads have gone to sleep. Each pthread_mutex_lock passes a
 * chaos point (a random yield) first, which makes rare interleavings common.
 */
#ifndef LAB04_SYNC_HOOKS_H
#define LAB04_SYNC_HOOKS_H

#include <pthread.h>
#include <time.h>

#include "harness.h"

int sync_hooks_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int sync_hooks_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                              const struct timespec *abstime);

/*
 * sync_hooks_sleepers - how many threads are inside a condition wait of this
 * lab right now (counted from just before the wait to just after it).
 * Context: any; a snapshot that may be stale when it returns.
 */
int sync_hooks_sleepers(void);

/*
 * sync_hooks_await_sleepers - for tests: yield until at least n threads
 * sleep in a condition wait, or max_ms have passed. A waiter counted here
 * went to sleep holding its mutex, so whoever takes that mutex next finds it
 * asleep. Returns 0, or -ETIMEDOUT (a thread that never blocked, or one that
 * blocks some other way), early when fewer than n other threads are left.
 * Context: the test's main thread.
 */
int sync_hooks_await_sleepers(int n, unsigned max_ms);

#define pthread_cond_wait(c, m) sync_hooks_cond_wait(c, m)
#define pthread_cond_timedwait(c, m, t) sync_hooks_cond_timedwait(c, m, t)
/* A chaos point, then the real lock: no extra stack frame, so sanitizer
 * reports about a lock name your line, not this header. */
#define pthread_mutex_lock(m) (harness_chaos_point(), (pthread_mutex_lock)(m))

#endif /* LAB04_SYNC_HOOKS_H */
