/* SPDX-License-Identifier: MIT */
/* Judging a run: what a test's run, and a tool's logs, say about it, as
 * an outcome, a summary line and the lines that show it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "findings.h"
#include "judge.h"
#include "schedcheck.h"
#include "util.h"

/*
 * One line saying why a test failed: the harness's or the test's own words
 * when there are any, else cmocka's "[  ERROR   ] --- a != b", with the
 * location from cmocka's "[   LINE   ] --- file:line: error: Failure!".
 */
static char *first_failure_line(const char *out, const char *root)
{
    char *why = NULL, *where = NULL, *res;
    const char *p = out;
    char line[1001]; /* a line's first 1,000 characters */

    while ((!why || !where) && next_line(&p, line, sizeof(line))) {
        char *l = trim(line);

        if (starts_with(l, "[  ERROR   ] --- "))
            l = trim(l + 17);
        if (starts_with(l, "[   LINE   ] --- ")) {
            if (!where) {
                char *s = condense_output(l + 17, root, 1);

                s[strcspn(s, "\n")] = '\0';
                if (strstr(s, ": error: Failure!"))
                    *strstr(s, ": error: Failure!") = '\0';
                where = s;
            }
            continue;
        }
        if (!why && *l && l[0] != '[' && !strstr(l, "FAILED TEST") &&
            !starts_with(l, "timeline") && !timeline_line(l))
            why = gr_strdup(l);
    }
    if (!why && !where)
        return NULL;
    if (why && where && !strstr(why, where))
        res = gr_printf("%s (at %s)", why, where);
    else
        res = gr_strdup(why ? why : where);
    free(why);
    free(where);
    {
        char *rel = condense_output(res, root, 1);

        free(res);
        rel[strcspn(rel, "\n")] = '\0';
        return rel;
    }
}

/* The detail without the lines the summary already says. */
static char *without_summary(char *detail, const char *summary)
{
    struct sbuf b = {0};
    char *save = NULL;

    for (char *l = strtok_r(detail, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char *t = trim(l);

        if (strstr(summary, t) || starts_with(t, "[  ERROR   ] --- [   LINE"))
            continue;
        sbuf_printf(&b, "%s\n", l);
    }
    free(detail);
    return sbuf_steal(&b);
}

void judge(struct entry *en, const struct run_result *r, const char *root)
{
    int st = r->status;

    en->seconds = r->seconds;
    en->notes = gr_strdup(r->notes ? r->notes : "");
    en->detail = condense_output(r->output ? r->output : "", root, 40);
    if (r->killed) {
        en->outcome = starts_with(r->killed, "not run") ? OUT_BUDGET : OUT_FAIL;
        en->summary = gr_strdup(r->killed);
    } else if (r->timed_out) {
        en->outcome = OUT_TIMEOUT;
        en->summary = gr_printf("timed out after %.0f s: deadlock or lost "
                                "wake-up? (or an endless loop; stacks below)",
                                r->seconds);
    } else if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);

        en->outcome = OUT_CRASH;
        if (sig == SIGABRT)
            en->summary = gr_strdup("crashed with SIGABRT: abort() or a "
                                    "failed assert()");
        else if (sig == SIGXCPU)
            en->summary = gr_strdup("killed by SIGXCPU: CPU time limit "
                                    "(spinning instead of blocking?)");
        else
            en->summary = gr_printf("crashed with %s", signal_name(sig));
    } else if (r->verdict == V_EXIT) {
        en->outcome = OUT_EXIT;
        en->summary = gr_strdup(r->verdict_text);
    } else if (r->verdict == V_FAIL) {
        char *line = first_failure_line(r->output, root);

        /* "slow" is a speedup check's verdict: under a tool, or in a
         * functional run, timing proves nothing about the code. */
        en->outcome = en->kind == CHK_SPEEDUP && r->kind == HARNESS_KIND_SLOW
                          ? OUT_SLOW
                          : OUT_FAIL;
        /* An assertion's words are in the output; the harness's other
         * failures carry their own, and those beat the output. */
        if (r->kind != HARNESS_KIND_FAIL && r->kind != HARNESS_KIND_SLOW) {
            free(line);
            line = gr_strdup(r->verdict_text);
        }
        en->summary = line ? line : gr_strdup(r->verdict_text);
    } else if (r->verdict == V_SKIP || r->verdict == V_INCONCLUSIVE) {
        en->outcome = r->verdict == V_SKIP ? OUT_SKIP : OUT_INCONCLUSIVE;
        en->summary = gr_printf(
            "%s: %s", r->verdict == V_SKIP ? "skipped" : "inconclusive",
            r->verdict_text);
    } else if (r->verdict == V_PASS && WEXITSTATUS(st) == 0) {
        en->outcome = OUT_PASS;
        en->summary = gr_strdup("passed");
    } else if (r->verdict == V_PASS) {
        en->outcome = OUT_FAIL;
        en->summary =
            gr_printf("passed, then exited with status %d", WEXITSTATUS(st));
    } else {
        int code = WEXITSTATUS(st);

        en->outcome = OUT_EXIT;
        if (code == HARNESS_EXIT_WRAPPER)
            en->summary = gr_strdup("a checked call failed (see below)");
        else if (code == HARNESS_EXIT_FORKED)
            en->summary = gr_strdup("a forked child returned into the test "
                                    "runner: a child must exec or _exit()");
        else if (code == 255)
            en->summary = gr_strdup("exited with status 255 and no verdict: "
                                    "did a worker thread call assert_*, or "
                                    "the code call exit(-1)?");
        else
            en->summary = gr_printf("exited with status %d before the test "
                                    "finished: code under test must return "
                                    "an error, never call exit()",
                                    code);
    }
    if (en->summary)
        en->detail = without_summary(en->detail, en->summary);
    if (r->symptom && en->outcome != OUT_PASS && en->outcome != OUT_SKIP &&
        en->outcome != OUT_INCONCLUSIVE) {
        en->symptom = gr_strdup(r->symptom);
        en->symptom_text = gr_strdup(r->symptom_text);
    }
    if (r->forged || r->leftovers || r->dropped) {
        struct sbuf b = {0};

        sbuf_puts(&b, en->notes);
        if (r->forged)
            sbuf_printf(&b,
                        "ignored %d result line(s) not from the "
                        "harness\n",
                        r->forged);
        if (r->leftovers)
            sbuf_printf(&b, "killed %d process(es) the test left running\n",
                        r->leftovers);
        if (r->dropped)
            sbuf_printf(&b, "output cut: %zu bytes not kept\n", r->dropped);
        free(en->notes);
        en->notes = sbuf_steal(&b);
    }
}

/* A tool run: first the test itself must have passed, then the tool's
 * logs must be clean. */
void judge_tool(struct entry *en, const struct run_result *r,
                const char *logdir, const char *root, const char *srcdir)
{
    struct finding f;
    int n;

    judge(en, r, root);
    n = tool_findings(en->kind, logdir, r->pid, root, srcdir, &f);
    if (n > f.ignored) {
        free(en->summary);
        free(en->detail);
        en->outcome =
            en->kind == CHK_MEMCHECK
                ? (strstr(f.summary, "lost") || strstr(f.summary, "descriptor")
                       ? OUT_LEAK
                       : OUT_MEMERR)
            : en->kind == CHK_ASAN ? OUT_MEMERR
                                   : OUT_RACE;
        en->summary = f.summary;
        en->detail = f.detail;
        /* The tool's report is the verdict, and names the cause itself. */
        free(en->symptom);
        free(en->symptom_text);
        en->symptom = en->symptom_text = NULL;
        en->cause = f.symptom;
        return;
    }
    if (f.all_set_aside && !f.ignored && r->verdict == V_PASS &&
        WIFEXITED(r->status) && WEXITSTATUS(r->status) == 99) {
        /* 99 is tool_argv's --error-exitcode, and every error behind it
         * was set aside (findings.c: a trylock's lock order). */
        en->outcome = OUT_PASS;
        free(en->summary);
        en->summary = gr_strdup("passed");
        free(en->detail);
        en->detail =
            gr_printf("%d Helgrind lock-order report(s) set aside: the "
                      "acquisition that closed the cycle was a trylock, "
                      "which never waits, so no deadlock\n",
                      f.set_aside);
    }
    if (f.ignored) {
        /* Only logs it would not read (findings.c says which, in f.detail):
         * the check cannot pass on what the grader did not see. */
        char *d =
            gr_printf("%s%s%s", f.detail, en->detail && *en->detail ? "\n" : "",
                      en->detail ? en->detail : "");

        free(en->detail);
        en->detail = d;
        if (en->outcome == OUT_PASS) {
            en->outcome = OUT_FAIL;
            free(en->summary);
            en->summary = gr_strdup(f.summary);
        }
    }
    free(f.summary);
    free(f.detail);
    /* No verdict and no finding: the tool may have given up, and only its
     * log says so. */
    if (en->outcome == OUT_EXIT && r->verdict == V_NONE) {
        char *tail = tool_log_tail(en->kind, logdir, 12);

        if (*tail) {
            char *d = gr_printf("%s%sthe end of the tool's log:\n%s\n",
                                en->detail ? en->detail : "",
                                en->detail && *en->detail ? "\n" : "", tail);

            free(en->detail);
            en->detail = d;
        }
        free(tail);
    }
    if (en->outcome == OUT_EXIT || en->outcome == OUT_FAIL) {
        char *s = gr_printf("under %s: %s", check_name(en->kind), en->summary);

        free(en->summary);
        en->summary = s;
    }
}

/* A run under the controlled scheduler: judged on the output without the
 * scheduler's lines, which its report shows its own way (schedcheck.c). */
void judge_sched(struct entry *en, const struct run_result *r,
                 const struct lab *lab, const struct grade_opts *o)
{
    struct run_result rest = *r;
    struct sched_out s;

    sched_split(r->output, &s);
    rest.output = s.rest;
    judge(en, &rest, o->root);
    sched_report(en, r, &s, lab, o);
    sched_out_free(&s);
}
