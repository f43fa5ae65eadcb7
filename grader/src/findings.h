/* SPDX-License-Identifier: MIT */
/* What a tool run found: its logs read back from the run folder and turned
 * into a few lines that point at the student's code. Running it: tools.h. */
#ifndef GRADER_FINDINGS_H
#define GRADER_FINDINGS_H

#include <sys/types.h>

#include "rubric.h"

/* What a tool run found. */
struct finding {
    int problems;  /* 0: clean; counts the logs ignored too */
    int ignored;   /* logs refused: not a regular file owned by the test */
    int set_aside; /* reports that are not verdicts (a trylock's lock order) */
    int all_set_aside; /* and they were every error the tool counted, so
                          its error exit status is not a verdict either */
    char *summary;     /* one line, e.g. "data race at labs/x/y.c:12 in f" */
    char *detail;      /* the condensed report(s) */
    /* what the first report is, as a symptom word beyond the outcome's
     * own ("race", "leak"): "lock-order", "fd-leak"; or NULL */
    const char *symptom;
};

/*
 * tool_findings - read the tool's logs in logdir. main_pid is the test's
 * process: file descriptors left open count only there (a forked child
 * that _exits holds its parent's fds by design). root is stripped from
 * paths. srcdir holds the staged student files (Helgrind's lock-order
 * reports made by a trylock are set aside: helgrind_drop_trylock_orders).
 * Returns the number of problems.
 */
int tool_findings(enum check_kind k, const char *logdir, pid_t main_pid,
                  const char *root, const char *srcdir, struct finding *f);

/*
 * tool_log_tail - the last `lines` lines of the tool's logs in logdir, for
 * when a run ended with no verdict and no finding: the tool itself may have
 * given up (Valgrind out of memory or unable to make its files, TSan unable
 * to map its shadow), and only its log says so. "" when there is none.
 */
char *tool_log_tail(enum check_kind k, const char *logdir, int lines);

/* Condensers, exposed for the unit tests. */
char *condense_tsan(const char *log, const char *root, int *count,
                    char **summary);
char *condense_valgrind(const char *log, const char *root, int *count,
                        char **summary);
int count_fd_leaks(const char *log, char **detail);
/* Helgrind's log without its lock-order reports whose later acquisition was
 * a trylock (by the call on that line of srcdir/FILE), or that lack the
 * stacks of their required order; *dropped counts them. With no srcdir,
 * nothing is set aside. findings.c says why. */
char *helgrind_drop_trylock_orders(const char *log, const char *srcdir,
                                   int *dropped);
/* Strip cmocka's noise from a test's output: the lines that explain. */
char *condense_output(const char *out, const char *root, int max_lines);

/*
 * condense_timeout - a timed-out test's output with gdb's stacks (run.c)
 * turned into one line per thread: the blocking call it waits in and the
 * student's function and file:line that called it (student: the lab's
 * student file names). *cause gets the likely cause, or NULL without
 * stacks, and *word the same as a symptom word ("deadlock",
 * "lost-wakeup", ...; NULL when the stacks suggest none).
 */
char *condense_timeout(const char *out, const char *root, char *const *student,
                       int nstudent, char **cause, const char **word);

/* A line of the harness's ASCII timeline (a lane row or its verdict). */
int timeline_line(const char *line);

#endif
