/* SPDX-License-Identifier: MIT */
/* Grading one lab against one source tree: build, run, judge, score. */
#ifndef GRADER_GRADE_H
#define GRADER_GRADE_H

#include "rubric.h"

enum outcome {
    OUT_PASS,
    OUT_FAIL,
    OUT_TIMEOUT,
    OUT_CRASH,
    OUT_EXIT,   /* ended without a verdict: exit() mid-test and the like */
    OUT_RACE,   /* TSan, Helgrind or DRD reported */
    OUT_LEAK,   /* Memcheck: memory or file descriptors */
    OUT_MEMERR, /* invalid access, UB */
    OUT_SLOW,   /* a speedup check below its threshold */
    OUT_SKIP,
    OUT_INCONCLUSIVE,
    OUT_NOTRUN, /* a prerequisite failed */
    OUT_BUILD,  /* the lab did not compile */
    OUT_BUDGET, /* the lab's time budget ran out */
    OUT_ERROR,  /* could not grade: a tool is missing or broken */
};

const char *outcome_name(enum outcome o); /* "timeout", "crash", ... */

struct lab {
    char *name; /* "01-processes" */
    char *dir;  /* <root>/labs/<name> */
    struct rubric rubric;
    char **student;
    int nstudent;
    char **binaries;
    int nbinaries;
    char *broken; /* why the lab itself cannot be graded (its rubric...) */
    /* Grading some tests only (--test): the test binaries that hold them,
     * space-separated, which alone are built (make's ONLY_BINS); NULL: all. */
    char *build_bins;
};

/* One check of one test: an entry of results.json. */
struct entry {
    const struct rubric_test *test;
    enum check_kind kind;
    enum outcome outcome;
    int score, max;
    double seconds;
    double expect; /* what its last run of this tree took (0: unknown) */
    char *summary; /* one line: what happened */
    char *detail;  /* the lines that show it */
    char *notes;   /* what the test measured */
    /* What went wrong, as symptom words (harness/protocol.h), most
     * specific first: the test's own (harness_symptom), then the
     * grader's (a timeout's likely cause, a tool report's kind); the
     * outcome's name comes last. The hint shown is the first
     * `hint.<word>` of the rubric among them, else `hint`. */
    char *symptom;      /* the test's, or NULL */
    char *symptom_text; /* its message */
    const char *cause;  /* the grader's, or NULL */
};

/* The hint for a failed entry: keyed to its symptoms, else the test's
 * plain `hint`; NULL when there is none. *word (may be NULL) gets the
 * symptom it was keyed to, or NULL for the plain hint. */
const char *entry_hint(const struct entry *en, const char **word);
/* Whether the entry shows symptom word (its own, its cause, or its
 * outcome's name): what a mutant's `symptom =` asks. */
int entry_has_symptom(const struct entry *en, const char *word);

struct lab_result {
    struct lab *lab;
    struct entry *entries;
    int nentries;
    int score, max;
    double seconds;
    int error; /* could not grade some check */
};

struct grade_opts {
    const char *root; /* the repository */
    const char *tree; /* the source tree: <tree>/<lab>/<student files> */
    const char *out;  /* build and run directory for this tree */
    int jobs;         /* tests at once (speedup checks always alone) */
    unsigned only;    /* bit mask of checks to run; 0 = all */
    int no_prereq;    /* mutant mode: run the check even if others fail */
    const char *only_test;
    int quiet; /* no progress on stderr */
    /* TRACE=1: speedup checks write <trace_dir>/<lab>-<test>.{json,svg} */
    const char *trace_dir;
};

/* Find the labs: every labs/NN-topic with a lab.mk and a rubric.ini. */
int lab_discover(const char *root, struct lab **labs, char **err);
/* Read the lab's lab.mk (student files, test binaries) through make. */
int lab_load_info(const char *root, struct lab *lab, char **err);
/* "4", "04" or "04-mutexes-semaphores"; NULL when none matches. */
struct lab *lab_resolve(struct lab *labs, int n, const char *arg);

/* Grade; returns 0, or -1 when the lab itself is broken (bad rubric). */
int grade_lab(struct lab *lab, const struct grade_opts *o,
              struct lab_result *res, char **err);

#endif
