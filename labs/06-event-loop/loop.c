/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, tasks 1 and 4: the event loop. epoll for the fds (level-triggered),
 * a binary min-heap of timers ordered by (deadline, sequence number).
 * Yours to write: the TODO(lab06.k) marks say where.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_MAX_EVENTS 256

struct loop_watcher {
    unsigned events; /* LOOP_READABLE|LOOP_WRITABLE; 0: not watched */
    loop_io_fn cb;
    void *arg;
    const char *name;
};

struct loop_timer {
    uint64_t when;   /* deadline, loop_now_ns() time */
    uint64_t seq;    /* order of adding: breaks ties between equal deadlines */
    uint64_t period; /* ns; 0 for a one-shot timer */
    long id;
    loop_timer_fn cb;
    void *arg;
    const char *name;
};

/* Everything here belongs to the thread running the loop: no lock. */
struct loop {
    int epfd;
    struct loop_watcher *fds; /* indexed by fd */
    int fds_cap;
    int nwatched;
    struct loop_timer *heap; /* heap[0] is the earliest deadline */
    size_t ntimers, heap_cap;
    long next_id;
    uint64_t next_seq;
    int stopped;
    uint64_t slow_ns;
    loop_slow_fn slow_report;
    void *slow_arg;
    struct epoll_event ready[LOOP_MAX_EVENTS];
};

uint64_t loop_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int loop_create(struct loop **out)
{
    /*
     * TODO(lab06.1): allocate a zeroed struct loop, create its epoll fd
     * (epoll_create1; why EPOLL_CLOEXEC?) and hand it out. Timer ids start
     * at 1. On failure free what you allocated and return -errno.
     */
    (void)out;
    return -ENOSYS;
}

void loop_destroy(struct loop *loop)
{
    if (!loop)
        return;
    close(loop->epfd);
    free(loop->fds);
    free(loop->heap);
    free(loop);
}

/* ---- fds ---------------------------------------------------------- */

/* Make loop->fds[fd] exist (new entries zeroed: not watched). */
static int loop__grow_fds(struct loop *loop, int fd)
{
    int cap = loop->fds_cap ? loop->fds_cap : 64;
    struct loop_watcher *fds;

    while (cap <= fd)
        cap *= 2;
    fds = realloc(loop->fds, (size_t)cap * sizeof(*fds));
    if (!fds)
        return -ENOMEM;
    memset(fds + loop->fds_cap, 0,
           (size_t)(cap - loop->fds_cap) * sizeof(*fds));
    loop->fds = fds;
    loop->fds_cap = cap;
    return 0;
}

int loop_watch(struct loop *loop, int fd, unsigned events, loop_io_fn cb,
               void *arg, const char *name)
{
    /*
     * TODO(lab06.1): check the arguments (see loop.h), make room with
     * loop__grow_fds, then tell epoll. A fd epoll does not know yet needs
     * EPOLL_CTL_ADD; one it knows, EPOLL_CTL_MOD: how do you tell which?
     * Keep the callback, its argument and name in loop->fds[fd], and count
     * the watched fds (loop_run needs to know when nothing is left).
     */
    (void)loop;
    (void)fd;
    (void)events;
    (void)cb;
    (void)arg;
    (void)name;
    (void)loop__grow_fds;
    return -ENOSYS;
}

int loop_unwatch(struct loop *loop, int fd)
{
    /*
     * TODO(lab06.1): forget fd, in epoll and in loop->fds. Why must the
     * caller unwatch before close(), and what if close() came first?
     */
    (void)loop;
    (void)fd;
    return -ENOSYS;
}

/* ---- timers: a binary min-heap ------------------------------------ */

/* The heap's order: earlier deadline first; equal deadlines, added first. */
static int timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_swap(struct loop *loop, size_t i, size_t j)
{
    struct loop_timer t = loop->heap[i];

    loop->heap[i] = loop->heap[j];
    loop->heap[j] = t;
}

static void heap_sift_up(struct loop *loop, size_t i)
{
    /*
     * TODO(lab06.1): heap[i] may be earlier than its parent, (i - 1) / 2.
     * Move it up while it is. When can you stop early?
     */
    (void)loop;
    (void)i;
    (void)timer_before;
}

static void heap_sift_down(struct loop *loop, size_t i)
{
    /*
     * TODO(lab06.1): heap[i] may be later than one of its children,
     * 2i + 1 and 2i + 2 (when they exist). Swap it with which one?
     */
    (void)loop;
    (void)i;
    (void)heap_swap;
}

static int heap_push(struct loop *loop, struct loop_timer t)
{
    if (loop->ntimers == loop->heap_cap) {
        size_t cap = loop->heap_cap ? 2 * loop->heap_cap : 16;
        struct loop_timer *h = realloc(loop->heap, cap * sizeof(*h));

        if (!h)
            return -ENOMEM;
        loop->heap = h;
        loop->heap_cap = cap;
    }
    t.seq = loop->next_seq++;
    loop->heap[loop->ntimers++] = t;
    heap_sift_up(loop, loop->ntimers - 1);
    return 0;
}

/* Remove heap[i]: the last entry takes its place and moves up or down. */
static void heap_remove(struct loop *loop, size_t i)
{
    loop->heap[i] = loop->heap[--loop->ntimers];
    if (i < loop->ntimers) {
        heap_sift_down(loop, i);
        heap_sift_up(loop, i);
    }
}

long loop_timer_add(struct loop *loop, uint64_t delay_ms, uint64_t period_ms,
                    loop_timer_fn cb, void *arg, const char *name)
{
    /*
     * TODO(lab06.1): fill a struct loop_timer (deadline in ns, from
     * loop_now_ns(); a new id) and heap_push it.
     */
    (void)loop;
    (void)delay_ms;
    (void)period_ms;
    (void)cb;
    (void)arg;
    (void)name;
    (void)heap_push;
    return -ENOSYS;
}

int loop_timer_cancel(struct loop *loop, long id)
{
    /*
     * TODO(lab06.1): find the timer with this id and heap_remove it. (A
     * linear search is fine here; what would make cancel O(log n)?)
     */
    (void)loop;
    (void)id;
    (void)heap_remove;
    return -ENOSYS;
}

/* ---- running ------------------------------------------------------ */

void loop_set_slow_detector(struct loop *loop, uint64_t threshold_ms,
                            loop_slow_fn report, void *arg)
{
    loop->slow_ns = threshold_ms * 1000000u;
    loop->slow_report = report;
    loop->slow_arg = arg;
}

void loop_stop(struct loop *loop)
{
    loop->stopped = 1;
}

int loop_run(struct loop *loop)
{
    /*
     * TODO(lab06.1): until stopped, or until nothing is watched and no
     * timer is pending:
     * - sleep in epoll_wait for at most the time until the earliest
     *   deadline. In whole milliseconds: round up or down? What happens to
     *   the CPU when a deadline is 0.4 ms away, with each choice? And with
     *   no timer at all?
     * - run the callback of each ready fd. A callback may unwatch (and
     *   close, and reuse!) another fd that is also in this batch: check it
     *   is still watched, and pass only the events it asked for (plus
     *   LOOP_ERROR on EPOLLERR/EPOLLHUP).
     * - run every timer whose deadline has passed, earliest first. Take it
     *   out of the heap before its callback runs (the callback may add and
     *   cancel timers). A repeating timer goes back in with its next
     *   deadline; if it goes back before its callback runs, the callback can
     *   cancel it. A loop that fell far behind fires it once, not once per
     *   missed period.
     * EINTR from epoll_wait is not an error.
     *
     * TODO(lab06.4): when loop->slow_report is set, time each callback (fd
     * or timer) with loop_now_ns() and report those that ran longer than
     * loop->slow_ns, with their name ("?" when NULL).
     */
    (void)loop;
    return -ENOSYS;
}
