/* SPDX-License-Identifier: MIT */
/* Lab 01, task 3: run_many keeps k commands going, in order, no zombies. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "many.h"
#include "tests/lab01.h"

#define MAXCMDS 16

/* The argv arrays of up to MAXCMDS commands `sh -c SCRIPT`. */
struct cmdset {
    char script[MAXCMDS][1536];
    char *argv[MAXCMDS][4];
    char *const *cmds[MAXCMDS];
    struct run_result res[MAXCMDS];
    size_t n;
};

static void cmdset_add(struct cmdset *c, const char *script)
{
    size_t i = c->n++;

    snprintf(c->script[i], sizeof(c->script[i]), "%s", script);
    c->argv[i][0] = "sh";
    c->argv[i][1] = "-c";
    c->argv[i][2] = c->script[i];
    c->argv[i][3] = NULL;
    c->cmds[i] = c->argv[i];
    c->res[i].err = 1; /* neither 0 nor an errno: "not filled in" */
}

static void expect_many(struct cmdset *c, unsigned k)
{
    int rc;

    if (c->n < MAXCMDS) /* a guard just past the end */
        c->res[c->n].err = 0x5eed;
    rc = run_many(c->cmds, c->n, k, c->res);
    if (rc != 0)
        harness_fail("run_many(%zu commands, k=%u) returned %d (%s), "
                     "expected 0",
                     c->n, k, rc, strerror(-rc));
    if (c->n < MAXCMDS && c->res[c->n].err != 0x5eed)
        harness_fail("run_many(%zu commands) wrote res[%zu], past the end: "
                     "check the bounds of its loops (i < n)",
                     c->n, c->n);
}

/* Later commands end first: results must still come back in input order. */
static void test_many_results_in_input_order(void **state)
{
    struct cmdset c = {.n = 0};
    char s[64];

    (void)state;
    for (int i = 0; i < 6; i++) {
        snprintf(s, sizeof(s), "sleep 0.0%d; exit %d", 6 - i, 10 + i);
        cmdset_add(&c, s);
    }
    c.argv[2][0] = "no-such-command-lab01"; /* cannot start: recorded */
    expect_many(&c, 3);
    for (size_t i = 0; i < c.n; i++) {
        char what[80];

        if (i == 2) {
            if (c.res[i].err != -ENOENT)
                harness_fail("command 2 does not exist: expected res[2].err "
                             "== -ENOENT, got %d",
                             c.res[i].err);
            continue;
        }
        if (c.res[i].err != 0)
            harness_fail("res[%zu].err = %d, expected 0 (the command ran)", i,
                         c.res[i].err);
        snprintf(what, sizeof(what), "res[%zu] (sh -c '%s')", i, c.script[i]);
        lab01_expect_status(what, &c.res[i].st, RUN_EXITED, 10 + (int)i);
    }
}

/*
 * Each command counts the processes whose parent is the test ($PPID):
 * itself, the other commands still running, and those that have exited but
 * are not reaped yet (zombies). It appends the count to a log and sleeps,
 * so that the commands overlap. A child is alive from fork until it is
 * reaped, so with at most k alive no count can exceed k.
 *
 * COUNT_SIBLINGS reads the lists in /proc/TEST/task/TID/children (zombies
 * included) when the kernel has them, else scans the parent pid of every
 * process in /proc; either way it leaves the count in $n.
 */
#define COUNT_SIBLINGS                                                         \
    "n=0; if [ -r /proc/$PPID/task/$PPID/children ]; then "                    \
    "for f in /proc/$PPID/task/*/children; do "                                \
    "read -r c < \"$f\"; set -- $c; n=$((n+$#)); done; "                       \
    "else for f in /proc/[0-9]*/stat; do "                                     \
    "{ read -r _ _ _ pp _ < \"$f\"; } 2>/dev/null && "                         \
    "[ \"$pp\" = \"$PPID\" ] && n=$((n+1)); done; fi;"

static int peak_of_run(unsigned k, size_t n)
{
    char dir[1024], script[1536], log[1100], buf[4096];
    struct cmdset c = {.n = 0};
    int peak = 0, fd;

    lab01_path(dir, sizeof(dir), "peak");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        harness_fail("cannot create %s", dir);
    if (snprintf(script, sizeof(script), "%s echo $n >> '%s/log'; sleep 0.02",
                 COUNT_SIBLINGS, dir) >= (int)sizeof(script))
        harness_fail("the scratch directory's path is too long");
    for (size_t i = 0; i < n; i++)
        cmdset_add(&c, script);
    expect_many(&c, k);

    if (snprintf(log, sizeof(log), "%s/log", dir) >= (int)sizeof(log))
        harness_fail("the scratch directory's path is too long");
    fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        harness_fail("no command wrote its count: did run_many run them?");
    /* (the log lives in its own directory, removed below) */
    lab01_read_all(fd, buf, sizeof(buf));
    close(fd);
    unlink(log);
    rmdir(dir);
    for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
        if (atoi(p) > peak)
            peak = atoi(p);
    return peak;
}

static void test_many_at_most_k_alive(void **state)
{
    static const unsigned ks[] = {1, 3};

    (void)state;
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        int peak = peak_of_run(ks[i], 7);

        if (peak == (int)ks[i] + 1)
            harness_fail_symptom("one-too-many",
                                 "k=%u, but k + 1 = %d commands were alive "
                                 "at once",
                                 ks[i], peak);
        if (peak > (int)ks[i])
            harness_fail("k=%u, but %d commands were alive at once: start a "
                         "new one only after reaping one (a child counts "
                         "until waitpid has reaped it)",
                         ks[i], peak);
    }
}

static void test_many_reaps_every_child(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct cmdset c = {.n = 0};

    (void)state;
    for (int i = 0; i < 8; i++)
        cmdset_add(&c, i % 3 ? "exit 0" : "kill -TERM $$");
    c.argv[4][0] = "no-such-command-lab01";
    expect_many(&c, 3);
    harness_assert_no_leaks(snap);
    for (size_t i = 0; i < c.n; i++)
        if (i != 4 && c.res[i].err != 0)
            harness_fail("res[%zu].err = %d, expected 0", i, c.res[i].err);
}

/*
 * The caller may have children of its own whose status it does not need:
 * run_many may reap them (it waits for whichever child ends first), but a
 * child that is not one of its commands must not count as one. A child
 * of the test's that has already exited is waiting to be reaped when
 * run_many starts; every command must still run, be reaped and be filed.
 */
static void test_many_other_children_not_counted(void **state)
{
    static const unsigned ks[] = {1, 3}; /* reaped while starting, at the end */

    (void)state;
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        struct cmdset c = {.n = 0};
        siginfo_t si;
        pid_t other = xfork();

        if (other == 0)
            _exit(0);
        /* Wait until it has exited, without reaping it (WNOWAIT). */
        while (waitid(P_PID, (id_t)other, &si, WEXITED | WNOWAIT) < 0)
            if (errno != EINTR)
                harness_fail("waitid on the test's own child failed");
        for (int i = 0; i < 3; i++)
            cmdset_add(&c, "sleep 0.02; exit 7");
        expect_many(&c, ks[t]);
        (void)waitpid(other, NULL, WNOHANG); /* if run_many did not */
        for (size_t i = 0; i < c.n; i++) {
            char what[80];

            if (c.res[i].err != 0)
                harness_fail("k=%u, with another child of the caller's "
                             "already exited: res[%zu].err = %d, expected 0",
                             ks[t], i, c.res[i].err);
            snprintf(what, sizeof(what), "k=%u, res[%zu]", ks[t], i);
            lab01_expect_status(what, &c.res[i].st, RUN_EXITED, 7);
        }
        if (harness_count_children() != 0)
            harness_fail("k=%u: run_many returned with %d child(ren) of the "
                         "caller still alive or unreaped: reaping a child "
                         "that is not one of the commands (the caller's "
                         "own) must not count as one of them ending",
                         ks[t], harness_count_children());
    }
}

static void test_many_bad_arguments(void **state)
{
    struct cmdset c = {.n = 0};

    (void)state;
    cmdset_add(&c, "exit 0");
    assert_int_equal(run_many(c.cmds, 1, 0, c.res), -EINVAL);
    assert_int_equal(run_many(NULL, 1, 1, c.res), -EINVAL);
    assert_int_equal(run_many(c.cmds, 1, 1, NULL), -EINVAL);
    assert_int_equal(run_many(c.cmds, 0, 1, c.res), 0);
    /* Nothing to run: NULL arrays are fine when n is 0. */
    assert_int_equal(run_many(NULL, 0, 1, NULL), 0);
    /* k larger than n is fine */
    assert_int_equal(run_many(c.cmds, 1, 8, c.res), 0);
    lab01_expect_status("sh -c 'exit 0' with k=8", &c.res[0].st, RUN_EXITED, 0);
}

/*
 * 8 commands that each wait; k=1 is the baseline, k=4 should be ~4x. Each
 * command writes the time it started and ended (date, in nanoseconds) to
 * a file of its own, so that a traced run (the candidate's) can draw when
 * each one ran: a failed check prints that timeline.
 */
struct sleepers {
    unsigned k;
    char ms[16];
};

static void run_sleepers(void *arg)
{
    struct sleepers *s = arg;
    char path[8][512], script[128];
    char *argv[8][5];
    char *const *cmds[8];
    struct run_result res[8];
    struct timespec rt;
    uint64_t mono = harness_now_ns(), real;
    int rc;

    clock_gettime(CLOCK_REALTIME, &rt);
    real = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
    snprintf(script, sizeof(script),
             "date +%%s%%N >\"$0\"; sleep %s; exec date +%%s%%N >>\"$0\"",
             s->ms);
    for (int i = 0; i < 8; i++) {
        snprintf(path[i], sizeof(path[i]), "%s/sleeper-%d", harness_tmpdir(),
                 i);
        argv[i][0] = "sh";
        argv[i][1] = "-c";
        argv[i][2] = script;
        argv[i][3] = path[i];
        argv[i][4] = NULL;
        cmds[i] = argv[i];
    }
    rc = run_many(cmds, 8, s->k, res);
    if (rc != 0)
        harness_fail("run_many(k=%u) returned %d", s->k, rc);
    for (int i = 0; i < 8; i++) {
        unsigned long long t0 = 0, t1 = 0;
        FILE *f;

        lab01_expect_status("sleep", &res[i].st, RUN_EXITED, 0);
        if (!harness_trace_armed() || !(f = fopen(path[i], "r")))
            continue;
        /* Real time to the harness's monotonic clock, from one pair read
         * before the run (a clock step during it only skews the picture). */
        if (fscanf(f, "%llu %llu", &t0, &t1) == 2 && t0 >= real && t1 >= t0)
            harness_trace_span(i, "sleep", mono + (t0 - real),
                               mono + (t1 - real));
        fclose(f);
    }
}

static void test_many_speedup(void **state)
{
    long ms = harness_param_long("wait_ms", 80);
    struct sleepers one = {1, ""}, four = {4, ""};

    (void)state;
    snprintf(one.ms, sizeof(one.ms), "0.%03ld", ms);
    snprintf(four.ms, sizeof(four.ms), "0.%03ld", ms);
    harness_check_io_speedup("8 commands of sleep, k=4 against k=1", 3.0,
                             run_sleepers, &one, run_sleepers, &four);
}

/*
 * A signal handler without SA_RESTART, fired every 100 us: the wait for
 * "whichever ends first" is cut short again and again, and must be resumed.
 */
static void test_many_survives_signals(void **state)
{
    struct harness_snapshot snap = harness_snapshot();
    struct cmdset c = {.n = 0};

    (void)state;
    cmdset_add(&c, "sleep 0.02; exit 1");
    cmdset_add(&c, "sleep 0.01; exit 2");
    cmdset_add(&c, "exit 3");
    cmdset_add(&c, "sleep 0.02; exit 4");
    lab01_ticking_start(100, NULL);
    for (int round = 0; round < 3; round++) {
        lab01_expect_rc_ticking("run_many(4 commands, k = 2)",
                                run_many(c.cmds, c.n, 2, c.res), 0);
        for (size_t i = 0; i < c.n; i++) {
            lab01_expect_rc_ticking("res[i].err", c.res[i].err, 0);
            lab01_expect_status("sh -c 'sleep ...; exit N'", &c.res[i].st,
                                RUN_EXITED, (int)i + 1);
        }
    }
    if (lab01_ticking_stop() == 0)
        harness_fail("the test's timer never fired");
    harness_assert_no_leaks(snap);
}

static const char *many_without_fork(void)
{
    static char msg[200];
    struct cmdset c = {.n = 0};
    const char *verdict;
    int before = harness_count_fds(), rc;

    cmdset_add(&c, "exit 0");
    cmdset_add(&c, "exit 0");
    rc = run_many(c.cmds, c.n, 2, c.res);
    verdict = lab01_fork_failure_verdict("run_many's res[0].err", c.res[0].err,
                                         before);
    if (verdict)
        return verdict;
    if (c.res[1].err >= 0 || rc != 0) {
        snprintf(msg, sizeof(msg),
                 "run_many returned %d with res[1].err = "
                 "%d when every fork failed: expected 0 and a negative "
                 "errno in each result",
                 rc, c.res[1].err);
        return msg;
    }
    return NULL;
}

/* fork fails (EAGAIN): each command refused, recorded, nothing left open. */
static void test_many_fork_failure_recorded(void **state)
{
    struct cmdset c = {.n = 0};

    (void)state;
    cmdset_add(&c, "exit 0");
    lab01_expect_works("run_many(1 command)", run_many(c.cmds, c.n, 1, c.res));
    lab01_expect_works("res[0].err of run_many(1 command)", c.res[0].err);
    lab01_without_fork(many_without_fork);
}

/*
 * Waiting itself fails: a seccomp filter of the calling thread makes every
 * wait4 and waitid fail with ECHILD (as when another thread reaped the
 * children first). run_many must return a negative errno, not wait for
 * ever nor return 0; the test then reaps the children itself. (First it
 * runs them without the filter: a stub's error is not that answer.)
 * test_many_wait_failure_keeps_reaped fails only the waits after one
 * child was reaped.
 */
static int waits_fail(void)
{
    static const struct harness_syscall_fault waits[] = {
        {.nr = SYS_wait4, .err = ECHILD},
        {.nr = SYS_waitid, .err = ECHILD},
    };

    return harness_fail_syscalls(waits, sizeof(waits) / sizeof(waits[0]));
}

struct failing_waits {
    int plain_rc, filter_rc, rc, done[2];
    struct run_result res[3];
};

static void *failing_waits_main(void *arg)
{
    char *const *const cmds[] = {RUN("true"), RUN("true"), RUN("true")};
    struct failing_waits *w = arg;

    /* First without the filter: a run_many that works. */
    w->plain_rc = run_many(cmds, 3, 1, w->res);
    w->filter_rc = waits_fail();
    if (w->filter_rc == 0)
        w->rc = run_many(cmds, 3, 1, w->res);
    if (write(w->done[1], "d", 1) != 1)
        w->filter_rc = -1;
    return NULL;
}

static void test_many_wait_failure_reported(void **state)
{
    struct failing_waits w = {.rc = 1};
    struct pollfd pfd;
    pthread_t t;
    int status;

    (void)state;
    if (harness_under_valgrind())
        harness_skip("Valgrind runs its own seccomp-blind syscalls");
    xpipe(w.done);
    pfd = (struct pollfd){.fd = w.done[0], .events = POLLIN};
    xpthread_create(&t, NULL, failing_waits_main, &w);
    if (poll(&pfd, 1, 3000) != 1)
        harness_fail("every wait4 and waitid failed with ECHILD, and "
                     "run_many had not returned 3 s later: a failed wait "
                     "is an error to return, not a reason to wait again");
    xpthread_join(t, NULL);
    while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
        ; /* the children run_many could not reap */
    if (w.plain_rc != 0)
        harness_fail("run_many of three `true` returned %d (%s), expected 0",
                     w.plain_rc, strerror(-w.plain_rc));
    if (w.filter_rc != 0)
        harness_skip("the test cannot install its seccomp filter here");
    if (w.rc >= 0)
        harness_fail("every wait4 and waitid failed with ECHILD, and run_many "
                     "returned %d: expected a negative errno (-ECHILD)",
                     w.rc);
    xclose(w.done[0]);
    xclose(w.done[1]);
}

/*
 * Waiting fails after one child was reaped: a seccomp filter of the
 * calling thread hands each wait4 and waitid to the test (a user
 * notification), which lets it run until the first command, `exit 3`,
 * has been reaped, and fails every later one with ECHILD, while the
 * second command still runs. run_many must return a negative errno and
 * keep what it reaped before: res[0] says "exited with status 3". Any way
 * of waiting (blocking, WNOHANG, one pid or any) meets the same answers.
 */
struct later_waits {
    pthread_barrier_t ready;
    int listener, rc, done[2];
    unsigned k;
    struct cmdset c;
};

static void *later_waits_main(void *arg)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_wait4, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    struct later_waits *w = arg;

    w->listener = -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
        w->listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    pthread_barrier_wait(&w->ready);
    if (w->listener >= 0)
        w->rc = run_many(w->c.cmds, w->c.n, w->k, w->c.res);
    if (write(w->done[1], "d", 1) != 1)
        w->rc = 1;
    return NULL;
}

/* The pid a command wrote into `path` with `echo $$`, or 0. */
static int pid_in(const char *path)
{
    FILE *f = fopen(path, "r");
    int pid = 0;

    if (f) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* Has the child whose pid the first command wrote been reaped? */
static int first_reaped(const char *pidfile)
{
    int pid = pid_in(pidfile);

    return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* Answer one wait: run it until the first command is reaped, then ECHILD. */
static void answer_wait(int listener, const char *pidfile)
{
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;

    memset(&req, 0, sizeof(req));
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return; /* the waiting thread was interrupted: it asks again */
    memset(&resp, 0, sizeof(resp));
    resp.id = req.id;
    if (first_reaped(pidfile))
        resp.error = -ECHILD;
    else
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    (void)ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

/*
 * One run: `exit 3`, then a command that runs until the test kills it
 * (an exec'd sleep: the filter is inherited, so no command may wait for
 * a child of its own), and with k == 1 a third that never gets its turn; every wait after
 * the first command was reaped fails. With k == 2 the failure comes while
 * run_many waits for the last children, with k == 1 before it could start
 * every command.
 */
static void later_waits_round(unsigned k, const char *pidfile, const char *hold)
{
    static struct later_waits w;
    const char *when =
        k == 1 ? "with cmds[2] not started yet" : "with every command started";
    char how[64];
    struct pollfd pfd[2];
    pthread_t t;
    int status, n, pid = 0;

    w = (struct later_waits){.rc = 1, .k = k};
    unlink(pidfile);
    unlink(hold);
    cmdset_add(&w.c, "echo $$ >\"$LAB01_FIRST_PID\"; exit 3");
    cmdset_add(&w.c, "echo $$ >\"$LAB01_HOLD\"; exec sleep 30");
    if (k == 1)
        cmdset_add(&w.c, "exit 5");
    xpipe(w.done);
    pthread_barrier_init(&w.ready, NULL, 2);
    xpthread_create(&t, NULL, later_waits_main, &w);
    pthread_barrier_wait(&w.ready);
    pfd[0] = (struct pollfd){.fd = w.done[0], .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = w.listener, .events = POLLIN};
    while ((n = poll(pfd, w.listener >= 0 ? 2 : 1, 5000)) > 0 &&
           !pfd[0].revents)
        answer_wait(w.listener, pidfile);
    if (n == 0)
        harness_fail("run_many(k=%u) reaped `exit 3`, then every wait failed "
                     "with ECHILD, and it had not returned 5 s later: a "
                     "failed wait is an error to return, not a reason to "
                     "wait again",
                     k);
    xpthread_join(t, NULL);
    if (w.listener >= 0)
        xclose(w.listener);
    for (int ms = 0; ms < 5000 && !(pid = pid_in(hold)); ms++)
        usleep(1000); /* the second command has started, or will */
    if (pid > 0)
        kill(pid, SIGKILL);
    while (waitpid(-1, &status, 0) > 0 || errno == EINTR)
        ; /* the second command, which run_many could not reap */
    pthread_barrier_destroy(&w.ready);
    xclose(w.done[0]);
    xclose(w.done[1]);
    if (w.listener < 0)
        harness_skip("the test cannot install its seccomp filter here");
    if (w.rc >= 0)
        harness_fail("run_many(k=%u) reaped `exit 3`, then every wait failed "
                     "with ECHILD (%s), and it returned %d: expected a "
                     "negative errno (-ECHILD)",
                     k, when, w.rc);
    if (w.c.res[0].err != 0 || w.c.res[0].st.how != RUN_EXITED ||
        w.c.res[0].st.code != 3) {
        if (w.c.res[0].err)
            snprintf(how, sizeof(how), "err %d", w.c.res[0].err);
        else
            run_status_describe(&w.c.res[0].st, how, sizeof(how));
        harness_fail("run_many(k=%u) reaped cmds[0], `exit 3`, before its "
                     "next wait failed (%s), yet res[0] says \"%s\": keep "
                     "what was reaped (fill res[i] when its child is reaped; "
                     "a failed wait must not overwrite it)",
                     k, when, how);
    }
}

static void test_many_wait_failure_keeps_reaped(void **state)
{
    char pidfile[PATH_MAX], hold[PATH_MAX];

    (void)state;
    if (harness_under_valgrind())
        harness_skip("Valgrind runs its own seccomp-blind syscalls");
    lab01_path(pidfile, sizeof(pidfile), "first-pid");
    lab01_path(hold, sizeof(hold), "hold");
    /* The paths reach the commands through the environment they inherit. */
    if (setenv("LAB01_FIRST_PID", pidfile, 1) < 0 ||
        setenv("LAB01_HOLD", hold, 1) < 0)
        harness_fail("setenv: %s", strerror(errno));
    later_waits_round(2, pidfile, hold);
    later_waits_round(1, pidfile, hold);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_many_results_in_input_order),
    cmocka_unit_test(test_many_at_most_k_alive),
    cmocka_unit_test(test_many_reaps_every_child),
    cmocka_unit_test(test_many_other_children_not_counted),
    cmocka_unit_test(test_many_bad_arguments),
    cmocka_unit_test(test_many_survives_signals),
    cmocka_unit_test(test_many_fork_failure_recorded),
    cmocka_unit_test(test_many_speedup),
    cmocka_unit_test(test_many_wait_failure_reported),
    cmocka_unit_test(test_many_wait_failure_keeps_reaped),
};

HARNESS_MAIN(tests)
