/* SPDX-License-Identifier: MIT */
/* Lab 01, task 1: run one command with fork, exec and wait. Yours to write. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

int run_command(char *const argv[], struct run_status *st)
{
    /*
     * TODO(lab01.1): fork a child that replaces itself with argv[0]
     * (execvp searches PATH for you), then wait for that child, and only
     * that child, and decode how it ended (WIFEXITED, WIFSIGNALED).
     *
     * Questions to answer before you type:
     * - exec returns only when it fails, and only in the child. How does the
     *   parent learn that the program did not exist, and which errno it was?
     *   (Think of a pipe whose write end closes by itself when exec works.)
     * - What must the child do when exec fails: return, exit() or _exit()?
     * - Which fds must each side close, so that nothing waits forever?
     */
    (void)argv;
    (void)st;
    return -ENOSYS;
}
