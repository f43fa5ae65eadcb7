/* SPDX-License-Identifier: MIT */
/* Lab 07, task 3: a message ring in shared memory between processes, with
 * process-shared synchronization. Yours to write. */
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
 * Everything here lives in the shared mapping, the synchronization objects
 * included: a mutex in one process's private memory guards nothing in the
 * other. Name the guard of each shared field.
 *
 * TODO(lab07.3): add the ring's state: where the writer and the reader are,
 * whether it is closed, its size, and what ring_destroy needs to know.
 */
struct ring {
    pthread_mutex_t lock;
    pthread_cond_t not_empty; /* the reader waits here */
    pthread_cond_t not_full;  /* the writer waits here */
    size_t map_len;           /* the whole mapping, for munmap */
    _Alignas(64) char data[];
};

int ring_create(const char *name, size_t capacity, struct ring **out)
{
    /*
     * TODO(lab07.3): shm_open (O_CREAT | O_EXCL), ftruncate, mmap with
     * MAP_SHARED, then initialise the mutex and the condition variables.
     *
     * - Which attribute makes a pthread mutex or condition variable work
     *   between processes (pthread_mutexattr_setpshared)?
     * - Once mapped, do you still need the fd? The name?
     */
    (void)name;
    (void)capacity;
    (void)out;
    return -ENOSYS;
}

int ring_send(struct ring *r, const void *buf, size_t len)
{
    /*
     * TODO(lab07.3): wait while there is no room, copy the message in (a
     * length, then the bytes, wrapping round the end), then publish it.
     *
     * - If you publish (move the writer's position) before the bytes are
     *   copied, what can the reader see?
     * - Must the copy happen with the lock held? What else could touch
     *   those bytes while you copy them?
     */
    (void)r;
    (void)buf;
    (void)len;
    return -ENOSYS;
}

int ring_recv(struct ring *r, void *buf, size_t cap, size_t *len)
{
    /* TODO(lab07.3): the mirror image of ring_send. When may the writer
     * reuse the bytes you are copying out? */
    (void)r;
    (void)buf;
    (void)cap;
    (void)len;
    return -ENOSYS;
}

void ring_close(struct ring *r)
{
    /* TODO(lab07.3): mark it closed and wake whoever waits. */
    (void)r;
}

void ring_detach(struct ring *r)
{
    if (r)
        munmap(r, r->map_len);
}

void ring_destroy(struct ring *r)
{
    /* TODO(lab07.3): what is left in /dev/shm after the last munmap, and
     * who removes it? */
    (void)r;
}
