/* SPDX-License-Identifier: MIT */
/* A lab's rubric (labs/NN-topic/rubric.ini), read with inih, and the
 * check kinds. The format is documented in docs/writing-a-lab.md. */
#ifndef GRADER_RUBRIC_H
#define GRADER_RUBRIC_H

enum check_kind {
    CHK_FUNCTIONAL,
    CHK_TSAN,
    CHK_HELGRIND,
    CHK_DRD,
    CHK_MEMCHECK,
    CHK_ASAN,
    CHK_SPEEDUP,
    CHK_SCHED, /* the controlled scheduler: docs/sched.md */
    CHK_COUNT
};

/* The check kinds are defined once, in rubric.c (`grader checks` lists
 * them for the scripts). */
const char *check_name(enum check_kind k);  /* "tsan" */
const char *check_title(enum check_kind k); /* "TSan": a table heading */
int check_parse(const char *name);          /* a check_kind, or -1 */
/* The build variant a check runs in: "plain", "tsan", "asan", "vg" or
 * "sched". */
const char *check_variant(enum check_kind k);
const char *check_list(void); /* "functional, tsan, ...": for messages */

struct rubric_test {
    char *name;
    char *binary; /* the test binary that holds it (map_tests, stage.c) */
    int task;
    char *part;     /* "a: counter": a row of its own in the handout's table */
    double timeout; /* seconds in the plain build */
    int points[CHK_COUNT];
    int chaos;
    int hidden;        /* `hidden = 1`: results shown after the due date */
    char *hint;        /* shown when no keyed hint matches */
    char **hint_words; /* `hint.<word> = text`: keyed to a symptom */
    char **hint_texts;
    int nhints;
    char **prereqs; /* `requires = a, b`: functional tests that must pass */
    int nprereqs;
    char **params; /* "KEY=value", exported as HARNESS_PARAM_KEY */
    int nparams;
};

struct rubric {
    char *title;
    /* `files.N = a.c b.c` in [lab]: the student files task N is written
     * in (make solution TASK=N shows only their reference) */
    int *file_tasks;
    char **task_files;
    int ntask_files;
    /* `late = 10%/day, max 50%, cutoff 7d` in [lab]: the score lost per
     * started period after the deadline, at most late_max, and nothing
     * accepted past late_cutoff (< 0: no cutoff). NULL: no late work. */
    char *late;
    double late_percent, late_period, late_max, late_cutoff;
    double budget;   /* seconds for the whole lab */
    long memory_mib; /* heap limit of a plain-build test, in MiB */
    double factor[CHK_COUNT];
    long sched_runs; /* schedules a sched check explores (half of each) */
    struct rubric_test *tests;
    int ntests;
};

/* rubric_text_without - a rubric's text without section [name] (its
 * header and keys; the comments leading into the next section stay). */
char *rubric_text_without(const char *text, const char *name);
/* rubric_load - parse `path`; on error returns -1 with a message in *err. */
int rubric_load(const char *path, struct rubric *r, char **err);
struct rubric_test *rubric_find(struct rubric *r, const char *name);
/* The test's `hint.<word>`, or NULL. */
const char *rubric_hint(const struct rubric_test *t, const char *word);
/* Whether word is a symptom word (harness/protocol.h's syntax). */
int symptom_word(const char *word);
int rubric_max_points(const struct rubric *r);
/* The percent of a lab's score lost by work late_s seconds after the
 * deadline under r's late policy: 0 when on time, 100 past the cutoff or
 * when the lab takes no late work. */
double rubric_late_penalty(const struct rubric *r, double late_s);

#endif
