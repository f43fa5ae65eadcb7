/* SPDX-License-Identifier: MIT */
/* Lab 01, task 7 (reference): detach, announce readiness, stop on SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h" /* pidfd_open, pidfd_send_signal, close_range */
#include "daemon.h"

/* What the daemon (or the intermediate child) tells daemon_start. */
struct daemon__msg {
    int err; /* 0 when ready, else a negative errno */
    pid_t pid;
};

static void daemon__tell(int fd, int err)
{
    struct daemon__msg m = {err, getpid()};

    (void)!write(fd, &m, sizeof(m)); /* under PIPE_BUF: all or nothing */
}

static int daemon__stdio_to_null(void)
{
    int fd = open("/dev/null", O_RDWR);

    if (fd < 0)
        return -errno;
    for (int i = 0; i < 3; i++)
        if (fd != i && dup2(fd, i) < 0)
            return -errno;
    if (fd > 2)
        close(fd);
    return 0;
}

static int daemon__write_pid_file(const char *pid_path)
{
    char buf[32];
    int fd, len, err = 0;

    fd = open(pid_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (write(fd, buf, (size_t)len) != len)
        err = -EIO;
    close(fd);
    if (err)
        unlink(pid_path);
    return err;
}

/*
 * Close descriptors lo..hi. close_range() does it in one call; before
 * Linux 5.9 it fails with ENOSYS, and then one close() each, up to the
 * descriptor limit, does the same. Ignoring that failure would leave
 * inherited descriptors open, which is the very bug this guards against.
 */
static void daemon__close_fds(unsigned lo, unsigned hi)
{
    long max;

    if (lo > hi || close_range(lo, hi, 0) == 0)
        return;
    max = sysconf(_SC_OPEN_MAX);
    for (unsigned fd = lo; fd <= hi && (long)fd < max; fd++)
        close((int)fd);
}

/* The daemon itself: SIGTERM is blocked (inherited), so none is lost. */
static void daemon__run(const char *pid_path, int ready_fd)
{
    sigset_t term;
    int err;

    if (chdir("/") < 0) {
        daemon__tell(ready_fd, -errno);
        _exit(1);
    }
    /*
     * A caller with two of its stdio descriptors closed gets a pipe on 0, 1
     * or 2: move our end above 2 before stdio is pointed at /dev/null.
     */
    if (ready_fd <= 2) {
        int fd = fcntl(ready_fd, F_DUPFD_CLOEXEC, 3);

        if (fd < 0) {
            daemon__tell(ready_fd, -errno);
            _exit(1);
        }
        ready_fd = fd;
    }
    err = daemon__stdio_to_null();
    if (err == 0) {
        /* Everything inherited goes, except the pipe we report on. */
        daemon__close_fds(3, (unsigned)ready_fd - 1);
        daemon__close_fds((unsigned)ready_fd + 1, ~0U);
        err = daemon__write_pid_file(pid_path);
    }
    daemon__tell(ready_fd, err);
    close(ready_fd);
    if (err)
        _exit(1);

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    while (sigwaitinfo(&term, NULL) < 0) /* EINTR: keep waiting */
        ;
    unlink(pid_path);
    _exit(0);
}

/* The intermediate child: leads a new session, forks the daemon, leaves. */
static void daemon__detach(const char *pid_path, int ready_fd)
{
    sigset_t term;
    pid_t p;

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (setsid() < 0 || sigprocmask(SIG_BLOCK, &term, NULL) < 0) {
        daemon__tell(ready_fd, -errno);
        _exit(1);
    }
    p = fork();
    if (p < 0) {
        daemon__tell(ready_fd, -errno);
        _exit(1);
    }
    if (p == 0)
        daemon__run(pid_path, ready_fd);
    _exit(0); /* the daemon is orphaned: init (or a subreaper) adopts it */
}

/*
 * Ready means more than "the message arrived": the daemon closes its end
 * right after writing, so EOF says it holds nothing of ours any more.
 */
static void daemon__await_eof(int fd)
{
    char c;

    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
}

int daemon_start(const char *pid_path, pid_t *pid)
{
    struct daemon__msg m = {-EIO, 0};
    int fds[2], status, err;
    ssize_t n;
    pid_t p;

    if (!pid_path || !pid || pid_path[0] != '/')
        return -EINVAL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    p = fork();
    if (p < 0) {
        err = -errno;
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    if (p == 0) {
        close(fds[0]); /* the child only writes */
        daemon__detach(pid_path, fds[1]);
    }

    close(fds[1]);
    do /* EOF without a message: both children died before telling us */
        n = read(fds[0], &m, sizeof(m));
    while (n < 0 && errno == EINTR);
    daemon__await_eof(fds[0]);
    close(fds[0]);
    while (waitpid(p, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(m))
        return -EIO;
    if (m.err)
        return m.err;
    *pid = m.pid;
    return 0;
}

static int daemon__read_pid(const char *pid_path, pid_t *pid)
{
    char buf[32];
    ssize_t n;
    long v;
    int fd = open(pid_path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EINVAL;
    buf[n] = '\0';
    v = strtol(buf, NULL, 10);
    if (v <= 1)
        return -EINVAL;
    *pid = (pid_t)v;
    return 0;
}

static long daemon__ms_left(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (deadline->tv_sec - now.tv_sec) * 1000 +
           (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/*
 * A pidfd names one process for good: unlike a pid, it cannot come to mean
 * another process if ours exits and its number is reused, and poll() on it
 * says when the process has ended, child of ours or not.
 */
int daemon_stop(const char *pid_path, unsigned timeout_ms)
{
    struct pollfd pfd = {.events = POLLIN};
    struct timespec deadline;
    pid_t pid = 0;
    long left;
    int rc, err;

    if (!pid_path)
        return -EINVAL;
    rc = daemon__read_pid(pid_path, &pid);
    if (rc < 0)
        return rc;
    pfd.fd = pidfd_open(pid, 0);
    if (pfd.fd < 0)
        return -errno;
    if (pidfd_send_signal(pfd.fd, SIGTERM, NULL, 0) < 0) {
        err = -errno;
        close(pfd.fd);
        return err;
    }
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    do {
        left = daemon__ms_left(&deadline);
        rc = poll(&pfd, 1, left > 0 ? (int)left : 0);
    } while (rc < 0 && errno == EINTR);
    close(pfd.fd);
    return rc > 0 ? 0 : -ETIMEDOUT;
}
