/* SPDX-License-Identifier: MIT */
/*
 * Lab 01, task 7: daemon_start detaches properly, daemon_stop stops it
 * cleanly. Whatever the code under test does, the teardown kills what it
 * left running, and so does a SIGALRM watchdog if daemon_start or
 * daemon_stop hangs: the pid in the pid file, the pid daemon_start gave,
 * and every process forked during daemon_start (they inherit a name,
 * "l01d-PID", set just for that call), each only after checking that it
 * really is a copy of this test program.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h" /* SYS_close_range where glibc (before 2.34) lacks it */
#include "harness.h"
#include "daemon.h"
#include "tests/lab01.h"

/* Set before the daemon starts, read by the watchdog: single-threaded. */
static char pid_path[PATH_MAX];
static char tag[16]; /* the name processes forked by daemon_start inherit */
static volatile pid_t started_pid;

/* Is pid a copy of this very program? (Async-signal-safe.) */
static int is_our_copy(pid_t pid)
{
    char path[64], mine[PATH_MAX], theirs[PATH_MAX];
    ssize_t a, b;

    if (pid <= 1 || pid == getpid())
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    a = readlink("/proc/self/exe", mine, sizeof(mine));
    b = readlink(path, theirs, sizeof(theirs));
    return a > 0 && a == b && memcmp(mine, theirs, (size_t)a) == 0;
}

/* The pid in the pid file, or 0. (Async-signal-safe: no stdio.) */
static pid_t pid_in(const char *path)
{
    char buf[32];
    pid_t pid = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof(buf));
    close(fd);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        pid = pid * 10 + (buf[i] - '0');
    return pid;
}

static pid_t pid_in_file(void)
{
    return pid_in(pid_path);
}

/* Does /proc/PID/comm read `tag`? (Async-signal-safe.) */
static int has_tag(const char *pid)
{
    char path[300], comm[32];
    size_t len = strlen(tag);
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%s/comm", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, comm, sizeof(comm));
    close(fd);
    return n == (ssize_t)len + 1 && memcmp(comm, tag, len) == 0;
}

/* Kill every copy of us that bears the tag: getdents64, no malloc. */
static void kill_tagged(void)
{
    char buf[4096];
    long n;
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dir < 0)
        return;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
        for (long off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + off);

            off += e->d_reclen;
            if (e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
                has_tag(e->d_name) && is_our_copy(atoi(e->d_name)))
                kill(atoi(e->d_name), SIGKILL);
        }
    }
    close(dir);
}

static void kill_leftovers(void)
{
    pid_t p = pid_in_file();

    if (is_our_copy(p))
        kill(p, SIGKILL);
    if (is_our_copy(started_pid))
        kill(started_pid, SIGKILL);
    kill_tagged();
}

/* daemon_start, with everything it forks named after this test. */
static int tagged_daemon_start(const char *path, pid_t *pid)
{
    char name[16] = "";
    int rc;

    prctl(PR_GET_NAME, name);
    prctl(PR_SET_NAME, tag);
    rc = daemon_start(path, pid);
    prctl(PR_SET_NAME, name);
    return rc;
}

static void watchdog(int sig)
{
    (void)sig;
    kill_leftovers();
}

static int daemon_setup(void **state)
{
    (void)state;
    lab01_path(pid_path, sizeof(pid_path), "daemon.pid");
    snprintf(tag, sizeof(tag), "l01d-%d", (int)getpid() % 10000000);
    unlink(pid_path);
    started_pid = 0;
    signal(SIGALRM, watchdog);
    alarm((unsigned)harness_param_long("watchdog_s", 4));
    return 0;
}

static int daemon_teardown(void **state)
{
    (void)state;
    alarm(0);
    kill_leftovers();
    unlink(pid_path);
    return 0;
}

/* Fields of /proc/PID/stat after the command name. */
struct pstat {
    char state;
    int ppid, pgrp, session, tty;
};

static int read_pstat(pid_t pid, struct pstat *ps)
{
    char path[64], buf[512];
    const char *rp;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    fclose(f);
    rp = strrchr(buf, ')');
    if (!rp || sscanf(rp + 1, " %c %d %d %d %d", &ps->state, &ps->ppid,
                      &ps->pgrp, &ps->session, &ps->tty) != 5)
        return -1;
    return 0;
}

static pid_t start_daemon(void)
{
    pid_t pid = 0, in_file;
    int rc = tagged_daemon_start(pid_path, &pid);

    started_pid = pid;
    if (rc != 0)
        harness_fail("daemon_start returned %d (%s), expected 0", rc,
                     strerror(-rc));
    in_file = pid_in_file();
    if (in_file != pid)
        harness_fail("the pid file %s holds %d, but daemon_start said the "
                     "daemon is %d: write the pid file before telling the "
                     "caller you are ready, and from the daemon itself",
                     pid_path, (int)in_file, (int)pid);
    return pid;
}

static void expect_stopped(pid_t pid)
{
    struct pstat ps;
    int rc = daemon_stop(pid_path, 3000);

    if (rc != 0)
        harness_fail("daemon_stop returned %d (%s), expected 0", rc,
                     strerror(-rc));
    if (read_pstat(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X')
        harness_fail("daemon_stop returned 0 but the daemon (%d) is still "
                     "running (state %c)",
                     (int)pid, ps.state);
    if (access(pid_path, F_OK) == 0)
        harness_fail("the daemon ended but its pid file is still there: on "
                     "SIGTERM it should remove the file, then exit. Was it "
                     "killed by the signal instead of handling it?");
}

static void test_daemon_detaches(void **state)
{
    struct pstat me, d;
    pid_t pid;

    (void)state;
    pid = start_daemon();
    if (read_pstat(getpid(), &me) < 0 || read_pstat(pid, &d) < 0)
        harness_fail("cannot read /proc/%d/stat: is the daemon running?",
                     (int)pid);
    if (d.ppid == getpid())
        harness_fail("the daemon is still our child: fork twice, and let "
                     "the middle process exit");
    if (d.session == me.session)
        harness_fail("the daemon is in the caller's session (%d): call "
                     "setsid() in the first child",
                     me.session);
    if (d.session == pid)
        harness_fail("the daemon leads its own session, so it could acquire "
                     "a controlling terminal: fork again after setsid()");
    if (d.tty != 0)
        harness_fail("the daemon has a controlling terminal (tty %d)", d.tty);
    expect_stopped(pid);
}

/* NULL when the daemon works in / with stdio on /dev/null and no other
 * descriptor; else what is wrong (a static buffer). */
static const char *daemon_setup_wrong(pid_t pid)
{
    static char msg[512];
    char path[64], target[PATH_MAX], fds[256] = "";
    struct dirent *e;
    ssize_t n;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
    n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    if (strcmp(target, "/") != 0) {
        snprintf(msg, sizeof(msg),
                 "the daemon works in \"%.200s\": "
                 "chdir(\"/\") so that it keeps no directory busy",
                 target);
        return msg;
    }
    for (int fd = 0; fd < 3; fd++) {
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
        n = readlink(path, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        if (strcmp(target, "/dev/null") != 0) {
            snprintf(msg, sizeof(msg),
                     "the daemon's fd %d is \"%.200s\", "
                     "expected /dev/null",
                     fd, n > 0 ? target : "closed");
            return msg;
        }
    }
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (!d) {
        snprintf(msg, sizeof(msg), "cannot list %s", path);
        return msg;
    }
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) > 2 &&
            strlen(fds) + strlen(e->d_name) + 2 < sizeof(fds))
            strcat(strcat(fds, " "), e->d_name);
    closedir(d);
    if (fds[0]) {
        snprintf(msg, sizeof(msg),
                 "the daemon kept descriptors it "
                 "inherited:%s (close everything above 2 once it no longer "
                 "needs it)",
                 fds);
        return msg;
    }
    return NULL;
}

static void test_daemon_stdio_and_cwd(void **state)
{
    const char *wrong;
    pid_t pid;

    (void)state;
    pid = start_daemon();
    wrong = daemon_setup_wrong(pid);
    if (wrong)
        harness_fail("%s", wrong);
    expect_stopped(pid);
}

/* A SIGTERM at once: the daemon must already handle it, not die of it. */
static void test_daemon_stops_cleanly(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        expect_stopped(start_daemon());
}

static void test_daemon_leaves_nothing_behind(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    pid_t pid;

    (void)state;
    pid = start_daemon();
    harness_assert_no_leaks(snap);
    expect_stopped(pid);
    harness_assert_no_leaks(snap);
}

static void test_daemon_refuses_existing_pid_file(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    pid_t pid = 0;
    char buf[16];
    int fd, rc;

    (void)state;
    fd = open(pid_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "1\n", 2), 2);
    close(fd);
    rc = tagged_daemon_start(pid_path, &pid);
    started_pid = pid;
    if (rc != -EEXIST)
        harness_fail("the pid file exists already (another daemon runs): "
                     "expected -EEXIST, got %d",
                     rc);
    fd = open(pid_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, buf, sizeof(buf)) != 2)
        harness_fail("the failed start removed or changed a pid file that "
                     "was not its own");
    close(fd);
    harness_assert_no_leaks(snap);
    rc = tagged_daemon_start("relative.pid", &pid);
    if (rc != -EINVAL)
        harness_fail_symptom("relative-path",
                             "daemon_start(\"relative.pid\", ...) returned "
                             "%d (%s), expected -EINVAL: a pid_path that is "
                             "not absolute is refused (the daemon works in /)",
                             rc, rc ? strerror(-rc) : "success");
}

static void write_pid_file(const char *text)
{
    int fd = open(pid_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_daemon_stop_errors(void **state)
{
    char text[32];
    pid_t gone = xfork();

    (void)state;
    if (gone == 0)
        _exit(0);
    xwaitpid(gone, NULL, 0); /* its pid now names no process */
    assert_int_equal(daemon_stop(pid_path, 100), -ENOENT);
    write_pid_file("0\n");
    assert_int_equal(daemon_stop(pid_path, 100), -EINVAL);
    write_pid_file(""); /* an empty file holds no pid either */
    assert_int_equal(daemon_stop(pid_path, 100), -EINVAL);
    write_pid_file("nonsense\n");
    assert_int_equal(daemon_stop(pid_path, 100), -EINVAL);
    write_pid_file("1\n"); /* init: never a daemon of ours (above 1 only) */
    assert_int_equal(daemon_stop(pid_path, 100), -EINVAL);
    snprintf(text, sizeof(text), "%d\n", (int)gone);
    write_pid_file(text);
    assert_int_equal(daemon_stop(pid_path, 100), -ESRCH);
}

/*
 * A process that ignores SIGTERM does not stop: daemon_stop gives up after
 * timeout_ms with -ETIMEDOUT and leaves it running.
 */
static void test_daemon_stop_times_out(void **state)
{
    char text[32], c;
    int fds[2], rc, alive;
    pid_t stubborn;

    (void)state;
    xpipe(fds);
    stubborn = xfork();
    if (stubborn == 0) {
        signal(SIGTERM, SIG_IGN);
        close(fds[0]);
        (void)!write(fds[1], "r", 1); /* SIGTERM is ignored from now on */
        for (;;)
            pause();
    }
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1)
        harness_fail("the test's own child did not start");
    close(fds[0]);
    snprintf(text, sizeof(text), "%d\n", (int)stubborn);
    write_pid_file(text);
    rc = daemon_stop(pid_path, 50);
    alive = waitpid(stubborn, NULL, WNOHANG) == 0;
    kill(stubborn, SIGKILL);
    xwaitpid(stubborn, NULL, 0);
    if (rc != -ETIMEDOUT)
        harness_fail("daemon_stop on a process that ignores SIGTERM, 50 ms: "
                     "expected -ETIMEDOUT (%d), got %d",
                     -ETIMEDOUT, rc);
    if (!alive)
        harness_fail("daemon_stop timed out but the process is gone: it must "
                     "be left running");
}

/*
 * A process that has ended but that its parent has not reaped yet (a
 * zombie) has ended: daemon_stop returns 0 for it. A daemon is re-parented
 * to whoever reaps orphans, and that one may be slow to reap, or be the
 * caller itself. Here it is the test's own child, reaped only afterwards;
 * kill(pid, 0), which succeeds on a zombie, would wait out the timeout.
 */
static void test_daemon_stop_sees_zombie_end(void **state)
{
    char text[32], c;
    int fds[2], rc;
    pid_t child;

    (void)state;
    xpipe(fds);
    child = xfork();
    if (child == 0) {
        signal(SIGTERM, SIG_DFL);
        close(fds[0]);
        (void)!write(fds[1], "r", 1);
        for (;;)
            pause();
    }
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1)
        harness_fail("the test's own child did not start");
    close(fds[0]);
    snprintf(text, sizeof(text), "%d\n", (int)child);
    write_pid_file(text);
    rc = daemon_stop(pid_path, 1000);
    kill(child, SIGKILL);
    /* Not xwaitpid: a daemon_stop that tried waitpid on the pid (which a
     * daemon's is not, but this one is) may have reaped it already. */
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    if (rc != 0)
        harness_fail_symptom("zombie-alive",
                             "daemon_stop on a process that SIGTERM ended but "
                             "that its parent had not reaped yet (a zombie), "
                             "1000 ms: expected 0, got %d (%s)",
                             rc, strerror(-rc));
}

/*
 * In a child of the test whose only descriptors are `open` of 0, 1, 2 and
 * a report pipe far above them (so daemon_start's pipe lands on the lowest
 * free ones: 3, or one of 0-2): daemon_start, the daemon's set-up checked,
 * daemon_stop. NULL when all went right, else what went wrong.
 */
static const char *start_with_fds(const int open_std[3], const int *extra,
                                  int nextra, int no_close_range, char *msg,
                                  size_t len)
{
    int rc, still_closed = 1;
    const char *wrong;
    pid_t pid = 0;

    for (int fd = 0; fd < 64; fd++)
        if (fd > 2 || !open_std[fd])
            close(fd);
    for (int i = 0; i < nextra; i++) { /* inherited, not close-on-exec */
        int fd = open("/dev/null", O_RDONLY);

        if (fd < 0 || (fd != extra[i] && dup2(fd, extra[i]) < 0))
            return "the test cannot open /dev/null";
        if (fd != extra[i])
            close(fd);
    }
    /* A kernel before 5.9, as far as this process and its children can
     * tell: close_range() fails with ENOSYS (a seccomp filter, which every
     * process forked from here inherits). */
    if (no_close_range && harness_fail_syscall(SYS_close_range, ENOSYS) < 0)
        return "the test cannot install its seccomp filter";
    rc = tagged_daemon_start(pid_path, &pid);
    for (int fd = 0; fd < 3; fd++)
        if (!open_std[fd] && fcntl(fd, F_GETFD) >= 0)
            still_closed = 0;
    if (rc != 0) {
        snprintf(msg, len, "daemon_start returned %d (%s), expected 0", rc,
                 strerror(-rc));
        return msg;
    }
    wrong = daemon_setup_wrong(pid);
    rc = daemon_stop(pid_path, 3000);
    if (wrong)
        return wrong;
    if (!still_closed)
        return "daemon_start left one of them open: a descriptor left behind";
    if (rc != 0) {
        snprintf(msg, len, "daemon_stop returned %d (%s), expected 0", rc,
                 strerror(-rc));
        return msg;
    }
    return NULL;
}

/*
 * The caller has closed some of its standard descriptors (a program run
 * with stdin or stderr closed), and holds no other: daemon_start's pipe
 * lands on 0, 1, 2 or 3, and the daemon's own descriptors on others than
 * usual. It must start all the same, with stdin, stdout and stderr on
 * /dev/null and nothing else open, and leave the caller's closed
 * descriptors closed. Each combination runs in a child of the test.
 */
static void test_daemon_caller_without_stdio(void **state)
{
    static const int sets[][3] = {{1, 1, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0},
                                  {0, 1, 0}, {0, 0, 1}, {0, 0, 0}};

    (void)state;
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        char msg[600] = "", buf[600];
        int fds[2], r, w, status;
        ssize_t n, got = 0;
        pid_t child;

        xpipe(fds);
        r = fcntl(fds[0], F_DUPFD_CLOEXEC, 64);
        w = fcntl(fds[1], F_DUPFD_CLOEXEC, 64);
        close(fds[0]);
        close(fds[1]);
        child = xfork();
        if (child == 0) {
            const char *why =
                start_with_fds(sets[s], NULL, 0, 0, buf, sizeof(buf));

            if (why)
                (void)!write(w, why, strlen(why));
            _exit(0);
        }
        close(w);
        while ((n = read(r, msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
            got += n;
        msg[got] = '\0';
        close(r);
        xwaitpid(child, &status, 0);
        if (msg[0] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            harness_fail("a caller whose only descriptors are%s%s%s%s: %s",
                         sets[s][0] ? " 0" : "", sets[s][1] ? " 1" : "",
                         sets[s][2] ? " 2" : "",
                         sets[s][0] || sets[s][1] || sets[s][2] ? "" : " none",
                         msg[0] ? msg : "it did not finish");
    }
}

/*
 * Descriptors the caller leaves open (not close-on-exec) just below and
 * far above the daemon's pipe, on a kernel with close_range and on one
 * without (ENOSYS: before Linux 5.9): the daemon closes every one of them.
 * A child of the test, holding 0-2 and the given descriptors, starts it.
 */
static void test_daemon_closes_inherited(void **state)
{
    static const struct {
        int std[3], extra[4], nextra, old;
        const char *what;
    } cases[] = {
        {{1, 1, 1}, {3, 5, 10, 40}, 4, 0, "3, 5, 10, 40"},
        {{1, 1, 1},
         {3, 5, 10, 40},
         4,
         1,
         "3, 5, 10, 40, close_range failing (ENOSYS)"},
        {{0, 1, 1}, {3}, 1, 0, "3 (and stdin closed)"},
        {{0, 1, 1}, {3}, 1, 1, "3 (and stdin closed), close_range failing"},
    };

    (void)state;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char msg[600] = "", buf[600];
        int fds[2], r, w, status;
        ssize_t n, got = 0;
        pid_t child;

        xpipe(fds);
        r = fcntl(fds[0], F_DUPFD_CLOEXEC, 64);
        w = fcntl(fds[1], F_DUPFD_CLOEXEC, 64);
        close(fds[0]);
        close(fds[1]);
        child = xfork();
        if (child == 0) {
            const char *why =
                start_with_fds(cases[c].std, cases[c].extra, cases[c].nextra,
                               cases[c].old, buf, sizeof(buf));

            if (why)
                (void)!write(w, why, strlen(why));
            _exit(0);
        }
        close(w);
        while ((n = read(r, msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
            got += n;
        msg[got] = '\0';
        close(r);
        xwaitpid(child, &status, 0);
        if (msg[0] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            harness_fail("a caller holding descriptors %s: %s", cases[c].what,
                         msg[0] ? msg : "it did not finish");
    }
}

static uint64_t tick_deadline_ns;

/* The ticks stand in for the watchdog (same timer): past the deadline. */
static void daemon_tick(void)
{
    if (harness_now_ns() > tick_deadline_ns)
        kill_leftovers();
}

/*
 * The caller has a signal handler installed without SA_RESTART, and a
 * timer fires it every 100 us: daemon_start's wait for the daemon and
 * daemon_stop's wait for its end are cut short, and must be resumed.
 */
static void test_daemon_survives_signals(void **state)
{
    pid_t pid;

    (void)state;
    tick_deadline_ns =
        harness_now_ns() +
        (uint64_t)harness_param_long("watchdog_s", 4) * 1000000000u;
    lab01_ticking_start(100, daemon_tick);
    for (int i = 0; i < 5; i++) {
        pid = 0;
        lab01_expect_rc_ticking("daemon_start",
                                tagged_daemon_start(pid_path, &pid), 0);
        started_pid = pid;
        lab01_expect_rc_ticking("daemon_stop(3000 ms)",
                                daemon_stop(pid_path, 3000), 0);
    }
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
}

static const char *daemon_without_fork(void)
{
    static char msg[300];
    int before = harness_count_fds();
    pid_t pid;
    const char *verdict = lab01_fork_failure_verdict(
        "daemon_start", tagged_daemon_start(pid_path, &pid), before);

    if (verdict)
        return verdict;
    if (access(pid_path, F_OK) == 0) {
        snprintf(msg, sizeof(msg),
                 "daemon_start failed to fork, yet the pid "
                 "file %.200s exists",
                 pid_path);
        return msg;
    }
    return NULL;
}

/* fork fails (EAGAIN): an error returned, nothing left running or open. */
static void test_daemon_fork_failure_reported(void **state)
{
    (void)state;
    expect_stopped(start_daemon()); /* where fork works, first */
    lab01_without_fork(daemon_without_fork);
}

/* Each thread's daemon: its pid file is pid_path.THREAD. */
static pid_t thread_daemon[LAB01_THREADS];

static void thread_pid_path(char *buf, size_t len, unsigned thread)
{
    snprintf(buf, len, "%s.%u", pid_path, thread);
}

/* One round: start this thread's daemon. */
static const char *daemon_start_round(void *arg, unsigned thread, unsigned i)
{
    char path[PATH_MAX + 16];
    pid_t pid = 0;

    (void)arg;
    (void)i;
    thread_pid_path(path, sizeof(path), thread);
    if (tagged_daemon_start(path, &pid) != 0)
        return "daemon_start failed";
    thread_daemon[thread] = pid;
    if (pid_in(path) != pid)
        return "the pid file does not hold the pid daemon_start returned "
               "(another call's daemon?)";
    return NULL;
}

/* One round: stop this thread's daemon. */
static const char *daemon_stop_round(void *arg, unsigned thread, unsigned i)
{
    char path[PATH_MAX + 16];
    struct pstat ps;
    pid_t pid = thread_daemon[thread];

    (void)arg;
    (void)i;
    thread_pid_path(path, sizeof(path), thread);
    if (daemon_stop(path, 3000) != 0)
        return "daemon_stop failed";
    if (read_pstat(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X')
        return "daemon_stop returned 0 while its daemon still ran (it "
               "waited for another call's?)";
    if (access(path, F_OK) == 0)
        return "the pid file was still there after daemon_stop";
    return NULL;
}

/*
 * daemon.h: daemon_start and daemon_stop, Context: any thread. Four
 * threads start daemons together, each with a pid file of its own, then
 * stop them together, twelve times: each gets its own daemon's pid, and
 * stops that daemon.
 */
static void test_daemon_from_threads(void **state)
{
    char path[PATH_MAX + 16];

    (void)state;
    for (int r = 0; r < 12; r++) {
        lab01_from_threads("daemon_start", 1, daemon_start_round, NULL);
        lab01_from_threads("daemon_stop", 1, daemon_stop_round, NULL);
    }
    for (unsigned k = 0; k < LAB01_THREADS; k++) {
        thread_pid_path(path, sizeof(path), k);
        unlink(path);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_daemon_detaches, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stdio_and_cwd, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_caller_without_stdio,
                                    daemon_setup, daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_closes_inherited, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_survives_signals, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_fork_failure_reported,
                                    daemon_setup, daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stops_cleanly, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_leaves_nothing_behind,
                                    daemon_setup, daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_refuses_existing_pid_file,
                                    daemon_setup, daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stop_errors, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stop_times_out, daemon_setup,
                                    daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_stop_sees_zombie_end,
                                    daemon_setup, daemon_teardown),
    cmocka_unit_test_setup_teardown(test_daemon_from_threads, daemon_setup,
                                    daemon_teardown),
};

HARNESS_MAIN(tests)
