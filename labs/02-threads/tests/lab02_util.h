/* SPDX-License-Identifier: MIT */
/*
 * Lab 02 test helpers (lab-local, header only): making pthread_create and
 * malloc fail through resource limits, so that the error paths of the
 * student's code run through its API alone.
 */
#ifndef LAB02_UTIL_H
#define LAB02_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness.h"

/* A thread that waits until told to go: a probe of how many can start. */
struct lab02_probe {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int go; /* guarded by lock */
};

static inline void *lab02_probe_fn(void *arg)
{
    struct lab02_probe *pr = arg;

    pthread_mutex_lock(&pr->lock);
    while (!pr->go)
        pthread_cond_wait(&pr->cond, &pr->lock);
    pthread_mutex_unlock(&pr->lock);
    return NULL;
}

/*
 * Lower RLIMIT_NPROC so that at most `spare` more threads of this user can
 * start: the kernel counts every thread and process of the user (the
 * grader runs each test as a uid of its own) and refuses a new one with
 * EAGAIN at the limit, for any user but root. How many the user runs now
 * is found by starting probe threads under a known limit. Returns 1 with
 * the old limit in *old (lab02_unlimit_threads puts it back), or 0 where
 * the limit does not stop a thread from starting (root).
 */
static inline int lab02_limit_threads(unsigned spare, struct rlimit *old)
{
    enum { PROBES = 16, ROOM = 8 };
    struct lab02_probe pr = {PTHREAD_MUTEX_INITIALIZER,
                             PTHREAD_COND_INITIALIZER, 0};
    pthread_t t[PROBES];
    struct rlimit rl;
    int mine = harness_count_threads(), started = 0;
    rlim_t users;

    if (getrlimit(RLIMIT_NPROC, old) < 0)
        harness_fail("getrlimit(RLIMIT_NPROC) failed");
    rl = *old;
    rl.rlim_cur = (rlim_t)mine + ROOM;
    if (old->rlim_max != RLIM_INFINITY && rl.rlim_cur > old->rlim_max)
        return 0;
    if (setrlimit(RLIMIT_NPROC, &rl) < 0)
        harness_fail("setrlimit(RLIMIT_NPROC) failed");
    while (started < PROBES &&
           pthread_create(&t[started], NULL, lab02_probe_fn, &pr) == 0)
        started++;
    setrlimit(RLIMIT_NPROC, old);
    pthread_mutex_lock(&pr.lock);
    pr.go = 1;
    pthread_cond_broadcast(&pr.cond);
    pthread_mutex_unlock(&pr.lock);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    harness_count_threads_settled(mine);
    if (started == 0 || started > ROOM)
        return 0; /* the limit does not bite, or bites too soon to tell */
    /* The user ran mine + ROOM - started tasks when the probes began. */
    users = (rlim_t)mine + ROOM - (rlim_t)started;
    rl.rlim_cur = users + spare;
    if (setrlimit(RLIMIT_NPROC, &rl) < 0)
        harness_fail("setrlimit(RLIMIT_NPROC) failed");
    return 1;
}

static inline void lab02_unlimit_threads(const struct rlimit *old)
{
    if (setrlimit(RLIMIT_NPROC, old) < 0)
        harness_fail("restoring RLIMIT_NPROC failed");
}

/* This process's address space, in bytes, read without malloc. */
static inline rlim_t lab02_vm_bytes(void)
{
    char buf[64] = {0};
    int fd = open("/proc/self/statm", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        harness_fail("cannot read /proc/self/statm");
    return (rlim_t)strtoull(buf, NULL, 10) * (rlim_t)sysconf(_SC_PAGESIZE);
}

/*
 * Out of memory on purpose: RLIMIT_AS at the process's present size, so
 * the heap cannot grow and no mapping can be made, then every free block
 * the heap still has taken, from the largest requests down to the
 * smallest, so that no malloc, calloc or thread stack can succeed.
 * lab02_memory_back frees them and restores the limit. Between the two,
 * call nothing that allocates (no harness_fail, no printf): only the call
 * under test. Where the heap could not be used up, *ok is 0.
 */
struct lab02_oom {
    struct rlimit old;
    void *blocks; /* a list through the blocks themselves */
    int ok;
};

static inline void lab02_memory_out(struct lab02_oom *o)
{
    struct rlimit rl;
    void *b;

    o->blocks = NULL;
    if (getrlimit(RLIMIT_AS, &o->old) < 0)
        harness_fail("getrlimit(RLIMIT_AS) failed");
    rl = o->old;
    rl.rlim_cur = lab02_vm_bytes();
    if (setrlimit(RLIMIT_AS, &rl) < 0)
        harness_fail("setrlimit(RLIMIT_AS) failed");
    for (size_t size = (size_t)1 << 20; size >= sizeof(void *);
         size = size > 4096 ? size / 2 : size - 8)
        while ((b = malloc(size)) != NULL) {
            *(void **)b = o->blocks;
            o->blocks = b;
        }
    b = malloc(1);
    o->ok = b == NULL;
    free(b);
}

static inline void lab02_memory_back(struct lab02_oom *o)
{
    while (o->blocks) {
        void *next = *(void **)o->blocks;

        free(o->blocks);
        o->blocks = next;
    }
    if (setrlimit(RLIMIT_AS, &o->old) < 0)
        harness_fail("restoring RLIMIT_AS failed");
}

#endif /* LAB02_UTIL_H */
