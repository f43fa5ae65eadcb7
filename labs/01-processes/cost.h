/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 6: what does it cost to start a process, and to start a
 * thread? Two loops the test times against each other. You write cost.c;
 * this header is not yours to edit.
 */
#ifndef LAB01_COST_H
#define LAB01_COST_H

/*
 * cost_processes - n times, one after the other: fork a child that exits
 * at once with status (i % 100), and reap it. Returns the sum of the n exit
 * statuses the parent collected, or a negative errno (after reaping every
 * child it started).
 * Blocks; a wait cut short by a signal (EINTR) is resumed, not reported.
 * Context: one call at a time per process.
 */
long cost_processes(unsigned n);

/*
 * cost_threads - n times, one after the other: create a thread that
 * returns (i % 100) at once, and join it. Returns the sum of the n values
 * collected by pthread_join, or a negative errno.
 * Blocks. Context: any thread.
 */
long cost_threads(unsigned n);

#endif /* LAB01_COST_H */
