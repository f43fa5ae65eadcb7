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

#endif /* LAB04_TEST_H */
