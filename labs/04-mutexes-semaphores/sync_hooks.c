/* SPDX-License-Identifier: MIT */
/*
 * Lab 04's hooks (provided): condition waits go through the harness's chaos
 * mode and are counted. See sync_hooks.h.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>

#include "sync_hooks.h"

/*
 * Relaxed on purpose: the counter must not order anything, or it would hide
 * the very races ThreadSanitizer is asked to find in your code.
 */
static atomic_int sleepers;

int sync_hooks_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    int rc;

    atomic_fetch_add_explicit(&sleepers, 1, memory_order_relaxed);
    rc = harness_cond_wait(c, m);
    atomic_fetch_sub_explicit(&sleepers, 1, memory_order_relaxed);
    return rc;
}

int sync_hooks_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                              const struct timespec *abstime)
{
    int rc;

    atomic_fetch_add_explicit(&sleepers, 1, memory_order_relaxed);
    rc = harness_cond_timedwait(c, m, abstime);
    atomic_fetch_sub_explicit(&sleepers, 1, memory_order_relaxed);
    return rc;
}

/* The sched build renames your condition waits to the scheduler's, past
 * the counter above: it counts its sleepers itself. */
int sync_hooks_sleepers(void)
{
    if (harness_sched_enabled())
        return harness_sched_sleepers();
    return atomic_load_explicit(&sleepers, memory_order_relaxed);
}

int sync_hooks_await_sleepers(int n, unsigned max_ms)
{
    uint64_t now = harness_now_ns(), next_count = now;
    uint64_t deadline = now + (uint64_t)max_ms * 1000000u;

    while (sync_hooks_sleepers() < n) {
        now = harness_now_ns();
        if (now > deadline)
            return -ETIMEDOUT;
        /* At most every thread but this one can be asleep. When fewer are
         * left (the others returned instead of sleeping, as an unfinished
         * skeleton's do), none is coming: say so now, not in 2 s. Another
         * thread (a sanitizer's) only makes this wait the whole time.
         * Not in the sched build: when a thread leaves /proc is real
         * time, and there the 2 s are virtual and cost nothing. */
        if (now >= next_count && !harness_sched_enabled()) {
            if (harness_count_threads() - 1 < n)
                return -ETIMEDOUT;
            next_count = now + 1000000u;
        }
        harness_yield();
    }
    return 0;
}
