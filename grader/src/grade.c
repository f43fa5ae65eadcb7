/* SPDX-License-Identifier: MIT */
/*
 * Grading one lab against one source tree. The order matters:
 *   1. build the plain variant (a compile error is a result: 0 points);
 *   2. functional checks, several tests at once;
 *   3. tool checks (TSan, Valgrind, ASan, the controlled scheduler), only
 *      for tests that passed functionally, each variant built the first
 *      time it is needed;
 *   4. speedup checks, one at a time with nothing else running.
 * Finding labs is lab.c's job, staging and building stage.c's, and telling
 * what a run means judge.c's; this file runs the phases within the budget.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "findings.h"
#include "grade.h"
#include "judge.h"
#include "run.h"
#include "sandbox.h"
#include "stage.h"
#include "schedcheck.h"
#include "tools.h"
#include "trace.h"
#include "util.h"

static const char *const outcome_names[] = {
    "passed",       "fail",    "timeout", "crash",  "exit",
    "race",         "leak",    "memerr",  "slow",   "skip",
    "inconclusive", "not-run", "build",   "budget", "error",
};

const char *outcome_name(enum outcome o)
{
    return outcome_names[o];
}

const char *entry_hint(const struct entry *en, const char **word)
{
    const char *words[] = {en->symptom, en->cause, outcome_name(en->outcome)};
    const char *h;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if ((h = rubric_hint(en->test, words[i]))) {
            if (word)
                *word = words[i];
            return h;
        }
    if (word)
        *word = NULL;
    return en->test->hint;
}

int entry_has_symptom(const struct entry *en, const char *word)
{
    return (en->symptom && strcmp(en->symptom, word) == 0) ||
           (en->cause && strcmp(en->cause, word) == 0) ||
           strcmp(outcome_name(en->outcome), word) == 0;
}

/* ---- the phases -------------------------------------------------------- */

struct planned {
    struct entry *en;
    struct run_spec spec;
    char *logdir, *bindir, *vgdb;
};

static char **spec_env(const struct rubric *r, const struct rubric_test *t,
                       enum check_kind k, const char *logdir)
{
    char **tool = tool_env(k, logdir);
    int nt = 0, n = 0;
    char **env;

    while (tool[nt])
        nt++;
    env = gr_alloc(sizeof(char *) * (size_t)(nt + t->nparams + 8));
    for (int i = 0; i < nt; i++)
        env[n++] = tool[i];
    for (int i = 0; i < t->nparams; i++)
        env[n++] = gr_printf(HARNESS_ENV_PARAM_PREFIX "%s", t->params[i]);
    /* The scheduler makes its own spurious wake-ups; without chaos, the
     * schedule is the one `make sched` replays. */
    if (k == CHK_SCHED)
        sched_env(env, &n, r, logdir);
    else if (t->chaos)
        env[n++] = gr_strdup(HARNESS_ENV_CHAOS "=1");
    free(tool);
    return env;
}

/* TRACE=1: the harness writes its spans into the run directory ... */
static void trace_env(struct run_spec *spec)
{
    int n = 0;

    while (spec->env[n])
        n++;
    spec->env = realloc(spec->env, sizeof(char *) * (size_t)(n + 2));
    if (!spec->env)
        gr_die("out of memory");
    spec->env[n] = gr_strdup(HARNESS_ENV_TRACE "=1");
    spec->env[n + 1] = NULL;
}

/* ... and they become <trace_dir>/<lab>-<test>.json and .svg. */
static void trace_save(struct entry *en, const struct lab *lab, const char *dir,
                       const char *logdir)
{
    char *spans = path_join(logdir, HARNESS_TRACE_FILE), *err = NULL;
    char *base = gr_printf("%s/%s-%s", dir, lab->name, en->test->name);
    int rc;

    mkdir_p(dir);
    rc = trace_export(spans, base, &err);
    if (rc <= 0) {
        char *notes =
            rc == 0
                ? gr_printf("%stimeline: %s.svg and .json\n", en->notes, base)
                : gr_printf("%sno timeline: %s\n", en->notes, err ? err : "?");

        free(en->notes);
        en->notes = notes;
    }
    free(err);
    free(base);
    free(spans);
}

/* A timeout: where each thread waited, and what that suggests. */
static void explain_timeout(struct entry *en, const struct run_result *r,
                            const struct lab *lab, const char *root)
{
    const char *word;
    char *cause,
        *d = condense_timeout(r->output ? r->output : "", root, lab->student,
                              lab->nstudent, &cause, &word);
    size_t n;

    if (r->verdict == V_PASS || r->verdict == V_FAIL) {
        /* The harness gave its verdict, so the test itself ended: what hung
         * is code that runs at exit, and "a deadlock?" would mislead. The
         * stacks say where; the verdict earns nothing, since the process
         * never finished. */
        char *cut = d ? strstr(d, "likely cause: ") : NULL;

        if (cut)
            *cut = '\0';
        free(en->detail);
        en->detail = gr_printf(
            "%slikely cause: a destructor (__attribute__((destructor))) or "
            "an atexit() handler that never returns: code that runs after "
            "main() must return, and a forked child must _exit()\n",
            d ? d : "");
        free(d);
        free(en->summary);
        en->summary =
            gr_printf("the test %s, then its process did not end: "
                      "timed out after %.0f s in code that runs at "
                      "exit (where each thread waited is below)",
                      r->verdict == V_PASS ? "passed" : "failed", r->seconds);
        free(cause);
        return;
    }
    if (!cause) {
        free(d);
        if (check_is_valgrind(en->kind)) {
            /* gdb would show Valgrind's stack, not the test's: say what
             * the tool's schedule suggests instead of "stacks below". */
            free(en->summary);
            en->summary = gr_printf(
                "timed out after %.0f s under %s, which runs one thread at "
                "a time and 20-50x slower: a deadlock or lost wake-up that "
                "this schedule exposes, or a spin waiting for a thread that "
                "cannot run? (Valgrind's threads cannot be shown)",
                r->seconds, check_name(en->kind));
        }
        return;
    }
    free(en->detail);
    en->detail = d;
    en->cause = word;
    /* The cause's question ("a deadlock?") or first clause. */
    n = strchr(cause, '?') ? (size_t)(strchr(cause, '?') - cause + 1)
                           : strcspn(cause, ":");
    free(en->summary);
    en->summary = gr_printf("timed out after %.0f s: %.*s (where each thread "
                            "waited is below)",
                            r->seconds, (int)n, cause);
    free(cause);
}

/*
 * The test's own evidence leads when the summary does not say it already:
 * a worker saw three threads inside, and then the test hung. The
 * summary's own words (the timeout, the crash) follow it.
 */
static void show_symptom(struct entry *en)
{
    char *s;

    if (!en->symptom_text || !*en->symptom_text ||
        (en->summary && strstr(en->summary, en->symptom_text)))
        return;
    s = gr_printf("%s; then: %s", en->symptom_text,
                  en->summary ? en->summary : "it failed");
    free(en->summary);
    en->summary = s;
}

/* What a run of this entry may take at most: its test's timeout, scaled by
 * its tool's slowdown. */
static double entry_timeout(const struct entry *en, const struct lab *lab)
{
    return en->test->timeout * lab->rubric.factor[en->kind];
}

static void plan(struct planned *p, struct entry *en, const struct lab *lab,
                 const struct grade_opts *o, const char *tsan_prefix)
{
    const struct rubric_test *t = en->test;
    const char *variant = check_variant(en->kind);
    char *bin = binary_path(o, lab, variant, t->binary);
    char **argv;

    p->en = en;
    p->logdir = gr_printf("%s/%s/run/%s.%s", o->out, lab->name, t->name,
                          check_name(en->kind));
    rm_rf(p->logdir);
    mkdir_p(p->logdir);
    argv = tool_argv(en->kind, bin, t->name, p->logdir);
    if (en->kind == CHK_TSAN && tsan_prefix) {
        /* setarch -R: TSan's fixed memory layout on high-entropy kernels */
        int n = 0;
        char **v;

        while (argv[n])
            n++;
        v = gr_alloc(sizeof(char *) * (size_t)(n + 4));
        v[0] = gr_strdup("setarch");
        v[1] = gr_strdup(tsan_prefix);
        v[2] = gr_strdup("-R");
        memcpy(v + 3, argv, sizeof(char *) * (size_t)n);
        free(argv);
        argv = v;
    }
    p->spec.argv = argv;
    p->spec.env = spec_env(&lab->rubric, t, en->kind, p->logdir);
    if (o->trace_dir && en->kind == CHK_SPEEDUP)
        trace_env(&p->spec);
    p->spec.timeout = entry_timeout(en, lab);
    p->spec.task = t->task - 1;
    p->spec.expect = en->expect;
    p->spec.workdir = p->logdir;
    p->bindir = gr_strdup(bin);
    *strrchr(p->bindir, '/') = '\0';
    p->spec.bindir = p->bindir;
    /* gdb attaches to any native process, a sanitized one included, and
     * reads one under Valgrind through Valgrind's gdbserver. */
    p->spec.backtrace = 1;
    if (check_is_valgrind(en->kind)) {
        p->vgdb = gr_printf("%s/" VGDB_PREFIX, p->logdir);
        p->spec.vgdb_prefix = p->vgdb;
    }
    if (strcmp(variant, "plain") == 0)
        p->spec.memory_mib = lab->rubric.memory_mib;
    free(bin);
}

static void plan_free(struct planned *p)
{
    for (char **a = p->spec.argv; a && *a; a++)
        free(*a);
    free(p->spec.argv);
    for (char **e = p->spec.env; e && *e; e++)
        free(*e);
    free(p->spec.env);
    free(p->logdir);
    free(p->bindir);
    free(p->vgdb);
}

/*
 * What each functional test took the last time this tree was graded
 * (<out>/<lab>/functional-times.tsv, the grader's own file): run_batch
 * starts the longest first, so that the last verdict of `make` in a lab
 * folder does not wait on a long test that happened to come last in the
 * rubric. Order only: every test still runs, as it would have.
 */
static void times_load(struct entry **ens, int n, const struct lab *lab,
                       const struct grade_opts *o)
{
    char *path = gr_printf("%s/%s/functional-times.tsv", o->out, lab->name);
    /* Read as a run file: where tests run as the grader's own user they
     * could reach the output folder, and a FIFO there would hang fopen. */
    char *data = read_run_file(path, 1 << 16, NULL, geteuid());
    const char *p = data;
    char line[512], name[256];
    double s;

    while (p && next_line(&p, line, sizeof(line)))
        if (sscanf(line, "%255s %lf", name, &s) == 2)
            for (int i = 0; i < n; i++)
                if (strcmp(ens[i]->test->name, name) == 0)
                    ens[i]->expect = s;
    free(data);
    free(path);
}

static void times_save(struct entry **ens, int n, const struct lab *lab,
                       const struct grade_opts *o)
{
    char *path = gr_printf("%s/%s/functional-times.tsv", o->out, lab->name);
    char *tmp = gr_printf("%s.tmp", path);
    char *data = read_run_file(path, 1 << 16, NULL, geteuid());
    const char *p = data;
    FILE *f;
    char line[512], name[256];
    double s;

    unlink(tmp); /* never write through what someone left there */
    f = fopen(tmp, "wxe");
    /* Tests this run did not time (--test) keep their last figure. */
    while (f && p && next_line(&p, line, sizeof(line))) {
        int timed = 0;

        if (sscanf(line, "%255s %lf", name, &s) != 2)
            continue;
        for (int i = 0; i < n && !timed; i++)
            timed = ens[i]->outcome != OUT_NOTRUN &&
                    strcmp(ens[i]->test->name, name) == 0;
        if (!timed)
            fprintf(f, "%s\t%.3f\n", name, s);
    }
    free(data);
    if (f) {
        for (int i = 0; i < n; i++)
            if (ens[i]->outcome != OUT_NOTRUN)
                fprintf(f, "%s\t%.3f\n", ens[i]->test->name, ens[i]->seconds);
        if (fclose(f) == 0)
            rename(tmp, path);
    }
    free(tmp);
    free(path);
}

/*
 * A run that timed out while its threads spent a quarter of the time or
 * more runnable but without a CPU (or, once the test had ended and only
 * its PID namespace's init was left, while the machine's did: the
 * kernel's CPU pressure) was judged by a busy machine, not by the code:
 * correct references timed out so at load 80 (lab 03's bank test, lab
 * 04's semaphore hand-off). Such a run is made once more, alone and
 * within its task's budget, and the second verdict stands, whatever it
 * is. A deadlock or a lost wake-up sleeps and waits for no CPU, so it is
 * not run again; nor is one that had more than SELF_STARVED processes
 * when it timed out: a fork bomb keeps the CPUs busy itself, and alone it
 * would only starve itself again (the corpus's three bombs each ran
 * twice).
 * (A speedup that ends on a busy machine has its own answer,
 * inconclusive; one that times out there is run again too.)
 */
enum { SELF_STARVED = 64 };
static void rerun_starved(const struct run_spec *specs, struct run_result *rs,
                          int n, struct budget *b)
{
    for (int i = 0; i < n; i++) {
        struct run_result again;
        int task = specs[i].task;

        if (!rs[i].timed_out || rs[i].killed ||
            rs[i].cpu_wait < 0.25 * rs[i].seconds || rs[i].crowd > SELF_STARVED)
            continue;
        /* run_batch took its timeout off what the task may still need. */
        if (b && task >= 0 && task < b->ntasks)
            b->worst[task] += specs[i].timeout;
        run_batch(&specs[i], &again, 1, 1, b);
        if (again.killed && starts_with(again.killed, "not run")) {
            run_result_free(&again); /* no time left: the timeout stands */
            continue;
        }
        {
            char *notes = gr_printf(
                "%stimed out after %.0f s on a busy machine (for %.0f s of "
                "it, threads waited for a CPU); this verdict is a second "
                "run's, alone\n",
                again.notes ? again.notes : "", rs[i].seconds, rs[i].cpu_wait);

            free(again.notes);
            again.notes = notes;
        }
        run_result_free(&rs[i]);
        rs[i] = again;
    }
}

static void run_phase(struct entry **ens, int n, const struct lab *lab,
                      const struct grade_opts *o, int parallel,
                      struct budget *b, const char *tsan_prefix)
{
    struct planned *ps = gr_alloc(sizeof(*ps) * (size_t)(n ? n : 1));
    struct run_spec *specs = gr_alloc(sizeof(*specs) * (size_t)(n ? n : 1));
    struct run_result *rs = gr_alloc(sizeof(*rs) * (size_t)(n ? n : 1));
    /* The staged student files (stage_student_files), which a tool's
     * condenser may read a line of. */
    char *srcdir = gr_printf("%s/src/%s", o->out, lab->name);

    for (int i = 0; i < n; i++) {
        plan(&ps[i], ens[i], lab, o, tsan_prefix);
        specs[i] = ps[i].spec;
    }
    run_batch(specs, rs, n, parallel, b);
    rerun_starved(specs, rs, n, b);
    for (int i = 0; i < n; i++) {
        if (ens[i]->kind == CHK_FUNCTIONAL || ens[i]->kind == CHK_SPEEDUP)
            judge(ens[i], &rs[i], o->root);
        else if (ens[i]->kind == CHK_SCHED) {
            judge_sched(ens[i], &rs[i], lab, o);
            sched_save(ens[i], lab, o, ps[i].logdir);
        } else
            judge_tool(ens[i], &rs[i], ps[i].logdir, o->root, srcdir);
        if (rs[i].timed_out && !rs[i].killed)
            explain_timeout(ens[i], &rs[i], lab, o->root);
        show_symptom(ens[i]);
        if (o->trace_dir && ens[i]->kind == CHK_SPEEDUP)
            trace_save(ens[i], lab, o->trace_dir, ps[i].logdir);
        ens[i]->score = ens[i]->outcome == OUT_PASS ? ens[i]->max : 0;
        if (!o->quiet)
            fprintf(stderr, "  %-44s %-10s %s\n", ens[i]->test->name,
                    check_name(ens[i]->kind), outcome_name(ens[i]->outcome));
        run_result_free(&rs[i]);
        plan_free(&ps[i]);
    }
    free(srcdir);
    free(ps);
    free(specs);
    free(rs);
}

static struct entry *find_entry(struct lab_result *res, const char *test,
                                enum check_kind k)
{
    for (int i = 0; i < res->nentries; i++)
        if (res->entries[i].kind == k &&
            strcmp(res->entries[i].test->name, test) == 0)
            return &res->entries[i];
    return NULL;
}

/* Did every prerequisite of this entry pass? Names the first that did not. */
static const char *prereq_failed(struct lab_result *res, struct entry *en)
{
    const struct rubric_test *t = en->test;
    struct entry *f;

    if (en->kind != CHK_FUNCTIONAL && en->kind != CHK_SPEEDUP) {
        f = find_entry(res, t->name, CHK_FUNCTIONAL);
        if (f && f->outcome != OUT_PASS)
            return t->name;
    }
    for (int i = 0; i < t->nprereqs; i++) {
        f = find_entry(res, t->prereqs[i], CHK_FUNCTIONAL);
        if (f && f->outcome != OUT_PASS)
            return t->prereqs[i];
    }
    return NULL;
}

/*
 * A test with `requires` earns nothing unless those tests pass
 * functionally (docs/writing-a-lab.md): its own functional pass is
 * withheld when one of them did not (a speed test that a stub passes
 * vacuously). Its other checks are not run (prereq_failed). Repeated
 * until nothing changes, so a chain of requirements is followed.
 */
static void withhold_unmet(struct lab_result *res, int quiet)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < res->nentries; i++) {
            struct entry *en = &res->entries[i];
            const char *pre;

            if (en->kind != CHK_FUNCTIONAL || en->outcome != OUT_PASS ||
                en->test->nprereqs == 0 || !(pre = prereq_failed(res, en)))
                continue;
            en->outcome = OUT_NOTRUN;
            en->score = 0;
            free(en->summary);
            en->summary = gr_printf("no points: it counts only when %s "
                                    "passes functionally, and it did not",
                                    pre);
            /* Its progress line said passed: say what became of it. */
            if (!quiet)
                fprintf(stderr,
                        "  %-44s %-10s %s (no points: %s did not "
                        "pass)\n",
                        en->test->name, check_name(en->kind),
                        outcome_name(en->outcome), pre);
            changed = 1;
        }
    }
}

static void set_all(struct lab_result *res, enum outcome o, const char *why,
                    const char *detail)
{
    for (int i = 0; i < res->nentries; i++) {
        struct entry *en = &res->entries[i];

        en->outcome = o;
        en->summary = gr_strdup(why);
        en->detail = gr_strdup(detail ? detail : "");
        en->notes = gr_strdup("");
        en->score = 0;
    }
}

static const char *tsan_prefix_for_machine(const char *out);

/*
 * The lab itself is broken (its rubric, lab.mk, or the two disagree): one
 * entry that says so, scoring 0, and an error so the run exits 2. Its rubric may not have
 * parsed, so the entry names a test of its own.
 */
static void lab_broken(struct lab_result *res, const char *why)
{
    static struct rubric_test whole = {.name = "(the lab)"};
    struct entry *en;

    free(res->entries);
    res->entries = gr_alloc(sizeof(*en));
    res->nentries = 1;
    res->error = 1;
    en = &res->entries[0];
    memset(en, 0, sizeof(*en));
    en->max = res->max; /* the lab's points, if its rubric could say */
    en->test = &whole;
    en->kind = CHK_FUNCTIONAL;
    en->outcome = OUT_ERROR;
    en->summary = gr_strdup("could not grade this lab (the repository's "
                            "fault, not the submission's)");
    en->detail = gr_strdup(why);
    en->notes = gr_strdup("");
}

/* Is test `name` in `list` (--test: names separated by commas)? */

/*
 * Grading some tests only (--test: a mutant, a wheat, a corpus entry): the
 * test binaries that hold them, so that only those are built and linked
 * (a lab has up to seven, and linking is what ccache cannot spare). A test
 * is found in tests/BIN.c by its definition, `static void NAME(` at the
 * start of a line, as the tree's layout has it (release-hidden.sh relies
 * on it too). NULL when one is not found: then everything is built, and
 * map_tests says what is missing. A wrong guess costs a second build
 * (grade_lab), never a verdict.
 */
static char *binaries_of_tests(const struct lab *lab, const char *only)
{
    struct sbuf bins = {0};

    for (const char *p = only; p && *p;) {
        size_t len = strcspn(p, ",");
        char *want = gr_printf("\nstatic void %.*s(", (int)len, p);
        const char *found = NULL;

        for (int b = 0; b < lab->nbinaries && !found; b++) {
            char *path = gr_printf("%s/tests/%s.c", lab->dir, lab->binaries[b]);
            char *text = read_file(path, 4 << 20, NULL);

            if (text && (strstr(text, want) ||
                         strncmp(text, want + 1, strlen(want + 1)) == 0))
                found = lab->binaries[b];
            free(text);
            free(path);
        }
        free(want);
        if (!found) {
            free(bins.s);
            return NULL;
        }
        if (!bins.s || !list_has(bins.s, " ", found))
            sbuf_printf(&bins, "%s%s", bins.len ? " " : "", found);
        p += len + (p[len] == ',');
    }
    return bins.s ? sbuf_steal(&bins) : NULL;
}

static void make_entries(struct lab *lab, const struct grade_opts *o,
                         struct lab_result *res)
{
    for (int i = 0; i < lab->rubric.ntests; i++) {
        struct rubric_test *t = &lab->rubric.tests[i];

        if (o->only_test && !list_has(o->only_test, ",", t->name))
            continue;
        for (int k = 0; k < CHK_COUNT; k++) {
            struct entry *en;

            if (!t->points[k] || (o->only && !(o->only & (1u << k))))
                continue;
            res->entries = realloc(res->entries,
                                   sizeof(*en) * (size_t)(res->nentries + 1));
            if (!res->entries)
                gr_die("out of memory");
            en = &res->entries[res->nentries++];
            memset(en, 0, sizeof(*en));
            en->test = t;
            en->kind = (enum check_kind)k;
            en->max = t->points[k];
            res->max += en->max;
        }
    }
}

/* Tool checks, grouped by tool so each variant is built once. */
static void tool_phase(struct lab *lab, const struct grade_opts *o,
                       struct lab_result *res, struct budget *b)
{
    struct entry **batch =
        gr_alloc(sizeof(*batch) * (size_t)(res->nentries + 1));
    const char *tsan_prefix = NULL;

    for (int k = CHK_TSAN; k < CHK_COUNT; k++) {
        int n = 0, asked = 0;
        const char *missing = NULL; /* asked only where a check would run */
        char *log = NULL;
        double built;

        if (k == CHK_SPEEDUP) /* its own phase, alone */
            continue;
        for (int i = 0; i < res->nentries; i++) {
            struct entry *en = &res->entries[i];
            const char *pre;

            if (en->kind != (enum check_kind)k)
                continue;
            pre = o->no_prereq ? NULL : prereq_failed(res, en);
            if (pre) {
                en->outcome = OUT_NOTRUN;
                en->summary = gr_printf("not run: %s did not pass "
                                        "functionally",
                                        pre);
                continue;
            }
            if (!asked++)
                missing = tool_missing((enum check_kind)k);
            if (missing) {
                en->outcome = OUT_ERROR;
                en->summary =
                    gr_printf("could not grade this check: %s", missing);
                res->error = 1;
                continue;
            }
            batch[n++] = en;
        }
        if (n == 0)
            continue;
        built = now_seconds();
        if (build_variant(o, lab, check_variant((enum check_kind)k), &log) <
            0) {
            char *errs = first_errors(log, o->root);

            for (int i = 0; i < n; i++) {
                batch[i]->outcome = OUT_ERROR;
                batch[i]->summary = gr_printf("could not build the %s "
                                              "variant",
                                              check_variant(batch[i]->kind));
                batch[i]->detail = gr_strdup(errs);
            }
            res->error = 1;
            free(errs);
            free(log);
            continue;
        }
        free(log);
        b->deadline += now_seconds() - built; /* the grader's time */
        if (k == CHK_TSAN && !(tsan_prefix = tsan_prefix_for_machine(o->out))) {
            for (int i = 0; i < n; i++) {
                batch[i]->outcome = OUT_ERROR;
                batch[i]->summary = gr_strdup(
                    "could not grade this check: ThreadSanitizer cannot run "
                    "on this machine (see `make doctor`)");
            }
            res->error = 1;
            continue;
        }
        if (k == CHK_TSAN && strcmp(tsan_prefix, "-") == 0)
            tsan_prefix = NULL;
        run_phase(batch, n, lab, o, o->jobs, b, tsan_prefix);
    }
    free(batch);
}

static void speedup_phase(struct lab *lab, const struct grade_opts *o,
                          struct lab_result *res, struct budget *b)
{
    for (int i = 0; i < res->nentries; i++) {
        struct entry *en = &res->entries[i];
        const char *pre;

        if (en->kind != CHK_SPEEDUP)
            continue;
        pre = o->no_prereq ? NULL : prereq_failed(res, en);
        if (pre) {
            en->outcome = OUT_NOTRUN;
            en->summary =
                gr_printf("not run: %s did not pass functionally", pre);
            continue;
        }
        run_phase(&en, 1, lab, o, 1, b, NULL);
    }
}

/*
 * The lab's budget shared out among its tasks in proportion to the worst
 * case of their checks (the sum of their timeouts), so that a task whose
 * code hangs under every tool cannot take the time another task's checks
 * need: run.h, struct budget. Memcheck's factor makes a task with
 * Valgrind checks weigh fifty times one without: lab 05's task 4 (two
 * functional tests and two speedups) got 0.9 s of 120, less than a fresh
 * build took, and a correct submission lost its functional points as "not
 * run". So each task is guaranteed at least a floor, budget / (4 x tasks)
 * (never more than its worst case), and the rest is shared out as before.
 * The clock starts after the build: building is the grader's time, not a
 * task's (tool_phase pushes the deadline back by each variant's build).
 */
static void budget_init(struct budget *b, const struct lab *lab,
                        const struct lab_result *res, double t0)
{
    double total = 0, fixed = 0, floor_share;

    memset(b, 0, sizeof(*b));
    b->deadline = t0 + lab->rubric.budget;
    for (int i = 0; i < res->nentries; i++)
        if (res->entries[i].test->task > b->ntasks)
            b->ntasks = res->entries[i].test->task;
    b->share = gr_alloc(sizeof(double) * (size_t)(b->ntasks + 1));
    b->spent = gr_alloc(sizeof(double) * (size_t)(b->ntasks + 1));
    b->worst = gr_alloc(sizeof(double) * (size_t)(b->ntasks + 1));
    for (int i = 0; i < res->nentries; i++) {
        const struct entry *en = &res->entries[i];
        double w = entry_timeout(en, lab);

        if (en->test->task < 1)
            continue;
        b->worst[en->test->task - 1] += w;
        total += w;
    }
    floor_share = b->ntasks > 0 ? lab->rubric.budget / (4.0 * b->ntasks) : 0;
    for (int u = 0; u < b->ntasks; u++) {
        double f = b->worst[u] < floor_share ? b->worst[u] : floor_share;

        b->spent[u] = 0;
        b->share[u] = -1;
        if (total > 0 && lab->rubric.budget * b->worst[u] / total < f) {
            b->share[u] = f; /* raised to the floor */
            fixed += f;
            total -= b->worst[u];
        }
    }
    for (int u = 0; u < b->ntasks; u++)
        if (b->share[u] < 0)
            b->share[u] =
                total > 0 ? (lab->rubric.budget - fixed) * b->worst[u] / total
                          : 0;
}

static void budget_free(struct budget *b)
{
    free(b->share);
    free(b->spent);
    free(b->worst);
}

int grade_lab(struct lab *lab, const struct grade_opts *o,
              struct lab_result *res, char **err)
{
    double t0 = now_seconds();
    struct budget budget;
    struct entry **batch;
    char *problem, *log = NULL;
    int n = 0;

    memset(res, 0, sizeof(*res));
    res->lab = lab;
    if (lab->broken) {
        lab_broken(res, lab->broken);
        goto out;
    }
    if (lab->nstudent == 0 && lab_load_info(o->root, lab, &lab->broken) < 0) {
        lab_broken(res, lab->broken);
        goto out;
    }
    for (const char *p = o->only_test; p && *p;) {
        size_t len = strcspn(p, ",");
        char *one = gr_printf("%.*s", (int)len, p);
        int found = rubric_find(&lab->rubric, one) != NULL;

        if (!found) {
            *err = gr_printf("%s has no test named %s (see its rubric.ini)",
                             lab->name, one);
            free(one);
            return -1;
        }
        free(one);
        p += len + (p[len] == ',');
    }
    make_entries(lab, o, res);
    free(lab->build_bins);
    lab->build_bins =
        o->only_test ? binaries_of_tests(lab, o->only_test) : NULL;
    problem = stage_student_files(o, lab);
    if (problem) {
        set_all(res, OUT_BUILD, "not graded: the submission is incomplete",
                problem);
        free(problem);
        goto out;
    }
    if (build_variant(o, lab, "plain", &log) < 0) {
        char *errs = first_errors(log, o->root);

        set_all(res, OUT_BUILD, "did not compile (first errors below)", errs);
        free(errs);
        free(log);
        goto out;
    }
    free(log);
    if (map_tests(o, lab, &lab->broken) < 0 && lab->build_bins) {
        /* The guess of binaries_of_tests was wrong: build them all. */
        free(lab->broken);
        lab->broken = NULL;
        free(lab->build_bins);
        lab->build_bins = NULL;
        if (build_variant(o, lab, "plain", &log) < 0) {
            char *errs = first_errors(log, o->root);

            set_all(res, OUT_BUILD, "did not compile (first errors below)",
                    errs);
            free(errs);
            free(log);
            goto out;
        }
        free(log);
        map_tests(o, lab, &lab->broken);
    }
    if (lab->broken) {
        lab_broken(res, lab->broken);
        goto out;
    }

    batch = gr_alloc(sizeof(*batch) * (size_t)(res->nentries + 1));
    for (int i = 0; i < res->nentries; i++)
        if (res->entries[i].kind == CHK_FUNCTIONAL)
            batch[n++] = &res->entries[i];
    times_load(batch, n, lab, o);
    /* The clock starts now: the build was the grader's time, not a task's. */
    budget_init(&budget, lab, res, now_seconds());
    run_phase(batch, n, lab, o, o->jobs, &budget, NULL);
    times_save(batch, n, lab, o);
    free(batch);
    if (!o->no_prereq)
        withhold_unmet(res, o->quiet);
    tool_phase(lab, o, res, &budget);
    speedup_phase(lab, o, res, &budget);
    budget_free(&budget);
out:
    res->score = 0;
    for (int i = 0; i < res->nentries; i++)
        res->score += res->entries[i].score;
    res->seconds = now_seconds() - t0;
    return 0;
}

/*
 * The prefix TSan runs need here: "-" for none, the machine's name for
 * `setarch <arch> -R`, NULL when TSan cannot run (tsan_probe, once).
 */
static const char *tsan_prefix_for_machine(const char *out)
{
    static int said;
    const char *arch;
    enum tsan_probe_result r = tsan_probe(out, &arch);

    if (r == TSAN_RUNS)
        return "-";
    if (r != TSAN_NEEDS_SETARCH)
        return NULL;
    if (!said++)
        fprintf(stderr,
                "grader: TSan needs a fixed memory layout on this kernel: "
                "running it under `setarch %s -R` (or: sysctl "
                "vm.mmap_rnd_bits=28)\n",
                arch);
    return arch;
}
