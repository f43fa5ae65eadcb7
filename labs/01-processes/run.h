/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 1: run one command the way a shell does (fork, exec, wait)
 * and say how it ended. You write run.c; this header is not yours to edit.
 */
#ifndef LAB01_RUN_H
#define LAB01_RUN_H

#include <stddef.h>

enum run_how {
    RUN_EXITED = 1,   /* the program called exit(code) or returned from main */
    RUN_SIGNALED = 2, /* a signal killed it: code is the signal number */
};

struct run_status {
    enum run_how how;
    int code; /* exit code (0-255) for RUN_EXITED, signal for RUN_SIGNALED */
};

/*
 * run_command - run argv[0] with the arguments argv (NULL-terminated),
 * searching PATH when argv[0] has no slash, and wait until it ends.
 *
 * Returns 0 when the program ran, whatever its exit status, with *st filled
 * in; -ENOENT when there is no such program, -EACCES when it may not be run,
 * and another negative errno when fork, exec or wait fail; -EINVAL for a NULL
 * or empty argv or a NULL st. An error is reported to the caller, never by
 * exiting: the caller is a long-running program (a shell, a test runner).
 *
 * Waits for its own child only, and reaps it: no zombie is left, no other
 * child of the caller is reaped, no file descriptor is leaked.
 *
 * Blocks until the program ends. A read or wait cut short by a signal
 * handler of the caller's (EINTR) is resumed, not reported.
 * Context: may be called from several threads at once.
 */
int run_command(char *const argv[], struct run_status *st);

/*
 * run_status_describe - write "exited with status 3" or "killed by SIGSEGV"
 * into buf (at most len bytes, always terminated) and return buf.
 * Provided (describe.c). Context: any.
 */
char *run_status_describe(const struct run_status *st, char *buf, size_t len);

#endif /* LAB01_RUN_H */
