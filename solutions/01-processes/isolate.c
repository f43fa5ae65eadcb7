/* SPDX-License-Identifier: MIT */
/* Lab 01, task 5 (reference): a function run in a child, at arm's length. */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "isolate.h"
#include "spawn.h"

static int isolate__write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The child: limit itself, compute in its own copy of out, send, exit. */
static void isolate__child(isolate_cb fn, void *arg, size_t mem_limit,
                           void *out, size_t cap, int wfd)
{
    struct rlimit rl = {mem_limit, mem_limit};
    long len;

    if (mem_limit && setrlimit(RLIMIT_AS, &rl) < 0)
        _exit(1);
    len = fn(arg, out, cap);
    if (len < 0 || (size_t)len > cap)
        _exit(1);
    if (isolate__write_all(wfd, out, (size_t)len) < 0)
        _exit(1);
    _exit(
        0); /* not exit(): the caller's atexit handlers and stdio are not ours */
}

int isolate_call(isolate_cb fn, void *arg, size_t mem_limit, void *out,
                 size_t cap, struct isolate_result *res)
{
    int fds[2], err;
    pid_t pid;

    if (!fn || !res || (!out && cap > 0))
        return -EINVAL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        err = -errno;
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    if (pid == 0) {
        close(fds[0]); /* the child only writes */
        isolate__child(fn, arg, mem_limit, out, cap, fds[1]);
    }

    close(fds[1]); /* EOF comes when the child exits, however it exits */
    res->len = 0;
    while (res->len < cap) {
        ssize_t n = read(fds[0], (char *)out + res->len, cap - res->len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        res->len += (size_t)n;
    }
    close(fds[0]);
    return run_wait(pid, &res->st);
}
