/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 1 (reference): interleavings written by hand, replayed by the
 * step scheduler (steps.h). NOTES.md walks through each one.
 */
#include <stddef.h>

#include "steps.h"

/* B loads x before A stores it: both store 1, A's increment is lost. */
const char *schedule_lost_update(void)
{
    return "AABBBA";
}

/* Switch only between whole increments: each load sees every earlier store. */
const char *schedule_interleaved_safe(void)
{
    return "AAABBBAAABBB";
}

/*
 * A loads 0 and waits; B increments twice (x = 2); A stores its stale 1;
 * B loads that 1 and waits; A increments twice (x = 3); B stores its 2.
 */
const char *schedule_worst_case(void)
{
    return "A"
           "BBBBBB"
           "AA"
           "B"
           "AAAAAA"
           "BB";
}
