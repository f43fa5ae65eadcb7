/* SPDX-License-Identifier: MIT */
/*
 * Lab 04, task 2: a bounded buffer (a FIFO of pointers with a fixed
 * capacity) for many producers and many consumers, with close. You write
 * bbuf.c; this header is not yours to edit.
 */
#ifndef LAB04_BBUF_H
#define LAB04_BBUF_H

#include <stddef.h>

#include "sync_hooks.h"

struct bbuf; /* defined in bbuf.c */

/*
 * bbuf_create - an empty, open buffer holding at most `capacity` items.
 * Returns 0 and sets *out, -EINVAL for a NULL out or a zero capacity,
 * -ENOMEM (or another negative errno) when it cannot be made.
 * Context: any.
 */
int bbuf_create(struct bbuf **out, size_t capacity);

/*
 * bbuf_destroy - free a buffer nobody uses any more (items still in it are
 * dropped; they are the caller's). NULL is a no-op.
 * Context: no other thread may use b during or after the call.
 */
void bbuf_destroy(struct bbuf *b);

/*
 * bbuf_put - append `item` (any pointer, NULL included), sleeping while the
 * buffer is full. Returns 0, or -EPIPE when the buffer is closed (before or
 * while waiting): the item was not added.
 * Context: any thread; items of one producer come out in the order it put.
 */
int bbuf_put(struct bbuf *b, void *item);

/*
 * bbuf_get - remove the oldest item into *item, sleeping while the buffer
 * is empty and open. Returns 0, or -EPIPE once the buffer is closed and
 * empty: items put before the close are all delivered first.
 * Context: any thread.
 */
int bbuf_get(struct bbuf *b, void **item);

/*
 * bbuf_close - close the buffer: every thread sleeping in bbuf_put or
 * bbuf_get wakes up, and later puts fail. Closing twice is harmless.
 * Never blocks for long. Context: any thread.
 */
void bbuf_close(struct bbuf *b);

#endif /* LAB04_BBUF_H */
