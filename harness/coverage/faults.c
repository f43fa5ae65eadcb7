/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for the coverage build: makes one call of the student's
 * code to the C library fail, so that the lines handling that failure run.
 *
 * How it is wired (the Makefile's cov variant, which make coverage
 * builds: grader/scripts/student-coverage.sh): the student's
 * objects, and only those, have their calls renamed with objcopy
 * --redefine-syms (malloc -> covfault_malloc, ...; the list is every
 * covfault_* function below, read from this object with nm). Each wrapper
 * asks fault() whether this call fails; if not, it calls the real one.
 *
 * A call site is the wrapper's return address, as an offset from the
 * start of the executable (the same in every run of one binary, whatever
 * the address-space randomization). Two modes, from the environment:
 *
 *   COVFAULT_RECORD=FILE   nothing fails; each process appends a line
 *                          "offset function errors calls" to FILE the
 *                          first and the second time a site is called
 *                          (errors: how many different errno values the
 *                          wrapper can fail with).
 *   COVFAULT_AT=OFF:N:I    the N-th call from the site at offset OFF (hex)
 *                          fails, with the wrapper's I-th errno value.
 *
 * Neither set: every call goes through (make coverage without FAULTS=1).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h" /* pidfd_open, ... where glibc lacks them */

extern char __executable_start[];

#define MAX_SITES 1024

static struct {
    _Atomic uintptr_t at; /* offset + 1, 0 = free slot */
    atomic_uint calls;
} sites[MAX_SITES];

static const char *record_path;
static uintptr_t fault_at;
static unsigned fault_nth;
static unsigned fault_idx;
static atomic_uint fault_calls;

__attribute__((constructor)) static void faults_init(void)
{
    const char *at = getenv("COVFAULT_AT");

    record_path = getenv("COVFAULT_RECORD");
    if (at && sscanf(at, "%lx:%u:%u", &fault_at, &fault_nth, &fault_idx) != 3)
        fault_nth = 0;
}

static void record(uintptr_t off, const char *fn, int nerr)
{
    unsigned h = (unsigned)(off * 2654435761u) % MAX_SITES, n;
    char line[96];
    int fd, len;

    for (unsigned i = 0; i < MAX_SITES; i++, h = (h + 1) % MAX_SITES) {
        uintptr_t want = 0;

        if (atomic_load(&sites[h].at) == off + 1 ||
            atomic_compare_exchange_strong(&sites[h].at, &want, off + 1) ||
            want == off + 1)
            break;
    }
    n = atomic_fetch_add(&sites[h].calls, 1) + 1;
    if (n > 2)
        return;
    /* Opened each time: the code under test may close every descriptor
     * (a daemon, a worker), and one O_APPEND write keeps lines whole. */
    len = snprintf(line, sizeof(line), "%lx %s %d %u\n", (unsigned long)off, fn,
                   nerr, n);
    fd = open(record_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, line, (size_t)len) < 0) {
            /* nothing to do: the site goes unrecorded */
        }
        close(fd);
    }
}

/* The errno value this call fails with, or 0: call the real function. */
static int fault(void *ret, const char *fn, const int *errs, int nerr)
{
    uintptr_t off = (uintptr_t)ret - (uintptr_t)__executable_start;
    int saved = errno;

    if (record_path) {
        record(off, fn, nerr);
        errno = saved;
        return 0;
    }
    if (fault_nth == 0 || off != fault_at)
        return 0;
    if (atomic_fetch_add(&fault_calls, 1) + 1 != fault_nth)
        return 0;
    return errs[fault_idx % (unsigned)nerr];
}

#define ERRS(...)                                                              \
    (const int[]){__VA_ARGS__},                                                \
        (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int))
#define FAULT(fn, ...)                                                         \
    fault(__builtin_return_address(0), #fn, ERRS(__VA_ARGS__))

/* A call that reports failure with the value `failed` and errno. */
#define WRAP_FAIL(ret, fn, failed, params, args, ...)                          \
    ret covfault_##fn params;                                                  \
    ret covfault_##fn params                                                   \
    {                                                                          \
        int err_ = FAULT(fn, __VA_ARGS__);                                     \
        if (err_) {                                                            \
            errno = err_;                                                      \
            return failed;                                                     \
        }                                                                      \
        return fn args;                                                        \
    }
#define WRAP_ERRNO(ret, fn, ...) WRAP_FAIL(ret, fn, -1, __VA_ARGS__)
#define WRAP_NULL(ret, fn, ...) WRAP_FAIL(ret, fn, NULL, __VA_ARGS__)

/* A call that returns its error number (pthreads, clock_nanosleep). */
#define WRAP_RETURN(fn, params, args, ...)                                     \
    int covfault_##fn params;                                                  \
    int covfault_##fn params                                                   \
    {                                                                          \
        int err_ = FAULT(fn, __VA_ARGS__);                                     \
        return err_ ? err_ : fn args;                                          \
    }

/* Memory. */
WRAP_NULL(void *, malloc, (size_t n), (n), ENOMEM)
WRAP_NULL(void *, calloc, (size_t n, size_t m), (n, m), ENOMEM)
WRAP_NULL(void *, realloc, (void *p, size_t n), (p, n), ENOMEM)
WRAP_NULL(void *, aligned_alloc, (size_t a, size_t n), (a, n), ENOMEM)
WRAP_NULL(char *, strdup, (const char *s), (s), ENOMEM)

WRAP_FAIL(void *, mmap, MAP_FAILED,
          (void *addr, size_t len, int prot, int flags, int fd, off_t off),
          (addr, len, prot, flags, fd, off), ENOMEM)
WRAP_ERRNO(int, mprotect, (void *a, size_t n, int p), (a, n, p), ENOMEM)
WRAP_ERRNO(int, shm_open, (const char *n, int f, mode_t m), (n, f, m), EMFILE)
WRAP_ERRNO(int, ftruncate, (int fd, off_t n), (fd, n), EIO)

/* Threads and their synchronization. */
WRAP_RETURN(pthread_create,
            (pthread_t * t, const pthread_attr_t *a, void *(*f)(void *),
             void *arg),
            (t, a, f, arg), EAGAIN)
WRAP_RETURN(pthread_mutex_init,
            (pthread_mutex_t * m, const pthread_mutexattr_t *a), (m, a), ENOMEM)
WRAP_RETURN(pthread_cond_init,
            (pthread_cond_t * c, const pthread_condattr_t *a), (c, a), ENOMEM)
WRAP_RETURN(pthread_mutexattr_init, (pthread_mutexattr_t * a), (a), ENOMEM)
WRAP_RETURN(pthread_condattr_init, (pthread_condattr_t * a), (a), ENOMEM)
WRAP_RETURN(pthread_mutexattr_setpshared, (pthread_mutexattr_t * a, int s),
            (a, s), EINVAL)
WRAP_RETURN(pthread_condattr_setpshared, (pthread_condattr_t * a, int s),
            (a, s), EINVAL)
WRAP_RETURN(pthread_condattr_setclock, (pthread_condattr_t * a, clockid_t c),
            (a, c), EINVAL)
WRAP_RETURN(clock_nanosleep,
            (clockid_t c, int f, const struct timespec *t, struct timespec *r),
            (c, f, t, r), EINTR)

/* Processes. EINTR, where a call can be interrupted, runs the retry. */
WRAP_ERRNO(pid_t, fork, (void), (), EAGAIN)
WRAP_ERRNO(pid_t, waitpid, (pid_t p, int *s, int o), (p, s, o), EINTR, ECHILD)
WRAP_ERRNO(int, setsid, (void), (), EPERM)
WRAP_ERRNO(int, setrlimit, (__rlimit_resource_t r, const struct rlimit *l),
           (r, l), EPERM)
WRAP_ERRNO(int, chdir, (const char *p), (p), EACCES)
WRAP_ERRNO(int, sigwaitinfo, (const sigset_t *s, siginfo_t *i), (s, i), EINTR)
WRAP_ERRNO(int, pidfd_open, (pid_t p, unsigned f), (p, f), EMFILE)
WRAP_ERRNO(int, pidfd_send_signal, (int fd, int sig, siginfo_t *i, unsigned f),
           (fd, sig, i, f), EPERM)

/* Descriptors. */
WRAP_ERRNO(int, pipe2, (int fds[2], int f), (fds, f), EMFILE)
WRAP_ERRNO(int, dup2, (int a, int b), (a, b), EBADF)
WRAP_ERRNO(int, close_range, (unsigned a, unsigned b, int f), (a, b, f), ENOSYS)
WRAP_ERRNO(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n), EINTR)
WRAP_ERRNO(ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n), EINTR)
WRAP_ERRNO(ssize_t, writev, (int fd, const struct iovec *v, int n), (fd, v, n),
           EINTR)
WRAP_ERRNO(int, poll, (struct pollfd * p, nfds_t n, int t), (p, n, t), EINTR)

int covfault_open(const char *path, int flags, ...);
int covfault_open(const char *path, int flags, ...)
{
    int e = FAULT(open, EMFILE);
    mode_t mode = 0;

    if (e) {
        errno = e;
        return -1;
    }
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;

        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return open(path, flags, mode);
}

/* Sockets and the event loop. */
WRAP_ERRNO(int, accept4, (int fd, struct sockaddr *a, socklen_t *l, int f),
           (fd, a, l, f), EMFILE, ECONNABORTED, EINTR)
WRAP_ERRNO(ssize_t, recv, (int fd, void *b, size_t n, int f), (fd, b, n, f),
           EINTR, EAGAIN)
WRAP_ERRNO(ssize_t, send, (int fd, const void *b, size_t n, int f),
           (fd, b, n, f), EINTR, EAGAIN)
WRAP_ERRNO(int, epoll_create1, (int f), (f), EMFILE)
WRAP_ERRNO(int, epoll_ctl, (int e, int op, int fd, struct epoll_event *ev),
           (e, op, fd, ev), ENOMEM)
WRAP_ERRNO(int, epoll_wait, (int e, struct epoll_event *ev, int n, int t),
           (e, ev, n, t), EINTR)
