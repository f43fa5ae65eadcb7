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

#endif
