/* SPDX-License-Identifier: MIT */
/*
 * Lab 02's hooks for the GIL, included by gil.h (not yours to edit), as
 * pool_hooks.h is by pool.h. Each pthread_cond_wait and
 * pthread_cond_timedwait in a file that includes gil.h goes through the
 * harness, which in chaos mode (HARNESS_CHAOS=1, or a test that turns it on)
 * returns now and then without being signalled, as POSIX allows a condition
 * wait to do. Chaos off, it is the plain call.
 */
#ifndef LAB02_GIL_HOOKS_H
#define LAB02_GIL_HOOKS_H

#include <pthread.h>
#include <time.h>

#include "harness.h"

/* The same definitions as pool_hooks.h: C allows the repeat. */
#define pthread_cond_wait(c, m) harness_cond_wait(c, m)
#define pthread_cond_timedwait(c, m, t) harness_cond_timedwait(c, m, t)

#endif /* LAB02_GIL_HOOKS_H */
