/* SPDX-License-Identifier: MIT */
/* CORPUS: a constructor tries to read solutions/ and to leave a file in
 * labs/01-processes/; where it can, it exits 3 (the test fails, and
 * corpus.sh sees labs/ changed). checks/student-coverage.sh runs it
 * through make coverage as well. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

/*
 * Runs in every process that has this file linked in, before main(): as
 * the grader's user, were it ever run outside the sandbox. The repository
 * is what precedes /build/ in the test binary's path. Not build/ for the
 * file: in a checkout under /tmp, the view's own writable /tmp holds the
 * binaries' ancestors, so a file made there is the view's, not an escape;
 * labs/ is not in the view at all.
 */
__attribute__((constructor)) static void corpus_ctor(void)
{
    char repo[PATH_MAX], path[PATH_MAX + 64], *build;
    ssize_t len = readlink("/proc/self/exe", repo, sizeof(repo) - 1);
    int fd, seen;

    if (len <= 0)
        return;
    repo[len] = '\0';
    build = strstr(repo, "/build/");
    if (!build)
        return;
    *build = '\0';
    snprintf(path, sizeof(path), "%s/solutions/01-processes/run.c", repo);
    seen = access(path, R_OK) == 0;
    snprintf(path, sizeof(path), "%s/labs/01-processes/corpus-ctor-escaped",
             repo);
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 && !seen)
        return; /* in the sandbox: the only way out of here */
    if (fd >= 0) {
        dprintf(fd, "pid %d uid %d: %s\n", (int)getpid(), (int)getuid(),
                seen ? "read solutions/" : "wrote here");
        close(fd);
    }
    _exit(3);
}

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
        close(fds[0]);
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
