/* SPDX-License-Identifier: MIT */
/* Lab 07, task 1 (mutant: EINTR not retried): length-prefixed frames over a byte stream. */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "msg.h"

/*
 * Write every byte of iov[0..cnt), advancing through the vector as partial
 * writes land. One writev puts header and payload in a single system call
 * (and, for a small frame, in one pipe buffer write) in the common case.
 */
static int msg__writev_all(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        ssize_t n = writev(fd, iov, cnt);

        if (n < 0)
            return -errno; /* (mutant) EINTR is an error too */
        while (cnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* Read exactly len bytes. Returns the bytes read (< len only at EOF) or a
 * negative errno. */
static ssize_t msg__read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);

        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Read and drop len bytes (a frame too big for the caller's buffer). */
static int msg__skip(int fd, size_t len)
{
    char sink[4096];

    while (len > 0) {
        size_t chunk = len < sizeof(sink) ? len : sizeof(sink);
        ssize_t n = msg__read_full(fd, sink, chunk);

        if (n < 0)
            return (int)n;
        if ((size_t)n < chunk)
            return -EPROTO;
        len -= chunk;
    }
    return 0;
}

int msg_send(int fd, const void *buf, size_t len)
{
    uint32_t hdr = (uint32_t)len;
    struct iovec iov[2] = {
        {&hdr, sizeof(hdr)},
        {(void *)buf, len},
    };

    if (!buf && len)
        return -EINVAL;
    if (len > MSG_MAX_LEN)
        return -EMSGSIZE;
    return msg__writev_all(fd, iov, len ? 2 : 1);
}

int msg_recv(int fd, void *buf, size_t cap, size_t *len)
{
    uint32_t hdr;
    ssize_t n;
    int rc;

    if (!len || (!buf && cap))
        return -EINVAL;
    n = msg__read_full(fd, &hdr, sizeof(hdr));
    if (n <= 0)
        return (int)n; /* 0: a clean end between frames */
    if ((size_t)n < sizeof(hdr))
        return -EPROTO;
    *len = hdr;
    if (hdr > cap) {
        rc = msg__skip(fd, hdr);
        return rc < 0 ? rc : -EMSGSIZE;
    }
    n = msg__read_full(fd, buf, hdr);
    if (n < 0)
        return (int)n;
    return (size_t)n < hdr ? -EPROTO : 1;
}
