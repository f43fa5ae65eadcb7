/* SPDX-License-Identifier: MIT */
/* Judging a run (judge.c), for grade.c. */
#ifndef GRADER_JUDGE_H
#define GRADER_JUDGE_H

#include "grade.h"
#include "run.h"

/* A plain run of a test: its outcome, summary and detail into en. */
void judge(struct entry *en, const struct run_result *r, const char *root);
/* A tool run: first the test itself must have passed, then the tool's
 * logs (in logdir) must be clean; srcdir holds the staged student files
 * (tool_findings). */
void judge_tool(struct entry *en, const struct run_result *r,
                const char *logdir, const char *root, const char *srcdir);
/* A run under the controlled scheduler: judged on the output without the
 * scheduler's lines, which its report shows its own way (schedcheck.c). */
void judge_sched(struct entry *en, const struct run_result *r,
                 const struct lab *lab, const struct grade_opts *o);

#endif
