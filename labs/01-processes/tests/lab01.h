/* SPDX-License-Identifier: MIT */
/*
 * Lab 01: small helpers shared by the tests of tasks 2-7 (temporary files,
 * reading them back, describing statuses). Include after harness.h.
 */
#ifndef LAB01_TESTS_H
#define LAB01_TESTS_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

#define RUN(...) ((char *const[]){__VA_ARGS__, NULL})

/* An absolute path in the test's scratch directory: dir/lab01-NAME-PID. */
static inline void lab01_path(char *buf, size_t len, const char *name)
{
    char dir[PATH_MAX];

    if (!realpath(harness_tmpdir(), dir))
        snprintf(dir, sizeof(dir), "/tmp");
    if (snprintf(buf, len, "%s/lab01-%s-%d", dir, name, (int)getpid()) >=
        (int)len)
        harness_fail("the scratch directory's path is too long: %s", dir);
}

/* A fresh file holding `text`, opened read-write at offset 0 (O_CLOEXEC),
 * already unlinked: it disappears when closed. */
static inline int lab01_file_with(const char *text)
{
    char path[PATH_MAX];
    int fd;

    lab01_path(path, sizeof(path), "file");
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        harness_fail("cannot create %s in the scratch directory", path);
    unlink(path);
    if (text && write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        harness_fail("cannot write the test's input file");
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Everything in fd from offset 0, as a string in buf. */
static inline const char *lab01_read_all(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* No core files from the crashes the tests provoke on purpose. */
static inline void lab01_no_core_files(void)
{
    struct rlimit rl = {0, 0};

    setrlimit(RLIMIT_CORE, &rl);
}

/* Fail, naming the caller's file:line, unless *got is (how, code). */
#define lab01_expect_status(what, got, how, code)                              \
    lab01__expect_status(__FILE__, __LINE__, what, got, how, code)

static inline void lab01__expect_status(const char *file, int line,
                                        const char *what,
                                        const struct run_status *got,
                                        enum run_how how, int code)
{
    char g[64], w[64];
    struct run_status want = {how, code};

    if (got->how == how && how == RUN_EXITED && code != 0 &&
        got->code == code << 8)
        harness__fail_symptom(file, line, "raw-status",
                              "%s: expected exit code %d, got %d, which is "
                              "%d << 8: the raw wait status, not the exit "
                              "code",
                              what, code, got->code, code);
    if (got->how != how || got->code != code)
        harness__fail(file, line, "%s: expected \"%s\", got \"%s\"", what,
                      run_status_describe(&want, w, sizeof(w)),
                      run_status_describe(got, g, sizeof(g)));
}

/*
 * Signals that cut blocking calls short: the caller has a SIGALRM handler
 * installed without SA_RESTART (as a program with a timer or a SIGCHLD
 * handler may), and an interval timer fires it every `us` microseconds, so
 * a read, waitpid or poll that blocks more than that returns -1 with EINTR.
 * Every function of the lab must resume such a call, not report it.
 * `on_tick` (NULL: just count) runs in the handler: async-signal-safe only.
 * The children forked meanwhile inherit the handler, not the timer.
 */
static volatile sig_atomic_t lab01_ticks;
static void (*volatile lab01__tick_also)(void);

static void lab01__on_tick(int sig)
{
    (void)sig;
    lab01_ticks++;
    if (lab01__tick_also)
        lab01__tick_also();
}

static inline void lab01_ticking_start(unsigned us, void (*on_tick)(void))
{
    struct itimerval it = {{0, (long)us}, {0, (long)us}};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lab01__on_tick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: the point */
    lab01__tick_also = on_tick;
    lab01_ticks = 0;
    if (sigaction(SIGALRM, &sa, NULL) < 0 ||
        setitimer(ITIMER_REAL, &it, NULL) < 0)
        harness_fail("cannot start the test's interval timer");
}

/* Stop the timer; returns how many signals arrived. */
static inline unsigned lab01_ticking_stop(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};

    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_IGN);
    return (unsigned)lab01_ticks;
}

/* Fail unless rc == want, naming the call and the signals it was given. */
#define lab01_expect_rc_ticking(what, rc, want)                                \
    lab01__expect_rc_ticking(__FILE__, __LINE__, what, rc, want)

static inline void lab01__expect_rc_ticking(const char *file, int line,
                                            const char *what, long rc,
                                            long want)
{
    static const char fmt[] =
        "%s returned %ld (%s), expected %ld, while a signal handler (no "
        "SA_RESTART) ran %u times: a read, write, waitpid or poll cut short "
        "by a signal (-1 with errno EINTR) must be resumed, not reported or "
        "taken for an answer";
    unsigned ticks;

    if (rc == want)
        return;
    ticks = lab01_ticking_stop();
    if (rc == -EINTR)
        harness__fail_symptom(file, line, "eintr", fmt, what, rc,
                              strerror(EINTR), want, ticks);
    harness__fail(file, line, fmt, what, rc, rc < 0 ? strerror((int)-rc) : "-",
                  want, ticks);
}

/*
 * Run body in a child of the test whose fork() (and pthread_create) always
 * fail with EAGAIN: RLIMIT_NPROC set to 0 there, which the kernel enforces
 * on every user but root (the grader runs tests as a user of its own). The
 * body returns NULL when every call behaved, else what went wrong, which
 * the test reports. Skips the test where the limit does not bite (root).
 */
static inline void lab01_without_fork(const char *(*body)(void))
{
    char msg[512];
    int fds[2], status;
    ssize_t n;
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        harness_fail("pipe2 failed");
    pid = fork();
    if (pid < 0)
        harness_fail("the test's own fork failed");
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        const char *err;
        pid_t p;

        close(fds[0]);
        if (setrlimit(RLIMIT_NPROC, &rl) < 0)
            _exit(3);
        p = fork();
        if (p == 0)
            _exit(0);
        if (p > 0) { /* the limit does not bite here */
            waitpid(p, NULL, 0);
            _exit(2);
        }
        err = body();
        if (err)
            (void)!write(fds[1], err, strlen(err));
        _exit(err ? 1 : 0);
    }
    close(fds[1]);
    n = read(fds[0], msg, sizeof(msg) - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
        harness_skip("RLIMIT_NPROC does not stop fork here (running as root?)");
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 3)
        harness_fail("the child that cannot fork did not finish (%#x): %s",
                     status, msg);
    if (WEXITSTATUS(status) != 0)
        harness_fail("%s", msg);
}

/*
 * For a body of lab01_without_fork: NULL when `what` returned a negative
 * errno (rc) and left the caller as many descriptors as it had (fds_before)
 * and no child; else what it did wrong.
 */
/* Fail unless rc is 0: the call must work where fork does, first. */
#define lab01_expect_works(what, rc)                                           \
    do {                                                                       \
        long lab01__rc = (rc);                                                 \
        if (lab01__rc != 0)                                                    \
            harness_fail("%s returned %ld (%s) where fork works: expected 0",  \
                         what, lab01__rc, strerror((int)-lab01__rc));          \
    } while (0)

static inline const char *lab01_fork_failure_verdict(const char *what, long rc,
                                                     int fds_before)
{
    static char msg[256];
    int fds = harness_count_fds(), children = harness_count_children();

    if (rc >= 0)
        snprintf(msg, sizeof(msg),
                 "%s returned %ld when fork failed "
                 "(EAGAIN): expected a negative errno",
                 what, rc);
    else if (fds != fds_before)
        snprintf(msg, sizeof(msg),
                 "%s returned %ld when fork failed, but "
                 "the caller had %d descriptor(s) more than before: close "
                 "what was made for the child on that path too",
                 what, rc, fds - fds_before);
    else if (children)
        snprintf(msg, sizeof(msg),
                 "%s returned %ld when fork failed, but "
                 "left %d child(ren) behind",
                 what, rc, children);
    else
        return NULL;
    return msg;
}

/*
 * "Context: may be called from several threads at once": LAB01_THREADS
 * threads leave a start line together, and each runs round(arg, thread, i)
 * for i < rounds; a round returns NULL or what went wrong (a static
 * string). The main thread fails on the first, after joining them all.
 */
#define LAB01_THREADS 4

typedef const char *(*lab01_round_fn)(void *arg, unsigned thread, unsigned i);

struct lab01_caller {
    struct harness_start *start;
    lab01_round_fn round;
    void *arg;
    unsigned thread, rounds, failed_at;
    const char *error;
};

static inline void *lab01__caller_main(void *p)
{
    struct lab01_caller *c = p;

    harness_start_wait(c->start);
    for (unsigned i = 0; i < c->rounds && !c->error; i++) {
        c->error = c->round(c->arg, c->thread, i);
        c->failed_at = i;
    }
    return NULL;
}

static inline void lab01_from_threads(const char *what, unsigned rounds,
                                      lab01_round_fn round, void *arg)
{
    struct lab01_caller c[LAB01_THREADS];
    pthread_t t[LAB01_THREADS];
    struct harness_start start;

    harness_start_init(&start, LAB01_THREADS);
    for (unsigned k = 0; k < LAB01_THREADS; k++) {
        c[k] = (struct lab01_caller){&start, round, arg, k, rounds, 0, NULL};
        xpthread_create(&t[k], NULL, lab01__caller_main, &c[k]);
    }
    for (unsigned k = 0; k < LAB01_THREADS; k++)
        xpthread_join(t[k], NULL);
    harness_start_destroy(&start);
    for (unsigned k = 0; k < LAB01_THREADS; k++)
        if (c[k].error)
            harness_fail("%s from %d threads at once: in thread %u, round "
                         "%u: %s",
                         what, LAB01_THREADS, k, c[k].failed_at, c[k].error);
}

/*
 * A shell command that exits with the number of descriptors its shell
 * holds. Run once alone it gives the baseline; run while other threads
 * make the same calls, any more is a descriptor of another call (a pipe
 * made without O_CLOEXEC, inherited through that thread's fork), which
 * makes that other call wait for this program, or never see EOF.
 */
#define LAB01_COUNT_FDS "set -- /proc/self/fd/*; exit $#"

#endif /* LAB01_TESTS_H */
