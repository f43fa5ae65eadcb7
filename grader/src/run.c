/* SPDX-License-Identifier: MIT */
/*
 * Each test runs under a supervisor: a process of the grader's that is a
 * child subreaper, starts the test in its own process group with limits,
 * enforces the timeout, and then kills every process left below it, the
 * ones that called setsid() or double-forked included (as orphans they are
 * re-parented to the supervisor, not to init). It reports on a pipe the test
 * never holds. The grader multiplexes several supervisors with poll().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "sandbox.h"
#include "util.h"

#define OUTPUT_CAP (64 * 1024)          /* bytes of output kept */
#define OUTPUT_FLOOD ((size_t)64 << 20) /* bytes that get a test killed */
#define RESULT_CAP (256 * 1024)
#define RESULT_FD 3 /* where the test finds the result pipe */
#define LEFT_FD 4   /* see exec_test; closed before the test execs */

void run_init(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    /* Not dumpable: a test of the same uid (a grader that is not root)
     * cannot open our /proc/PID/root, the way out of its view, nor ptrace
     * us. A test's own exec makes it dumpable again, so gdb still works. */
    prctl(PR_SET_DUMPABLE, 0);
}

void run_result_free(struct run_result *r)
{
    free(r->killed);
    free(r->verdict_text);
    free(r->notes);
    free(r->symptom);
    free(r->symptom_text);
    free(r->output);
    memset(r, 0, sizeof(*r));
}

/* ---- in the supervisor ------------------------------------------------ */

/* Our children, zombies included, found by scanning /proc. */
struct children {
    pid_t self, *pids;
    char *states;
    int n, max;
};

static int add_child(const struct proc_info *p, void *arg)
{
    struct children *c = arg;

    if (p->ppid == c->self) {
        c->states[c->n] = p->state;
        c->pids[c->n++] = p->pid;
    }
    return c->n >= c->max;
}

static int list_children(pid_t *out, char *states, int max)
{
    struct children c = {getpid(), out, states, 0, max};

    proc_walk(add_child, &c);
    return c.n;
}

/*
 * Kill everything below us. Killing a process re-parents its children to
 * us (we are a subreaper), so repeat until no child is left; bounded, so a
 * fork bomb cannot keep the supervisor busy forever.
 */
static int kill_descendants(pid_t uncounted)
{
    pid_t kids[512];
    char states[512];
    int total = 0;
    siginfo_t si;

    /* No child at all, not even a zombie (nearly every test): nothing to
     * kill, and no walk of /proc to find that out. */
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
        errno == ECHILD)
        return 0;
    for (int round = 0; round < 200; round++) {
        int n = list_children(kids, states, 512);

        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            if (states[i] != 'Z' && kids[i] != uncounted)
                total++; /* still running: a zombie is only unreaped */
            kill(-kids[i], SIGKILL); /* its group, if it leads one */
            kill(kids[i], SIGKILL);
        }
        for (int i = 0; i < n; i++)
            waitpid(kids[i], NULL, 0);
    }
    return total;
}

/* Running processes below `top` (not counting it, nor `except`): what a
 * test that timed out in a PID namespace had started. */
struct tree {
    struct proc_info *p;
    int n, max;
};

static int add_proc(const struct proc_info *p, void *arg)
{
    struct tree *t = arg;

    if (t->n == t->max) {
        t->max = t->max ? 2 * t->max : 1024;
        t->p = realloc(t->p, sizeof(*t->p) * (size_t)t->max);
        if (!t->p)
            return 1;
    }
    t->p[t->n++] = *p;
    return 0;
}

static int count_below(pid_t top, pid_t except)
{
    struct tree t = {0};
    char *in;
    int grew = 1, count = 0;

    proc_walk(add_proc, &t);
    in = calloc((size_t)t.n + 1, 1);
    for (int i = 0; i < t.n && in; i++)
        in[i] = t.p[i].pid == top;
    /* Each pass adds the children of what is in; a chain of depth d takes
     * d passes. */
    while (grew && in) {
        grew = 0;
        for (int i = 0; i < t.n; i++)
            for (int j = 0; j < t.n && !in[i]; j++)
                if (in[j] && t.p[i].ppid == t.p[j].pid)
                    in[i] = grew = 1;
    }
    for (int i = 0; i < t.n && in; i++)
        count += in[i] && t.p[i].pid != top && t.p[i].pid != except &&
                 t.p[i].state != 'Z';
    free(in);
    free(t.p);
    return count;
}

/* The pid `pid` has in its own (innermost) PID namespace: NSpid's last. */
static pid_t inner_pid(pid_t pid)
{
    char path[64], line[256];
    pid_t inner = pid;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "r")))
        return pid;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "NSpid:", 6) == 0) {
            char *tok = strtok(line + 6, " \t\n"), *last = NULL;

            for (; tok; tok = strtok(NULL, " \t\n"))
                last = tok;
            if (last)
                inner = (pid_t)atoi(last);
        }
    fclose(f);
    return inner;
}

/* Join the namespaces of the test's init (user first, when it has one of
 * its own: it grants the rest), so that what runs next sees only what the
 * test sees. NULL, or what failed. */
static const char *join_test_namespaces(pid_t init)
{
    static const struct {
        const char *name;
        int type;
    } ns[] = {{"user", CLONE_NEWUSER},
              {"pid", CLONE_NEWPID},
              {"net", CLONE_NEWNET},
              {"mnt", CLONE_NEWNS}};

    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        char path[64], mine[64];
        struct stat a, b;
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)init, ns[i].name);
        snprintf(mine, sizeof(mine), "/proc/self/ns/%s", ns[i].name);
        if (stat(path, &a) < 0)
            return ns[i].name;
        if (stat(mine, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue; /* the same as ours already */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, ns[i].type) < 0)
            return ns[i].name;
        close(fd);
    }
    return chdir("/") < 0 ? "chdir" : NULL;
}

/* The program a spec runs the test of: under Valgrind, the argument before
 * "--run" (argv[0] is valgrind). */
static const char *spec_program(const struct run_spec *spec)
{
    for (int i = 1; spec->argv[i]; i++)
        if (strcmp(spec->argv[i], "--run") == 0)
            return spec->argv[i - 1];
    return NULL;
}

/*
 * Every thread's stack, from gdb, into the test's output: where it hung.
 * A process under Valgrind is read through Valgrind's gdbserver (vgdb):
 * gdb attached to the process would see Valgrind's own stack. vgdb finds
 * the server by the pid Valgrind has in the test's PID namespace, and wakes
 * it with ptrace when every thread is blocked, so it runs in that
 * namespace (setns to init's, then a fork).
 */
static void take_backtrace(const struct run_spec *spec, pid_t pid, pid_t init,
                           int out_fd)
{
    char pidarg[32], link[64], exe[4096] = "", *remote = NULL;
    const char *prog = spec->vgdb_prefix ? spec_program(spec) : NULL;
    ssize_t n;
    pid_t g;
    int st;

    snprintf(pidarg, sizeof(pidarg), "%d", (int)pid);
    /* The test's binary, named for gdb: left to itself gdb reads it
     * through the test's mount namespace (sysroot "target:"), which only
     * root may enter. The view binds it at the same path. */
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
    n = readlink(link, exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (prog) {
        snprintf(exe, sizeof(exe), "%s", prog);
        remote = gr_printf("target remote | vgdb --vgdb-prefix=%s --pid=%d",
                           spec->vgdb_prefix, (int)inner_pid(pid));
    }
    if (exe[0] != '/' || access(exe, R_OK) != 0)
        exe[0] = '\0';
    dprintf(out_fd, "\n=== grader: every thread's stack at the timeout ===\n");
    g = fork();
    if (g == 0) {
        int null = open("/dev/null", O_RDWR);
        sigset_t none;

        /* The supervisor blocks SIGCHLD; gdb waits for its inferior with
         * it, so it must not inherit the mask. */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup2(null, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        alarm(20);
        if (remote) {
            pid_t c;

            /* setns moves our children, not us. gdb runs in the
             * namespaces, its reaper is us, outside: it must be reaped
             * here, or the namespace's init waits for it for ever. */
            if (init > 0) {
                const char *why = join_test_namespaces(init);

                if (why) {
                    dprintf(1,
                            "(no stacks: cannot enter the test's "
                            "namespaces: %s)\n",
                            why);
                    _exit(1);
                }
            }
            alarm(0);
            if ((c = fork()) > 0) {
                for (int i = 0; i < 200; i++) {
                    struct timespec tick = {0, 100 * 1000 * 1000};

                    if (waitpid(c, &st, WNOHANG) == c)
                        _exit(0);
                    nanosleep(&tick, NULL);
                }
                dprintf(1, "(no stacks: gdb through vgdb took more than "
                           "20 s)\n");
                kill(c, SIGKILL);
                waitpid(c, &st, 0);
                _exit(1);
            }
            alarm(20);
            /* Valgrind's gdbserver answers only its own uid; and gdb, in
             * the test's namespaces as the test's uid, can do nothing the
             * test could not. */
            if (grader_sandbox.drop &&
                (setgroups(0, NULL) < 0 || setgid(grader_sandbox.gid) < 0 ||
                 setuid(spec->uid) < 0)) {
                dprintf(1, "(no stacks: cannot take the test's uid)\n");
                _exit(1);
            }
            /* And the test's process limit: a test that ptraces gdb (same
             * uid, same namespace) must not fork past it from there. */
            if (grader_sandbox.nproc > 0) {
                struct rlimit rl = {(rlim_t)grader_sandbox.nproc,
                                    (rlim_t)grader_sandbox.nproc};

                setrlimit(RLIMIT_NPROC, &rl);
            }
            if (exe[0])
                execlp("gdb", "gdb", "-nx", "-batch", "-iex", "set sysroot /",
                       "-iex", "set pagination off", exe, "-ex", remote, "-ex",
                       "thread apply all bt", (char *)0);
            dprintf(1, "(gdb not available: no backtrace)\n");
            _exit(127);
        }
        if (exe[0])
            execlp("gdb", "gdb", "-nx", "-batch", "-iex", "set sysroot /",
                   "-iex", "set pagination off", exe, "-p", pidarg, "-ex",
                   "thread apply all bt", (char *)0);
        execlp("gdb", "gdb", "-nx", "-batch", "-p", pidarg, "-ex",
               "set pagination off", "-ex", "thread apply all bt", (char *)0);
        dprintf(out_fd, "(gdb not available: no backtrace)\n");
        _exit(127);
    }
    if (g > 0)
        waitpid(g, &st, 0);
    free(remote);
    dprintf(out_fd, "=== grader: end of stacks ===\n");
}

static void set_limit(int res, rlim_t v)
{
    struct rlimit rl = {v, v};

    setrlimit(res, &rl);
}

static void exec_test(const struct run_spec *spec, int out_w, int res_w,
                      int left_w, const sigset_t *oldmask)
{
    int null = open("/dev/null", O_RDONLY), rc;

    setpgid(0, 0);
    sigprocmask(SIG_SETMASK, oldmask, NULL);
    signal(SIGPIPE, SIG_DFL);
    dup2(null, 0);
    dup2(out_w, 1);
    dup2(out_w, 2);
    dup2(res_w, RESULT_FD);
    /* Kept for the PID namespace's relay, which never execs: the count
     * of processes the test left (sandbox.h). */
    dup3(left_w, LEFT_FD, O_CLOEXEC);
    for (int fd = LEFT_FD + 1; fd < 1024; fd++)
        close(fd);
    if ((rc = sandbox_enter(&grader_sandbox, spec->uid, spec->workdir,
                            spec->bindir, LEFT_FD)) < 0) {
        dprintf(2, "grader: cannot enter the sandbox: %s\n", strerror(-rc));
        _exit(127);
    }
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_FSIZE, (rlim_t)256 << 20);
    if (spec->memory_mib > 0)
        set_limit(RLIMIT_DATA, (rlim_t)spec->memory_mib << 20);
    /* CPU time: every CPU busy for the whole timeout, and some slack. */
    set_limit(RLIMIT_CPU, (rlim_t)(spec->timeout * 4 + 10));
    if (chdir(spec->workdir) < 0) {
        dprintf(2, "grader: cannot enter %s: %s\n", spec->workdir,
                strerror(errno));
        _exit(127);
    }
    for (char **e = spec->env; e && *e; e++)
        putenv(*e);
    setenv(HARNESS_ENV_TMPDIR, spec->workdir, 1);
    if (grader_sandbox.drop || grader_sandbox.mountns) {
        /* root's PATH may name directories the test user cannot search,
         * which turns execvp's ENOENT into EACCES. */
        setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
        setenv("HOME", spec->workdir, 1);
    }
    execvp(spec->argv[0], spec->argv);
    dprintf(2, "grader: cannot run %s: %s\n", spec->argv[0], strerror(errno));
    _exit(127);
}

/* The first child of `pid`, from /proc/PID/task/PID/children (in the
 * order they were started or adopted), or 0. One read, however many
 * processes a fork bomb has made elsewhere. */
static pid_t first_child(pid_t pid)
{
    char path[96], buf[32] = "";
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
             (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return (pid_t)atoi(buf);
}

/* In a PID namespace (sandbox.c): init is t's only child, and the test,
 * pid 2 there, init's first. */
static pid_t ns_init(pid_t t)
{
    return grader_sandbox.pidns ? first_child(t) : 0;
}

static pid_t test_process(pid_t t, pid_t init)
{
    pid_t test = init > 0 ? first_child(init) : 0;

    return test > 0 ? test : t;
}

/*
 * Seconds the threads of process `pid` have spent runnable but waiting for
 * a CPU (the second field of /proc/PID/task/TID/schedstat: the scheduler's
 * run delay), or 0 where the kernel does not say. A test that deadlocks
 * sleeps and waits for no CPU; one that a busy machine starves waits most
 * of its time. Read before the test is frozen: it is the evidence that a
 * timeout says more about the machine than about the code.
 */
static double waited_for_cpu(pid_t pid)
{
    char path[96], buf[128];
    DIR *d;
    struct dirent *e;
    double total = 0;

    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    if (pid <= 0 || !(d = opendir(path)))
        return 0;
    while ((e = readdir(d))) {
        unsigned long long run, wait;
        ssize_t n;
        int fd;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%.20s/schedstat", (int)pid,
                 e->d_name);
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            continue;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        if (sscanf(buf, "%llu %llu", &run, &wait) == 2)
            total += (double)wait / 1e9;
    }
    closedir(d);
    return total;
}

/* Is pid a process that has not ended (not a zombie)? */
static int running(pid_t pid)
{
    struct proc_info p;

    return proc_info_of(pid, &p) == 0 && p.state != 'Z' && p.state != 'X';
}

/*
 * Microseconds in which some task on the machine waited for a CPU, since
 * boot (the kernel's pressure stall information, "some ... total="), or -1
 * where the kernel keeps none. Over a test's run, it says whether the
 * machine was short of CPU even when the test's own threads are gone by
 * the timeout (a test that passed and whose exit took the rest of it).
 */
static long long cpu_pressure_us(void)
{
    char buf[256];
    long long total = -1;
    const char *t;
    ssize_t n;
    int fd = open("/proc/pressure/cpu", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    if (strncmp(buf, "some ", 5) == 0 && (t = strstr(buf, "total=")) &&
        t < buf + strcspn(buf, "\n"))
        total = atoll(t + 6);
    return total;
}

/* Wait until the test `t` ends or `until` (now_seconds() time) passes:
 * 1 with its wait status, or 0. Other children (orphans re-parented to us)
 * are reaped on the way. */
static int wait_test(pid_t t, double until, const sigset_t *chld, int *status)
{
    for (;;) {
        double left = until - now_seconds();
        struct timespec ts;
        pid_t p;
        int st;

        while ((p = waitpid(-1, &st, WNOHANG)) > 0)
            if (p == t) {
                *status = st;
                return 1;
            }
        if (left <= 0)
            return 0;
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        sigtimedwait(chld, NULL, &ts);
    }
}

static void supervise(const struct run_spec *spec, int out_w, int res_w,
                      int st_w)
{
    sigset_t chld, old;
    double t0 = now_seconds();
    int status = 0, timed_out, leftovers, left[2], below = 0;
    double cpu_wait = 0;
    int crowd = 0; /* the run's processes at its timeout */
    long long stall0 = cpu_pressure_us();
    pid_t init = 0; /* a PID namespace's init: not a leftover */
    char buf[32];
    pid_t t;

    prctl(PR_SET_CHILD_SUBREAPER, 1);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sandbox_own(&grader_sandbox, spec->workdir, spec->uid);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    if (pipe2(left, O_CLOEXEC | O_NONBLOCK) < 0 || (t = fork()) < 0) {
        dprintf(st_w, "error fork: %s\n", strerror(errno));
        _exit(1);
    }
    if (t == 0)
        exec_test(spec, out_w, res_w, left[1], &old);
    setpgid(t, t);
    close(res_w);
    close(left[1]);
    /* Ahead of the test (which keeps the nice it was forked with): a fork
     * bomb's 512 runnable processes delayed the timeout by seconds. Only
     * root may do this; elsewhere it fails, harmlessly. */
    setpriority(PRIO_PROCESS, 0, -10);
    dprintf(st_w, "pid %d\n", (int)t);

    timed_out = !wait_test(t, t0 + spec->timeout, &chld, &status);
    if (timed_out) {
        /* Freeze everything it started first (a fork bomb included), let
         * only the test itself run, for gdb. */
        pid_t test;
        long long stall;

        /* Before any other work, in one system call: stop the run's
         * process group, which a fork bomb's processes share. Until then
         * this supervisor has one share of the CPUs among its 512 runnable
         * processes, and every step below cost it a round of them: the
         * bomb's timeout was reported 9 s late as root, 38 s late without
         * CAP_SYS_NICE. What left the group (setsid) is stopped below, by
         * uid or by the PID namespace's init, which go on now. */
        kill(-t, SIGSTOP);
        kill(t, SIGCONT);
        stall = cpu_pressure_us();
        init = ns_init(t);
        if (init > 0)
            kill(init, SIGCONT);
        /* The test's own threads, while it lives; once it has ended (it
         * passed, and its namespace's init is slow to report), the
         * machine's pressure over the run: its threads' delay is gone. */
        if (init > 0 && !running(first_child(init)))
            cpu_wait = stall0 >= 0 && stall >= stall0
                           ? (double)(stall - stall0) / 1e6
                           : 0;
        else
            cpu_wait = waited_for_cpu(test_process(t, init));
        /* Everything below this supervisor (a subreaper: orphans come
         * here), counted before anything is frozen or killed: a fork
         * bomb's crowd is what kept its own threads from a CPU. */
        crowd = count_below(getpid(), 0);
        if (init > 0 && kill(init, SANDBOX_FREEZE_SIGNAL) == 0) {
            struct timespec settle = {0, 50 * 1000 * 1000};

            nanosleep(&settle, NULL);
            test = test_process(t, init);
        } else if (grader_sandbox.drop) {
            test = t;
            sandbox_signal_all(spec->uid, SIGSTOP, 1);
            kill(test, SIGCONT);
        } else {
            test = t;
        }
        kill(test, SIGCONT); /* stopped with its group above */
        if (spec->backtrace)
            take_backtrace(spec, test, init, out_w);
        /* The test alone, as timeout(1) would: what it does on SIGTERM
         * (a coverage build writes its counts) it may do, for a while. In
         * a PID namespace init then reports what it left, as usual. */
        if (spec->term_grace <= 0 || kill(test, SIGTERM) < 0 ||
            !wait_test(t, now_seconds() + spec->term_grace, &chld, &status)) {
            if (init > 0)
                below = count_below(init, test);
            kill(-t, SIGKILL);
            kill(t, SIGKILL);
            waitpid(t, &status, 0);
        }
    }
    close(out_w);
    kill(-t, SIGKILL);
    leftovers =
        grader_sandbox.drop ? sandbox_signal_all(spec->uid, SIGKILL, 500) : 0;
    leftovers += below + kill_descendants(init);
    /* What the PID namespace's init found running when the test ended. */
    if (read(left[0], buf, sizeof(buf) - 1) > 0)
        leftovers += atoi(buf);
    dprintf(st_w, "status %d %d %d %.6f %.6f %d\n", status, timed_out,
            leftovers, now_seconds() - t0, cpu_wait, crowd);
    _exit(0);
}

/* ---- in the grader ---------------------------------------------------- */

struct job {
    const struct run_spec *spec;
    const struct run_spec *orig; /* specs[] entry, as the budget knows it */
    struct run_spec own; /* the spec with its uid, timeout cut to budget */
    struct run_result *res;
    pid_t sup;
    int out_fd, res_fd, st_fd;
    struct sbuf out, lines, st;
    char nonce[33];
    double started;
};

/* Supervisors of jobs that are running: every other child of ours is an
 * orphan of a test (see kill_strays). */
static pid_t live_supervisors[256];
static int nlive;

/*
 * Kill our children that are not supervisors of running jobs: orphans of
 * a test whose supervisor died. Supervisors are marked by the set below.
 */
static int kill_strays(void)
{
    pid_t kids[512];
    char states[512];
    int n = list_children(kids, states, 512), killed = 0;

    for (int i = 0; i < n; i++) {
        int mine = 0;

        for (int k = 0; k < nlive; k++)
            mine |= live_supervisors[k] == kids[i];
        if (mine)
            continue;
        kill(-kids[i], SIGKILL);
        kill(kids[i], SIGKILL);
        waitpid(kids[i], NULL, 0);
        killed += states[i] != 'Z';
    }
    return killed;
}

static void make_nonce(char *buf)
{
    unsigned char raw[16];

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        for (size_t i = 0; i < sizeof(raw); i++)
            raw[i] = (unsigned char)(rand() ^ (int)now_seconds());
    for (size_t i = 0; i < sizeof(raw); i++)
        sprintf(buf + 2 * i, "%02x", raw[i]);
}

static int job_start(struct job *j)
{
    int out[2], res[2], st[2];
    char **env;
    int n = 0;

    make_nonce(j->nonce);
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0 ||
        pipe2(st, O_CLOEXEC) < 0)
        gr_die("pipe: %s", strerror(errno));
    /* The test's copy of the result pipe must survive its exec. */
    fcntl(res[1], F_SETFD, 0);

    /* The nonce and fd travel in the environment, which the harness scrubs. */
    for (char **e = j->spec->env; e && *e; e++)
        n++;
    env = gr_alloc(sizeof(char *) * (size_t)(n + 3));
    for (int i = 0; i < n; i++)
        env[i] = j->spec->env[i];
    env[n] = gr_printf(HARNESS_ENV_NONCE "=%s", j->nonce);
    env[n + 1] = gr_printf(HARNESS_ENV_RESULT_FD "=%d", RESULT_FD);

    j->sup = fork();
    if (j->sup < 0)
        gr_die("fork: %s", strerror(errno));
    if (j->sup == 0) {
        struct run_spec s = *j->spec;

        s.env = env;
        close(out[0]);
        close(res[0]);
        close(st[0]);
        fcntl(out[1], F_SETFD, 0);
        supervise(&s, out[1], res[1], st[1]);
    }
    free(env[n]);
    free(env[n + 1]);
    free(env);
    close(out[1]);
    close(res[1]);
    close(st[1]);
    if (nlive < 256)
        live_supervisors[nlive++] = j->sup;
    j->out_fd = out[0];
    j->res_fd = res[0];
    j->st_fd = st[0];
    j->started = now_seconds();
    return 0;
}

static void kill_test(struct job *j, const char *why)
{
    if (!j->res->killed)
        j->res->killed = gr_strdup(why);
    if (j->res->pid > 0) {
        kill(-j->res->pid, SIGKILL);
        kill(j->res->pid, SIGKILL);
    } else {
        kill(j->sup, SIGKILL);
    }
}

/* Read what one fd has; returns 0 at EOF (and closes it), 1 otherwise. */
static int drain(struct job *j, int *fd)
{
    char buf[65536];
    ssize_t n = read(*fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n <= 0) {
        close(*fd);
        *fd = -1;
        return 0;
    }
    if (fd == &j->out_fd) {
        size_t keep = 0;

        if (j->out.len < OUTPUT_CAP)
            keep = OUTPUT_CAP - j->out.len < (size_t)n ? OUTPUT_CAP - j->out.len
                                                       : (size_t)n;
        sbuf_add(&j->out, buf, keep);
        j->res->dropped += (size_t)n - keep;
        if (j->res->dropped > OUTPUT_FLOOD)
            kill_test(j, "printed more than 64 MiB of output");
    } else if (fd == &j->res_fd) {
        if (j->lines.len < RESULT_CAP)
            sbuf_add(&j->lines, buf, (size_t)n);
    } else {
        sbuf_add(&j->st, buf, (size_t)n);
        if (j->res->pid == 0 && starts_with(j->st.s, "pid "))
            j->res->pid = (pid_t)atoi(j->st.s + 4);
    }
    return 1;
}

/* A result line's kind from its word (protocol.h), or -1 for none. */
static int kind_of(const char *word, size_t len)
{
    static const char *const words[HARNESS_KIND_COUNT] = {HARNESS_KIND_WORDS};

    for (int k = 0; k < HARNESS_KIND_COUNT; k++)
        if (words[k] && strlen(words[k]) == len &&
            strncmp(word, words[k], len) == 0)
            return k;
    return -1;
}

static void parse_lines(struct job *j)
{
    struct run_result *r = j->res;
    struct sbuf notes = {0};
    size_t nl = strlen(j->nonce);
    int passes = 0, others = 0;
    char *save = NULL;

    for (char *line =
             strtok_r(j->lines.s ? j->lines.s : (char[]){""}, "\n", &save);
         line; line = strtok_r(NULL, "\n", &save)) {
        const char *word, *text;
        int kind;

        if (strncmp(line, j->nonce, nl) != 0 || line[nl] != ' ') {
            r->forged++;
            continue;
        }
        word = line + nl + 1;
        text = strchr(word, ' ');
        if (!text)
            continue; /* the harness always writes a text, maybe empty */
        kind = kind_of(word, (size_t)(text - word));
        text++;
        if (kind == HARNESS_KIND_NOTE) {
            sbuf_printf(&notes, "%s\n", text);
        } else if (kind == HARNESS_KIND_SYMPTOM) {
            size_t w = strcspn(text, " ");

            /* The last is the test's most informed: a worker's early
             * report, then the main thread's verdict after the join. */
            if (w > 0 && w <= HARNESS_SYMPTOM_MAX && text[0] >= 'a' &&
                text[0] <= 'z' && strspn(text, HARNESS_SYMPTOM_CHARS) >= w) {
                free(r->symptom);
                free(r->symptom_text);
                r->symptom = strndup(text, w);
                r->symptom_text = gr_strdup(text[w] ? text + w + 1 : "");
            }
        } else if (kind == HARNESS_KIND_FAIL || kind == HARNESS_KIND_SLOW ||
                   kind == HARNESS_KIND_FORKED || kind == HARNESS_KIND_EXIT) {
            /* The first failure explains best; exit() wins over a failed
             * assertion reported by a forked child's copy, so say both. */
            if (r->verdict != V_FAIL && r->verdict != V_EXIT) {
                free(r->verdict_text);
                r->verdict_text = gr_strdup(text);
                r->kind = (enum harness_kind)kind;
            }
            if (r->verdict != V_EXIT)
                r->verdict = kind == HARNESS_KIND_EXIT ? V_EXIT : V_FAIL;
        } else if (kind == HARNESS_KIND_PASS && r->verdict != V_FAIL &&
                   r->verdict != V_EXIT) {
            passes++;
            r->verdict = V_PASS;
        } else if ((kind == HARNESS_KIND_SKIP ||
                    kind == HARNESS_KIND_INCONCLUSIVE) &&
                   r->verdict != V_FAIL && r->verdict != V_EXIT) {
            others++;
            r->verdict = kind == HARNESS_KIND_SKIP ? V_SKIP : V_INCONCLUSIVE;
            free(r->verdict_text);
            r->verdict_text = gr_strdup(text);
            r->kind = (enum harness_kind)kind;
        }
    }
    if (r->verdict != V_FAIL && r->verdict != V_EXIT && passes + others > 1) {
        /* Only another process's copy of the runner says a second one. */
        r->verdict = V_FAIL;
        r->kind = HARNESS_KIND_FORKED;
        free(r->verdict_text);
        r->verdict_text = gr_strdup("more than one verdict: did a forked "
                                    "child return into the test runner?");
    }
    r->notes = sbuf_steal(&notes);
}

static void job_finish(struct job *j)
{
    struct run_result *r = j->res;
    int status, timed_out, leftovers, crowd = 0;
    double secs, cpu_wait = 0;
    const char *line = j->st.s ? strstr(j->st.s, "status ") : NULL;

    waitpid(j->sup, NULL, 0);
    for (int k = 0; k < nlive; k++)
        if (live_supervisors[k] == j->sup)
            live_supervisors[k] = live_supervisors[--nlive];
    if (line && sscanf(line, "status %d %d %d %lf %lf %d", &status, &timed_out,
                       &leftovers, &secs, &cpu_wait, &crowd) >= 4) {
        r->status = status;
        r->cpu_wait = cpu_wait;
        r->crowd = crowd;
        r->timed_out = timed_out;
        r->leftovers = leftovers;
        r->seconds = secs;
    } else {
        /* The supervisor died (killed by the test?): its test and anything
         * below are orphans re-parented to us. Kill them here. */
        if (r->pid > 0) {
            kill(-r->pid, SIGKILL);
            kill(r->pid, SIGKILL);
        }
        r->leftovers = kill_strays();
        r->status = SIGKILL; /* as if killed: the supervisor died */
        r->seconds = now_seconds() - j->started;
        if (!r->killed)
            r->killed = gr_printf("the supervisor failed: %s",
                                  j->st.s ? j->st.s : "no report");
    }
    parse_lines(j);
    r->output = sbuf_steal(&j->out);
    sbuf_free(&j->lines);
    sbuf_free(&j->st);
}

double budget_left(const struct budget *b, int task, double now)
{
    double left = b->deadline - now, keep[64], total = 0, others = 0;
    int n = b->ntasks < 64 ? b->ntasks : 64;

    /* What each unfinished task may still claim: the rest of its share,
     * at most what its runs not yet made could take. */
    for (int u = 0; u < n; u++) {
        double k = b->share[u] - b->spent[u];

        keep[u] = b->worst[u] <= 0 || k <= 0 ? 0
                  : k < b->worst[u]          ? k
                                             : b->worst[u];
        total += keep[u];
        if (u != task)
            others += keep[u];
    }
    /* Time not spent on any task's runs (building the variants) is the
     * lab's: when the claims exceed what is left, each shrinks in
     * proportion, so the task whose turn it is keeps its part. */
    if (total > left && total > 0)
        others *= left / total;
    return left - others;
}

/* Why a run of this task is not started, or NULL: it may start. */
static char *budget_refuses(const struct budget *b, int task, double now)
{
    if (now >= b->deadline)
        return gr_strdup("not run: the lab's time budget ran out");
    if (task >= 0 && budget_left(b, task, now) <= 0)
        return gr_printf("not run: task %d used up its share of the lab's "
                         "time budget (the rest is kept for the other "
                         "tasks: fix what timed out above)",
                         task + 1);
    return NULL;
}

static void budget_charge(struct budget *b, const struct run_spec *spec,
                          double seconds)
{
    if (!b || spec->task < 0 || spec->task >= b->ntasks)
        return;
    b->spent[spec->task] += seconds;
    b->worst[spec->task] -= spec->timeout;
}

void run_batch(const struct run_spec *specs, struct run_result *results, int n,
               int parallel, struct budget *budget)
{
    struct job *jobs = gr_alloc(sizeof(*jobs) * (size_t)(n ? n : 1));
    struct pollfd *pfd = gr_alloc(sizeof(*pfd) * (size_t)(3 * n + 1));
    int *order = gr_alloc(sizeof(*order) * (size_t)(n ? n : 1));
    int next = 0, active = 0, finished = 0;

    if (parallel < 1)
        parallel = 1;
    /* Longest first: a long test started last would run on alone at the
     * end while the other slots stay idle (the student's fast loop waits
     * for the last verdict). A stable insertion sort: n is small. */
    for (int i = 0; i < n; i++) {
        int k = i;

        while (k > 0 && specs[order[k - 1]].expect < specs[i].expect) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    while (finished < n) {
        int np = 0;

        while (active < parallel && next < n) {
            struct job *j = &jobs[next];
            int at = order[next];
            int task = specs[at].task;
            double now = now_seconds(), left;
            char *no;

            if (budget && (task < 0 || task >= budget->ntasks))
                task = -1;
            memset(&results[at], 0, sizeof(results[at]));
            j->spec = &specs[at];
            j->res = &results[at];
            j->orig = j->spec;
            next++;
            no = budget ? budget_refuses(budget, task, now) : NULL;
            if (no) {
                j->res->killed = no;
                j->sup = -1;
                budget_charge(budget, j->spec, 0);
                finished++;
                continue;
            }
            j->own = *j->spec;
            j->own.uid = sandbox_test_uid(&grader_sandbox, next);
            j->spec = &j->own;
            left = !budget     ? 0
                   : task >= 0 ? budget_left(budget, task, now)
                               : budget->deadline - now;
            if (budget && j->spec->timeout > left) {
                /* The budget caps every run, not only whether it starts. */
                j->own.timeout = left + 1;
            }
            job_start(j);
            active++;
        }
        for (int i = 0; i < next; i++) {
            struct job *j = &jobs[i];
            int *fds[3] = {&j->out_fd, &j->res_fd, &j->st_fd};

            if (j->sup <= 0)
                continue;
            for (int k = 0; k < 3; k++)
                if (*fds[k] >= 0)
                    pfd[np++] = (struct pollfd){*fds[k], POLLIN, 0};
            /* A supervisor that overshoots its own deadline by a minute. */
            if (now_seconds() > j->started + j->spec->timeout + 60)
                kill(j->sup, SIGKILL);
        }
        if (np == 0)
            continue;
        poll(pfd, (nfds_t)np, 500);
        for (int i = 0; i < next; i++) {
            struct job *j = &jobs[i];
            int *fds[3] = {&j->out_fd, &j->res_fd, &j->st_fd};

            if (j->sup <= 0)
                continue;
            for (int k = 0; k < 3; k++) {
                struct pollfd *p = NULL;

                for (int q = 0; q < np; q++)
                    if (pfd[q].fd == *fds[k] && *fds[k] >= 0)
                        p = &pfd[q];
                if (p && p->revents)
                    drain(j, fds[k]);
            }
            if (j->out_fd < 0 && j->res_fd < 0 && j->st_fd < 0) {
                job_finish(j);
                budget_charge(budget, j->orig, j->res->seconds);
                j->sup = 0;
                active--;
                finished++;
            }
        }
    }
    free(pfd);
    free(order);
    free(jobs);
}
