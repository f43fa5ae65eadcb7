/* SPDX-License-Identifier: MIT */
/* CORPUS: under make coverage, a constructor plants a link among the gcov
 * counts of its run folder, which make coverage merges outside the sandbox
 * (maybe as root), where a link would be read or written through. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"

/*
 * GCOV_PREFIX (make coverage) + the objects' folder (the binary's, less
 * /bin/<test>) + student/run.gcda: where gcov writes this file's counts.
 * A link there to build/corpus-gcov-link, in the repository.
 */
__attribute__((constructor)) static void corpus_ctor(void)
{
    const char *prefix = getenv("GCOV_PREFIX");
    char exe[PATH_MAX], link[2 * PATH_MAX + 64], to[PATH_MAX + 64], *cut;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (!prefix || len <= 0)
        return;
    exe[len] = '\0';
    snprintf(to, sizeof(to), "%.*s/build/corpus-gcov-link",
             (int)(strstr(exe, "/build/") ? strstr(exe, "/build/") - exe : 0),
             exe);
    if (!(cut = strstr(exe, "/bin/")))
        return;
    *cut = '\0';
    snprintf(link, sizeof(link), "%s%s/student/run.gcda", prefix, exe);
    for (char *p = link + 1; *p; p++) /* mkdir -p of its folder */
        if (*p == '/') {
            *p = '\0';
            mkdir(link, 0755);
            *p = '/';
        }
    symlink(to, link);
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
