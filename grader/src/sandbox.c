/* SPDX-License-Identifier: MIT */
/*
 * Containment for student code. RLIMIT_NPROC does not apply to root (a
 * limit of 5 let root fork 20 times), so as root the test drops to an
 * unprivileged user first: then the process limit holds, the repository
 * and the grader's files are read-only to it, and it cannot signal the
 * supervisor. A new network namespace, with only loopback up, keeps tests
 * off the network while lab 06's loopback servers still work.
 */
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

struct sandbox grader_sandbox;

static int loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        rc = -errno;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (!rc && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

int sandbox_enter(const struct sandbox *sb, uid_t uid)
{
    if (sb->netns) {
        if (unshare(CLONE_NEWNET) < 0)
            return -errno;
        if (loopback_up() < 0)
            return -ENETDOWN;
    }
    if (sb->drop) {
        if (setgroups(0, NULL) < 0 || setgid(sb->gid) < 0 || setuid(uid) < 0)
            return -errno;
    }
    if (sb->nproc > 0) {
        struct rlimit rl = {(rlim_t)sb->nproc, (rlim_t)sb->nproc};

        setrlimit(RLIMIT_NPROC, &rl);
    }
    /* Set after setuid, which clears it: if the supervisor dies, so do we. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    return 0;
}

void sandbox_own(const struct sandbox *sb, const char *path, uid_t uid)
{
    if (sb->drop && chown(path, uid, sb->gid) < 0)
        fprintf(stderr, "grader: chown %s: %s\n", path, strerror(errno));
}

/* Try the sandbox in a child: can it enter, and then read the repository? */
static int probe(const struct sandbox *sb, const char *root)
{
    pid_t pid = fork();
    int st;

    if (pid < 0)
        return -errno;
    if (pid == 0) {
        char *mk = path_join(root, "Makefile");

        if (sandbox_enter(sb, sb->uid) < 0)
            _exit(1);
        _exit(access(mk, R_OK) == 0 ? 0 : 2);
    }
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

struct uid_tally {
    uid_t uid;
    pid_t skip;
    long alive, threads;
};

static int tally(const struct proc_info *p, void *arg)
{
    struct uid_tally *t = arg;

    if (p->uid == t->uid && p->pid != t->skip && p->state != 'Z') {
        t->alive++;
        t->threads += p->threads;
    }
    return 0;
}

/* Threads of every process of uid: what RLIMIT_NPROC counts. */
static long uid_tasks(uid_t uid)
{
    struct uid_tally t = {uid, 0, 0, 0};

    proc_walk(tally, &t);
    return t.threads;
}

void sandbox_detect(struct sandbox *sb, const char *root)
{
    const char *name = getenv("GRADER_USER");
    struct passwd *pw;
    int rc;

    memset(sb, 0, sizeof(*sb));
    if (geteuid() != 0) {
        /* RLIMIT_NPROC binds a user's threads in all: leave what runs now
         * room, so a student's accidental fork bomb fails its test instead
         * of freezing their machine. */
        sb->nproc = uid_tasks(geteuid()) + 512;
        snprintf(sb->summary, sizeof(sb->summary),
                 "tests ran as you (uid %d), at most 512 processes and "
                 "threads beyond yours: the grader is not root, so it "
                 "neither drops privileges nor isolates the network",
                 (int)geteuid());
        return;
    }
    pw = getpwnam(name && *name ? name : "nobody");
    if (!pw) {
        snprintf(sb->summary, sizeof(sb->summary),
                 "tests ran AS ROOT: no user '%s' to drop to (set "
                 "GRADER_USER)",
                 name && *name ? name : "nobody");
        return;
    }
    sb->drop = 1;
    sb->uid = pw->pw_uid;
    sb->gid = pw->pw_gid;
    sb->nproc = 512;
    sb->netns = 1;
    rc = probe(sb, root);
    if (rc == 1) { /* cannot enter: try without the network namespace */
        sb->netns = 0;
        rc = probe(sb, root);
    }
    if (rc == 2) {
        sb->drop = 0;
        sb->nproc = 0;
        snprintf(sb->summary, sizeof(sb->summary),
                 "tests ran AS ROOT: user %s cannot read %s (move the "
                 "repository somewhere world-readable, or set GRADER_USER)",
                 pw->pw_name, root);
        return;
    }
    if (rc != 0) {
        memset(sb, 0, sizeof(*sb));
        snprintf(sb->summary, sizeof(sb->summary),
                 "tests ran AS ROOT: dropping privileges failed here");
        return;
    }
    snprintf(sb->summary, sizeof(sb->summary),
             "tests ran unprivileged (a uid of their own, in %s's group), at "
             "most %ld processes each, %s",
             pw->pw_name, sb->nproc,
             sb->netns ? "in a network namespace with loopback only"
                       : "WITH the host's network (no network namespace)");
}

/* How many processes of uid, other than the caller, are running (zombies
 * do not count)? */
static int uid_count(uid_t uid)
{
    struct uid_tally t = {uid, getpid(), 0, 0};

    proc_walk(tally, &t);
    return (int)t.alive;
}

uid_t sandbox_test_uid(const struct sandbox *sb, int slot)
{
    /* Far above any real account; distinct per grader and per slot. */
    if (!sb->drop)
        return geteuid();
    return (uid_t)(SANDBOX_UID_BASE + (unsigned)(getpid() % 1000000) * 64u +
                   (unsigned)(slot % 64));
}

int sandbox_signal_all(uid_t uid, int sig, int rounds)
{
    pid_t pid = fork();
    int st;

    if (pid < 0)
        return -1;
    if (pid == 0) {
        int found;

        /*
         * kill(-1) signals every process the caller may signal: as root that
         * is the whole machine. Only ever do it as a test uid, and check.
         */
        if (uid < SANDBOX_UID_BASE || setresuid(uid, uid, uid) < 0 ||
            getuid() != uid || geteuid() != uid)
            _exit(255);
        found = uid_count(uid);

        /* kill(-1) returns 0 even when it signalled nothing (Linux counts
         * attempts), so /proc says when no live process of uid is left. */
        for (int i = 0; i < rounds && uid_count(uid) > 0; i++) {
            kill(-1, sig);
            if (sig != SIGKILL)
                break; /* SIGSTOP: one sweep freezes them all */
            usleep(1000);
        }
        _exit(found > 254 ? 254 : found);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) != 255 ? WEXITSTATUS(st) : -1;
}
