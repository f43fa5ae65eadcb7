/* SPDX-License-Identifier: MIT */
/* Reading rubric.ini with inih: unknown keys are errors, so
 * a typo in a rubric cannot silently lose points. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../harness/protocol.h"
#include "rubric.h"
#include "util.h"

/*
 * The check kinds: the one list. Everything else (results.json's tags,
 * --only, the scripts through `grader checks`) takes its names from here.
 */
static const struct {
    const char *name;    /* in rubric.ini, --only, results.json */
    const char *title;   /* a column heading of the handouts' tables */
    const char *variant; /* the build it runs in */
} checks[CHK_COUNT] = {
    [CHK_FUNCTIONAL] = {"functional", "functional", "plain"},
    [CHK_TSAN] = {"tsan", "TSan", "tsan"},
    [CHK_HELGRIND] = {"helgrind", "Helgrind", "vg"},
    [CHK_DRD] = {"drd", "DRD", "vg"},
    [CHK_MEMCHECK] = {"memcheck", "Memcheck", "vg"},
    [CHK_ASAN] = {"asan", "ASan", "asan"},
    [CHK_SPEEDUP] = {"speedup", "speedup", "plain"},
    [CHK_SCHED] = {"sched", "sched", "sched"},
};

const char *check_name(enum check_kind k)
{
    return k < CHK_COUNT ? checks[k].name : "?";
}

const char *check_title(enum check_kind k)
{
    return k < CHK_COUNT ? checks[k].title : "?";
}

int check_parse(const char *name)
{
    for (int k = 0; k < CHK_COUNT; k++)
        if (strcmp(name, checks[k].name) == 0)
            return k;
    return -1;
}

const char *check_variant(enum check_kind k)
{
    return k < CHK_COUNT ? checks[k].variant : "plain";
}

const char *check_list(void)
{
    static char list[256];

    if (!list[0])
        for (int k = 0; k < CHK_COUNT; k++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                     k ? ", " : "", checks[k].name);
    return list;
}

struct load_ctx {
    struct rubric *r;
    struct sbuf err;
};

static struct rubric_test *test_for(struct rubric *r, const char *section)
{
    struct rubric_test *t = rubric_find(r, section);

    if (t)
        return t;
    r->tests = realloc(r->tests, sizeof(*t) * (size_t)(r->ntests + 1));
    if (!r->tests)
        gr_die("out of memory");
    t = &r->tests[r->ntests++];
    memset(t, 0, sizeof(*t));
    t->name = gr_strdup(section);
    t->timeout = 10;
    return t;
}

static int parse_number(const char *v, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(v, &end);
    return errno || end == v || *trim(end) != '\0' || *out < 0 ? -1 : 0;
}

/* "day" -> 86400: the periods a late policy counts in. */
static double period_seconds(const char *unit, size_t n)
{
    static const struct {
        const char *name;
        double s;
    } units[] = {{"h", 3600},    {"hour", 3600}, {"d", 86400},
                 {"day", 86400}, {"w", 604800},  {"week", 604800}};

    for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
        if (strlen(units[i].name) == n && strncmp(unit, units[i].name, n) == 0)
            return units[i].s;
    return 0;
}

/*
 * `late = P%/PERIOD[, max M%][, cutoff N UNIT]`: P percent of the score
 * lost per started PERIOD (hour, day, week) after the deadline, at most
 * M percent, nothing accepted past N units (7d, 48h, 2w).
 */
static int parse_late(struct rubric *r, const char *val)
{
    const char *p = val;
    char *end;
    size_t n;

    r->late_max = 100;
    r->late_cutoff = -1;
    r->late_percent = strtod(p, &end);
    if (end == p || r->late_percent < 0 || r->late_percent > 100 ||
        strncmp(end, "%/", 2) != 0)
        return 0;
    p = end + 2;
    n = strcspn(p, ", ");
    r->late_period = period_seconds(p, n);
    if (!r->late_period)
        return 0;
    for (p += n; *p;) {
        double d;

        p += strspn(p, ", ");
        if (starts_with(p, "max ")) {
            d = strtod(p + 4, &end);
            if (end == p + 4 || *end != '%' || d < 0 || d > 100)
                return 0;
            r->late_max = d;
            p = end + 1;
        } else if (starts_with(p, "cutoff ")) {
            d = strtod(p + 7, &end);
            n = strcspn(end, ", ");
            if (end == p + 7 || d < 0 || !period_seconds(end, n))
                return 0;
            r->late_cutoff = d * period_seconds(end, n);
            p = end + n;
        } else if (*p) {
            return 0;
        }
    }
    free(r->late);
    r->late = gr_strdup(val);
    return 1;
}

double rubric_late_penalty(const struct rubric *r, double late_s)
{
    double periods, p;

    if (late_s <= 0)
        return 0;
    if (!r->late || (r->late_cutoff >= 0 && late_s > r->late_cutoff))
        return 100;
    periods = (double)(long)(late_s / r->late_period); /* started periods */
    if (periods * r->late_period < late_s)
        periods += 1;
    p = r->late_percent * periods;
    return p < r->late_max ? p : r->late_max;
}

static int lab_key(struct load_ctx *c, const char *key, const char *val)
{
    struct rubric *r = c->r;
    double d;

    if (strcmp(key, "title") == 0) {
        free(r->title);
        r->title = gr_strdup(val);
        return 1;
    }
    if (strcmp(key, "late") == 0)
        return parse_late(r, val);
    if (starts_with(key, "files.")) {
        char *end;
        long task = strtol(key + 6, &end, 10);

        if (end == key + 6 || *end || task < 1 || !*val)
            return 0;
        r->file_tasks =
            realloc(r->file_tasks, sizeof(int) * (size_t)(r->ntask_files + 1));
        r->task_files = realloc(r->task_files,
                                sizeof(char *) * (size_t)(r->ntask_files + 1));
        if (!r->file_tasks || !r->task_files)
            gr_die("out of memory");
        r->file_tasks[r->ntask_files] = (int)task;
        r->task_files[r->ntask_files++] = gr_strdup(val);
        return 1;
    }
    if (parse_number(val, &d) < 0)
        return 0;
    if (strcmp(key, "budget") == 0)
        r->budget = d;
    else if (strcmp(key, "memory_mib") == 0)
        r->memory_mib = (long)d;
    else if (strcmp(key, "tsan_factor") == 0)
        r->factor[CHK_TSAN] = d;
    else if (strcmp(key, "asan_factor") == 0)
        r->factor[CHK_ASAN] = d;
    else if (strcmp(key, "sched_factor") == 0)
        r->factor[CHK_SCHED] = d;
    else if (strcmp(key, "sched_runs") == 0 && d >= 1)
        r->sched_runs = (long)d;
    else if (strcmp(key, "valgrind_factor") == 0)
        r->factor[CHK_HELGRIND] = r->factor[CHK_DRD] = r->factor[CHK_MEMCHECK] =
            d;
    else
        return 0;
    return 1;
}

static int test_key(struct load_ctx *c, const char *section, const char *key,
                    const char *val)
{
    struct rubric_test *t = test_for(c->r, section);
    int k = check_parse(key);
    double d;

    if (k >= 0) {
        if (parse_number(val, &d) < 0)
            return 0;
        t->points[k] = (int)d;
    } else if (strcmp(key, "hint") == 0) {
        free(t->hint);
        t->hint = gr_strdup(val);
    } else if (starts_with(key, "hint.")) {
        if (!symptom_word(key + 5) || rubric_hint(t, key + 5))
            return 0;
        t->hint_words =
            realloc(t->hint_words, sizeof(char *) * (size_t)(t->nhints + 1));
        t->hint_texts =
            realloc(t->hint_texts, sizeof(char *) * (size_t)(t->nhints + 1));
        if (!t->hint_words || !t->hint_texts)
            gr_die("out of memory");
        t->hint_words[t->nhints] = gr_strdup(key + 5);
        t->hint_texts[t->nhints++] = gr_strdup(val);
    } else if (strcmp(key, "part") == 0) {
        free(t->part);
        t->part = gr_strdup(val);
    } else if (strcmp(key, "requires") == 0) {
        t->nprereqs = split_list(val, ", ", &t->prereqs);
    } else if (starts_with(key, "param.")) {
        t->params =
            realloc(t->params, sizeof(char *) * (size_t)(t->nparams + 1));
        if (!t->params)
            gr_die("out of memory");
        t->params[t->nparams++] = gr_printf("%s=%s", key + 6, val);
    } else if (parse_number(val, &d) < 0) {
        return 0;
    } else if (strcmp(key, "task") == 0) {
        t->task = (int)d;
    } else if (strcmp(key, "timeout") == 0) {
        t->timeout = d;
    } else if (strcmp(key, "chaos") == 0) {
        t->chaos = d != 0;
    } else if (strcmp(key, "hidden") == 0) {
        t->hidden = d != 0;
    } else {
        return 0;
    }
    return 1;
}

static int rubric_handler(void *user, const char *section, const char *key,
                          const char *val)
{
    struct load_ctx *c = user;
    int ok;

    if (strcmp(section, "lab") == 0)
        ok = lab_key(c, key, val);
    else if (*section)
        ok = test_key(c, section, key, val);
    else
        ok = 0;
    if (!ok)
        sbuf_printf(&c->err, "[%s] %s = %s: unknown key or bad value; ",
                    section, key, val);
    return 1; /* keep going: report every bad line at once */
}

/*
 * inih reads a line into a buffer of INI_MAX_LINE bytes and takes the rest
 * of a longer one for a line of its own, so it reports a syntax error on
 * the line after (a long hint did that). The first line at or before
 * `bad` that is too long, as -N; else `bad`.
 */
static int long_line(const char *path, int bad)
{
    FILE *f = fopen(path, "re");
    int n = 1, len = 0, c, found = 0;

    while (f && n <= bad && (c = getc(f)) != EOF) {
        if (c != '\n') {
            len++;
            continue;
        }
        if (len > INI_MAX_LINE - 2 && !found)
            found = n;
        n++;
        len = 0;
    }
    if (f)
        fclose(f);
    return found ? -found : bad;
}

int rubric_load(const char *path, struct rubric *r, char **err)
{
    struct load_ctx c = {r, {0}};
    int rc;

    memset(r, 0, sizeof(*r));
    r->budget = 180;
    r->memory_mib = 8192;
    r->factor[CHK_FUNCTIONAL] = r->factor[CHK_SPEEDUP] = 1;
    r->factor[CHK_TSAN] = 8;
    r->factor[CHK_ASAN] = 4;
    r->factor[CHK_HELGRIND] = r->factor[CHK_DRD] = r->factor[CHK_MEMCHECK] = 30;
    /* All of a test's schedules in one run: sched_runs short schedules,
     * each forked, one at a time. */
    r->factor[CHK_SCHED] = 3;
    r->sched_runs = 40;
    rc = ini_parse(path, rubric_handler, &c);
    if (rc < 0)
        sbuf_printf(&c.err, "cannot open %s", path);
    else if (rc > 0 && (rc = long_line(path, rc)) < 0)
        sbuf_printf(&c.err,
                    "line %d: longer than %d characters, which inih (Debian's "
                    "build) cannot read: shorten it; ",
                    -rc, INI_MAX_LINE - 2);
    else if (rc > 0)
        sbuf_printf(&c.err, "line %d: syntax error; ", rc);
    for (int i = 0; i < r->ntests; i++) {
        const struct rubric_test *t = &r->tests[i];

        if (t->points[CHK_SPEEDUP] && t->points[CHK_FUNCTIONAL])
            sbuf_printf(&c.err,
                        "[%s]: a speedup test carries no functional points "
                        "(split it, and use requires =); ",
                        t->name);
        for (int j = 0; j < t->nprereqs; j++)
            if (!rubric_find(r, t->prereqs[j]))
                sbuf_printf(&c.err, "[%s] requires %s: no such test; ", t->name,
                            t->prereqs[j]);
    }
    if (c.err.len) {
        char *errs = sbuf_steal(&c.err);

        *err = gr_printf("%s: %s", path, errs);
        free(errs);
        return -1;
    }
    sbuf_free(&c.err);
    if (!r->title)
        r->title = gr_strdup("");
    return 0;
}

struct rubric_test *rubric_find(struct rubric *r, const char *name)
{
    for (int i = 0; i < r->ntests; i++)
        if (strcmp(r->tests[i].name, name) == 0)
            return &r->tests[i];
    return NULL;
}

const char *rubric_hint(const struct rubric_test *t, const char *word)
{
    for (int i = 0; word && i < t->nhints; i++)
        if (strcmp(t->hint_words[i], word) == 0)
            return t->hint_texts[i];
    return NULL;
}

int symptom_word(const char *word)
{
    size_t n = strlen(word);

    return n > 0 && n <= HARNESS_SYMPTOM_MAX && word[0] >= 'a' &&
           word[0] <= 'z' && strspn(word, HARNESS_SYMPTOM_CHARS) == n;
}

int rubric_max_points(const struct rubric *r)
{
    int sum = 0;

    for (int i = 0; i < r->ntests; i++)
        for (int k = 0; k < CHK_COUNT; k++)
            sum += r->tests[i].points[k];
    return sum;
}

/*
 * The rubric's text without section [name]: its header and keys go; the
 * comments and blank lines that lead into the next section stay (they are
 * that section's); runs of blank lines become one. The release holds a
 * hidden test back with it (grader hold-back).
 */
char *rubric_text_without(const char *text, const char *name)
{
    struct sbuf out = {0}, held = {0};
    char *header = gr_printf("[%s]", name);
    int skip = 0, blank = 0;

    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        const char *q = p + strspn(p, " \t");
        int is_blank = (size_t)(q - p) == len, is_comment = *q == ';';

        int is_header = len == strlen(header) && strncmp(p, header, len) == 0;

        if (is_header)
            skip = 1;
        else if (skip && *p == '[')
            skip = 0;
        if (skip && !is_header && (is_blank || is_comment)) {
            sbuf_printf(&held, "%.*s\n", (int)len, p);
        } else if (skip) {
            held.len = 0;
            if (held.s)
                held.s[0] = 0;
        } else {
            if (held.len)
                sbuf_puts(&out, held.s);
            held.len = 0;
            if (held.s)
                held.s[0] = 0;
            sbuf_printf(&out, "%.*s\n", (int)len, p);
        }
        p += len + (p[len] == '\n');
    }
    if (held.len)
        sbuf_puts(&out, held.s);
    free(held.s);
    free(header);
    /* cat -s: one blank line where there were several. */
    {
        char *all = sbuf_steal(&out), *w = all;

        for (const char *r = all ? all : ""; *r;) {
            size_t len = strcspn(r, "\n");
            int is_blank = len == 0;

            if (!(is_blank && blank)) {
                memmove(w, r, len);
                w += len;
                *w++ = '\n';
            }
            blank = is_blank;
            r += len + (r[len] == '\n');
        }
        if (all)
            *w = 0;
        return all ? all : gr_strdup("");
    }
}
