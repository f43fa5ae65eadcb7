/* SPDX-License-Identifier: MIT */
/* Lab 01, task 7: a daemon, started and stopped. Yours to write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compat.h" /* pidfd_open, pidfd_send_signal, close_range */
#include "daemon.h"

int daemon_start(const char *pid_path, pid_t *pid)
{
    /*
     * TODO(lab01.7): fork, setsid, fork again; the middle process exits
     * and you reap it; the grandchild becomes the daemon (daemon.h lists
     * what it must do, in order).
     *
     * - The daemon is your grandchild: waitpid cannot tell you when it is
     *   ready, nor its pid. What can? (Task 1 used the same trick.)
     * - A SIGTERM may arrive the moment daemon_start returns. What must
     *   the daemon have done with SIGTERM before it says it is ready?
     *   (sigprocmask and sigwaitinfo make this simple.)
     * - The daemon must not keep the caller's descriptors, nor the caller
     *   wait forever: in which order do you write the pid file, tell the
     *   caller, and close things?
     */
    (void)pid_path;
    (void)pid;
    return -ENOSYS;
}

int daemon_stop(const char *pid_path, unsigned timeout_ms)
{
    /*
     * TODO(lab01.7): read the pid, send SIGTERM, wait for the end.
     *
     * - The daemon is not your child: how do you wait for a process you
     *   cannot waitpid? (man pidfd_open, then poll.)
     * - Why is a pidfd safer than kill(pid) if the daemon had already
     *   exited and its pid been reused?
     */
    (void)pid_path;
    (void)timeout_ms;
    return -ENOSYS;
}
