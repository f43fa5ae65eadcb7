/* SPDX-License-Identifier: MIT */
/* Lab 01, task 2 (reference): start a child without waiting; wait later. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

/* In the child, between fork and exec: only async-signal-safe calls. */
static void spawn__child(char *const argv[], int in_fd, int out_fd, int errfd)
{
    int err;

    if (in_fd >= 0 && in_fd != 0 && dup2(in_fd, 0) < 0)
        goto fail;
    if (out_fd >= 0 && out_fd != 1 && dup2(out_fd, 1) < 0)
        goto fail;
    if (in_fd > 2)
        close(in_fd);
    if (out_fd > 2 && out_fd != in_fd)
        close(out_fd);
    execvp(argv[0], argv);
fail:
    err = errno;
    (void)!write(errfd, &err, sizeof(err));
    _exit(127);
}

int run_spawn(char *const argv[], int in_fd, int out_fd, pid_t *pid)
{
    int fds[2], child_errno = 0, err;
    ssize_t n;
    pid_t p;

    if (!argv || !argv[0] || !pid)
        return -EINVAL;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    p = fork();
    if (p < 0) {
        err = -errno;
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    if (p == 0) {
        close(fds[0]); /* the child only writes */
        spawn__child(argv, in_fd, out_fd, fds[1]);
    }

    close(fds[1]);
    do
        n = read(fds[0], &child_errno, sizeof(child_errno));
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n == (ssize_t)sizeof(child_errno)) {
        struct run_status ignored;

        run_wait(p, &ignored); /* the failed child: reap it here */
        return -child_errno;
    }
    *pid = p;
    return 0;
}

int run_decode(int wstatus, struct run_status *st)
{
    if (WIFEXITED(wstatus)) {
        st->how = RUN_EXITED;
        st->code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
        st->how = RUN_SIGNALED;
        st->code = WTERMSIG(wstatus);
    } else {
        return -EINVAL;
    }
    return 0;
}

int run_wait(pid_t pid, struct run_status *st)
{
    int status;

    if (!st)
        return -EINVAL;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return run_decode(status, st);
}
