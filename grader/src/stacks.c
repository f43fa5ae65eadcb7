/* SPDX-License-Identifier: MIT */
/*
 * A test that timed out: gdb's "thread apply all bt", condensed to one line
 * per thread (the blocking call it sits in, and the student's function and
 * file:line that made it), and the likely cause that the set of waits
 * suggests: a deadlock, a lost wake-up, a read that never sees EOF, a spin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "util.h"

#define STACK_MARK "=== grader: every thread's stack at the timeout ==="
#define MAX_THREADS 64

/* Calls a thread can block in, by their name once glibc's prefixes are
 * gone; the second column is what the student wrote. */
static const char *const blocking[][2] = {
    {"pthread_mutex_lock", "pthread_mutex_lock"},
    {"pthread_mutex_timedlock", "pthread_mutex_timedlock"},
    {"pthread_cond_wait", "pthread_cond_wait"},
    {"pthread_cond_timedwait", "pthread_cond_timedwait"},
    {"pthread_cond_clockwait", "pthread_cond_clockwait"},
    {"pthread_rwlock_rdlock", "pthread_rwlock_rdlock"},
    {"pthread_rwlock_wrlock", "pthread_rwlock_wrlock"},
    {"pthread_barrier_wait", "pthread_barrier_wait"},
    {"pthread_join", "pthread_join"},
    {"pthread_clockjoin_ex", "pthread_join"},
    {"pthread_timedjoin_ex", "pthread_join"},
    {"new_sem_wait", "sem_wait"},
    {"sem_wait", "sem_wait"},
    {"sem_timedwait", "sem_timedwait"},
    {"sem_clockwait", "sem_clockwait"},
    {"read", "read"},
    {"write", "write"},
    {"recv", "recv"},
    {"recvfrom", "recvfrom"},
    {"recvmsg", "recvmsg"},
    {"send", "send"},
    {"sendto", "sendto"},
    {"accept", "accept"},
    {"accept4", "accept4"},
    {"connect", "connect"},
    {"poll", "poll"},
    {"ppoll", "ppoll"},
    {"select", "select"},
    {"pselect", "pselect"},
    {"epoll_wait", "epoll_wait"},
    {"epoll_pwait", "epoll_pwait"},
    {"waitpid", "waitpid"},
    {"wait4", "waitpid"},
    {"waitid", "waitid"},
    {"wait", "wait"},
    {"nanosleep", "nanosleep"},
    {"clock_nanosleep", "a sleep"},
    {"sleep", "sleep"},
    {"usleep", "usleep"},
    {"pause", "pause"},
    {"sigsuspend", "sigsuspend"},
    {"sigtimedwait", "sigwait"},
    {"sigwait", "sigwait"},
    {"msgrcv", "msgrcv"},
    {"mq_receive", "mq_receive"},
    {"flock", "flock"},
    {"fcntl", "fcntl"},
    {"sched_yield", "sched_yield"},
};

/* "___pthread_mutex_lock" -> its entry; "__GI___libc_read" -> read. */
static const char *blocking_call(const char *func)
{
    char name[128];
    size_t n;

    for (;;) {
        if (*func == '_')
            func++;
        else if (starts_with(func, "GI_"))
            func += 3;
        else if (starts_with(func, "libc_"))
            func += 5;
        else
            break;
    }
    snprintf(name, sizeof(name), "%s", func);
    n = strlen(name);
    while (n > 0 && name[n - 1] >= '0' && name[n - 1] <= '9')
        name[--n] = '\0'; /* __poll64, __wait4, new_sem_wait_slow64 */
    if (n > 5 && strcmp(name + n - 5, "_slow") == 0)
        name[n - 5] = '\0';
    for (size_t i = 0; i < sizeof(blocking) / sizeof(blocking[0]); i++)
        if (strcmp(name, blocking[i][0]) == 0)
            return blocking[i][1];
    return NULL;
}

struct frame {
    char func[128];
    char loc[512]; /* "path/file.c:12", or "" (a library without source) */
};

struct gdb_thread {
    int num, lwp;
    const char *call;    /* the blocking call, or NULL: running */
    struct frame where;  /* the student's frame (or the first of the lab) */
    struct frame caller; /* the frame that called it, when in the lab */
    int mine;            /* where is in a student file */
    int tool;            /* the sanitizer's own thread, not the test's */
};

/* "#4  0x000055 in bank_transfer (b=..., amount=23) at /x/fixes.c:110" */
static int parse_frame(const char *line, const char *root, struct frame *f)
{
    const char *p = line + 1, *at;
    char func[128];
    size_t rl = root ? strlen(root) : 0;

    while (*p >= '0' && *p <= '9')
        p++;
    while (*p == ' ')
        p++;
    if (starts_with(p, "0x")) {
        const char *in = strstr(p, " in ");

        if (!in)
            return -1;
        p = in + 4;
    }
    if (sscanf(p, "%127[^ (]", func) != 1)
        return -1;
    snprintf(f->func, sizeof(f->func), "%s", func);
    f->loc[0] = '\0';
    at = strstr(p, ") at ");
    if (at) {
        at += 5;
        if (rl && strncmp(at, root, rl) == 0 && at[rl] == '/')
            at += rl + 1;
        snprintf(f->loc, sizeof(f->loc), "%s", at);
        f->loc[strcspn(f->loc, " \n")] = '\0';
    }
    return 0;
}

/* glibc and the dynamic loader: sources under ./ or ../, or none. */
static int libc_frame(const struct frame *f)
{
    return !f->loc[0] || starts_with(f->loc, "./") ||
           starts_with(f->loc, "../") || starts_with(f->loc, "/usr/");
}

static int harness_frame(const struct frame *f)
{
    return strstr(f->loc, "harness/") != NULL;
}

static int student_frame(const struct frame *f, char *const *student,
                         int nstudent)
{
    const char *base = strrchr(f->loc, '/');
    size_t n;

    base = base ? base + 1 : f->loc;
    n = strcspn(base, ":");
    for (int i = 0; i < nstudent; i++) {
        const char *sb = strrchr(student[i], '/');

        sb = sb ? sb + 1 : student[i];
        if (strlen(sb) == n && strncmp(base, sb, n) == 0 &&
            !strstr(f->loc, "/tests/"))
            return 1;
    }
    return 0;
}

/* One thread's frames (innermost first) into its one-line summary. */
static void judge_thread(struct gdb_thread *t, struct frame *fr, int n,
                         char *const *student, int nstudent)
{
    int first_lab = -1, mine = -1;

    t->call = NULL;
    for (int i = 0; i < n; i++) {
        if (libc_frame(&fr[i])) {
            if (first_lab < 0 && blocking_call(fr[i].func))
                t->call = blocking_call(fr[i].func); /* outermost wins */
            continue;
        }
        if (harness_frame(&fr[i]))
            continue;
        if (first_lab < 0)
            first_lab = i;
        if (mine < 0 && student_frame(&fr[i], student, nstudent))
            mine = i;
    }
    t->mine = mine >= 0;
    /* ThreadSanitizer runs a background thread of its own: no lab frame,
     * only its runtime's. Listing it as "running" would suggest a spin. */
    t->tool = 0;
    for (int i = 0; first_lab < 0 && i < n; i++)
        if (starts_with(fr[i].func, "__tsan") ||
            starts_with(fr[i].func, "__sanitizer") ||
            starts_with(fr[i].func, "__asan") ||
            starts_with(fr[i].func, "__lsan"))
            t->tool = 1;
    if (mine < 0)
        mine = first_lab;
    memset(&t->where, 0, sizeof(t->where));
    memset(&t->caller, 0, sizeof(t->caller));
    if (mine < 0)
        return;
    t->where = fr[mine];
    for (int i = mine + 1; i < n; i++)
        if (!libc_frame(&fr[i]) && !harness_frame(&fr[i])) {
            t->caller = fr[i];
            break;
        }
}

static int count_call(const struct gdb_thread *t, int n, const char *prefix)
{
    int k = 0;

    for (int i = 0; i < n; i++)
        k += !t[i].tool && t[i].call && starts_with(t[i].call, prefix);
    return k;
}

/*
 * The likely cause, as a symptom word (the rubric's `hint.<word>`:
 * docs/writing-a-lab.md lists them) and in English. *spinner: the thread
 * found running, for "endless-loop".
 */
static const char *cause_word(const struct gdb_thread *t, int n, int *spinner)
{
    int locks =
        count_call(t, n, "pthread_mutex") + count_call(t, n, "pthread_rwlock");
    int conds = count_call(t, n, "pthread_cond") + count_call(t, n, "sem_") +
                count_call(t, n, "pthread_barrier");
    int io = count_call(t, n, "read") + count_call(t, n, "recv") +
             count_call(t, n, "accept") + count_call(t, n, "poll") +
             count_call(t, n, "epoll") + count_call(t, n, "select") +
             count_call(t, n, "write") + count_call(t, n, "send");
    int waits = count_call(t, n, "wait");

    for (int i = 0; i < n; i++)
        if ((!t[i].call || strcmp(t[i].call, "sched_yield") == 0) &&
            t[i].where.func[0] && !t[i].tool) {
            *spinner = i;
            return "endless-loop";
        }
    if (locks >= 2)
        return "deadlock";
    /* Nobody spins, so the mutex's holder is blocked too: a thread in
     * pthread_cond_wait released only the mutex it waits with. */
    if (locks && (conds || io || waits))
        return "lock-held-blocked";
    if (conds)
        return "lost-wakeup";
    if (locks)
        return "lock-not-released";
    if (io)
        return "io-never-returns";
    if (waits)
        return "child-never-exits";
    return NULL;
}

static char *likely_cause(const struct gdb_thread *t, int n, const char **word)
{
    int i = 0;

    *word = cause_word(t, n, &i);
    if (!*word)
        return gr_strdup("deadlock or lost wake-up? the test never finished");
    if (strcmp(*word, "endless-loop") == 0)
        return gr_printf("an endless loop? thread %d was running in %s "
                         "(%s), not blocked: a loop whose exit "
                         "condition never comes true, or a spin that "
                         "waits for something that never happens",
                         t[i].num, t[i].where.func, t[i].where.loc);
    if (strcmp(*word, "deadlock") == 0)
        return gr_strdup("a deadlock? several threads wait for mutexes: "
                         "each may hold one that another waits for. Take "
                         "locks in one global order, never a lock you "
                         "already hold, and unlock on every path");
    if (strcmp(*word, "lock-held-blocked") == 0)
        return gr_strdup("a lock held while blocked? a thread waits for a "
                         "mutex, and no thread runs: its holder sleeps with "
                         "it held (in a wait on another lock's condition "
                         "variable, a join, a read, a task run under the "
                         "lock). Release a lock before anything that can "
                         "block");
    if (strcmp(*word, "lost-wakeup") == 0)
        return gr_strdup("a lost wake-up? threads sleep on a condition "
                         "variable or semaphore that nobody signals any "
                         "more: does every change of the condition signal "
                         "(broadcast when several may proceed), under the "
                         "lock, and does each wait sit in a while loop?");
    if (strcmp(*word, "lock-not-released") == 0)
        return gr_strdup("a lock never unlocked? a thread waits for a mutex "
                         "that its holder kept (an early return, or an "
                         "error path that skips the unlock)");
    if (strcmp(*word, "io-never-returns") == 0)
        return gr_strdup("a read or poll that never returns? it waits for "
                         "data or an EOF that never comes: a pipe's write "
                         "end left open somewhere (EOF needs every copy "
                         "closed), or a peer that never writes");
    return gr_strdup("a child that never exits? waitpid waits for a "
                     "child still running (or blocked itself)");
}

char *condense_timeout(const char *out, const char *root, char *const *student,
                       int nstudent, char **cause, const char **word)
{
    struct sbuf b = {0};
    const char *stacks = out ? strstr(out, STACK_MARK) : NULL;
    struct gdb_thread th[MAX_THREADS];
    struct frame *fr = gr_alloc(sizeof(*fr) * 64);
    int nth = 0, nfr = 0;
    const char *p;
    char line[2048];

    *cause = NULL;
    *word = NULL;
    if (!stacks) {
        free(fr);
        return condense_output(out ? out : "", root, 40);
    }
    {
        char *before = gr_strdup(out);
        char *o;

        before[stacks - out] = '\0';
        o = condense_output(before, root, 20);
        sbuf_puts(&b, o);
        free(o);
        free(before);
    }
    p = stacks;
    while (next_line(&p, line, sizeof(line))) {
        int num, lwp;

        /* gdb names a native thread "Thread 2 (Thread 0x7f.. (LWP 123)",
         * one read through Valgrind's gdbserver "Thread 2 (Thread 123 (tid
         * 2 VgTs_WaitSys))". */
        if (sscanf(line, "Thread %d (Thread %*s (LWP %d)", &num, &lwp) == 2 ||
            sscanf(line, "Thread %d (Thread %d (tid", &num, &lwp) == 2 ||
            starts_with(line, "=== grader: end of stacks")) {
            if (nth > 0 && nth <= MAX_THREADS)
                judge_thread(&th[nth - 1], fr, nfr, student, nstudent);
            nfr = 0;
            if (line[0] == '=' || nth == MAX_THREADS)
                continue;
            memset(&th[nth], 0, sizeof(th[nth]));
            th[nth].num = num;
            th[nth].lwp = lwp;
            nth++;
            continue;
        }
        if (line[0] == '#' && nth > 0 && nfr < 64 &&
            parse_frame(line, root, &fr[nfr]) == 0)
            nfr++;
    }
    free(fr);
    if (nth == 0) {
        sbuf_puts(&b, "(no stacks: gdb could not attach)\n");
        return sbuf_steal(&b);
    }
    sbuf_puts(&b, "where each thread was at the timeout:\n");
    /* gdb lists the newest thread first: the main thread (1) reads best
     * first. */
    for (int i = nth - 1; i >= 0; i--) {
        const struct gdb_thread *t = &th[i];

        if (t->tool)
            continue;
        sbuf_printf(&b, "  thread %d%s: ", t->num,
                    t->num == 1 ? " (the test's main thread)" : "");
        if (t->call)
            sbuf_printf(&b, "waits in %s", t->call);
        else
            sbuf_puts(&b, "running (not blocked)");
        if (t->where.func[0])
            sbuf_printf(&b, ", %s %s (%s)", t->call ? "called from" : "in",
                        t->where.func, t->where.loc);
        if (t->caller.func[0] && !t->mine)
            sbuf_printf(&b, " <- %s (%s)", t->caller.func, t->caller.loc);
        sbuf_puts(&b, "\n");
    }
    *cause = likely_cause(th, nth, word);
    sbuf_printf(&b, "likely cause: %s\n", *cause);
    return sbuf_steal(&b);
}
