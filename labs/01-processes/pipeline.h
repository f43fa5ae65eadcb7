/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 4: a pipeline, cmds[0] | cmds[1] | ... | cmds[n-1], as a
 * shell runs it. You write pipeline.c; this header is not yours to edit.
 */
#ifndef LAB01_PIPELINE_H
#define LAB01_PIPELINE_H

#include <stddef.h>

#include "run.h"

/*
 * run_pipeline - run the n commands at the same time, the standard output
 * of each one connected by a pipe to the standard input of the next. The
 * first reads from in_fd and the last writes to out_fd (-1: inherit the
 * caller's). The caller's in_fd and out_fd stay open: they are the caller's.
 *
 * Returns 0 with *last set to how the LAST command ended (as a shell's $?),
 * once every command has ended and been reaped. When a command cannot be
 * started, returns its negative errno (-ENOENT, ...) after the commands
 * already started have ended and been reaped. -EINVAL for n == 0 or NULL
 * arguments.
 *
 * Leaves nothing behind: no child, no zombie, no descriptor (every pipe end
 * is closed, in the caller and in each command, except the two ends each
 * command uses as its stdin and stdout).
 * Blocks until every command has ended; a wait cut short by a signal
 * (EINTR) is resumed, not reported. Context: any thread.
 */
int run_pipeline(char *const *const cmds[], size_t n, int in_fd, int out_fd,
                 struct run_status *last);

#endif /* LAB01_PIPELINE_H */
