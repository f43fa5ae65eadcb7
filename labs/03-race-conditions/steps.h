/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 1: a step scheduler that plays the operating system. Real
 * threads run `x = x + 1` as three separate steps, and each takes one step
 * only when the schedule says so, so any interleaving can be replayed exactly.
 */
#ifndef LAB03_STEPS_H
#define LAB03_STEPS_H

#include <stddef.h>

#define STEPS_MAX_THREADS 4 /* threads are named 'A', 'B', 'C', 'D' */

/*
 * What each thread runs, `incs` times, with its own register r:
 *
 *     load:   r = x        (copy the shared x into the thread's register)
 *     add:    r = r + 1    (touches the register only)
 *     store:  x = r        (copy the register back into the shared x)
 *
 * which is what `x = x + 1` compiles to (see the handout). x starts at 0.
 */
enum steps_op { STEPS_LOAD, STEPS_ADD, STEPS_STORE };

/*
 * steps_run - start `nthreads` threads (1..STEPS_MAX_THREADS), each doing
 * `incs` increments of the shared x as above, and let them take steps in the
 * order `schedule` names them: "ABA" means A takes a step, then B, then A.
 * A thread takes no step unless the schedule names it, so the run is fully
 * deterministic. Every thread has exactly 3 * incs steps to take.
 *
 * On return *x holds the final value of x. When trace is not NULL, a table
 * of the steps taken (one line a step) is written into it, at most len
 * bytes, always terminated, even when the schedule is rejected.
 *
 * Returns 0 when the whole schedule ran and every thread finished; -EINVAL
 * when a letter names no thread or a thread that has already finished, when
 * the schedule ends before every thread has finished, or for bad arguments;
 * another negative errno when a thread cannot be started.
 *
 * Blocks until every thread has been joined.
 * Context: any thread; runs are independent of each other.
 */
int steps_run(int nthreads, int incs, const char *schedule, long *x,
              char *trace, size_t len);

/*
 * Task 1: your schedules (schedules.c). Each returns a schedule string for
 * steps_run, or NULL while it is not written yet.
 */

/* Threads A and B each do one increment; x must end at 1 (an update lost). */
const char *schedule_lost_update(void);

/*
 * Threads A and B each do two increments; x must end at 4 (nothing lost),
 * although the schedule switches from one thread to the other at least
 * three times.
 */
const char *schedule_interleaved_safe(void);

/*
 * Threads A and B each do three increments; x must end at 2, the smallest
 * value this program can produce.
 */
const char *schedule_worst_case(void);

#endif /* LAB03_STEPS_H */
