/* SPDX-License-Identifier: MIT */
/*
 * Lab 04's test helper: stress loops run fewer rounds under Valgrind, which
 * runs one thread at a time and 20-50x slower than the plain build.
 */
#ifndef LAB04_TEST_H
#define LAB04_TEST_H

#include <stdio.h>
#include <string.h>

#include "harness.h"

/*
 * lab04_param - the rubric's param.KEY (default dflt); under Valgrind,
 * param.vg_KEY (default vg_dflt) instead; in the sched build, which runs
 * many schedules of one thread at a time, param.sched_KEY (default a
 * tenth of vg_dflt).
 */
/*
 * LAB04_SANITIZED: built with ThreadSanitizer or AddressSanitizer, whose
 * allocators abort on a request they cannot meet instead of returning
 * NULL, so the tests leave out their creates too large for memory there.
 */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define LAB04_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define LAB04_SANITIZED 1
#endif
#endif

static inline long lab04_param(const char *key, long dflt, long vg_dflt)
{
    char vg_key[64];

    if (harness_sched_enabled()) {
        snprintf(vg_key, sizeof(vg_key), "sched_%s", key);
        return harness_param_long(vg_key, vg_dflt / 10 > 0 ? vg_dflt / 10 : 1);
    }
    if (!harness_under_valgrind())
        return harness_param_long(key, dflt);
    snprintf(vg_key, sizeof(vg_key), "vg_%s", key);
    return harness_param_long(vg_key, vg_dflt);
}

/*
 * Creates when memory runs out: lab04_oom_begin makes every allocation
 * fail (harness_oom_begin) or skips where the harness cannot; the test
 * calls its create, then harness_oom_end, then lab04_oom_verdict: a
 * negative errno, or 0 with the object made (a design that needs no
 * memory). A crash in between is a malloc's NULL used unchecked.
 */
static inline void lab04_oom_begin(void)
{
    if (harness_oom_begin() != 0)
        harness_skip("allocations cannot be made to fail here (Valgrind or "
                     "a sanitizer)");
}

static inline void lab04_oom_verdict(const char *what, int rc, int made)
{
    if (rc > 0 || (rc == 0 && !made))
        harness_fail("%s returned %d%s while every allocation failed: "
                     "expected a negative errno (-ENOMEM), or 0 with *out "
                     "set by a design that needs no memory",
                     what, rc, rc == 0 ? " and left *out NULL" : "");
}

/*
 * "Context: any." on a create: creates (and destroys) from several threads
 * at once. LAB04_CREATORS threads leave a start line together; each runs
 * `round(thread, i)` for i < rounds, which creates an object shaped by its
 * arguments (so objects mixed up between threads show), uses it in that
 * thread alone, destroys it, and returns NULL or what went wrong. Graded by
 * ThreadSanitizer too: shared state a create touches unguarded (a static
 * counter, a cache of freed objects) is a race even where no object mixes.
 */
#define LAB04_CREATORS 4

typedef const char *(*lab04_round_fn)(unsigned thread, unsigned i);

struct lab04_creator {
    struct harness_start *start;
    lab04_round_fn round;
    unsigned thread, rounds, failed_at;
    const char *error;
};

static inline void *lab04_creator_main(void *arg)
{
    struct lab04_creator *c = arg;

    harness_start_wait(c->start);
    for (unsigned i = 0; i < c->rounds && !c->error; i++) {
        c->error = c->round(c->thread, i);
        c->failed_at = i;
    }
    return NULL;
}

static inline void lab04_create_from_threads(const char *what,
                                             lab04_round_fn round)
{
    struct lab04_creator c[LAB04_CREATORS];
    pthread_t t[LAB04_CREATORS];
    struct harness_start start;
    unsigned rounds = (unsigned)lab04_param("rounds", 200, 20);

    harness_start_init(&start, LAB04_CREATORS);
    for (unsigned k = 0; k < LAB04_CREATORS; k++) {
        c[k] = (struct lab04_creator){&start, round, k, rounds, 0, NULL};
        xpthread_create(&t[k], NULL, lab04_creator_main, &c[k]);
    }
    for (unsigned k = 0; k < LAB04_CREATORS; k++)
        xpthread_join(t[k], NULL);
    harness_start_destroy(&start);
    for (unsigned k = 0; k < LAB04_CREATORS; k++)
        if (c[k].error)
            harness_fail("%s from %d threads at once (Context: any): in "
                         "thread %u, round %u: %s",
                         what, LAB04_CREATORS, k, c[k].failed_at, c[k].error);
}

#endif /* LAB04_TEST_H */
