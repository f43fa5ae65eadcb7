/* SPDX-License-Identifier: MIT */
/* Lab 07, task 1: length-prefixed frames over a byte stream. Yours to write. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "msg.h"

int msg_send(int fd, const void *buf, size_t len)
{
    /*
     * TODO(lab07.1): write the 4-byte header, then the payload.
     *
     * - write() may take only part of what you give it, or fail with EINTR
     *   having taken nothing. Which of the two can follow the other, and
     *   what must the next call be given in each case?
     * - Two write() calls per frame cost two system calls; can writev() send
     *   header and payload in one (and what becomes of a partial writev)?
     */
    (void)fd;
    (void)buf;
    (void)len;
    return -ENOSYS;
}

int msg_recv(int fd, void *buf, size_t cap, size_t *len)
{
    /*
     * TODO(lab07.1): read the header, then exactly that many bytes.
     *
     * - read() returns 0 at the end of the stream. When is that a clean end
     *   (return 0) and when is it a truncated frame (-EPROTO)?
     * - Nothing forces a frame, or even its header, to arrive in one piece.
     * - A frame bigger than cap must still be consumed, or what would the
     *   next call read as its header?
     */
    (void)fd;
    (void)buf;
    (void)cap;
    (void)len;
    return -ENOSYS;
}
