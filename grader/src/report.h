/* SPDX-License-Identifier: MIT */
/* What the grader says: a table on the terminal, results.json in
 * Gradescope's format, and JUnit XML, all from the same results. */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include <stdio.h>

#include "grade.h"

void report_table(FILE *f, const struct lab_result *r, int color);
/* src: the SRC graded (NULL or "labs" for labs/), for the command that
 * reproduces each check (extra_data.command). */
int report_json(const char *path, const struct lab_result *rs, int n,
                double seconds, const char *output, const char *src);
int report_junit(const char *path, const struct lab_result *rs, int n);
int entry_passed(const struct entry *en);

/*
 * Provisional: a check this machine could not measure, so neither passed
 * nor failed: skipped (fewer CPUs than it needs) or inconclusive (the
 * machine too busy for the reference to show its speedup). Its points are
 * pending, not lost: the score is provisional until the check is graded
 * again where it can be measured, and the regrade list names it.
 */
int entry_provisional(const struct entry *en);
/* Where to grade it again: "on a machine with 2 or more usable CPUs"... */
const char *entry_regrade_where(const struct entry *en);
/* The points of r's provisional checks. */
int lab_pending(const struct lab_result *r);
/* regrade.tsv: a header line, then one line per provisional check: lab,
 * test, check, outcome, points pending, where to regrade, the command. */
int report_regrade(const char *path, const struct lab_result *rs, int n,
                   const char *src);

#endif
