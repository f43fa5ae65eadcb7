/* SPDX-License-Identifier: MIT */
/* Lab 01, task 2: start a child without waiting for it; wait later. Yours. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

int run_spawn(char *const argv[], int in_fd, int out_fd, pid_t *pid)
{
    /*
     * TODO(lab01.2): this is run_command (task 1) stopped half-way: fork,
     * exec, learn whether exec worked, and return the pid without waiting.
     *
     * - Between fork and exec, the child must make in_fd its fd 0 and out_fd
     *   its fd 1. Which call copies one descriptor onto another number, and
     *   what happens to the close-on-exec flag of the copy?
     * - When exec fails, who reaps the child that reported the failure?
     */
    (void)argv;
    (void)in_fd;
    (void)out_fd;
    (void)pid;
    return -ENOSYS;
}

int run_decode(int wstatus, struct run_status *st)
{
    /* TODO(lab01.2): the decoding of task 1, as a function of its own. */
    (void)wstatus;
    (void)st;
    return -ENOSYS;
}

int run_wait(pid_t pid, struct run_status *st)
{
    /*
     * TODO(lab01.2): wait for this pid only. What should happen when a
     * signal handler interrupts waitpid (errno EINTR)?
     */
    (void)pid;
    (void)st;
    return -ENOSYS;
}
