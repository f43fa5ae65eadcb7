/* SPDX-License-Identifier: MIT */
/*
 * Running one test in its own process, under a supervisor that owns its
 * timeout and kills everything it started; and running many at once.
 */
#ifndef GRADER_RUN_H
#define GRADER_RUN_H

#include <sys/types.h>

/* The protocol the harness speaks (environment, result lines, exit codes):
 * the one file the grader takes from harness/. */
#include "../../harness/protocol.h"

struct run_spec {
    char **argv;         /* NULL-terminated; argv[0] searched in PATH */
    char **env;          /* extra "KEY=value" entries, NULL-terminated */
    double timeout;      /* seconds of wall time */
    const char *workdir; /* cwd of the test, and HARNESS_TMPDIR: writable */
    const char *bindir;  /* its binaries: the only other part of the build
                            the sandbox shows it (read-only) */
    int backtrace;       /* on timeout, take every thread's stack with gdb */
    const char *vgdb_prefix; /* under Valgrind: its gdbserver's --vgdb-prefix,
                                which the stacks are read through */
    uid_t uid;               /* the test's own uid (set by run_batch) */
    long memory_mib;         /* RLIMIT_DATA in MiB, 0 for none (sanitizers and
                            valgrind reserve more address space than this) */
    double term_grace;       /* on timeout, SIGTERM the test and wait this long
                            before the kill (0: kill at once); `grader exec`
                            uses it so a coverage build writes its counts */
    int task;                /* its share of a struct budget (index), or -1 */
    double expect;           /* seconds it took last time (0: not known):
                                run_batch starts the longest first */
};

/*
 * A lab's time budget, shared out among its tasks so that one task's hang
 * cannot starve another's checks. Each task is guaranteed `share` seconds
 * (grade.c gives each a part of the budget proportional to the worst case
 * of its checks); a task may use more only where the lab's time left
 * exceeds what the other tasks may still need: each unfinished task keeps
 * back what is left of its share, at most the worst case of its checks not
 * yet run. The lab's deadline bounds everything.
 */
struct budget {
    double deadline; /* the lab's, in now_seconds() time */
    int ntasks;
    double *share; /* seconds guaranteed to each task */
    double *spent; /* seconds its runs have taken */
    double *worst; /* the timeouts of its runs not yet finished */
};

/* Seconds a run of `task` may take if it starts at `now` (<= 0: none). */
double budget_left(const struct budget *b, int task, double now);

enum verdict { V_NONE, V_PASS, V_FAIL, V_EXIT, V_SKIP, V_INCONCLUSIVE };

struct run_result {
    pid_t pid;  /* the test's process */
    int status; /* its wait status */
    int timed_out;
    char *killed; /* why the grader killed it early, or NULL */
    enum verdict verdict;
    /* the kind of result line verdict_text came from (protocol.h) */
    enum harness_kind kind;
    char *verdict_text; /* the harness's words with the verdict */
    char *notes;        /* harness_note lines, one a line */
    char *symptom;      /* the last symptom word the test reported, or NULL */
    char *symptom_text; /* and its message */
    char *output;       /* stdout and stderr, interleaved, capped */
    size_t dropped;     /* output bytes beyond the cap */
    int forged;         /* result lines without the nonce */
    int leftovers;      /* processes still alive when it ended, killed */
    double seconds;
    double cpu_wait; /* on a timeout: seconds its threads were runnable but
                        had no CPU (a busy machine's mark, not a hang's); if
                        the test had ended, the machine's (CPU pressure) */
    int crowd;       /* on a timeout: the run's processes at that moment */
};

void run_result_free(struct run_result *r);

/*
 * run_batch - run specs[0..n) with at most `parallel` at a time, the
 * longest expected first (`expect`; ties and unknowns in order), filling
 * results[i]. With a budget (NULL for none), a spec whose task has no time
 * left when its turn comes gets killed = "not run: ..." and runs nothing,
 * and no run outlasts what its task may take.
 */
void run_batch(const struct run_spec *specs, struct run_result *results, int n,
               int parallel, struct budget *budget);

/* The grader becomes a child subreaper: nothing a test starts escapes it. */
void run_init(void);

#endif
