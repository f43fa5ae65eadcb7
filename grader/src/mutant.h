/* SPDX-License-Identifier: MIT */
/*
 * A mutant: grader/tests/mutants/NN-topic/NAME.patch, a unified diff
 * against the reference files it changes, led by its declaration (check,
 * test, verdict, symptom, why) in rubric.ini's syntax. docs/writing-a-lab.md.
 */
#ifndef GRADER_MUTANT_H
#define GRADER_MUTANT_H

struct mutant {
    int check;     /* enum check_kind */
    char *test;    /* optional: the test that must catch it */
    char *verdict; /* optional: the outcome it must get */
    char *symptom; /* optional: a symptom word the failure must show
                      (grade.h entry_has_symptom), e.g. "overlap" */
    char *why;
    /* the files the diff changes, its first path component dropped
     * ("solutions/05-coroutines/coro.c" is "05-coroutines/coro.c") */
    char **files;
    int nfiles;
};

/*
 * mutant_load - read the patch at `path`: its declaration, and the names
 * of the files it changes. Everything after the declaration must be a
 * unified diff (no ed scripts, no other formats). Returns 0, or -1 with a
 * message in *err.
 */
int mutant_load(const char *path, struct mutant *m, char **err);

/*
 * mutant_apply - apply the patch at `path` to `tree` (<tree>/<lab>/<file>)
 * with GNU patch: its context must match exactly (a hunk may have moved,
 * never fuzzed into place), and a dry run first, so a patch that no longer
 * applies changes nothing. Returns 0, or -1 with patch's own words (the
 * hunk that failed and where) in *err.
 */
int mutant_apply(const char *path, const char *tree, char **err);

#endif
