/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 1: interleavings written by hand, replayed by the step
 * scheduler (steps.h). Yours to write: one string per function.
 */
#include <stddef.h>

#include "steps.h"

const char *schedule_lost_update(void)
{
    /*
     * TODO(lab03.1): A and B each run load, add, store once. Which step of
     * B must come before A's store for A's update to be overwritten? Write
     * six letters (three A, three B).
     */
    return NULL;
}

const char *schedule_interleaved_safe(void)
{
    /*
     * TODO(lab03.1): A and B each increment twice (six steps each). Where
     * can the scheduler switch threads without any harm? Switch at least
     * three times and still end at 4.
     */
    return NULL;
}

const char *schedule_worst_case(void)
{
    /*
     * TODO(lab03.1): A and B each increment three times; end at 2. A store
     * can overwrite many increments at once if its register was loaded long
     * ago. Which thread should load early and store late, and what should
     * the other one have read before that store?
     */
    return NULL;
}
