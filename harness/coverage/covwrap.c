/* SPDX-License-Identifier: MIT */
/*
 * Linked into the coverage build (the Makefile's cov variant, for
 * grader/scripts/student-coverage.sh) so that gcov's counts are written
 * by every process that ran student code.
 *
 * gcov writes its counts when a process calls exit(). A forked child that
 * ends in _exit() or replaces itself with exec (lab 01's children, lab 07's
 * workers, lab 03's fresh processes) would never be counted, so the build
 * wraps both (ld --wrap) to write the counts first. A test stopped by the
 * script's timeout (SIGTERM) writes its counts before it dies, too.
 */
#include <signal.h>
#include <unistd.h>

void __gcov_dump(void);
void __gcov_reset(void);
void __real__exit(int status) __attribute__((noreturn));
int __real_execvp(const char *file, char *const argv[]);

void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}

/* After a failed exec the child goes on (to report the error and _exit):
 * the reset zeroes what was written and lets the next dump write again. */
int __wrap_execvp(const char *file, char *const argv[])
{
    int rc;

    __gcov_dump();
    rc = __real_execvp(file, argv);
    __gcov_reset();
    return rc;
}

/* Only the test's own process: its children (which inherit the handler)
 * die of the signal exactly as they would without it. */
static pid_t test_pid;

static void on_term(int sig)
{
    if (getpid() == test_pid)
        __gcov_dump();
    signal(sig, SIG_DFL);
    raise(sig);
}

__attribute__((constructor)) static void covwrap_init(void)
{
    test_pid = getpid();
    signal(SIGTERM, on_term);
}
