/* SPDX-License-Identifier: MIT */
/* Lab 07, task 2: a pool of worker processes fed over pipes. Yours to write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"
#include "pool.h"

#define POOL_MAX_WORKERS 64

/* One worker process and the parent's ends of its two pipes. */
struct pool_worker {
    pid_t pid;
    int task_fd;   /* the parent writes tasks here */
    int result_fd; /* the parent reads results here */
    long task;     /* index of the task it runs, or -1 when idle */
};

/*
 * Only the thread that created the pool touches it, so no lock. Add what you
 * need (a buffer for messages, say).
 */
struct pool {
    int nworkers;
    struct pool_worker w[POOL_MAX_WORKERS];
};

/*
 * TODO(lab07.2): the worker's side. A worker is a forked child: it reads a
 * task from its task pipe with msg_recv, runs it, sends the result with
 * msg_send, and loops until the end of the stream, then _exit()s.
 *
 * - What must a task message carry besides the input, given that pool_map
 *   takes the function as an argument and the worker was forked before?
 * - What must a result carry so that the parent can fill in err, out_len
 *   and out?
 * - Why _exit() and never return, nor exit()?
 */

/*
 * TODO(lab07.2): starting a worker in slot i: two pipes, fork, and the fds
 * each side closes.
 *
 * - If the parent keeps the write end of a result pipe, what does it see
 *   when that worker dies? And if a younger worker keeps an older one's
 *   task pipe write end, when does the older one ever see its end of file?
 */

int pool_create(int workers, struct pool **out)
{
    /* TODO(lab07.2): allocate the pool and start every worker. On a
     * failure, leave nothing behind. */
    (void)workers;
    (void)out;
    return -ENOSYS;
}

int pool_map(struct pool *p, pool_task_fn fn, struct pool_item *items, size_t n)
{
    /*
     * TODO(lab07.2): hand a task to every idle worker, wait (poll) for any
     * busy worker's result, put it in the right item, and repeat until
     * every task has ended.
     *
     * - The results arrive in the order the tasks finish. How do you know
     *   which item a result belongs to?
     * - A worker that crashed mid-task never sends its result. What does
     *   poll() report for its pipe, and what does msg_recv return? What
     *   happens to your loop if you only look at POLLIN?
     * - A dead worker must be reaped now (no zombie) and replaced.
     */
    (void)p;
    (void)fn;
    (void)items;
    (void)n;
    return -ENOSYS;
}

void pool_destroy(struct pool *p)
{
    /* TODO(lab07.2): how does a worker learn that it should exit? Wait for
     * every one of them, close every fd, free the pool. */
    free(p);
}
