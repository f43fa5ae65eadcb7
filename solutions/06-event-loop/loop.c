/* SPDX-License-Identifier: MIT */
/*
 * Lab 06, tasks 1 and 4: the event loop. epoll for the fds (level-triggered),
 * a binary min-heap of timers ordered by (deadline, sequence number).
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
    struct loop *loop = calloc(1, sizeof(*loop));

    if (!loop)
        return -ENOMEM;
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        int err = -errno;

        free(loop);
        return err;
    }
    loop->next_id = 1;
    *out = loop;
    return 0;
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
    struct epoll_event ev = {0};
    struct loop_watcher *w;
    int op, rc;

    if (fd < 0 || (events & ~(LOOP_READABLE | LOOP_WRITABLE)) || !cb)
        return -EINVAL;
    if (events == 0)
        return loop_unwatch(loop, fd);
    if (fd >= loop->fds_cap && (rc = loop__grow_fds(loop, fd)) < 0)
        return rc;
    w = &loop->fds[fd];
    /* The same events again (echo.c re-arms after every request): the
     * kernel already has them, so a system call would only cost time. The
     * header's rule, unwatch before close, keeps the table truthful. */
    if (w->events == events) {
        *w = (struct loop_watcher){events, cb, arg, name};
        return 0;
    }
    op = w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    ev.events = (events & LOOP_READABLE ? EPOLLIN : 0) |
                (events & LOOP_WRITABLE ? EPOLLOUT : 0);
    ev.data.fd = fd;
    if (epoll_ctl(loop->epfd, op, fd, &ev) < 0)
        return -errno;
    if (op == EPOLL_CTL_ADD)
        loop->nwatched++;
    *w = (struct loop_watcher){events, cb, arg, name};
    return 0;
}

int loop_unwatch(struct loop *loop, int fd)
{
    if (fd < 0 || fd >= loop->fds_cap || !loop->fds[fd].events)
        return -ENOENT;
    /* Fails only if fd was already closed, which removed it anyway. */
    (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    loop->fds[fd].events = 0;
    loop->nwatched--;
    return 0;
}

/* ---- timers: a binary min-heap ------------------------------------ */

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
    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (!timer_before(&loop->heap[i], &loop->heap[parent]))
            break;
        heap_swap(loop, i, parent);
        i = parent;
    }
}

static void heap_sift_down(struct loop *loop, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;

        if (l < loop->ntimers && timer_before(&loop->heap[l], &loop->heap[min]))
            min = l;
        if (r < loop->ntimers && timer_before(&loop->heap[r], &loop->heap[min]))
            min = r;
        if (min == i)
            return;
        heap_swap(loop, i, min);
        i = min;
    }
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
    struct loop_timer t = {0};
    int rc;

    if (!cb)
        return -EINVAL;
    t.when = loop_now_ns() + delay_ms * 1000000u;
    t.period = period_ms * 1000000u;
    t.id = loop->next_id++;
    t.cb = cb;
    t.arg = arg;
    t.name = name;
    rc = heap_push(loop, t);
    return rc < 0 ? rc : t.id;
}

int loop_timer_cancel(struct loop *loop, long id)
{
    for (size_t i = 0; i < loop->ntimers; i++) {
        if (loop->heap[i].id == id) {
            heap_remove(loop, i);
            return 0;
        }
    }
    return -ENOENT;
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

static void loop__check_slow(struct loop *loop, const char *name, uint64_t t0)
{
    uint64_t dt = loop_now_ns() - t0;

    if (dt > loop->slow_ns)
        loop->slow_report(loop, name ? name : "?", dt, loop->slow_arg);
}

/* epoll_wait's timeout: until the first deadline, rounded up, never early. */
static int loop__timeout_ms(struct loop *loop)
{
    uint64_t now, wait;

    if (loop->ntimers == 0)
        return -1;
    now = loop_now_ns();
    if (loop->heap[0].when <= now)
        return 0;
    wait = (loop->heap[0].when - now + 999999) / 1000000;
    return wait > INT_MAX ? INT_MAX : (int)wait;
}

static void loop__run_io(struct loop *loop, int n)
{
    for (int i = 0; i < n && !loop->stopped; i++) {
        int fd = loop->ready[i].data.fd;
        uint32_t e = loop->ready[i].events;
        struct loop_watcher w;
        unsigned fired = 0;
        uint64_t t0;

        if (fd >= loop->fds_cap || !loop->fds[fd].events)
            continue; /* unwatched by an earlier callback */
        w = loop->fds[fd];
        if (e & (EPOLLIN | EPOLLHUP | EPOLLERR))
            fired |= LOOP_READABLE;
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
            fired |= LOOP_WRITABLE;
        fired &= w.events;
        if (e & (EPOLLHUP | EPOLLERR))
            fired |= LOOP_ERROR;
        if (!fired)
            continue;
        t0 = loop->slow_report ? loop_now_ns() : 0;
        w.cb(loop, fd, fired, w.arg);
        if (loop->slow_report)
            loop__check_slow(loop, w.name, t0);
    }
}

/*
 * Fire the timers due by `now`, earliest first. A repeating timer goes back
 * into the heap before its callback runs, so the callback may cancel it.
 */
static void loop__run_timers(struct loop *loop)
{
    uint64_t now = loop_now_ns();

    while (loop->ntimers > 0 && loop->heap[0].when <= now && !loop->stopped) {
        struct loop_timer t = loop->heap[0];
        uint64_t t0;

        heap_remove(loop, 0);
        if (t.period) {
            struct loop_timer next = t;

            next.when = t.when + t.period;
            if (next.when <= now) /* late: skip the missed periods */
                next.when = now + t.period;
            if (heap_push(loop, next) < 0)
                t.period = 0; /* out of memory: it fires one last time */
        }
        t0 = loop->slow_report ? loop_now_ns() : 0;
        t.cb(loop, t.id, t.arg);
        if (loop->slow_report)
            loop__check_slow(loop, t.name, t0);
    }
}

int loop_run(struct loop *loop)
{
    loop->stopped = 0;
    while (!loop->stopped && (loop->nwatched > 0 || loop->ntimers > 0)) {
        int n = epoll_wait(loop->epfd, loop->ready, LOOP_MAX_EVENTS,
                           loop__timeout_ms(loop));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        loop__run_io(loop, n);
        loop__run_timers(loop);
    }
    return 0;
}
