/* SPDX-License-Identifier: MIT */
/*
 * Containment for student code: tests see a filesystem of their own (the
 * system read-only, their run folder and their binaries, nothing else),
 * run as a uid of their own when the grader is root, in a network
 * namespace with loopback only, with a process limit. What the machine
 * allows is detected once, in a fixed order, and said in the report.
 */
#ifndef GRADER_SANDBOX_H
#define GRADER_SANDBOX_H

#include <signal.h>
#include <sys/types.h>

struct sandbox {
    int drop; /* root: run tests as a uid of their own, in gid's group */
    uid_t uid;
    gid_t gid;
    int userns;        /* not root: a user namespace gives the layers below */
    int mountns;       /* a filesystem view of its own (see sandbox.c) */
    int netns;         /* a new network namespace with lo up */
    int pidns;         /* a PID namespace of its own, with a fresh /proc:
                          the test is pid 2 under an init of the grader's */
    long nproc;        /* RLIMIT_NPROC for the test's user, 0 for none */
    int as_root;       /* nothing could be dropped: tests would run as root */
    char summary[768]; /* what containment was used, in words */
};

/* Detect what this machine allows, for tests run from `root` (the
 * repository). Layers are tried in a fixed order; each one is probed in a
 * child before it is relied on. */
void sandbox_detect(struct sandbox *sb, const char *root);

/*
 * In the test's process, before exec: enter the sandbox. `workdir` (the run
 * folder, writable) and `bindir` (the test's binaries, read-only) are the
 * only parts of the build the test sees, at the same paths; either may be
 * NULL. Returns 0 or a negative errno; on error the caller must not exec.
 *
 * With a PID namespace the caller does not return: it waits for the test
 * (a grandchild, which does return) and ends the way the test ended, same
 * exit status or same signal, so its parent sees the test's status. Before
 * that it writes to `report_fd` (if >= 0) how many processes the test left
 * running, as "N\n": the namespace's init killed them.
 */
int sandbox_enter(const struct sandbox *sb, uid_t uid, const char *workdir,
                  const char *bindir, int report_fd);

/* Sent to a PID namespace's init (the caller's child): it stops every
 * process in the namespace but the test, which it lets run (for gdb). */
#define SANDBOX_FREEZE_SIGNAL SIGUSR1

/*
 * A uid of its own for each test running at once (no passwd entry is
 * needed to run as one): the process limit then binds that test alone, and
 * sandbox_signal_all can stop or kill everything it started atomically.
 */
uid_t sandbox_test_uid(const struct sandbox *sb, int slot);
#define SANDBOX_UID_BASE 100000000u /* test uids start here */

/* kill(-1, sig) as `uid`, repeated while it finds processes: the kernel
 * signals them all under one lock, so a fork bomb cannot outrun it.
 * Returns how many were running when it started. Call as root. */
int sandbox_signal_all(uid_t uid, int sig, int rounds);

/* Give the test user a directory it may write (its scratch dir). */
void sandbox_own(const struct sandbox *sb, const char *path, uid_t uid);

extern struct sandbox grader_sandbox;

#endif
