/* SPDX-License-Identifier: MIT */
/* The terminal table, results.json (Gradescope's format) and JUnit XML. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

int entry_passed(const struct entry *en)
{
    return en->outcome == OUT_PASS;
}

int entry_provisional(const struct entry *en)
{
    return (en->outcome == OUT_SKIP || en->outcome == OUT_INCONCLUSIVE) &&
           en->score < en->max;
}

const char *entry_regrade_where(const struct entry *en)
{
    return en->outcome == OUT_SKIP ? "on a machine with 2 or more usable CPUs"
                                   : "on a quiet machine";
}

int lab_pending(const struct lab_result *r)
{
    int n = 0;

    for (int i = 0; i < r->nentries; i++)
        if (entry_provisional(&r->entries[i]))
            n += r->entries[i].max - r->entries[i].score;
    return n;
}

static const char *colour_of(enum outcome o)
{
    switch (o) {
    case OUT_PASS:
        return GREEN;
    case OUT_SKIP:
    case OUT_INCONCLUSIVE:
    case OUT_NOTRUN:
        return YELLOW;
    default:
        return RED;
    }
}

/* Print text indented, at most max lines. */
static void indented(FILE *f, const char *text, int max, const char *pre,
                     const char *post)
{
    const char *p = text, *line;
    size_t len;
    int n = 0;

    for (line = p; n < max && (len = next_line(&p, NULL, 0)); line = p) {
        len--; /* next_line counts the newline */
        if (len)
            fprintf(f, "%s      %.*s%s\n", pre, (int)len, line, post);
        n += len != 0;
    }
    if (p && *p)
        fprintf(f, "%s      ...%s\n", pre, post);
}

void report_table(FILE *f, const struct lab_result *r, int color)
{
    const char *b = color ? BOLD : "", *z = color ? RESET : "";
    const char *d = color ? DIM : "";

    int pending = lab_pending(r);

    fprintf(f, "\n%s%s — %s%s   %d/%d points%s, %.1f s\n", b, r->lab->name,
            r->lab->rubric.title, z, r->score, r->max,
            pending ? " (provisional)" : "", r->seconds);
    if (pending)
        fprintf(f,
                "  %sprovisional: %d point%s not measured on this machine, "
                "to grade again (regrade.tsv)%s\n",
                color ? YELLOW : "", pending, pending == 1 ? "" : "s", z);
    if (r->nentries && r->entries[0].outcome == OUT_BUILD) {
        /* Nothing ran: say why once, not under every check. */
        fprintf(f, "  %s%s%s: 0 points for every check\n", color ? RED : "",
                r->entries[0].summary, z);
        indented(f, r->entries[0].detail, 30, "", "");
        return;
    }
    fprintf(f, "  %-42s %-10s %-9s %6s %7s\n", "test", "check", "result",
            "points", "time");
    for (int i = 0; i < r->nentries; i++) {
        const struct entry *en = &r->entries[i];
        const char *c = color ? colour_of(en->outcome) : "";

        fprintf(f, "  %-42s %-10s %s%-9s%s %3d/%-2d %6.2fs\n", en->test->name,
                check_name(en->kind), c, outcome_name(en->outcome), z,
                en->score, en->max, en->seconds);
        if (en->notes && *en->notes)
            indented(f, en->notes, 6, d, z);
        if (entry_passed(en))
            continue;
        fprintf(f, "      %s%s%s\n", c, en->summary ? en->summary : "", z);
        if (entry_provisional(en))
            fprintf(f, "      %sprovisional: %d point%s to grade again %s%s\n",
                    c, en->max - en->score, en->max - en->score == 1 ? "" : "s",
                    entry_regrade_where(en), z);
        if (en->detail && *en->detail && en->outcome != OUT_NOTRUN)
            indented(f, en->detail, 24, d, z);
        if (entry_hint(en, NULL) && en->outcome != OUT_NOTRUN &&
            en->outcome != OUT_SKIP && en->outcome != OUT_INCONCLUSIVE)
            fprintf(f, "      hint: %s\n", entry_hint(en, NULL));
    }
}

static char *entry_output(const struct entry *en)
{
    struct sbuf b = {0};

    sbuf_printf(&b, "%s\n", en->summary ? en->summary : "");
    if (entry_provisional(en))
        sbuf_printf(&b,
                    "provisional: not measured here; %d point%s to grade "
                    "again %s\n",
                    en->max - en->score, en->max - en->score == 1 ? "" : "s",
                    entry_regrade_where(en));
    if (en->notes && *en->notes)
        sbuf_puts(&b, en->notes);
    if (!entry_passed(en) && en->detail && *en->detail)
        sbuf_printf(&b, "\n%s", en->detail);
    if (!entry_passed(en) && entry_hint(en, NULL) &&
        en->outcome != OUT_NOTRUN && en->outcome != OUT_SKIP &&
        en->outcome != OUT_INCONCLUSIVE)
        sbuf_printf(&b, "\nhint: %s\n", entry_hint(en, NULL));
    return sbuf_steal(&b);
}

/* What went wrong, as symptom words, most specific first (grade.h); []
 * for a check that passed or did not run. */
static json_t *symptoms_json(const struct entry *en)
{
    json_t *a = json_array();

    if (entry_passed(en) || en->outcome == OUT_NOTRUN ||
        en->outcome == OUT_SKIP || en->outcome == OUT_INCONCLUSIVE)
        return a;
    if (en->symptom)
        json_array_append_new(a, json_string(en->symptom));
    if (en->cause)
        json_array_append_new(a, json_string(en->cause));
    json_array_append_new(a, json_string(outcome_name(en->outcome)));
    return a;
}

/* The command that grades this one check again, as a student types it. */
static char *entry_command(const struct lab_result *r, const struct entry *en,
                           const char *src)
{
    struct sbuf b = {0};

    sbuf_printf(&b, "make grade LAB=%.2s TEST=%s ONLY=%s", r->lab->name,
                en->test->name, check_name(en->kind));
    if (src && *src && strcmp(src, "labs") != 0) {
        if (strspn(src, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_./-+,:@") == strlen(src)) {
            sbuf_printf(&b, " SRC=%s", src);
        } else { /* quoted for a shell: ' becomes '\'' */
            sbuf_puts(&b, " SRC='");
            for (const char *s = src; *s; s++)
                if (*s == '\'')
                    sbuf_puts(&b, "'\\''");
                else
                    sbuf_add(&b, s, 1);
            sbuf_puts(&b, "'");
        }
    }
    return sbuf_steal(&b);
}

/*
 * Gradescope's tests[] entries: name, number, score, max_score, status,
 * output, tags, visibility (after_due_date for a rubric's hidden test);
 * and in extra_data (the format's place for a
 * test's own data) the fields every consumer reads instead of the name:
 * lab, test, task, check, outcome, command.
 */
int report_json(const char *path, const struct lab_result *rs, int n,
                double seconds, const char *output, const char *src)
{
    json_t *root = json_object(), *tests = json_array();
    json_t *regrade = json_array();
    int score = 0, pending = 0, rc;

    for (int l = 0; l < n; l++) {
        for (int i = 0; i < rs[l].nentries; i++) {
            const struct entry *en = &rs[l].entries[i];
            char *name = gr_printf("%s: %s [%s]", rs[l].lab->name,
                                   en->test->name, check_name(en->kind));
            char *number = gr_printf("%d.%d", atoi(rs[l].lab->name), i + 1);
            char *tag_check = gr_printf("check:%s", check_name(en->kind));
            char *tag_res = gr_printf("result:%s", outcome_name(en->outcome));
            char *output = entry_output(en);
            char *command = entry_command(&rs[l], en, src);
            json_t *t = json_object();

            json_object_set_new(t, "name", json_string(name));
            json_object_set_new(t, "number", json_string(number));
            json_object_set_new(t, "score", json_integer(en->score));
            json_object_set_new(t, "max_score", json_integer(en->max));
            json_object_set_new(
                t, "status",
                json_string(entry_passed(en) ? "passed" : "failed"));
            json_object_set_new(t, "output", json_string(output));
            json_object_set_new(t, "execution_time", json_real(en->seconds));
            json_object_set_new(
                t, "tags",
                json_pack("[s,s,s]", rs[l].lab->name, tag_check, tag_res));
            /* A test the rubric hides until the due date (Gradescope
             * shows its result, score included, only then). */
            json_object_set_new(
                t, "visibility",
                json_string(en->test->hidden ? "after_due_date" : "visible"));
            json_object_set_new(
                t, "extra_data",
                json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:o}", "lab",
                          rs[l].lab->name, "test", en->test->name, "task",
                          en->test->task, "check", check_name(en->kind),
                          "outcome", outcome_name(en->outcome), "command",
                          command, "symptoms", symptoms_json(en)));
            if (entry_provisional(en)) {
                json_t *x = json_object_get(t, "extra_data");
                char *r = gr_printf("%s: %s [%s]", rs[l].lab->name,
                                    en->test->name, check_name(en->kind));

                json_object_set_new(x, "provisional", json_true());
                json_object_set_new(x, "regrade",
                                    json_string(entry_regrade_where(en)));
                json_array_append_new(regrade, json_string(r));
                pending += en->max - en->score;
                free(r);
            }
            json_array_append_new(tests, t);
            score += en->score;
            free(name);
            free(number);
            free(tag_check);
            free(tag_res);
            free(output);
            free(command);
        }
    }
    json_object_set_new(root, "score", json_integer(score));
    json_object_set_new(root, "execution_time", json_real(seconds));
    if (pending) {
        char *o = gr_printf(
            "PROVISIONAL score: %d point%s not measured on this machine "
            "(too few CPUs, or too busy) await a regrade: %s%s%s",
            pending, pending == 1 ? "" : "s",
            json_string_value(json_array_get(regrade, 0)),
            json_array_size(regrade) > 1 ? " and more (extra_data.regrade)"
                                         : "",
            output ? "\n\n" : "");
        char *all = gr_printf("%s%s", o, output ? output : "");

        json_object_set_new(root, "output", json_string(all));
        json_object_set_new(root, "extra_data",
                            json_pack("{s:b,s:i,s:O}", "provisional", 1,
                                      "pending_points", pending, "regrade",
                                      regrade));
        free(o);
        free(all);
    } else if (output) {
        json_object_set_new(root, "output", json_string(output));
    }
    json_decref(regrade);
    json_object_set_new(root, "tests", tests);
    rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(root);
    return rc;
}

int report_regrade(const char *path, const struct lab_result *rs, int n,
                   const char *src)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    fputs("lab\ttest\tcheck\toutcome\tpoints\twhere\tcommand\n", f);
    for (int l = 0; l < n; l++) {
        for (int i = 0; i < rs[l].nentries; i++) {
            const struct entry *en = &rs[l].entries[i];
            char *command;

            if (!entry_provisional(en))
                continue;
            command = entry_command(&rs[l], en, src);
            fprintf(f, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", rs[l].lab->name,
                    en->test->name, check_name(en->kind),
                    outcome_name(en->outcome), en->max - en->score,
                    entry_regrade_where(en), command);
            free(command);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

static void xml_escaped(FILE *f, const char *s)
{
    struct sbuf b = {0};

    sbuf_xml(&b, s);
    if (b.s)
        fputs(b.s, f);
    sbuf_free(&b);
}

int report_junit(const char *path, const struct lab_result *rs, int n)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (int l = 0; l < n; l++) {
        int failures = 0, skipped = 0;

        for (int i = 0; i < rs[l].nentries; i++) {
            enum outcome o = rs[l].entries[i].outcome;

            skipped += o == OUT_SKIP || o == OUT_INCONCLUSIVE;
            failures += o != OUT_PASS && o != OUT_SKIP && o != OUT_INCONCLUSIVE;
        }
        fprintf(f,
                "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" "
                "skipped=\"%d\" time=\"%.3f\">\n",
                rs[l].lab->name, rs[l].nentries, failures, skipped,
                rs[l].seconds);
        for (int i = 0; i < rs[l].nentries; i++) {
            const struct entry *en = &rs[l].entries[i];
            char *out = entry_output(en);

            fprintf(f,
                    "    <testcase classname=\"%s.%s\" name=\"%s\" "
                    "time=\"%.3f\">\n",
                    rs[l].lab->name, check_name(en->kind), en->test->name,
                    en->seconds);
            if (en->outcome == OUT_SKIP || en->outcome == OUT_INCONCLUSIVE) {
                fputs("      <skipped message=\"", f);
                xml_escaped(f, en->summary);
                fputs("\"/>\n", f);
            } else if (!entry_passed(en)) {
                fprintf(f, "      <failure type=\"%s\" message=\"",
                        outcome_name(en->outcome));
                xml_escaped(f, en->summary);
                fputs("\">", f);
                xml_escaped(f, out);
                fputs("</failure>\n", f);
            }
            fputs("    </testcase>\n", f);
            free(out);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return fclose(f);
}
