/* SPDX-License-Identifier: MIT */
/*
 * Lab 03, task 3: the same counter four ways, to measure what contention
 * and false sharing cost. You write counters.c; count_run.c (provided)
 * drives them. This header is not yours to edit.
 */
#ifndef LAB03_COUNTERS_H
#define LAB03_COUNTERS_H

#define COUNT_MAX_THREADS 16

/*
 * One way to count. count_run calls create once, then add from nthreads
 * threads at once (thread i always passes i), then total after joining
 * them, then destroy.
 */
struct count_ops {
    const char *name;
    /* A counter at 0 for nthreads threads (1..COUNT_MAX_THREADS); NULL on
     * error. */
    void *(*create)(int nthreads);
    /* Add 1 on behalf of thread `self`. Context: called from every thread
     * at once, each passing its own self. Must not lose an increment. */
    void (*add)(void *counter, int self);
    /* The count so far. Context: after every adding thread was joined. */
    long (*total)(void *counter);
    void (*destroy)(void *counter);
    /* Where thread self's own count lives (the per-thread ways), for the
     * layout test; NULL for the shared ways. Context: any. */
    void *(*slot)(void *counter, int self);
};

/* One pthread mutex around one long. */
extern const struct count_ops count_global_mutex;
/* One atomic long, updated with an atomic read-modify-write. */
extern const struct count_ops count_one_atomic;
/* A long per thread, the longs side by side in one array. */
extern const struct count_ops count_per_thread_packed;
/* A long per thread, each on a cache line of its own. */
extern const struct count_ops count_per_thread_padded;

/*
 * count_run - provided (count_run.c): start nthreads threads that each call
 * ops->add(c, self) per_thread times, starting together, and join them.
 *
 * Returns the counter's total (nthreads * per_thread when nothing was
 * lost), -EINVAL for bad arguments, -ENOMEM when create returned NULL.
 * A thread that cannot start ends the test process (a harness wrapper).
 * Blocks until every thread has finished. Context: any thread.
 */
long count_run(const struct count_ops *ops, int nthreads, long per_thread);

#endif /* LAB03_COUNTERS_H */
