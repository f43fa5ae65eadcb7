/* SPDX-License-Identifier: MIT */
/* Lab 07, task 3 (mutant: shared-memory object never unlinked): a message ring in shared memory, guarded by a
 * process-shared mutex and condition variables. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

/*
 * One writer, one reader. head and tail count bytes ever written and read
 * (they never wrap; the offset is the count modulo cap), so head - tail is
 * the fill and no slot is wasted to tell full from empty. A message is a
 * 4-byte length and its bytes, copied across the end of data[] when needed.
 *
 * The copies happen outside the lock: the writer only ever writes
 * [head, tail + cap) and the reader only reads [tail, head), and neither
 * bound moves past the other side's region until it is published under the
 * lock, which also orders the copied bytes before the new head or tail.
 */
struct ring {
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* the reader waits here */
    pthread_cond_t not_full;  /* the writer waits here */
    uint64_t head;            /* guarded by lock */
    uint64_t tail;            /* guarded by lock */
    int closed;               /* guarded by lock */
    size_t cap;               /* bytes of data[]; set once in ring_create */
    size_t map_len;           /* the whole mapping */
    char name[NAME_MAX + 1];  /* the shm object, for ring_destroy */
    _Alignas(64) char data[];
};

#define RING_HDR sizeof(uint32_t)

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
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    rc = pthread_mutex_init(&r->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    if (rc)
        return -rc;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
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

int ring_send(struct ring *r, const void *buf, size_t len)
{
    uint32_t hdr = (uint32_t)len;
    uint64_t head;
    size_t need = RING_HDR + len;
    int closed;

    if (!buf && len)
        return -EINVAL;
    if (len > UINT32_MAX || need > r->cap)
        return -EMSGSIZE;
    pthread_mutex_lock(&r->lock);
    while (!r->closed && r->cap - (size_t)(r->head - r->tail) < need)
        pthread_cond_wait(&r->not_full, &r->lock);
    head = r->head;
    closed = r->closed;
    pthread_mutex_unlock(&r->lock);
    if (closed)
        return -EPIPE;

    ring__copy_in(r, head, &hdr, RING_HDR);
    ring__copy_in(r, head + RING_HDR, buf, len);

    pthread_mutex_lock(&r->lock);
    r->head = head + need; /* publish: the reader may now copy it out */
    pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

int ring_recv(struct ring *r, void *buf, size_t cap, size_t *len)
{
    uint32_t hdr;
    uint64_t tail;

    if (!len || (!buf && cap))
        return -EINVAL;
    pthread_mutex_lock(&r->lock);
    while (!r->closed && r->head == r->tail)
        pthread_cond_wait(&r->not_empty, &r->lock);
    tail = r->tail;
    if (r->head == tail) { /* closed and drained */
        pthread_mutex_unlock(&r->lock);
        return 0;
    }
    pthread_mutex_unlock(&r->lock);

    ring__copy_out(r, tail, &hdr, RING_HDR);
    *len = hdr;
    if (hdr > cap)
        return -EMSGSIZE; /* left in the ring: tail did not move */
    ring__copy_out(r, tail + RING_HDR, buf, hdr);

    pthread_mutex_lock(&r->lock);
    r->tail = tail + RING_HDR + hdr; /* release: the writer may reuse it */
    /* Wake a waiting writer only once half the ring is free (or all of
     * it): waking it for every message would cost two sleeps and two
     * wake-ups per message, since it would refill the ring at once. */
    if (r->head - r->tail <= r->cap / 2)
        pthread_cond_signal(&r->not_full);
    pthread_mutex_unlock(&r->lock);
    return 1;
}

void ring_close(struct ring *r)
{
    pthread_mutex_lock(&r->lock);
    r->closed = 1;
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
    (void)name; /* (mutant) the object is never unlinked */
}
