/* SPDX-License-Identifier: MIT */
/* What the grader knows about the labs, for the scripts: the grader is the
 * only reader of rubric.ini and lab.mk, and these commands answer for it. */
#ifndef GRADER_QUERY_H
#define GRADER_QUERY_H

/* Is argv[1] one of the query commands (labs, rubric, points, checks, tag)? */
int query_command(const char *cmd);
/* Run one: argv[0] is the command. Exit status: 0, or 2 (bad usage, no
 * such lab, a broken rubric). */
int query_main(int argc, char **argv);

/*
 * The graded tree SRC names (labs, solutions, a directory laid out like
 * labs/, or a whole copy of the repository, then its labs/; relative
 * paths are from the repository), and in *tag the name of its build
 * directory under build/trees/ (and build/coverage/).
 */
char *tree_resolve(const char *root, const char *src, char **tag);

#endif
