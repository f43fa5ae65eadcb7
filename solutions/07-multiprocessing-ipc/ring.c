/* SPDX-License-Identifier: MIT */
/* Lab 07, task 3 (reference): a message ring in shared memory. The fast path
 * is two atomic positions; a process-shared mutex and condition variables
 * are used only to sleep, and only when the other side has nothing for us. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

/*
 * One writer, one reader. head and tail count bytes ever written and read
 * (they never wrap; the offset is the count modulo cap), so head - tail is
 * the fill and no slot is wasted to tell full from empty. A message is a
 * 4-byte length and its bytes, copied across the end of data[] when needed.
 *
 * Each position has one owner: only the writer stores head, only the
 * reader stores tail. The writer copies a message into [head, tail + cap),
 * then publishes it with a release store of head; the reader's acquire
 * load of head then sees the bytes. The same pairing the other way round
 * lets the writer reuse what the reader has copied out. No lock is taken
 * on the way of a message: the mutex exists only so that a side with
 * nothing to do can sleep on a condition variable without missing its
 * wake-up.
 *
 * The fields that each side writes sit on their own cache lines, so the
 * writer storing head does not take the line holding tail away from the
 * reader, and the reverse.
 */
struct ring {
    /* Set once in ring_create, read-only afterwards. */
    size_t cap;              /* bytes of data[] */
    size_t map_len;          /* the whole mapping */
    char name[NAME_MAX + 1]; /* the shm object, for ring_destroy */

    /* Sleeping only: a side holds lock from its last look at the other
     * side's position to pthread_cond_wait, so a wake-up sent under lock
     * cannot fall between the two. */
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* the reader sleeps here */
    pthread_cond_t not_full;  /* the writer sleeps here */
    atomic_int closed;        /* set once by ring_close */

    /* The writer's line: head; the last tail the writer saw (the writer's
     * own, so it reads the reader's line only when that one is used up);
     * whether the reader sleeps (set by the reader, rarely). */
    _Alignas(64) _Atomic uint64_t head;
    uint64_t tail_seen; /* the writer's only */
    atomic_int reader_sleeps;

    /* The reader's line, the same the other way round; and the free space
     * the sleeping writer waits for (0: it does not sleep). */
    _Alignas(64) _Atomic uint64_t tail;
    uint64_t head_seen; /* the reader's only */
    _Atomic size_t writer_wants;

    _Alignas(64) char data[];
};

#define RING_HDR sizeof(uint32_t)

/*
 * How a side waits before it goes to sleep. First it polls the other
 * side's position for a few microseconds, about the time the other side
 * takes to copy a few KiB: with the two processes on two CPUs, the next
 * message (or the room) usually comes within that, without the system
 * calls and the trip through the scheduler of a sleep and a wake-up. Then,
 * for a few tens of microseconds, it yields the CPU between looks: when
 * both processes share one CPU, the other side cannot move while this one
 * polls, and a yield lets it run on (fill or drain the ring) instead of
 * being woken once per message. Only then does it sleep. The budget is in
 * time, not in yields: on a crowded machine one yield can last
 * milliseconds, and then it is better to sleep until there is work.
 */
#define RING_SPINS 200
#define RING_YIELD_NS 50000

static uint64_t ring__now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * One step of waiting; step counts from 0 and *t0 starts at 0. Returns 0
 * when the wait should go on to sleep.
 */
static int ring__relax(int step, uint64_t *t0)
{
    if (step < RING_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
        return 1;
    }
    if (!*t0)
        *t0 = ring__now_ns();
    else if (ring__now_ns() - *t0 > RING_YIELD_NS)
        return 0;
    sched_yield();
    return 1;
}

static void ring__copy_in(struct ring *r, uint64_t pos, const void *src,
                          size_t len)
{
    size_t off = (size_t)(pos % r->cap), first = r->cap - off;

    if (first >= len) {
        memcpy(r->data + off, src, len);
        return;
    }
    memcpy(r->data + off, src, first);
    memcpy(r->data, (const char *)src + first, len - first);
}

static void ring__copy_out(const struct ring *r, uint64_t pos, void *dst,
                           size_t len)
{
    size_t off = (size_t)(pos % r->cap), first = r->cap - off;

    if (first >= len) {
        memcpy(dst, r->data + off, len);
        return;
    }
    memcpy(dst, r->data + off, first);
    memcpy((char *)dst + first, r->data, len - first);
}

static int ring__init_sync(struct ring *r)
{
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc;

    pthread_mutexattr_init(&ma);
    /* A private mutex would look fine, and hang across processes. */
    rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    if (!rc)
        rc = pthread_mutex_init(&r->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    if (rc)
        return -rc;
    pthread_condattr_init(&ca);
    rc = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    if (!rc)
        rc = pthread_cond_init(&r->not_empty, &ca);
    if (!rc && (rc = pthread_cond_init(&r->not_full, &ca)))
        pthread_cond_destroy(&r->not_empty);
    pthread_condattr_destroy(&ca);
    if (rc)
        pthread_mutex_destroy(&r->lock);
    return -rc;
}

int ring_create(const char *name, size_t capacity, struct ring **out)
{
    size_t map_len = sizeof(struct ring) + capacity;
    struct ring *r;
    int fd, err;

    if (!name || !out || capacity < 64 || capacity > ((size_t)1 << 30) ||
        strlen(name) > NAME_MAX)
        return -EINVAL;
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return -errno;
    if (ftruncate(fd, (off_t)map_len) < 0) {
        err = -errno;
        goto out_unlink;
    }
    r = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED) {
        err = -errno;
        goto out_unlink;
    }
    close(fd); /* the mapping keeps the object alive */
    r->cap = capacity;
    r->map_len = map_len;
    strcpy(r->name, name);
    /* The new object is zero-filled: positions 0, open, nobody asleep. */
    err = ring__init_sync(r);
    if (err < 0) {
        munmap(r, map_len);
        shm_unlink(name);
        return err;
    }
    *out = r;
    return 0;

out_unlink:
    close(fd);
    shm_unlink(name);
    return err;
}

/*
 * Room for the writer at head. The writer's last look at tail is enough as
 * long as it shows the room; only then does it read the reader's line
 * again (an acquire: the reader's copies out of that room are done).
 */
static size_t ring__room(struct ring *r, uint64_t head, size_t need)
{
    if (r->cap - (size_t)(head - r->tail_seen) < need)
        r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
    return r->cap - (size_t)(head - r->tail_seen);
}

/* Whether the reader at tail has a message, on the same principle. */
static int ring__has_data(struct ring *r, uint64_t tail)
{
    if (r->head_seen == tail)
        r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
    return r->head_seen != tail;
}

/*
 * Going to sleep without missing the wake-up. The sleeper stores its flag
 * and then looks at the other side's position; the other side stores its
 * position and then looks at the flag. With a full fence between the store
 * and the look on both sides, at least one of them sees the other's store:
 * either the sleeper sees the new position and does not sleep, or the
 * other side sees the flag and signals, under the lock, which the sleeper
 * holds from its look until pthread_cond_wait has put it to sleep.
 */
static void ring__wake(struct ring *r, pthread_cond_t *cond)
{
    pthread_mutex_lock(&r->lock);
    pthread_cond_signal(cond);
    pthread_mutex_unlock(&r->lock);
}

/*
 * The writer waits for `need` bytes of room. Asleep, it asks to be woken
 * only once half the ring is free (or `need`, if more): woken for every
 * message the reader takes, it would refill that room at once and sleep
 * again, so both processes would sleep and wake once per message.
 */
static int ring__wait_room(struct ring *r, uint64_t head, size_t need)
{
    size_t want = need > r->cap / 2 ? need : r->cap / 2;
    uint64_t t0 = 0;

    for (int i = 0;; i++) {
        if (ring__room(r, head, need) >= need)
            return 0;
        if (atomic_load(&r->closed))
            return -EPIPE;
        if (!ring__relax(i, &t0))
            break;
    }
    pthread_mutex_lock(&r->lock);
    atomic_store_explicit(&r->writer_wants, want, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    while (!atomic_load(&r->closed) && ring__room(r, head, need) < need)
        pthread_cond_wait(&r->not_full, &r->lock);
    atomic_store_explicit(&r->writer_wants, 0, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
    return ring__room(r, head, need) >= need ? 0 : -EPIPE;
}

int ring_send(struct ring *r, const void *buf, size_t len)
{
    uint32_t hdr = (uint32_t)len;
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t need = RING_HDR + len;
    int err;

    if (!buf && len)
        return -EINVAL;
    if (len > UINT32_MAX || need > r->cap)
        return -EMSGSIZE;
    if (atomic_load(&r->closed))
        return -EPIPE;
    if (ring__room(r, head, need) < need &&
        (err = ring__wait_room(r, head, need)) < 0)
        return err;

    ring__copy_in(r, head, &hdr, RING_HDR);
    ring__copy_in(r, head + RING_HDR, buf, len);

    /* Publish: a release, so the bytes are there before the position says
     * so. Then wake the reader, but only if it sleeps: waking is the
     * expensive part. */
    atomic_store_explicit(&r->head, head + need, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&r->reader_sleeps, memory_order_relaxed))
        ring__wake(r, &r->not_empty);
    return 0;
}

/* The reader waits for a message after tail, or for the end. */
static void ring__wait_data(struct ring *r, uint64_t tail)
{
    uint64_t t0 = 0;

    for (int i = 0;; i++) {
        if (ring__has_data(r, tail) || atomic_load(&r->closed))
            return;
        if (!ring__relax(i, &t0))
            break;
    }
    pthread_mutex_lock(&r->lock);
    atomic_store_explicit(&r->reader_sleeps, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    /* ring_close sets closed before it takes the lock to broadcast. */
    while (!ring__has_data(r, tail) && !atomic_load(&r->closed))
        pthread_cond_wait(&r->not_empty, &r->lock);
    atomic_store_explicit(&r->reader_sleeps, 0, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
}

int ring_recv(struct ring *r, void *buf, size_t cap, size_t *len)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t want;
    uint32_t hdr;

    if (!len || (!buf && cap))
        return -EINVAL;
    while (!ring__has_data(r, tail)) {
        /* closed is set after the last send: look once more after it. */
        if (atomic_load(&r->closed))
            return ring__has_data(r, tail) ? ring_recv(r, buf, cap, len) : 0;
        ring__wait_data(r, tail);
    }

    ring__copy_out(r, tail, &hdr, RING_HDR);
    *len = hdr;
    if (hdr > cap)
        return -EMSGSIZE; /* left in the ring: tail did not move */
    ring__copy_out(r, tail + RING_HDR, buf, hdr);

    /* Free the room: a release, so our copy out is done before the writer
     * may reuse it. Then wake the writer if it sleeps and what it waits
     * for is free. */
    tail += RING_HDR + hdr;
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    want = atomic_load_explicit(&r->writer_wants, memory_order_relaxed);
    if (want && r->cap - (size_t)(atomic_load(&r->head) - tail) >= want)
        ring__wake(r, &r->not_full);
    return 1;
}

void ring_close(struct ring *r)
{
    atomic_store(&r->closed, 1);
    pthread_mutex_lock(&r->lock);
    pthread_cond_broadcast(&r->not_empty);
    pthread_cond_broadcast(&r->not_full);
    pthread_mutex_unlock(&r->lock);
}

void ring_detach(struct ring *r)
{
    if (r)
        munmap(r, r->map_len);
}

void ring_destroy(struct ring *r)
{
    char name[NAME_MAX + 1];

    if (!r)
        return;
    strcpy(name, r->name);
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
    pthread_mutex_destroy(&r->lock);
    munmap(r, r->map_len);
    shm_unlink(name);
}
