/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 3: a ring buffer of messages in shared memory, between a
 * writer process and a reader process, with process-shared synchronization.
 * You write ring.c; this header is not yours to edit.
 *
 * The two ends may also be two threads of one process (a test does that,
 * under ThreadSanitizer). Order a message's bytes with the position that
 * publishes them (or frees their room) by those accesses themselves: a
 * release store and an acquire load, or a lock. Not by a standalone
 * atomic_thread_fence beside relaxed accesses: correct C11, but
 * ThreadSanitizer does not model such fences and reports that version as
 * a race, as it reports a relaxed position with no fence at all.
 */
#ifndef LAB07_RING_H
#define LAB07_RING_H

#include <stddef.h>

#include "ring_hooks.h"

struct ring; /* yours to define in ring.c; it lives in the shared mapping */

/*
 * ring_create - create the POSIX shared-memory object `name` ("/something",
 * as shm_open wants it; it must not exist yet), size it for `capacity` bytes
 * of messages plus your bookkeeping, map it shared, and set up the ring in
 * it. *out points into the mapping, so a child forked afterwards reaches the
 * same ring through the same pointer.
 *
 * Returns 0; -EINVAL for a NULL name or out, or a capacity under 64 bytes
 * or over 1 GiB; -EEXIST when the object already exists; or the negative
 * errno of a failing call, with nothing left behind (no object, no fd, no
 * mapping).
 *
 * Context: call once, before forking the process that uses the other end.
 */
int ring_create(const char *name, size_t capacity, struct ring **out);

/*
 * ring_send - copy one message buf[0..len) into the ring, waiting while
 * there is not enough room. Messages come out whole and in order.
 *
 * Returns 0; -EMSGSIZE when the message could never fit (len larger than
 * the ring can hold at once); -EPIPE after ring_close; -EINVAL for a NULL
 * buf with a non-zero len.
 *
 * Blocks (sleeps, no spinning) while the ring is too full.
 * Context: one writer process or thread at a time.
 */
int ring_send(struct ring *r, const void *buf, size_t len);

/*
 * ring_recv - take the oldest message out of the ring into buf (capacity
 * cap), waiting while the ring is empty.
 *
 * Returns 1 with *len set to its size; 0 when the ring is empty and closed
 * (the end of the stream); -EMSGSIZE when the message is larger than cap:
 * it is then left in the ring and *len says how big a buffer it needs;
 * -EINVAL for NULL len, or NULL buf with a non-zero cap.
 *
 * Blocks (sleeps, no spinning) while the ring is empty and open.
 * Context: one reader process or thread at a time.
 */
int ring_recv(struct ring *r, void *buf, size_t cap, size_t *len);

/*
 * ring_close - the writer's end of the stream: no more sends; a reader gets
 * what is left, then 0. Wakes a waiting reader.
 *
 * Context: any process or thread that uses the ring.
 */
void ring_close(struct ring *r);

/*
 * ring_detach - unmap the ring from this process (a user that is not the
 * creator, such as a forked child, when it is done). NULL is a no-op.
 */
void ring_detach(struct ring *r);

/*
 * ring_destroy - the creator's end: tear down the synchronization objects,
 * unmap the ring, and remove the shared-memory object's name, so nothing is
 * left in /dev/shm. Call once every other process has stopped using it.
 * NULL is a no-op.
 */
void ring_destroy(struct ring *r);

#endif /* LAB07_RING_H */
