/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 2: task 1 split in two, so that a caller can start several
 * children before it waits for any. You write spawn.c; this header is not
 * yours to edit. Tasks 3 and 4 (many.c, pipeline.c) build on it.
 */
#ifndef LAB01_SPAWN_H
#define LAB01_SPAWN_H

#include <sys/types.h>

#include "run.h"

/*
 * run_spawn - start argv[0] (PATH searched as in run_command) in a new child
 * and return without waiting for it to end.
 *
 * In the child, in_fd becomes standard input and out_fd standard output
 * (-1: inherit the caller's); the originals in_fd and out_fd are then closed
 * in the child when they are above 2. Every other descriptor is inherited as
 * it is: make the ones you create close-on-exec (pipe2(O_CLOEXEC)) so that
 * the programs you start do not hold them.
 *
 * Returns 0 with *pid set once the program has replaced the child (exec
 * succeeded); -ENOENT, -EACCES (or another negative errno) when it could not
 * be started, and then no child is left behind: the failed one is reaped.
 * -EINVAL for a NULL or empty argv or a NULL pid.
 *
 * Blocks only until the exec has happened or failed, never until the program
 * ends; a wait cut short by a signal (EINTR) is resumed, not reported. The
 * caller must reap the child (run_wait).
 * Context: may be called from several threads at once.
 */
int run_spawn(char *const argv[], int in_fd, int out_fd, pid_t *pid);

/*
 * run_wait - wait until the child pid (one of the caller's) ends, reap it
 * and decode its status into *st. A wait cut short by a signal (EINTR) is
 * resumed, not reported.
 *
 * Returns 0, or a negative errno from waitpid (-ECHILD: not our child);
 * -EINVAL for a NULL st.
 * Blocks until the child ends. Context: any thread.
 */
int run_wait(pid_t pid, struct run_status *st);

/*
 * run_decode - turn a status from waitpid into a run_status: RUN_EXITED with
 * the exit code, or RUN_SIGNALED with the signal number.
 * Context: any. Returns 0, or -EINVAL for a status that is neither (a
 * stopped child, which we never ask waitpid about).
 */
int run_decode(int wstatus, struct run_status *st);

#endif /* LAB01_SPAWN_H */
