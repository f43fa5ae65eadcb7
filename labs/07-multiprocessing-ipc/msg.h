/* SPDX-License-Identifier: MIT */
/*
 * Lab 07, task 1: framed messages over a byte stream (a pipe or a socket).
 * You write msg.c; this header is not yours to edit.
 */
#ifndef LAB07_MSG_H
#define LAB07_MSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * The frame: a 4-byte length in host byte order (both ends are processes of
 * one machine), then exactly that many payload bytes. A payload may be empty.
 *
 *   +----------+---------------------------+
 *   | uint32 n |  n bytes of payload       |
 *   +----------+---------------------------+
 */
#define MSG_HEADER_SIZE sizeof(uint32_t)
#define MSG_MAX_LEN ((size_t)UINT32_MAX)

/*
 * msg_send - write one frame holding buf[0..len) to fd.
 *
 * A pipe or socket may take fewer bytes than asked (a partial write), and a
 * signal may interrupt the call (EINTR) before or after some bytes went out:
 * msg_send keeps going until the whole frame is written.
 *
 * Returns 0 when the whole frame was written; -EINVAL for a NULL buf with a
 * non-zero len, -EMSGSIZE when len > MSG_MAX_LEN, or the negative errno of
 * the failing write (-EPIPE when the reader has gone; the caller should
 * ignore SIGPIPE to get it rather than die).
 *
 * Blocks until the frame is written.
 * Context: one writer per fd at a time (frames from two writers would mix).
 */
int msg_send(int fd, const void *buf, size_t len);

/*
 * msg_recv - read one frame from fd into buf (capacity cap bytes).
 *
 * read() may return fewer bytes than asked (a partial read: a frame can
 * arrive in pieces, its header too) or fail with EINTR: msg_recv keeps going
 * until the whole frame is in.
 *
 * Returns 1 with *len set to the payload size when a frame was read; 0 at
 * end of file before the first byte of a frame (the writer closed: a clean
 * end); -EPROTO at end of file in the middle of a frame (a truncated frame);
 * -EMSGSIZE when the payload is larger than cap: the payload is then read
 * and discarded, *len is set to its size, and the stream stays in step, so
 * the next call reads the next frame; -EINVAL for NULL len, or NULL buf with
 * a non-zero cap; or the negative errno of the failing read.
 *
 * Blocks until a whole frame or the end of the stream is read.
 * Context: one reader per fd at a time.
 */
int msg_recv(int fd, void *buf, size_t cap, size_t *len);

#endif /* LAB07_MSG_H */
