/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 3: run many commands with at most k alive at a time, like
 * `xargs -P k`. You write many.c; this header is not yours to edit.
 */
#ifndef LAB01_MANY_H
#define LAB01_MANY_H

#include <stddef.h>

#include "run.h"

/* What became of one command. */
struct run_result {
    int err;              /* 0: it ran (see st); else why it could not start */
    struct run_status st; /* how it ended, when err == 0 */
};

/*
 * run_many - run the n commands cmds[0..n-1] (each a NULL-terminated argv
 * as for run_command), starting the next one as soon as one of those running
 * ends, and never having more than k of them alive at once (a child counts as
 * alive from fork until it is reaped). res[i] tells what became of cmds[i]:
 * results are in input order, whatever order the commands end in.
 *
 * A command that cannot be started (-ENOENT, ...) is recorded in res[i].err
 * and does not stop the others.
 *
 * Returns 0 once every command has been started or refused and every child
 * reaped; -EINVAL for k == 0 or NULL arrays (with n > 0); another negative
 * errno if waiting itself fails (after reaping what it can).
 *
 * It may reap any child of the caller (like xargs, it waits for "whichever
 * ends first"), so the caller must have no other children whose status it
 * needs while it runs.
 * Blocks until every command has ended; a wait cut short by a signal
 * (EINTR) is resumed, not reported. Context: one call at a time per
 * process.
 */
int run_many(char *const *const cmds[], size_t n, unsigned k,
             struct run_result res[]);

#endif /* LAB01_MANY_H */
