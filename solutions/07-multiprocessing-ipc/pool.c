/* SPDX-License-Identifier: MIT */
/* Lab 07, task 2 (reference): a pool of worker processes fed over pipes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h" /* close_range before glibc 2.34 */
#include "msg.h"
#include "pool.h"

#define POOL_MAX_WORKERS 64
#define POOL_DEPTH 2 /* tasks in flight per worker: one runs, one waits */

/* What travels: a task is {fn} + input; a result is {err, len} + bytes. */
struct pool_task_hdr {
    pool_task_fn fn;
};
struct pool_result_hdr {
    int32_t err;
    uint32_t len;
};

struct pool_worker {
    pid_t pid;             /* 0: no process in this slot */
    int task_fd;           /* the parent's write end of the task pipe */
    int result_fd;         /* the parent's read end of the result pipe */
    long task[POOL_DEPTH]; /* the tasks sent to it, oldest (running) first */
    int ntasks;            /* how many of them */
};

/* Only the parent's thread touches a pool: no lock. */
struct pool {
    int nworkers;
    struct pool_worker w[POOL_MAX_WORKERS];
    long retry[POOL_MAX_WORKERS * POOL_DEPTH]; /* queued behind a crash */
    int nretry;
    char buf[sizeof(struct pool_result_hdr) + POOL_MAX_MSG];
};

/* The worker's buffers: static, so a worker allocates nothing. */
static char pool__in[sizeof(struct pool_task_hdr) + POOL_MAX_MSG];
static char pool__out[sizeof(struct pool_result_hdr) + POOL_MAX_MSG];

/* A worker's whole life: read a task, run it, send the result, until EOF. */
static void pool__worker_main(int task_fd, int result_fd)
{
    struct pool_task_hdr th;
    struct pool_result_hdr rh;
    size_t len, out_len;

    while (msg_recv(task_fd, pool__in, sizeof(pool__in), &len) == 1) {
        if (len < sizeof(th))
            _exit(2);
        memcpy(&th, pool__in, sizeof(th));
        out_len = 0;
        rh.err = th.fn(pool__in + sizeof(th), len - sizeof(th),
                       pool__out + sizeof(rh), POOL_MAX_MSG, &out_len);
        if (out_len > POOL_MAX_MSG)
            rh.err = -EMSGSIZE;
        rh.len = rh.err ? 0 : (uint32_t)out_len;
        memcpy(pool__out, &rh, sizeof(rh));
        if (msg_send(result_fd, pool__out, sizeof(rh) + rh.len) < 0)
            _exit(3);
    }
    close(task_fd); /* tidy for fd checkers; _exit would close them too */
    close(result_fd);
    _exit(0); /* never return into the caller's code, nor run its atexit */
}

static void pool__close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/*
 * Close descriptors lo..hi. close_range() does it in one call; before
 * Linux 5.9 it fails with ENOSYS, and then one close() each, up to the
 * descriptor limit, does the same. Ignoring that failure would leave
 * inherited descriptors open, which is the very bug this guards against.
 */
static void pool__close_fds(unsigned lo, unsigned hi)
{
    long max;

    if (lo > hi || close_range(lo, hi, 0) == 0)
        return;
    max = sysconf(_SC_OPEN_MAX);
    for (unsigned fd = lo; fd <= hi && (long)fd < max; fd++)
        close((int)fd);
}

/*
 * In a new worker: close every fd but stdio and its own two pipe ends. It
 * inherited the parent's ends of its siblings' pipes, and of any other
 * pool's: holding a write end would keep that worker from ever seeing EOF.
 * Closing by range (what Python's subprocess calls close_fds) catches
 * them all without knowing who opened them.
 */
static void pool__keep_only(int a, int b)
{
    unsigned lo = (unsigned)(a < b ? a : b), hi = (unsigned)(a < b ? b : a);

    if (lo > 3)
        pool__close_fds(3, lo - 1);
    pool__close_fds(lo + 1, hi - 1);
    pool__close_fds(hi + 1, ~0U);
}

/* Start a worker in slot i. */
static int pool__spawn(struct pool *p, int i)
{
    struct pool_worker *w = &p->w[i];
    int tp[2], rp[2], err;

    if (pipe2(tp, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(rp, O_CLOEXEC) < 0) {
        err = -errno;
        goto out_tp;
    }
    w->pid = fork();
    if (w->pid < 0) {
        err = -errno;
        w->pid = 0;
        goto out_rp;
    }
    if (w->pid == 0) {
        pool__keep_only(tp[0], rp[1]);
        pool__worker_main(tp[0], rp[1]);
    }
    close(tp[0]); /* the child's ends: keeping them would hide its death */
    close(rp[1]);
    w->task_fd = tp[1];
    w->result_fd = rp[0];
    w->ntasks = 0;
    return 0;

out_rp:
    close(rp[0]);
    close(rp[1]);
out_tp:
    close(tp[0]);
    close(tp[1]);
    return err;
}

/* Close a worker's pipes and reap it. Closing first lets a live one exit. */
static void pool__reap(struct pool_worker *w)
{
    pool__close_fd(&w->task_fd);
    pool__close_fd(&w->result_fd);
    if (w->pid > 0)
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    w->pid = 0;
    w->ntasks = 0;
}

int pool_create(int workers, struct pool **out)
{
    struct pool *p;
    int err;

    if (workers < 1 || workers > POOL_MAX_WORKERS || !out)
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->nworkers = workers;
    for (int i = 0; i < workers; i++)
        p->w[i] = (struct pool_worker){0, -1, -1, {0}, 0};
    for (int i = 0; i < workers; i++) {
        err = pool__spawn(p, i);
        if (err < 0) {
            pool_destroy(p);
            return err;
        }
    }
    *out = p;
    return 0;
}

static int pool__check_items(const struct pool_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].in_len > POOL_MAX_MSG)
            return -EINVAL;
        if ((!items[i].in && items[i].in_len) ||
            (!items[i].out && items[i].out_cap))
            return -EINVAL;
    }
    return 0;
}

/* Send task t to worker i, behind the ones it has. Returns 0 or a negative
 * errno (-EPIPE: the worker has died). */
static int pool__dispatch(struct pool *p, int i, pool_task_fn fn,
                          struct pool_item *it, long t)
{
    struct pool_worker *w = &p->w[i];
    struct pool_task_hdr th = {fn};
    int rc;

    memcpy(p->buf, &th, sizeof(th));
    if (it->in_len)
        memcpy(p->buf + sizeof(th), it->in, it->in_len);
    rc = msg_send(w->task_fd, p->buf, sizeof(th) + it->in_len);
    if (rc == 0)
        w->task[w->ntasks++] = t;
    return rc;
}

/* A worker is gone: reap it, put the tasks it never started back in the
 * queue, and start another in its slot. */
static int pool__replace(struct pool *p, int i, int first_unstarted)
{
    struct pool_worker *w = &p->w[i];

    for (int k = w->ntasks - 1; k >= first_unstarted; k--)
        p->retry[p->nretry++] = w->task[k];
    pool__reap(w);
    return pool__spawn(p, i);
}

/* Read worker i's oldest result into its item. A worker that hung up before
 * sending it has died: that task fails with -ECHILD. */
static int pool__collect(struct pool *p, int i, struct pool_item *items)
{
    struct pool_worker *w = &p->w[i];
    struct pool_item *it = &items[w->task[0]];
    struct pool_result_hdr rh;
    size_t len;

    if (msg_recv(w->result_fd, p->buf, sizeof(p->buf), &len) != 1 ||
        len < sizeof(rh)) {
        it->err = -ECHILD;
        it->out_len = 0;
        return pool__replace(p, i, 1);
    }
    memcpy(&rh, p->buf, sizeof(rh));
    it->err = rh.err;
    it->out_len = rh.len;
    if (!rh.err && rh.len > it->out_cap)
        it->err = -EMSGSIZE;
    else if (!rh.err)
        memcpy(it->out, p->buf + sizeof(rh), rh.len);
    memmove(&w->task[0], &w->task[1], sizeof(long) * (size_t)--w->ntasks);
    return 0;
}

/* The next task to hand out: one to send again first, then a new one. */
static long pool__peek(const struct pool *p, size_t n, size_t next)
{
    if (p->nretry)
        return p->retry[p->nretry - 1];
    return next < n ? (long)next : -1;
}

/*
 * Keep every worker supplied: an idle one gets a task, and a busy one gets
 * a second one to start the moment it is done, so it never waits for this
 * process to be scheduled. Only a small task is queued behind a running
 * one: it fits in the pipe, so the write cannot block while that worker is
 * itself blocked writing a big result that we are not reading yet.
 */
static int pool__feed(struct pool *p, pool_task_fn fn, struct pool_item *items,
                      size_t n, size_t *next)
{
    /* Every idle worker gets a task before any gets a second one: with
     * no more tasks than twice the workers, filling worker by worker would
     * leave the last ones idle. */
    for (int k = 0; k < POOL_DEPTH * p->nworkers; k++) {
        int i = k % p->nworkers, depth = 1 + k / p->nworkers;
        struct pool_worker *w = &p->w[i];
        long t;
        int rc;

        while (w->ntasks < depth && (t = pool__peek(p, n, *next)) >= 0) {
            if (w->ntasks > 0 && /* busy: only a small task waits */
                items[t].in_len > PIPE_BUF)
                break;
            rc = pool__dispatch(p, i, fn, &items[t], t);
            if (rc == -EPIPE && w->ntasks > 0)
                break; /* died while busy: collect sees it, then replaces */
            if (rc == -EPIPE) /* died while idle: replace it, try again */
                rc = pool__replace(p, i, 0);
            if (rc < 0)
                return rc;
            if (w->ntasks == 0)
                continue;
            if (p->nretry)
                p->nretry--;
            else
                (*next)++;
        }
    }
    return 0;
}

int pool_map(struct pool *p, pool_task_fn fn, struct pool_item *items, size_t n)
{
    struct pollfd pfd[POOL_MAX_WORKERS];
    size_t next = 0, done = 0;
    int rc;

    if (!p || !fn || (!items && n))
        return -EINVAL;
    rc = pool__check_items(items, n);
    for (int i = 0; i < p->nworkers && rc == 0; i++)
        if (p->w[i].ntasks > 0) /* left over from a map that failed */
            rc = pool__replace(p, i, p->w[i].ntasks);
    p->nretry = 0;
    while (rc == 0 && done < n) {
        rc = pool__feed(p, fn, items, n, &next);
        if (rc < 0)
            break;
        for (int i = 0; i < p->nworkers; i++) {
            pfd[i].fd = p->w[i].ntasks > 0 ? p->w[i].result_fd : -1;
            pfd[i].events = POLLIN;
        }
        if (poll(pfd, (nfds_t)p->nworkers, -1) < 0) {
            rc = errno == EINTR ? 0 : -errno;
            continue;
        }
        /* POLLHUP without POLLIN is how a dead worker shows: handle both. */
        for (int i = 0; i < p->nworkers && rc == 0; i++) {
            if (pfd[i].fd < 0 ||
                !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            rc = pool__collect(p, i, items);
            done++;
        }
    }
    return rc;
}

void pool_destroy(struct pool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nworkers; i++) /* EOF to all of them first */
        pool__close_fd(&p->w[i].task_fd);
    for (int i = 0; i < p->nworkers; i++)
        pool__reap(&p->w[i]);
    free(p);
}
