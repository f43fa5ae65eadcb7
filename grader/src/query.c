/* SPDX-License-Identifier: MIT */
/*
 * What the grader knows, for the scripts: the grader is the only reader of
 * rubric.ini and lab.mk (through make lab-info), and of the task headings
 * of HINTS.md, so no script keeps a parser of its own.
 *
 *   grader labs   --root DIR [--lab NN] [--tsv|--json]
 *   grader rubric --root DIR [--lab NN] --tsv|--json|--markdown
 *   grader points --root DIR [--tasks]
 *   grader checks
 *   grader tag    --root DIR [--src labs|solutions|DIR]
 *   grader hints  --root DIR [--lab NN]
 *   grader late   --root DIR [--lab NN] [--seconds S]
 *
 * Tab-separated output opens with a header line naming its columns.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "mutant.h"
#include "query.h"
#include "util.h"

enum format { FMT_TSV, FMT_JSON, FMT_MARKDOWN };

struct query {
    const char *cmd;
    char *root, *lab, *src, *test, *binary;
    enum format format;
    int tasks;
    double seconds; /* grader late --seconds */
};

static const char *const query_commands[] = {
    "labs", "rubric", "points", "checks", "tag", "hints", "late", "hold-back"};

int query_command(const char *cmd)
{
    for (size_t i = 0; i < sizeof(query_commands) / sizeof(*query_commands);
         i++)
        if (strcmp(cmd, query_commands[i]) == 0)
            return 1;
    return 0;
}

static void query_usage(void)
{
    fputs("usage: grader labs   --root DIR [--lab NN] [--tsv|--json]\n"
          "       grader rubric --root DIR [--lab NN] --tsv|--json|"
          "--markdown\n"
          "       grader points --root DIR [--tasks]\n"
          "       grader checks\n"
          "       grader tag    --root DIR [--src labs|solutions|DIR]\n"
          "       grader hints  --root DIR [--lab NN]\n"
          "       grader late   --root DIR [--lab NN] [--seconds S]\n"
          "       grader hold-back --root DIR --lab NN --test NAME "
          "[--binary BASE]\n"
          "labs: name, number, title, budget, student files, test binaries, "
          "tasks.\n"
          "rubric: per test its task, timeouts, chaos, points per check, "
          "params;\n"
          "  --markdown: the points table per task that the handouts show.\n"
          "points: per lab (--tasks: per task) the points of each check.\n"
          "checks: the check kinds, one a line.\n"
          "tag: \"TAG<TAB>TREE\": the build folder name of a graded tree, and "
          "the tree.\n"
          "hints: each keyed hint (hint.<symptom>) and the mutants that "
          "prove it;\n  exit 1 when one has none.\n"
          "late: each lab's late policy (rubric `late =`), its cutoff in "
          "seconds\n  (empty: none), and the percent of the score lost by "
          "work S seconds late.\n"
          "hold-back: in the tree DIR (a release's copy), take test NAME out "
          "of the lab's\n  rubric.ini, and with --binary its test binary out "
          "of lab.mk's tests.\n",
          stderr);
    exit(2);
}

/* ---- the graded tree and its tag ---------------------------------------- */

char *tree_resolve(const char *root, const char *src, char **tag)
{
    char *p, *abs, *inner;

    if (!src || !*src || !strcmp(src, "labs") || !strcmp(src, "solutions")) {
        *tag = gr_strdup(src && *src ? src : "labs");
        return path_join(root, *tag);
    }
    p = src[0] == '/' ? gr_strdup(src) : path_join(root, src);
    abs = abs_path(p);
    free(p);
    if (!abs || !is_dir(abs))
        gr_die("SRC=%s: no such directory", src);
    /* Only staged copies reach make, but #line names this path. */
    if (strpbrk(abs, "\"\\$`\n"))
        gr_die("SRC=%s: the path holds a character (\" \\ $ ` or a newline) "
               "that compiler diagnostics cannot carry: rename or copy it",
               src);
    inner = path_join(abs, "labs");
    if (is_dir(inner) && !is_file(inner)) {
        free(abs);
        abs = inner;
    } else {
        free(inner);
    }
    {
        char *copy = gr_strdup(abs), *base = basename(copy);
        unsigned h = 5381;

        for (const char *s = abs; *s; s++)
            h = h * 33 + (unsigned char)*s;
        /* The tag names a build directory: keep it to a safe alphabet. */
        for (char *q = base; *q; q++)
            if (!isalnum((unsigned char)*q) && !strchr("._-", *q))
                *q = '_';
        *tag = gr_printf("sub-%s-%08x", base, h);
        free(copy);
    }
    return abs;
}

/* ---- labs and their tasks ----------------------------------------------- */

struct task {
    int number;
    char *title;
};

/*
 * The lab's tasks: the "## Task N — title" headings of its HINTS.md, or
 * "task N" for each task its rubric names when it has none.
 */
static int lab_tasks(const struct lab *lab, struct task **out)
{
    char *path = path_join(lab->dir, "HINTS.md");
    char *text = read_file(path, 1 << 20, NULL), *line, *save = NULL;
    struct task *v = NULL;
    int n = 0;

    free(path);
    for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *p, *end;
        long num;

        if (!starts_with(line, "## Task "))
            continue;
        p = line + 8;
        num = strtol(p, &end, 10);
        if (end == p)
            continue;
        for (p = end; *p && !isalnum((unsigned char)*p) && *p != '`'; p++)
            ;
        v = realloc(v, sizeof(*v) * (size_t)(n + 1));
        if (!v)
            gr_die("out of memory");
        v[n].number = (int)num;
        v[n++].title = gr_strdup(p);
    }
    free(text);
    if (n == 0) {
        const struct rubric *r = &lab->rubric;

        for (int i = 0; i < r->ntests; i++) {
            int t = r->tests[i].task, seen = 0;

            for (int j = 0; j < n; j++)
                seen |= v[j].number == t;
            if (seen)
                continue;
            v = realloc(v, sizeof(*v) * (size_t)(n + 1));
            if (!v)
                gr_die("out of memory");
            v[n].number = t;
            v[n++].title = gr_printf("task %d", t);
        }
    }
    *out = v;
    return n;
}

static const char *task_title(const struct task *v, int n, int number)
{
    for (int i = 0; i < n; i++)
        if (v[i].number == number)
            return v[i].title;
    return "";
}

/* The tasks the rubric grades, in order (a task with no test is not one). */
static int rubric_tasks(const struct rubric *r, int **out)
{
    int *v = gr_alloc(sizeof(int) * (size_t)(r->ntests + 1)), n = 0;

    for (int i = 0; i < r->ntests; i++) {
        int t = r->tests[i].task, j;

        for (j = 0; j < n && v[j] != t; j++)
            ;
        if (j == n)
            v[n++] = t;
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of tasks */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int x = v[j];

            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    *out = v;
    return n;
}

static int test_points(const struct rubric_test *t)
{
    int sum = 0;

    for (int k = 0; k < CHK_COUNT; k++)
        sum += t->points[k];
    return sum;
}

/* Points of one check (or all, k < 0) over the tests of one task (or
 * all, task < 0). */
static int points_of(const struct rubric *r, int task, int k)
{
    int sum = 0;

    for (int i = 0; i < r->ntests; i++) {
        const struct rubric_test *t = &r->tests[i];

        if (task >= 0 && t->task != task)
            continue;
        sum += k < 0 ? test_points(t) : t->points[k];
    }
    return sum;
}

/*
 * The labs the query is about: every lab, or the one --lab names. A lab
 * whose rubric is broken is said on stderr and makes the exit status 2;
 * with need_info, lab.mk is read too (through make).
 */
static int selected_labs(const struct query *q, int need_info, struct lab **out,
                         int *broken)
{
    struct lab *labs = NULL;
    char *err = NULL;
    int n = lab_discover(q->root, &labs, &err), k = 0;

    if (n < 0)
        gr_die("%s", err);
    if (q->lab) {
        struct lab *one = lab_resolve(labs, n, q->lab);

        if (!one)
            gr_die("LAB=%s: no such lab (try 01 or 01-processes)", q->lab);
        labs[0] = *one;
        n = 1;
    }
    for (int i = 0; i < n; i++) {
        struct lab *l = &labs[i];

        if (l->broken) {
            fprintf(stderr, "grader %s: %s\n", q->cmd, l->broken);
            *broken = 1;
            continue;
        }
        if (need_info && lab_load_info(q->root, l, &err) < 0) {
            fprintf(stderr, "grader %s: %s\n", q->cmd, err);
            *broken = 1;
            continue;
        }
        labs[k++] = *l;
    }
    *out = labs;
    return k;
}

static json_t *string_array(char **v, int n)
{
    json_t *a = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* The student files task is written in: the rubric's `files.N`, else
 * every student file of the lab. */
static json_t *task_files(const struct lab *l, int task)
{
    const struct rubric *r = &l->rubric;

    for (int i = 0; i < r->ntask_files; i++)
        if (r->file_tasks[i] == task) {
            char **names;
            int n = split_list(r->task_files[i], ", ", &names);
            json_t *a = string_array(names, n);

            for (int k = 0; k < n; k++)
                free(names[k]);
            free(names);
            return a;
        }
    return string_array(l->student, l->nstudent);
}

static void print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    putchar('\n');
    json_decref(j);
}

static int cmd_labs(const struct query *q)
{
    struct lab *labs;
    int broken = 0, n = selected_labs(q, 1, &labs, &broken);
    json_t *all = json_array();

    if (q->format == FMT_TSV)
        printf("lab\tnumber\tbudget\tpoints\tstudent\ttests\ttasks\ttitle\n");
    for (int i = 0; i < n; i++) {
        const struct lab *l = &labs[i];
        struct task *tasks;
        int ntasks = lab_tasks(l, &tasks);

        if (q->format == FMT_TSV) {
            printf("%s\t%d\t%g\t%d\t", l->name, atoi(l->name), l->rubric.budget,
                   rubric_max_points(&l->rubric));
            for (int k = 0; k < l->nstudent; k++)
                printf("%s%s", k ? " " : "", l->student[k]);
            putchar('\t');
            for (int k = 0; k < l->nbinaries; k++)
                printf("%s%s", k ? " " : "", l->binaries[k]);
            putchar('\t');
            for (int k = 0; k < ntasks; k++)
                printf("%s%d", k ? " " : "", tasks[k].number);
            printf("\t%s\n", l->rubric.title);
        } else {
            json_t *jt = json_array();

            for (int k = 0; k < ntasks; k++)
                json_array_append_new(
                    jt, json_pack("{s:i,s:s,s:i,s:o}", "task", tasks[k].number,
                                  "title", tasks[k].title, "points",
                                  points_of(&l->rubric, tasks[k].number, -1),
                                  "files", task_files(l, tasks[k].number)));
            json_array_append_new(
                all, json_pack("{s:s,s:i,s:s,s:f,s:i,s:o,s:o,s:o}", "lab",
                               l->name, "number", atoi(l->name), "title",
                               l->rubric.title, "budget", l->rubric.budget,
                               "points", rubric_max_points(&l->rubric),
                               "student", string_array(l->student, l->nstudent),
                               "tests", string_array(l->binaries, l->nbinaries),
                               "tasks", jt));
        }
    }
    if (q->format == FMT_JSON)
        print_json(json_pack("{s:o}", "labs", all));
    else
        json_decref(all);
    return broken ? 2 : 0;
}

/* ---- the rubric --------------------------------------------------------- */

static json_t *rubric_test_json(const struct rubric *r,
                                const struct rubric_test *t)
{
    json_t *pts = json_object(), *tos = json_object();

    for (int k = 0; k < CHK_COUNT; k++) {
        json_object_set_new(pts, check_name(k), json_integer(t->points[k]));
        if (t->points[k])
            json_object_set_new(tos, check_name(k),
                                json_real(t->timeout * r->factor[k]));
    }
    json_t *hints = json_object();

    for (int i = 0; i < t->nhints; i++)
        json_object_set_new(hints, t->hint_words[i],
                            json_string(t->hint_texts[i]));
    return json_pack(
        "{s:s,s:i,s:s?,s:f,s:b,s:b,s:o,s:i,s:o,s:o,s:o,s:s?,s:o}", "name",
        t->name, "task", t->task, "part", t->part, "timeout", t->timeout,
        "chaos", t->chaos, "hidden", t->hidden, "points", pts, "max_score",
        test_points(t), "timeouts", tos, "requires",
        string_array(t->prereqs, t->nprereqs), "params",
        string_array(t->params, t->nparams), "hint", t->hint, "hints", hints);
}

static void rubric_tsv(const struct lab *l)
{
    const struct rubric *r = &l->rubric;

    for (int i = 0; i < r->ntests; i++) {
        const struct rubric_test *t = &r->tests[i];

        printf("%s\t%s\t%d\t%g\t%d\t%d", l->name, t->name, t->task, t->timeout,
               t->chaos, test_points(t));
        for (int k = 0; k < CHK_COUNT; k++)
            printf("\t%d", t->points[k]);
        putchar('\t');
        for (int k = 0; k < t->nparams; k++)
            printf("%s%s", k ? " " : "", t->params[k]);
        putchar('\t');
        for (int k = 0; k < t->nhints; k++)
            printf("%s%s", k ? " " : "", t->hint_words[k]);
        putchar('\n');
    }
}

/* A row of the points table: a task, or a part of one (rubric `part`). */
struct points_row {
    int task;
    const char *part; /* NULL: the whole task */
    int ntests;
    int points[CHK_COUNT + 1]; /* per check; [CHK_COUNT]: the row's total */
};

static int same_part(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* The rows, by task, a task's parts in the order the rubric names them. */
static int points_rows(const struct rubric *r, struct points_row **out)
{
    struct points_row *v = gr_alloc(sizeof(*v) * (size_t)(r->ntests + 1));
    int *tasks, ntasks = rubric_tasks(r, &tasks), n = 0;

    for (int i = 0; i < ntasks; i++)
        for (int j = 0; j < r->ntests; j++) {
            const struct rubric_test *t = &r->tests[j];
            int row;

            if (t->task != tasks[i])
                continue;
            for (row = n - 1; row >= 0 && v[row].task == t->task; row--)
                if (same_part(v[row].part, t->part))
                    break;
            if (row < 0 || v[row].task != t->task) {
                row = n++;
                memset(&v[row], 0, sizeof(v[row]));
                v[row].task = t->task;
                v[row].part = t->part;
            }
            v[row].ntests++;
            for (int k = 0; k < CHK_COUNT; k++) {
                v[row].points[k] += t->points[k];
                v[row].points[CHK_COUNT] += t->points[k];
            }
        }
    free(tasks);
    *out = v;
    return n;
}

/*
 * The points table of a handout's Grading section: a row per task (or
 * per part of a task, where the rubric names parts), the number of tests
 * it has, a column per check that earns points in this lab, a total row.
 */
static void rubric_markdown(const struct lab *l)
{
    const struct rubric *r = &l->rubric;
    struct task *titles;
    struct points_row *rows;
    int ntitles = lab_tasks(l, &titles), nrows = points_rows(r, &rows);
    int used[CHK_COUNT];

    for (int k = 0; k < CHK_COUNT; k++)
        used[k] = points_of(r, -1, k) > 0;
    printf("| task | tests |");
    for (int k = 0; k < CHK_COUNT; k++)
        if (used[k])
            printf(" %s |", check_title(k));
    printf(" total |\n| --- | ---: |");
    for (int k = 0; k < CHK_COUNT; k++)
        if (used[k])
            printf(" ---: |");
    printf(" ---: |\n");
    for (int i = 0; i < nrows; i++) {
        const struct points_row *row = &rows[i];

        if (row->part)
            printf("| %d%s | %d |", row->task, row->part, row->ntests);
        else
            printf("| %d %s | %d |", row->task,
                   task_title(titles, ntitles, row->task), row->ntests);
        for (int k = 0; k < CHK_COUNT; k++) {
            if (!used[k])
                continue;
            if (row->points[k])
                printf(" %d |", row->points[k]);
            else
                printf(" |");
        }
        printf(" %d |\n", row->points[CHK_COUNT]);
    }
    printf("| **total** | **%d** |", r->ntests);
    for (int k = 0; k < CHK_COUNT; k++)
        if (used[k])
            printf(" **%d** |", points_of(r, -1, k));
    printf(" **%d** |\n", rubric_max_points(r));
    free(rows);
}

static int cmd_rubric(const struct query *q)
{
    struct lab *labs;
    int broken = 0, n = selected_labs(q, 0, &labs, &broken);
    json_t *all = json_array();

    if (q->format == FMT_TSV) {
        printf("lab\ttest\ttask\ttimeout\tchaos\tpoints");
        for (int k = 0; k < CHK_COUNT; k++)
            printf("\t%s", check_name(k));
        printf("\tparams\thints\n");
    }
    for (int i = 0; i < n; i++) {
        const struct lab *l = &labs[i];
        const struct rubric *r = &l->rubric;
        json_t *tests, *factors;

        if (q->format == FMT_TSV) {
            rubric_tsv(l);
            continue;
        }
        if (q->format == FMT_MARKDOWN) {
            if (n > 1)
                printf("%s## %s\n\n", i ? "\n" : "", l->name);
            rubric_markdown(l);
            continue;
        }
        tests = json_array();
        factors = json_object();
        for (int k = 0; k < CHK_COUNT; k++)
            json_object_set_new(factors, check_name(k),
                                json_real(r->factor[k]));
        for (int t = 0; t < r->ntests; t++)
            json_array_append_new(tests, rubric_test_json(r, &r->tests[t]));
        json_array_append_new(
            all, json_pack("{s:s,s:i,s:s,s:f,s:I,s:o,s:i,s:o}", "lab", l->name,
                           "number", atoi(l->name), "title", r->title, "budget",
                           r->budget, "memory_mib", (json_int_t)r->memory_mib,
                           "factors", factors, "points", rubric_max_points(r),
                           "tests", tests));
    }
    if (q->format == FMT_JSON)
        print_json(json_pack("{s:o}", "labs", all));
    else
        json_decref(all);
    return broken ? 2 : 0;
}

/* ---- keyed hints and their mutants -------------------------------------- */

/* The mutants of lab that declare test and symptom, space-separated. */
static char *mutants_proving(const char *root, const char *lab,
                             const char *test, const char *symptom)
{
    char *dir = gr_printf("%s/grader/tests/mutants/%s", root, lab);
    DIR *d = opendir(dir);
    struct dirent *e;
    struct sbuf b = {0};

    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        char *path, *err = NULL;
        struct mutant m = {0};

        if (len < 7 || strcmp(e->d_name + len - 6, ".patch") != 0)
            continue;
        path = path_join(dir, e->d_name);
        if (mutant_load(path, &m, &err) == 0 && m.test && m.symptom &&
            strcmp(m.test, test) == 0 && strcmp(m.symptom, symptom) == 0)
            sbuf_printf(&b, "%s%.*s", b.len ? " " : "", (int)len - 6,
                        e->d_name);
        free(err);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return sbuf_steal(&b);
}

/*
 * Each `hint.<symptom>` of a rubric must be proved by a mutant that
 * declares its test and `symptom = <symptom>` (and is caught with it:
 * make check grades every mutant). TSV: lab, test, symptom, mutants,
 * hint. Exit 1 when a keyed hint has no mutant.
 */
static int cmd_hints(const struct query *q)
{
    struct lab *labs;
    int broken = 0, n = selected_labs(q, 0, &labs, &broken), missing = 0;

    printf("lab\ttest\tsymptom\tmutants\thint\n");
    for (int i = 0; i < n; i++) {
        const struct rubric *r = &labs[i].rubric;

        for (int t = 0; t < r->ntests; t++)
            for (int h = 0; h < r->tests[t].nhints; h++) {
                const struct rubric_test *rt = &r->tests[t];
                char *ms = mutants_proving(q->root, labs[i].name, rt->name,
                                           rt->hint_words[h]);

                missing += !*ms;
                printf("%s\t%s\t%s\t%s\t%s\n", labs[i].name, rt->name,
                       rt->hint_words[h], ms, rt->hint_texts[h]);
                free(ms);
            }
    }
    if (missing)
        fprintf(stderr,
                "grader hints: %d keyed hint(s) with no mutant that "
                "declares its test and symptom\n",
                missing);
    return broken ? 2 : missing ? 1 : 0;
}

/* Points per lab, or per task (--tasks): what `make points` prints. */
static int cmd_points(const struct query *q)
{
    struct lab *labs;
    int broken = 0, n = selected_labs(q, 0, &labs, &broken);

    printf("lab\t%s\ttotal", q->tasks ? "task" : "title");
    for (int k = 0; k < CHK_COUNT; k++)
        printf("\t%s", check_name(k));
    putchar('\n');
    for (int i = 0; i < n; i++) {
        const struct rubric *r = &labs[i].rubric;
        int *tasks, ntasks = rubric_tasks(r, &tasks);

        for (int t = 0; t < (q->tasks ? ntasks : 1); t++) {
            int task = q->tasks ? tasks[t] : -1;

            printf("%s\t", labs[i].name);
            if (q->tasks)
                printf("%d", task);
            else
                printf("%s", r->title);
            printf("\t%d", points_of(r, task, -1));
            for (int k = 0; k < CHK_COUNT; k++)
                printf("\t%d", points_of(r, task, k));
            putchar('\n');
        }
        free(tasks);
    }
    return broken ? 2 : 0;
}

/*
 * The late policy of each lab, for grade-class: TSV lab, policy (the
 * rubric's text, empty when the lab takes no late work), cutoff (seconds
 * after the deadline past which nothing is accepted; empty: no cutoff),
 * late (the seconds asked about), penalty (percent of the score lost).
 */
static int cmd_late(const struct query *q)
{
    struct lab *labs;
    int broken = 0, n = selected_labs(q, 0, &labs, &broken);

    printf("lab\tpolicy\tcutoff\tlate\tpenalty\n");
    for (int i = 0; i < n; i++) {
        const struct rubric *r = &labs[i].rubric;

        printf("%s\t%s\t", labs[i].name, r->late ? r->late : "");
        if (!r->late)
            printf("0");
        else if (r->late_cutoff >= 0)
            printf("%.0f", r->late_cutoff);
        printf("\t%.0f\t%g\n", q->seconds, rubric_late_penalty(r, q->seconds));
    }
    return broken ? 2 : 0;
}

static int cmd_tag(const struct query *q)
{
    char *tag, *tree = tree_resolve(q->root, q->src, &tag);

    printf("%s\t%s\n", tag, tree);
    free(tag);
    free(tree);
    return 0;
}

/*
 * grader hold-back: the release's copy without a hidden test (release-
 * hidden.sh takes its code out of the test file): its rubric section, and
 * with --binary, a test binary left with no test, out of lab.mk's
 * LAB_TESTS. The grader is the one reader of both files, so it is the one
 * that edits them.
 */
static int cmd_hold_back(const struct query *q)
{
    struct lab *labs;
    int n, broken = 0;
    char *dir, *path, *text, *out;

    if (!q->lab || !q->test)
        query_usage();
    n = selected_labs(q, 0, &labs, &broken);
    if (n != 1)
        gr_die("hold-back: --lab %s names %d labs", q->lab, n);
    dir = gr_printf("%s/labs/%s", q->root, labs[0].name);
    path = gr_printf("%s/rubric.ini", dir);
    if (!(text = read_file(path, 1 << 20, NULL)))
        gr_die("hold-back: %s: %s", path, strerror(errno));
    out = rubric_text_without(text, q->test);
    if (strcmp(out, text) == 0)
        gr_die("hold-back: %s has no section [%s]", path, q->test);
    if (write_file(path, out) < 0)
        gr_die("hold-back: cannot write %s", path);
    free(text);
    free(out);
    free(path);
    if (q->binary) {
        struct sbuf b = {0};
        char *var = gr_printf("%s_TESTS", labs[0].name);
        int dropped = 0;

        path = gr_printf("%s/lab.mk", dir);
        if (!(text = read_file(path, 1 << 20, NULL)))
            gr_die("hold-back: %s: %s", path, strerror(errno));
        for (const char *p = text; *p;) {
            size_t len = strcspn(p, "\n"), vl = strlen(var);
            const char *eq = p + vl + strspn(p + vl, " \t");

            if (strncmp(p, var, vl) == 0 &&
                (strncmp(eq, ":=", 2) == 0 || *eq == '=')) {
                /* LAB_TESTS := a b c: every word but the binary. */
                const char *w = eq + (*eq == ':' ? 2 : 1), *end = p + len;

                sbuf_printf(&b, "%.*s", (int)(w - p), p);
                while (w < end) {
                    size_t sp = strspn(w, " \t"), wl;

                    w += sp;
                    wl = strcspn(w, " \t\n");
                    if (w + wl > end)
                        wl = (size_t)(end - w);
                    if (wl && (wl != strlen(q->binary) ||
                               strncmp(w, q->binary, wl) != 0))
                        sbuf_printf(&b, " %.*s", (int)wl, w);
                    else if (wl)
                        dropped = 1;
                    w += wl;
                }
                sbuf_puts(&b, "\n");
            } else {
                sbuf_printf(&b, "%.*s\n", (int)len, p);
            }
            p += len + (p[len] == '\n');
        }
        if (!dropped)
            gr_die("hold-back: %s: %s lists no test binary %s", path, var,
                   q->binary);
        out = sbuf_steal(&b);
        if (write_file(path, out) < 0)
            gr_die("hold-back: cannot write %s", path);
        free(out);
        free(text);
        free(var);
        free(path);
    }
    free(dir);
    return 0;
}

int query_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, 0, 'r'},
        {"lab", required_argument, 0, 'l'},
        {"src", required_argument, 0, 's'},
        {"tsv", no_argument, 0, 'T'},
        {"json", no_argument, 0, 'J'},
        {"markdown", no_argument, 0, 'M'},
        {"tasks", no_argument, 0, 'k'},
        {"seconds", required_argument, 0, 'S'},
        {"test", required_argument, 0, 't'},
        {"binary", required_argument, 0, 'b'},
        {0, 0, 0, 0},
    };
    struct query q = {.cmd = argv[0], .format = FMT_TSV};
    int ch;

    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            q.root = abs_path(optarg);
            if (!q.root)
                gr_die("--root %s: no such directory", optarg);
            break;
        case 'l':
            q.lab = optarg;
            break;
        case 's':
            q.src = optarg;
            break;
        case 'T':
            q.format = FMT_TSV;
            break;
        case 'J':
            q.format = FMT_JSON;
            break;
        case 'M':
            q.format = FMT_MARKDOWN;
            break;
        case 'k':
            q.tasks = 1;
            break;
        case 't':
            q.test = optarg;
            break;
        case 'b':
            q.binary = optarg;
            break;
        case 'S': {
            char *end;

            q.seconds = strtod(optarg, &end);
            if (end == optarg || *end)
                query_usage();
            break;
        }
        default:
            query_usage();
        }
    }
    if (optind < argc)
        query_usage();
    if (strcmp(q.cmd, "checks") == 0) {
        for (int k = 0; k < CHK_COUNT; k++)
            printf("%s\n", check_name(k));
        return 0;
    }
    if (!q.root)
        query_usage();
    if (strcmp(q.cmd, "labs") == 0 && q.format != FMT_MARKDOWN)
        return cmd_labs(&q);
    if (strcmp(q.cmd, "rubric") == 0)
        return cmd_rubric(&q);
    if (strcmp(q.cmd, "points") == 0)
        return cmd_points(&q);
    if (strcmp(q.cmd, "tag") == 0)
        return cmd_tag(&q);
    if (strcmp(q.cmd, "hints") == 0)
        return cmd_hints(&q);
    if (strcmp(q.cmd, "late") == 0)
        return cmd_late(&q);
    if (strcmp(q.cmd, "hold-back") == 0)
        return cmd_hold_back(&q);
    query_usage();
    return 2;
}
