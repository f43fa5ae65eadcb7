/* SPDX-License-Identifier: MIT */
/* The sched check (docs/sched.md): its environment, and its report: the
 * schedule that failed, its last steps, the wait-for picture, and the
 * command that replays it. (Not sched.h: that would hide <sched.h>.) */
#ifndef GRADER_SCHEDCHECK_H
#define GRADER_SCHEDCHECK_H

#include "grade.h"
#include "run.h"

/* Append the scheduler's variables for a sched check to env (n entries so
 * far; room for five more): both strategies, the rubric's sched_runs, and
 * the replayed schedule's trace and timeline, into the run folder logdir. */
void sched_env(char **env, int *n, const struct rubric *r, const char *logdir);

/* What the scheduler printed, set apart from the rest of a run's output. */
struct sched_out {
    char *rest;    /* the output without the scheduler's lines */
    char *steps;   /* the failed schedule's last steps, trimmed */
    char *picture; /* a deadlock's wait-for picture, or "" */
};

void sched_split(const char *output, struct sched_out *s);
void sched_out_free(struct sched_out *s);

/* After judge(): the summary names the schedule that failed and how many
 * did, the detail shows its last steps and the replay command, and a
 * deadlock or lost wake-up is named as the cause. */
void sched_report(struct entry *en, const struct run_result *r,
                  const struct sched_out *s, const struct lab *lab,
                  const struct grade_opts *o);

/* After sched_report, for a schedule that failed: its whole trace and its
 * timeline (Chrome trace-event JSON) leave the run folder logdir for
 * <o->out>/<lab>/sched/<test>.trace and .json, and the detail says where. */
void sched_save(struct entry *en, const struct lab *lab,
                const struct grade_opts *o, const char *logdir);

#endif
