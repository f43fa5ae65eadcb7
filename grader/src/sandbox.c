/* SPDX-License-Identifier: MIT */
/*
 * Containment for student code. Layers, each probed before it is used:
 *  - a filesystem view of its own (mount namespace + pivot_root): the
 *    system read-only, the test's run folder and binaries, nothing else;
 *  - as root, a uid of its own: RLIMIT_NPROC does not apply to root (a
 *    limit of 5 let root fork 20 times), the uid cannot signal the
 *    supervisor, and kill(-1) as that uid stops all it started;
 *  - not root, an unprivileged user namespace, which gives the view and
 *    the network namespace without privilege where the kernel allows it;
 *  - a new network namespace with only loopback up (lab 06 serves there);
 *  - a PID namespace with a fresh /proc: the test sees and can signal only
 *    the processes it started (see enter_pid_ns).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
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

/* ---- the filesystem view ---------------------------------------------- */

/*
 * What a test sees, at the same paths as outside so that no argument or
 * log path needs rewriting: the system read-only, a /dev with the few
 * character devices a program expects, its own /tmp and /dev/shm, /proc
 * and /sys, its run folder (writable) and its binaries (read-only). Nothing
 * else of the machine: not the repository (solutions/, rubrics, tests,
 * other students' trees, the gradebook, results), not /root, not /home.
 * Because the ancestors of the run folder are directories of the view's
 * own tmpfs, a checkout in a private (0700) folder works the same.
 */
static const char *const system_dirs[] = {
    "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
};
static const char *const dev_nodes[] = {
    "null", "zero", "full", "random", "urandom", "tty",
};
#define VIEW "/tmp" /* where the view is assembled before pivot_root */

struct mount_attr_compat {
    unsigned long long attr_set, attr_clr, propagation, userns_fd;
};
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#define ATTR_RDONLY 0x1ULL
#define ATTR_NOSUID 0x2ULL
#define ATTR_NODEV 0x4ULL

/* What a bind in the view may do: the same bits as MS_RDONLY, MS_NOSUID
 * and MS_NODEV, so the fallback below can pass them to mount(2). */
_Static_assert(ATTR_RDONLY == MS_RDONLY && ATTR_NOSUID == MS_NOSUID &&
                   ATTR_NODEV == MS_NODEV,
               "mount attributes and mount flags differ");
#define BIND_RO (ATTR_RDONLY | ATTR_NOSUID | ATTR_NODEV)
#define BIND_RW (ATTR_NOSUID | ATTR_NODEV)
#define BIND_DEV ATTR_NOSUID /* nodev would make opening /dev/null EACCES */
#define BIND_AS_IS 0ULL      /* /proc and /sys */

/*
 * Add `attrs` to target and every mount below it. Flags it has already
 * stay: a user namespace refuses to clear flags the bind inherited
 * (nosuid, noexec, ...).
 */
static int restrict_mount(const char *target, unsigned long long attrs)
{
    struct mount_attr_compat a = {attrs, 0, 0, 0};
    struct statvfs v;
    unsigned long flags;

    if (!attrs || syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &a,
                          sizeof(a)) == 0)
        return 0;
    /* Before Linux 5.12: the top mount only. The ST_ bits used here have
     * the values of the MS_ flags. */
    if (statvfs(target, &v) < 0)
        return -errno;
    flags = (v.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC |
                         ST_NOATIME | ST_NODIRATIME | ST_RELATIME)) |
            (unsigned long)attrs;
    if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
        return -errno;
    return 0;
}

/* mkdir -p VIEW/path, every component 0755 and owned by root. */
static int view_mkdir(const char *path)
{
    char full[4096];

    if (snprintf(full, sizeof(full), VIEW "%s", path) >= (int)sizeof(full))
        return -ENAMETOOLONG;
    return mkdir_p(full);
}

/* Bind what `fd` (an O_PATH descriptor) names at VIEW/path, with the
 * BIND_ attributes `how`. */
static int view_bind(int fd, const char *path, unsigned long long how,
                     int is_dir)
{
    char src[64], dst[4096];

    snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
    if (snprintf(dst, sizeof(dst), VIEW "%s", path) >= (int)sizeof(dst))
        return -ENAMETOOLONG;
    if (is_dir) {
        if (view_mkdir(path) < 0)
            return -errno;
    } else {
        int f = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

        if (f < 0)
            return -errno;
        close(f);
    }
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return -errno;
    return restrict_mount(dst, how);
}

static int view_tmpfs(const char *path, const char *opts)
{
    char dst[4096];

    snprintf(dst, sizeof(dst), VIEW "%s", path);
    if (view_mkdir(path) < 0)
        return -errno;
    return mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ? -errno
                                                                        : 0;
}

static int view_symlink(const char *target, const char *path)
{
    char dst[4096];

    snprintf(dst, sizeof(dst), VIEW "%s", path);
    return symlink(target, dst) < 0 && errno != EEXIST ? -errno : 0;
}

/*
 * Sources are opened before anything is mounted over VIEW: a checkout under
 * /tmp (mktemp -d) is hidden by the view's tmpfs once it is mounted, but a
 * descriptor opened before still names it.
 */
struct source {
    const char *path;
    int fd, writable, is_dir;
    char link[256]; /* a symbolic link to recreate (/bin -> usr/bin) */
};

static int build_view(const char *workdir, const char *bindir, int fresh_proc)
{
    struct source src[16];
    int n = 0, rc = 0;
    struct stat st;

    for (size_t i = 0; i < sizeof(system_dirs) / sizeof(*system_dirs); i++) {
        struct source *s = &src[n];
        ssize_t len;

        memset(s, 0, sizeof(*s));
        s->path = system_dirs[i];
        if (lstat(s->path, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            len = readlink(s->path, s->link, sizeof(s->link) - 1);
            if (len <= 0)
                continue;
            s->link[len] = '\0';
            s->fd = -1;
            n++;
            continue;
        }
        s->fd = open(s->path, O_PATH | O_CLOEXEC);
        s->is_dir = 1;
        n += s->fd >= 0;
    }
    /* Ancestors first: the binaries' folder may hold the run folder. */
    for (int k = 0; k < 2; k++) {
        const char *p = k == 0 ? bindir : workdir;
        struct source *s = &src[n];

        if (!p)
            continue;
        memset(s, 0, sizeof(*s));
        s->path = p;
        s->writable = k == 1;
        s->is_dir = 1;
        s->fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s->fd < 0)
            return -errno;
        n++;
    }
    if (bindir && workdir && strlen(workdir) < strlen(bindir)) {
        struct source t = src[n - 1];

        src[n - 1] = src[n - 2];
        src[n - 2] = t;
    }

    if (mount("grader-view", VIEW, "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755,size=1m") < 0)
        return -errno;
    /* /dev: a few character devices, a private /dev/shm (lab 07's
     * shm_open), and the usual links into /proc. */
    if ((rc = view_tmpfs("/dev", "mode=0755,size=1m")) < 0)
        return rc;
    for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(*dev_nodes); i++) {
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
        fd = open(path, O_PATH | O_CLOEXEC);
        if (fd < 0)
            continue;
        rc = view_bind(fd, path, BIND_DEV, 0);
        close(fd);
        if (rc < 0)
            return rc;
    }
    if ((rc = view_tmpfs("/dev/shm", "mode=1777,size=512m")) < 0 ||
        (rc = view_symlink("/proc/self/fd", "/dev/fd")) < 0 ||
        (rc = view_symlink("/proc/self/fd/0", "/dev/stdin")) < 0 ||
        (rc = view_symlink("/proc/self/fd/1", "/dev/stdout")) < 0 ||
        (rc = view_symlink("/proc/self/fd/2", "/dev/stderr")) < 0 ||
        (rc = view_tmpfs("/tmp", "mode=1777,size=512m")) < 0)
        return rc;
    /* Then the sources: a run folder under /tmp goes on top of that /tmp. */
    for (int i = 0; i < n && !rc; i++)
        rc = src[i].fd < 0 ? view_symlink(src[i].link, src[i].path)
                           : view_bind(src[i].fd, src[i].path,
                                       src[i].writable ? BIND_RW : BIND_RO,
                                       src[i].is_dir);
    for (int i = 0; i < n; i++)
        if (src[i].fd >= 0)
            close(src[i].fd);
    if (rc)
        return rc;

    /* /sys as it is (sysconf reads the CPUs from /sys); /proc as it is, or
     * in a PID namespace one of its own, which lists only the test's
     * processes (mounted by a process inside the namespace: this one). A
     * user namespace may mount it only as nosuid, nodev and noexec, like
     * the /proc it can already see. */
    if (fresh_proc && (view_mkdir("/proc") < 0 ||
                       mount("proc", VIEW "/proc", "proc",
                             MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
        return -errno;
    for (int k = fresh_proc; k < 2; k++) {
        const char *p = k ? "/sys" : "/proc";
        int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
            return -errno;
        rc = view_bind(fd, p, BIND_AS_IS, 1);
        close(fd);
        if (rc < 0)
            return rc;
    }

    /* The view becomes / ; the old root is stacked above and detached. */
    if (chdir(VIEW) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        return -errno;
    /* Nothing but the mounts above may be written. */
    if (mount(NULL, "/", NULL,
              MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
              NULL) < 0)
        return -errno;
    return 0;
}

/* Map our own uid and gid into a new user namespace, and nothing else. */
static int map_self(uid_t uid, gid_t gid)
{
    char line[64];
    int rc = 0;

    snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/uid_map", line) != 0)
        return -EPERM;
    if (write_file("/proc/self/setgroups", "deny\n") != 0)
        rc = -EPERM;
    snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (!rc && write_file("/proc/self/gid_map", line) != 0)
        rc = -EPERM;
    return rc;
}

/* ---- the PID namespace ------------------------------------------------ */

/*
 * In a PID namespace a test can neither see nor signal any process it did
 * not start: not the grader, and, when the grader is not root and tests run
 * as the user's own uid, not the user's shell, editor or desktop, which
 * kill(-1, SIGKILL) would otherwise end. Its /proc lists only its own
 * processes, so /proc/PID/root of the user's other processes (a way out of
 * the view) is not there to open. Three processes, one line of descent:
 *
 *   relay  the caller, outside the namespace (the supervisor's child): ends
 *          the way the test ended, so the supervisor's waitpid is unchanged
 *   init   pid 1: reaps orphans; when the test ends, counts what is still
 *          running and exits, and the kernel kills the rest with it
 *   test   pid 2, as tests expect (pid 1 ignores default signals and
 *          inherits orphans); it returns from sandbox_enter and execs
 *
 * init and the relay run no student code, and the test cannot signal or
 * ptrace init (pid 1 of its namespace, and holding capabilities the test
 * lost at exec).
 */
__attribute__((noreturn)) static void end_like(int status)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit none = {0, 0};
        sigset_t set;

        setrlimit(RLIMIT_CORE, &none); /* the test's core was not dumped */
        signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        _exit(128 + sig); /* a signal that cannot end a process */
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

static void no_op(int sig)
{
    (void)sig;
}

static int count_running(const struct proc_info *p, void *arg)
{
    if (p->pid != 1 && p->state != 'Z')
        ++*(int *)arg;
    return 0;
}

/* In init, once the test has ended: what it left running. The count is
 * taken only from the namespace's own /proc (the test mounted it). */
static int left_running(void)
{
    char self[16];
    ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
    int left = 0;

    if (n != 1 || self[0] != '1')
        return 0;
    proc_walk(count_running, &left);
    return left;
}

/* Called after unshare(CLONE_NEWPID): returns 0 in the test, never in the
 * relay or init. */
static int enter_pid_ns(int report_fd)
{
    int link[2], status = 127 << 8, left;
    pid_t init, test;

    if (pipe2(link, O_CLOEXEC) < 0)
        return -errno;
    init = fork();
    if (init < 0) {
        int rc = -errno;

        close(link[0]);
        close(link[1]);
        return rc;
    }
    if (init > 0) {
        char buf[64];
        ssize_t n, got = 0;
        int st = 0, raw;

        /* The test's output and result pipes are not ours to hold. */
        for (int fd = 0; fd < 1024; fd++)
            if (fd != link[0] && fd != report_fd)
                close(fd);
        while (got < (ssize_t)sizeof(buf) - 1 &&
               ((n = read(link[0], buf + got, sizeof(buf) - 1 - (size_t)got)) >
                    0 ||
                (n < 0 && errno == EINTR)))
            got += n > 0 ? n : 0;
        buf[got] = '\0';
        while (waitpid(init, &st, 0) < 0 && errno == EINTR)
            ;
        if (sscanf(buf, "%d %d", &raw, &left) == 2) {
            if (report_fd >= 0)
                dprintf(report_fd, "%d\n", left);
            end_like(raw);
        }
        end_like(st); /* init was killed: by the timeout, say */
    }
    close(link[0]);
    if (report_fd >= 0)
        close(report_fd);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    test = fork();
    if (test == 0) {
        close(link[1]);
        return 0;
    }
    if (test < 0)
        dprintf(2, "grader: cannot start the test in its PID namespace: %s\n",
                strerror(errno));
    /* init: the test's stdin, stdout, result pipe are not ours to hold
     * open (the supervisor reads until every writer has gone). */
    for (int fd = 0; fd < 1024; fd++)
        if (fd != link[1] && fd != 2)
            close(fd);
    /* pid 1 gets only signals it has a handler for; they are taken here
     * with sigwaitinfo, the handler is never run. */
    signal(SIGCHLD, no_op);
    signal(SANDBOX_FREEZE_SIGNAL, no_op);
    {
        sigset_t wake;

        sigemptyset(&wake);
        sigaddset(&wake, SIGCHLD);
        sigaddset(&wake, SANDBOX_FREEZE_SIGNAL);
        sigprocmask(SIG_BLOCK, &wake, NULL);
        while (test > 0) {
            int st, sig = 0;
            pid_t w;

            while ((w = waitpid(-1, &st, WNOHANG)) > 0)
                if (w == test) {
                    status = st;
                    test = 0;
                }
            if (w < 0 && errno == ECHILD)
                break;
            if (test > 0)
                sig = sigwaitinfo(&wake, NULL);
            /* A fork bomb is stopped whole, under one lock (as in
             * sandbox_signal_all); the test alone goes on, for gdb. */
            if (sig == SANDBOX_FREEZE_SIGNAL && test > 0) {
                kill(-1, SIGSTOP);
                kill(test, SIGCONT);
            }
        }
    }
    left = left_running();
    dprintf(link[1], "%d %d\n", status, left);
    _exit(0);
}

int sandbox_enter(const struct sandbox *sb, uid_t uid, const char *workdir,
                  const char *bindir, int report_fd)
{
    int flags = (sb->userns ? CLONE_NEWUSER : 0) |
                (sb->mountns ? CLONE_NEWNS : 0) |
                (sb->netns ? CLONE_NEWNET : 0) | (sb->pidns ? CLONE_NEWPID : 0);
    uid_t me = geteuid();
    gid_t mygid = getegid();
    int rc = 0;

    if (flags && unshare(flags) < 0)
        return -errno;
    /* The grader is not dumpable (run_init), which makes /proc/self/uid_map
     * root's; this process is about to become the test anyway. */
    if (sb->userns &&
        (prctl(PR_SET_DUMPABLE, 1) < 0 || (rc = map_self(me, mygid)) < 0))
        return rc < 0 ? rc : -errno;
    if (sb->netns && loopback_up() < 0)
        return -ENETDOWN;
    if (sb->pidns && (rc = enter_pid_ns(report_fd)) < 0)
        return rc;
    if (sb->mountns) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            return -errno;
        if ((rc = build_view(workdir, bindir, sb->pidns)) < 0)
            return rc;
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

/*
 * Try the sandbox in a child. 0: it held (with a view, the repository is
 * out of sight; without one, the test user can read it); 1: it could not
 * be entered; 2: no view, and the test user cannot read the repository;
 * 3: a view, yet the repository is in sight.
 */
static int probe(const struct sandbox *sb, const char *root)
{
    pid_t pid = fork();
    int st;

    if (pid < 0)
        return -errno;
    if (pid == 0) {
        char *mk = path_join(root, "Makefile");

        char self[16] = "";

        if (sandbox_enter(sb, sb->uid, NULL, NULL, -1) < 0)
            _exit(1);
        /* In a PID namespace: pid 2, and a /proc that agrees. */
        if (sb->pidns &&
            (getpid() != 2 || readlink("/proc/self", self, 15) != 1 ||
             self[0] != '2'))
            _exit(1);
        if (sb->mountns)
            _exit(access(mk, F_OK) == 0 ? 3 : access("/bin/sh", X_OK) ? 1 : 0);
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

    proc_walk_owned(uid, tally, &t);
    return t.threads;
}

/* The layers that held, in words, for the report and `make doctor`. */
static void describe(struct sandbox *sb, const char *who)
{
    snprintf(sb->summary, sizeof(sb->summary),
             "tests run %s, at most %ld processes and threads%s; %s; %s; %s",
             who, sb->nproc, sb->drop ? " each" : " beyond yours",
             sb->mountns
                 ? "they see only the system (read-only), their own run "
                   "folder and binaries: not the repository, solutions/ "
                   "or results"
                 : "they CAN READ the repository (no mount namespace "
                   "here)",
             sb->netns ? "network: loopback only"
                       : "WITH the host's network (no network namespace)",
             sb->pidns  ? "in a PID namespace: they see and can signal only "
                          "their own processes"
             : sb->drop ? "they can see every process (no PID namespace)"
                        : "they CAN SIGNAL your other processes (no PID "
                          "namespace)");
}

/* The first of `tries` ({mountns, netns, pidns}) that the machine allows.
 * A PID namespace needs the view: its /proc is mounted there. */
static int first_that_holds(struct sandbox *sb, const char *root,
                            const int tries[][3], int n)
{
    for (int i = 0; i < n; i++) {
        sb->mountns = tries[i][0];
        sb->netns = tries[i][1];
        sb->pidns = tries[i][2];
        if (probe(sb, root) == 0)
            return 0;
    }
    sb->mountns = sb->netns = sb->pidns = 0;
    return -1;
}

void sandbox_detect(struct sandbox *sb, const char *root)
{
    /* With a view first (the PID namespace before the network one: it
     * guards more), then, as root, without one. */
    static const int tries[][3] = {{1, 1, 1}, {1, 0, 1}, {1, 1, 0},
                                   {1, 0, 0}, {0, 1, 0}, {0, 0, 0}};
    const char *name = getenv("GRADER_USER");
    struct passwd *pw;
    int rc;

    memset(sb, 0, sizeof(*sb));
    if (geteuid() != 0) {
        /* RLIMIT_NPROC binds a user's threads in all: leave what runs now
         * room, so a student's accidental fork bomb fails its test instead
         * of freezing their machine. An unprivileged user namespace gives
         * the view and the network namespace without root, where the
         * kernel allows it. */
        sb->nproc = uid_tasks(geteuid()) + 512;
        sb->userns = 1;
        if (first_that_holds(sb, root, tries, 4) < 0)
            sb->userns = 0;
        describe(sb, "as you (not root: no uid of their own)");
        return;
    }
    pw = getpwnam(name && *name ? name : "nobody");
    if (!pw) {
        sb->as_root = 1;
        snprintf(sb->summary, sizeof(sb->summary),
                 "tests run AS ROOT: no user '%s' to drop to (set "
                 "GRADER_USER)",
                 name && *name ? name : "nobody");
        return;
    }
    sb->drop = 1;
    sb->uid = pw->pw_uid;
    sb->gid = pw->pw_gid;
    sb->nproc = 512;
    if (first_that_holds(sb, root, tries, 4) == 0) {
        describe(sb, "unprivileged, each as a uid of its own");
        return;
    }
    /* No mount namespace (a container without CAP_SYS_ADMIN): the test
     * user must be able to read the repository's build to run at all. */
    rc = first_that_holds(sb, root, tries + 4, 2);
    if (rc == 0) {
        describe(sb, "unprivileged, each as a uid of its own");
        return;
    }
    rc = probe(sb, root);
    memset(sb, 0, sizeof(*sb));
    sb->as_root = 1;
    snprintf(sb->summary, sizeof(sb->summary),
             rc == 2 ? "tests run AS ROOT: no mount namespace here, and user "
                       "%s cannot read %s (move the repository somewhere "
                       "world-readable, or set GRADER_USER)"
                     : "tests run AS ROOT: dropping privileges to %s failed "
                       "here (repository %s)",
             pw->pw_name, root);
}

/* How many processes of uid, other than the caller, are running (zombies
 * do not count)? */
static int uid_count(uid_t uid)
{
    struct uid_tally t = {uid, getpid(), 0, 0};

    proc_walk_owned(uid, tally, &t);
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
        for (int i = 0; i < rounds && (i ? uid_count(uid) : found) > 0; i++) {
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
