/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 7: a daemon, a process that runs in the background, detached
 * from the one that started it, until it is told to stop. You write
 * daemon.c; this header is not yours to edit.
 */
#ifndef LAB01_DAEMON_H
#define LAB01_DAEMON_H

#include <sys/types.h>

/*
 * daemon_start - start a daemon and return once it is running.
 *
 * The daemon is detached the classic way: a first fork, a new session
 * (setsid) in that child, a second fork so that the daemon itself is not a
 * session leader (it can never acquire a controlling terminal again), and
 * the intermediate child exits and is reaped here. The daemon then makes
 * "/" its working directory, points stdin, stdout and stderr at /dev/null,
 * closes every other descriptor it inherited, writes its pid (in decimal,
 * followed by a newline) to the file pid_path, and waits for SIGTERM. On
 * SIGTERM it removes pid_path and exits with status 0: that is how it stops
 * cleanly. A SIGTERM sent as soon as daemon_start has returned must already
 * get this treatment.
 *
 * Returns 0 with *pid set to the daemon's pid once the pid file is written
 * and the daemon holds no descriptor but its stdio (the daemon tells the
 * caller so: over a pipe that it closes right after); a negative errno when it could not start
 * (-EEXIST: pid_path exists already) with nothing left running; -EINVAL for
 * NULL arguments or a pid_path that is not absolute (the daemon works in /).
 *
 * Works whatever descriptors the caller has open or closed (0, 1 and 2
 * included). Leaves no zombie and no descriptor behind in the caller.
 * Blocks only until the daemon is ready; a wait cut short by a signal
 * (EINTR) is resumed, not reported. Context: any thread.
 */
int daemon_start(const char *pid_path, pid_t *pid);

/*
 * daemon_stop - read the pid from pid_path, send that process SIGTERM, and
 * wait at most timeout_ms for it to end. The daemon is not our child (it
 * was re-parented when its parent exited), so waitpid cannot wait for it.
 *
 * Returns 0 once it has ended; -ETIMEDOUT if it is still running after
 * timeout_ms (it is left running); -ENOENT when there is no pid file;
 * -EINVAL for a pid file that does not hold a pid above 1; -ESRCH when no
 * such process exists. A process has ended once it has exited, reaped or
 * not: a zombie waiting for its parent (or for init) is not running.
 * Blocks at most timeout_ms; a wait cut short by a signal (EINTR) is
 * resumed, not reported. Context: any thread.
 */
int daemon_stop(const char *pid_path, unsigned timeout_ms);

#endif /* LAB01_DAEMON_H */
