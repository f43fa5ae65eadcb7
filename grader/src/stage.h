/* SPDX-License-Identifier: MIT */
/* Staging and building one lab of one tree (stage.c), for grade.c. */
#ifndef GRADER_STAGE_H
#define GRADER_STAGE_H

#include "grade.h"

/*
 * stage_student_files - copy the lab's declared student files from the
 * graded tree to <out>/src/<lab>/, which make builds from. NULL, or what
 * was wrong with them (missing, a link, not text, ...), one a line.
 */
char *stage_student_files(const struct grade_opts *o, const struct lab *lab);
/* Run make for one variant; 0 or -1, its output in *log. */
int build_variant(const struct grade_opts *o, const struct lab *lab,
                  const char *variant, char **log);
/* The compiler's first errors in a build log, with paths made relative. */
char *first_errors(const char *log, const char *root);
/* Where a variant's test binary is. */
char *binary_path(const struct grade_opts *o, const struct lab *lab,
                  const char *variant, const char *bin);
/* Map every rubric test to its binary, and every binary's test to the
 * rubric; 0, or -1 with why the lab is broken in *err. */
int map_tests(const struct grade_opts *o, struct lab *lab, char **err);

#endif
