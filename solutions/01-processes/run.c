/* SPDX-License-Identifier: MIT */
/* Lab 01, task 1 (reference): run one command with fork, exec and wait. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

/*
 * The exec-status pipe: its write end is close-on-exec, so a successful exec
 * closes it and the parent reads EOF; a failed exec writes errno into it
 * first. Either way the parent knows before it waits.
 */
int run_command(char *const argv[], struct run_status *st)
{
    int fds[2], child_errno = 0, status, err;
    ssize_t n;
    pid_t pid;

    if (!argv || !argv[0] || !st)
        return -EINVAL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        err = -errno;
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    if (pid == 0) {
        close(fds[0]); /* the child only writes */
        execvp(argv[0], argv);
        child_errno = errno;
        (void)!write(fds[1], &child_errno, sizeof(child_errno));
        _exit(127); /* not exit(): the parent's atexit handlers are not ours */
    }

    close(fds[1]); /* or read() below never sees EOF */
    do
        n = read(fds[0], &child_errno, sizeof(child_errno));
    while (n < 0 && errno == EINTR);
    close(fds[0]);

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (n == (ssize_t)sizeof(child_errno))
        return -child_errno;

    if (WIFEXITED(status)) {
        st->how = RUN_EXITED;
        st->code = WEXITSTATUS(status);
    } else {
        st->how = RUN_SIGNALED;
        st->code = WTERMSIG(status);
    }
    return 0;
}
