/* SPDX-License-Identifier: MIT */
/*
 * Checked wrappers for the calls tests make, in the CS:APP manner: a failure
 * prints "file:line: call: reason" and exits non-zero, so test code stays
 * readable and no failure is silent. pthread calls return their error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "scheduler.h"

void harness__die(const char *file, int line, const char *call,
                  const char *reason)
{
    fprintf(stderr, "%s:%d: %s: %s\n", file, line, call, reason);
    fflush(NULL);
    exit(HARNESS_EXIT_WRAPPER);
}

pid_t harness__xfork(const char *file, int line)
{
    pid_t pid;

    fflush(NULL); /* or buffered output is printed twice */
    pid = fork();
    if (pid < 0)
        harness__die(file, line, "fork", strerror(errno));
    return pid;
}

pid_t harness__xwaitpid(const char *file, int line, pid_t pid, int *status,
                        int options)
{
    pid_t r;

    do
        r = waitpid(pid, status, options);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        harness__die(file, line, "waitpid", strerror(errno));
    return r;
}

void harness__xpipe(const char *file, int line, int fds[2])
{
    if (pipe(fds) < 0)
        harness__die(file, line, "pipe", strerror(errno));
}

void harness__xclose(const char *file, int line, int fd)
{
    if (close(fd) < 0 && errno != EINTR)
        harness__die(file, line, "close", strerror(errno));
}

void *harness__xmalloc(const char *file, int line, size_t n)
{
    void *p = malloc(n);

    if (!p && n)
        harness__die(file, line, "malloc", strerror(errno));
    return p;
}

void *harness__xcalloc(const char *file, int line, size_t n, size_t size)
{
    void *p = calloc(n, size);

    if (!p && n && size)
        harness__die(file, line, "calloc", strerror(errno));
    return p;
}

void harness__xpthread_create(const char *file, int line, pthread_t *t,
                              const pthread_attr_t *attr, void *(*fn)(void *),
                              void *arg)
{
    int rc =
        harness__sched_create_at(__builtin_return_address(0), t, attr, fn, arg);

    if (rc)
        harness__die(file, line, "pthread_create", strerror(rc));
}

void harness__xpthread_join(const char *file, int line, pthread_t t, void **ret)
{
    int rc = harness__sched_join_at(__builtin_return_address(0), t, ret);

    if (rc)
        harness__die(file, line, "pthread_join", strerror(rc));
}

void harness__xpthread_call(const char *file, int line, const char *what,
                            int rc)
{
    if (rc)
        harness__die(file, line, what, strerror(rc));
}
