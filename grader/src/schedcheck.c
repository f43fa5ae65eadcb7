/* SPDX-License-Identifier: MIT */
/*
 * The sched check: a test run under the controlled scheduler of the sched
 * build (docs/sched.md), sched_runs schedules, half PCT, half a random
 * walk, from the default seed, so a grade is the same every time. A
 * failure is a seed: the report says which, shows the end of that
 * schedule and prints the `make sched` command that replays it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedcheck.h"
#include "util.h"

/* The steps of the failed schedule the report shows (the harness prints
 * 30; `make sched ... TRACE=1` writes them all). */
#define SHOWN_STEPS 10
#define SHOWN_PICTURE 12

void sched_env(char **env, int *n, const struct rubric *r)
{
    env[(*n)++] = gr_strdup(HARNESS_ENV_SCHED "=" HARNESS_SCHED_BOTH);
    env[(*n)++] = gr_printf(HARNESS_ENV_SCHED_RUNS "=%ld",
                            r->sched_runs > 0 ? r->sched_runs : 1);
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
    const char *p = output ? output : "";
    const char *lines[SHOWN_STEPS];
    char head[128] = "";
    int nsteps = 0, total = 0, in_picture = 0;

    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *l = gr_printf("%.*s", (int)n, p);

        p = e ? e + 1 : p + n;
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
                     "%llx strategy %15[a-z]",
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
