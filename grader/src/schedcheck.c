/* SPDX-License-Identifier: MIT */
/*
 * The sched check: a test run under the controlled scheduler of the sched
 * build (docs/sched.md), sched_runs schedules, half PCT, half a random
 * walk, half of each without spurious wake-ups, from the default seed, so a grade is the same every time. A
 * failure is a seed: the report says which, shows the end of that
 * schedule and prints the `make sched` command that replays it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schedcheck.h"
#include "util.h"

/* The steps of the failed schedule the report shows (the harness prints
 * 30; `make sched ... TRACE=1` writes them all). */
#define SHOWN_STEPS 10
#define SHOWN_PICTURE 12

/* The replayed schedule's files in the run folder (only the replay writes
 * them: harness/main.c), and how many of its last steps they keep: a
 * schedule that spins to a million steps leaves a few MB, not hundreds. */
#define TRACE_FILE "sched.trace"
#define TIMELINE_FILE "sched.json"
#define TRACE_LAST 20000
#define SAVED_MAX ((size_t)32 << 20)

void sched_env(char **env, int *n, const struct rubric *r, const char *logdir)
{
    env[(*n)++] = gr_strdup(HARNESS_ENV_SCHED "=" HARNESS_SCHED_BOTH);
    env[(*n)++] = gr_printf(HARNESS_ENV_SCHED_RUNS "=%ld",
                            r->sched_runs > 0 ? r->sched_runs : 1);
    env[(*n)++] = gr_printf(HARNESS_ENV_SCHED_TRACE "=%s/" TRACE_FILE, logdir);
    env[(*n)++] =
        gr_printf(HARNESS_ENV_SCHED_TIMELINE "=%s/" TIMELINE_FILE, logdir);
    env[(*n)++] = gr_printf(HARNESS_ENV_SCHED_TRACE_LAST "=%d", TRACE_LAST);
}

/* "    20  t1   lock   mutex 2  sema.c:67 (sema_wait)": harness/scheduler.c,
 * print_event. */
static int step_line(const char *l)
{
    size_t sp = strspn(l, " "), d = strspn(l + sp, "0123456789");

    return d > 0 && strncmp(l + sp + d, "  t", 3) == 0 &&
           l[sp + d + 3] >= '0' && l[sp + d + 3] <= '9';
}

void sched_split(const char *output, struct sched_out *s)
{
    struct sbuf rest = {0}, pic = {0}, steps = {0};
    const char *p = output, *line;
    const char *lines[SHOWN_STEPS];
    char head[128] = "";
    int nsteps = 0, total = 0, in_picture = 0;
    size_t len;

    for (line = p; (len = next_line(&p, NULL, 0)); line = p) {
        /* next_line counts the newline */
        char *l = gr_printf("%.*s", (int)(len - 1), line);

        if (step_line(l)) {
            if (total >= SHOWN_STEPS)
                free((char *)lines[total % SHOWN_STEPS]);
            lines[total++ % SHOWN_STEPS] = l;
            continue;
        }
        if (in_picture &&
            (starts_with(l, "  thread ") || starts_with(l, "      holds "))) {
            if (in_picture++ <= SHOWN_PICTURE)
                sbuf_printf(&pic, "%s\n", l);
            free(l);
            continue;
        }
        in_picture = 0;
        if (starts_with(l, "sched: deadlock at step")) {
            sbuf_printf(&pic, "%s\n", l + 7);
            in_picture = 1;
        } else if (starts_with(l, "sched: the last ")) {
            unsigned long of = 0;

            if (sscanf(l, "sched: the last %*u of %lu steps", &of) == 1)
                snprintf(head, sizeof(head), "%lu steps", of);
        } else if (!starts_with(l, "sched: ")) {
            sbuf_printf(&rest, "%s\n", l);
        }
        free(l);
    }
    nsteps = total < SHOWN_STEPS ? total : SHOWN_STEPS;
    if (nsteps)
        sbuf_printf(&steps, "its last %d of %s:\n", nsteps,
                    *head ? head : "its steps");
    for (int i = total - nsteps; i < total; i++) {
        sbuf_printf(&steps, "%s\n", lines[i % SHOWN_STEPS]);
        free((char *)lines[i % SHOWN_STEPS]);
    }
    s->rest = sbuf_steal(&rest);
    s->picture = sbuf_steal(&pic);
    s->steps = sbuf_steal(&steps);
}

void sched_out_free(struct sched_out *s)
{
    free(s->rest);
    free(s->steps);
    free(s->picture);
}

/* The tree as `make sched SRC=` takes it: nothing for labs/. */
static void src_arg(struct sbuf *b, const struct grade_opts *o)
{
    char *labs = path_join(o->root, "labs");
    char *sols = path_join(o->root, "solutions");
    const char *src = o->tree;

    if (strcmp(o->tree, labs) == 0)
        src = NULL;
    else if (strcmp(o->tree, sols) == 0)
        src = "solutions";
    else if (starts_with(o->tree, o->root) && o->tree[strlen(o->root)] == '/')
        src = o->tree + strlen(o->root) + 1;
    if (src && strspn(src, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
                           "YZ0123456789_./-+,:@") == strlen(src)) {
        sbuf_printf(b, " SRC=%s", src);
    } else if (src) { /* quoted for a shell: ' becomes '\'' */
        sbuf_puts(b, " SRC='");
        for (const char *c = src; *c; c++)
            sbuf_puts(b, *c == '\'' ? "'\\''" : (char[]){*c, 0});
        sbuf_puts(b, "'");
    }
    free(labs);
    free(sols);
}

/* The harness's note (on the result channel, which the code under test
 * cannot forge): "sched: failed F of N schedules; first at seed 0xS
 * strategy X; replay: ...". */
static int failed_note(const char *notes, long *failed, long *runs,
                       uint64_t *seed, char *strategy)
{
    const char *l = notes ? strstr(notes, "sched: failed ") : NULL;
    unsigned long long sd;

    if (!l || sscanf(l,
                     "sched: failed %ld of %ld schedules; first at seed "
                     "%llx strategy %15[a-z-]",
                     failed, runs, &sd, strategy) != 4)
        return 0;
    *seed = (uint64_t)sd;
    return 1;
}

/* The notes without the scheduler's own (the report says them better). */
static char *other_notes(const char *notes)
{
    struct sbuf b = {0};
    const char *p = notes ? notes : "";

    while (*p) {
        size_t n = strcspn(p, "\n");

        if (!starts_with(p, "sched: "))
            sbuf_printf(&b, "%.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    return sbuf_steal(&b);
}

void sched_report(struct entry *en, const struct run_result *r,
                  const struct sched_out *s, const struct lab *lab,
                  const struct grade_opts *o)
{
    const char *vt = r->verdict_text ? r->verdict_text : "";
    struct sbuf d = {0}, cmd = {0};
    char strategy[16] = "";
    long failed = 0, runs = 0;
    uint64_t seed = 0;
    int have = failed_note(r->notes, &failed, &runs, &seed, strategy);
    char *notes = other_notes(en->notes);

    free(en->notes);
    en->notes = notes;
    if (en->outcome == OUT_PASS || en->outcome == OUT_BUDGET)
        return;
    if (starts_with(vt, "sched: deadlock")) {
        en->cause = strstr(vt, "lost wake-up") ? "lost-wakeup" : "deadlock";
        free(en->summary);
        en->summary = gr_strdup(
            strstr(vt, "lost wake-up")
                ? "lost wake-up: every thread is blocked, some in a "
                  "condition wait that nobody is left to signal"
                : "deadlock: every thread is blocked on a lock or a join "
                  "(a lock-order cycle, or a lock never released?)");
    } else if (starts_with(vt, "sched: the test did not finish within")) {
        en->cause = "livelock";
        free(en->summary);
        en->summary = gr_strdup(vt + 7);
    }
    if (have) {
        char *sum = gr_printf(
            "under sched: failed %ld of %ld schedules, first at seed "
            "0x%016" PRIx64 " (%s): %s",
            failed, runs, seed, strcmp(strategy, "pct") == 0 ? "PCT" : strategy,
            en->summary ? en->summary : "it failed");

        free(en->summary);
        en->summary = sum;
    } else if (en->summary && !starts_with(en->summary, "under sched")) {
        char *sum = gr_printf("under sched: %s", en->summary);

        free(en->summary);
        en->summary = sum;
    }
    sbuf_puts(&d, en->detail ? en->detail : "");
    if (*s->picture)
        sbuf_printf(&d, "the wait-for picture, %s", s->picture);
    if (have && *s->steps)
        sbuf_printf(&d, "schedule 0x%016" PRIx64 " (%s), %s", seed, strategy,
                    s->steps);
    sbuf_printf(&cmd, "make sched LAB=%.2s TEST=%s", lab->name, en->test->name);
    src_arg(&cmd, o);
    if (have)
        sbuf_printf(&d,
                    "replay it, step by step (the whole trace in a file): "
                    "%s SEED=0x%016" PRIx64 " STRATEGY=%s RUNS=1 TRACE=1\n",
                    cmd.s, seed, strategy);
    else
        sbuf_printf(&d, "explore its schedules again: %s\n", cmd.s);
    sbuf_free(&cmd);
    free(en->detail);
    en->detail = sbuf_steal(&d);
}

/* The path as the report shows it: relative to the repository when in it. */
static const char *shown(const char *path, const struct grade_opts *o)
{
    size_t n = strlen(o->root);

    return strncmp(path, o->root, n) == 0 && path[n] == '/' ? path + n + 1
                                                            : path;
}

/* Copy one file out of the run folder, which the code under test could
 * have filled with anything: a regular file of its own, at most SAVED_MAX. */
static int save_one(const char *logdir, uid_t owner, const char *name,
                    const char *to)
{
    char *from = path_join(logdir, name), *data;
    size_t len = 0;
    int rc = -1;

    data = read_run_file(from, SAVED_MAX, &len, owner);
    if (data && len > 0)
        rc = write_file(to, data);
    free(data);
    free(from);
    return rc;
}

void sched_save(struct entry *en, const struct lab *lab,
                const struct grade_opts *o, const char *logdir)
{
    char *dir, *trace, *timeline, *line;
    uid_t owner;

    if (en->outcome == OUT_PASS || en->outcome == OUT_BUDGET || !en->summary ||
        !starts_with(en->summary, "under sched: failed ") ||
        run_dir_owner(logdir, &owner) < 0)
        return;
    dir = gr_printf("%s/%s/sched", o->out, lab->name);
    trace = gr_printf("%s/%s.trace", dir, en->test->name);
    timeline = gr_printf("%s/%s.json", dir, en->test->name);
    mkdir_p(dir);
    unlink(trace);
    unlink(timeline);
    if (save_one(logdir, owner, TRACE_FILE, trace) == 0) {
        line = gr_printf("%sthe schedule, every step: %s\n",
                         en->detail ? en->detail : "", shown(trace, o));
        free(en->detail);
        en->detail = line;
    }
    if (save_one(logdir, owner, TIMELINE_FILE, timeline) == 0) {
        line = gr_printf("%sits timeline: %s (open it in "
                         "https://ui.perfetto.dev)\n",
                         en->detail ? en->detail : "", shown(timeline, o));
        free(en->detail);
        en->detail = line;
    }
    free(trace);
    free(timeline);
    free(dir);
}
