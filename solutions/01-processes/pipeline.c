/* SPDX-License-Identifier: MIT */
/* Lab 01, task 4 (reference): cmd1 | cmd2 | ... | cmdN, nothing leaked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "pipeline.h"
#include "spawn.h"

/*
 * One stage at a time, left to right. Before stage i starts, the parent
 * holds at most two pipe ends: `in` (the read end feeding stage i) and the
 * write end of the pipe it just made for stage i's output. Both are
 * close-on-exec, so no program inherits them beyond its own stdin/stdout
 * (dup2 clears the flag on the copy), and the parent closes each one as
 * soon as the stage that uses it has started. A write end left open anywhere
 * would keep the next stage's read() from ever seeing EOF.
 */
int run_pipeline(char *const *const cmds[], size_t n, int in_fd, int out_fd,
                 struct run_status *last)
{
    pid_t *pids;
    size_t started = 0;
    int in = in_fd, fds[2], rc = 0, out;

    if (n == 0 || !cmds || !last)
        return -EINVAL;
    pids = calloc(n, sizeof(*pids));
    if (!pids)
        return -ENOMEM;

    for (size_t i = 0; i < n; i++) {
        fds[0] = fds[1] = -1;
        out = out_fd;
        if (i + 1 < n) {
            if (pipe2(fds, O_CLOEXEC) < 0) {
                rc = -errno;
                break;
            }
            out = fds[1];
        }
        rc = run_spawn(cmds[i], in, out, &pids[i]);
        if (in != in_fd)
            close(in); /* stage i has it now, or failed to start */
        if (fds[1] >= 0)
            close(fds[1]);
        in = fds[0];
        if (rc < 0)
            break;
        started++;
    }
    if (in != in_fd && in >= 0)
        close(in); /* after a failure: the next stage never started */

    /* Reap every stage, not only the last: the others would be zombies. */
    for (size_t i = 0; i < started; i++) {
        struct run_status st;
        int w = run_wait(pids[i], &st);

        if (rc == 0 && w < 0)
            rc = w;
        if (i == n - 1 && w == 0)
            *last = st;
    }
    free(pids);
    return rc;
}
