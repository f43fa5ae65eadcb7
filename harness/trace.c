/* SPDX-License-Identifier: MIT */
/*
 * Spans of work recorded by lane (thread, process or coroutine), printed as
 * an ASCII timeline when a speedup check fails, and written for the grader
 * (HARNESS_TRACE=1) to turn into a Chrome trace and an SVG timeline.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "protocol.h"

#define TRACE_MAX 8192
#define TRACE_LANES 64
#define TRACE_COLS 64
#define TRACE_SHOWN 16 /* lanes drawn in the ASCII timeline */

enum lane_kind {
    LANE_INDEX,
    LANE_THREAD,
    LANE_PROCESS,
    LANE_COROUTINE,
    LANE_LOCK
};

static const char *const kind_names[] = {"lane", "thread", "process",
                                         "coroutine", "lock"};

/*
 * A slot is valid when its gen equals the trace's current generation; gen
 * is stored last (release) and read first (acquire), so a reader never
 * sees a half-written slot, and a reset is one increment.
 */
struct lane {
    atomic_int gen;
    int kind, pid, tid, index;
    char name[32];
};

struct span {
    atomic_int gen;
    int lane;
    char cat; /* 'c' computing, 'w' waiting for I/O, 's' a span of the test,
                 'h' held a lock (on the lock's lane; label: the holder) */
    uint64_t t0, t1;
    char label[24];
};

/*
 * One shared anonymous mapping, made before the test starts: processes
 * forked by the code under test inherit it, so their spans reach the
 * parent's timeline. Slots are claimed with atomic increments only (no
 * lock a dying child could leave held).
 */
struct trace {
    atomic_int gen, nspans, nlanes, armed, nthreads;
    int main_pid;
    struct lane lanes[TRACE_LANES];
    struct span spans[TRACE_MAX];
};

static struct trace *tr;
static pthread_once_t tr_once = PTHREAD_ONCE_INIT;

/* The calling thread's lane, valid for one generation in one process. */
static _Thread_local struct {
    int gen, pid, lane;
    const char *coroutine;
} me = {-1, 0, -1, NULL};

static void trace_map(void)
{
    void *p = mmap(NULL, sizeof(struct trace), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return; /* tracing is a diagnostic: without it, no timeline */
    tr = p;
    tr->main_pid = (int)getpid();
    atomic_store(&tr->gen, 1);
}

void harness_trace_init(void)
{
    pthread_once(&tr_once, trace_map);
}

static struct trace *get(void)
{
    harness_trace_init();
    return tr;
}

void harness_trace_reset(void)
{
    struct trace *t = get();

    if (!t)
        return;
    atomic_store(&t->nspans, 0);
    atomic_store(&t->nlanes, 0);
    atomic_store(&t->nthreads, 0);
    atomic_fetch_add(&t->gen, 1);
}

void harness_trace_arm(int on)
{
    struct trace *t = get();

    if (t)
        atomic_store(&t->armed, on);
}

int harness_trace_armed(void)
{
    struct trace *t = get();

    return t && atomic_load(&t->armed);
}

static int gettid_(void)
{
    return (int)syscall(SYS_gettid);
}

static int lane_claim(struct trace *t, int gen, int kind, int pid, int tid,
                      const char *name)
{
    int i = atomic_fetch_add(&t->nlanes, 1);
    struct lane *l;

    if (i >= TRACE_LANES)
        return -1;
    l = &t->lanes[i];
    l->kind = kind;
    l->pid = pid;
    l->tid = tid;
    l->index = i;
    if (name)
        snprintf(l->name, sizeof(l->name), "%s", name);
    else if (kind == LANE_PROCESS)
        snprintf(l->name, sizeof(l->name), "process %d", pid);
    else if (tid == t->main_pid)
        snprintf(l->name, sizeof(l->name), "main thread");
    else
        snprintf(l->name, sizeof(l->name), "thread %d",
                 atomic_fetch_add(&t->nthreads, 1) + 1);
    atomic_store_explicit(&l->gen, gen, memory_order_release);
    return i;
}

/* A named lane (coroutine or explicit index) may already exist. */
static int lane_find(struct trace *t, int gen, int kind, int pid,
                     const char *name)
{
    int n = atomic_load(&t->nlanes);

    for (int i = 0; i < n && i < TRACE_LANES; i++) {
        struct lane *l = &t->lanes[i];

        if (atomic_load_explicit(&l->gen, memory_order_acquire) == gen &&
            l->kind == kind && l->pid == pid && strcmp(l->name, name) == 0)
            return i;
    }
    return -1;
}

static int current_lane(struct trace *t, int gen)
{
    int pid = (int)getpid();

    if (me.gen == gen && me.pid == pid)
        return me.lane;
    if (me.coroutine) {
        me.lane = lane_find(t, gen, LANE_COROUTINE, pid, me.coroutine);
        if (me.lane < 0)
            me.lane = lane_claim(t, gen, LANE_COROUTINE, pid, gettid_(),
                                 me.coroutine);
    } else {
        me.lane =
            lane_claim(t, gen, pid == t->main_pid ? LANE_THREAD : LANE_PROCESS,
                       pid, gettid_(), NULL);
    }
    me.gen = gen;
    me.pid = pid;
    return me.lane;
}

static void record(struct trace *t, int gen, int lane, char cat,
                   const char *label, uint64_t t0, uint64_t t1)
{
    int i;
    struct span *s;

    if (lane < 0)
        return;
    i = atomic_fetch_add(&t->nspans, 1);
    if (i >= TRACE_MAX)
        return;
    s = &t->spans[i];
    s->lane = lane;
    s->cat = cat;
    s->t0 = t0;
    s->t1 = t1;
    snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
    atomic_store_explicit(&s->gen, gen, memory_order_release);
}

void harness_trace_span(int lane, const char *label, uint64_t t0, uint64_t t1)
{
    struct trace *t = get();
    char name[32];
    int gen, l;

    if (!t)
        return;
    gen = atomic_load(&t->gen);
    snprintf(name, sizeof(name), "lane %d", lane);
    l = lane_find(t, gen, LANE_INDEX, 0, name);
    if (l < 0)
        l = lane_claim(t, gen, LANE_INDEX, 0, lane, name);
    record(t, gen, l, 's', label, t0, t1);
}

void harness__trace_auto(char cat, const char *label, uint64_t t0)
{
    struct trace *t = tr; /* never maps: unmapped means not armed */
    int gen;

    if (!t || !atomic_load_explicit(&t->armed, memory_order_relaxed))
        return;
    gen = atomic_load(&t->gen);
    record(t, gen, current_lane(t, gen), cat, label, t0, harness_now_ns());
}

void harness_trace_mark(const char *label, uint64_t t0)
{
    harness__trace_auto('s', label, t0);
}

void harness_trace_hold(const char *lock, uint64_t t0, uint64_t t1)
{
    struct trace *t = tr;
    int gen, holder, l;

    if (!t || !atomic_load_explicit(&t->armed, memory_order_relaxed))
        return;
    gen = atomic_load(&t->gen);
    holder = current_lane(t, gen);
    l = lane_find(t, gen, LANE_LOCK, 0, lock);
    if (l < 0)
        l = lane_claim(t, gen, LANE_LOCK, 0, 0, lock);
    if (holder >= 0)
        record(t, gen, l, 'h', t->lanes[holder].name, t0, t1);
}

void harness_trace_coroutine(const char *name)
{
    me.coroutine = name;
    me.gen = -1; /* look the lane up again */
}

/* Copy out the valid spans and lanes of the current generation. */
static int snapshot(struct span **out, struct lane **lanes, int *nlanes)
{
    struct trace *t = get();
    int gen, n, k = 0;

    *out = NULL;
    *lanes = NULL;
    *nlanes = 0;
    if (!t)
        return 0;
    gen = atomic_load(&t->gen);
    n = atomic_load(&t->nspans);
    n = n < TRACE_MAX ? n : TRACE_MAX;
    *out = calloc((size_t)n + 1, sizeof(**out));
    *lanes = calloc(TRACE_LANES, sizeof(**lanes));
    if (!*out || !*lanes)
        return 0;
    for (int i = 0; i < n; i++) {
        struct span *s = &t->spans[i];

        if (atomic_load_explicit(&s->gen, memory_order_acquire) != gen)
            continue;
        memcpy(&(*out)[k], s, sizeof(*s));
        k++;
    }
    n = atomic_load(&t->nlanes);
    n = n < TRACE_LANES ? n : TRACE_LANES;
    for (int i = 0; i < n; i++)
        if (atomic_load_explicit(&t->lanes[i].gen, memory_order_acquire) == gen)
            memcpy(&(*lanes)[i], &t->lanes[i], sizeof(t->lanes[i]));
    *nlanes = n;
    return k;
}

/* How many lanes have spans, and do spans of two lanes overlap in time? */
static int shape(const struct span *s, int n, int *lanes_used)
{
    char used[TRACE_LANES] = {0};
    int overlap = 0;

    *lanes_used = 0;
    for (int i = 0; i < n; i++) {
        if (s[i].cat == 'h')
            continue; /* a lock's lane: who held it, not work */
        if (!used[s[i].lane]) {
            used[s[i].lane] = 1;
            (*lanes_used)++;
        }
        for (int j = i + 1; j < n && !overlap; j++)
            if (s[j].cat != 'h' && s[i].lane != s[j].lane &&
                s[i].t0 < s[j].t1 && s[j].t0 < s[i].t1)
                overlap = 1;
    }
    return overlap;
}

int harness_trace_overlap(void)
{
    struct span *s;
    struct lane *l;
    int nl, used, n = snapshot(&s, &l, &nl), o = shape(s, n, &used);

    free(s);
    free(l);
    return o;
}

const char *harness_trace_verdict(void)
{
    static char text[160];
    struct span *s;
    struct lane *l;
    int nl, used, n = snapshot(&s, &l, &nl), o = shape(s, n, &used);

    text[0] = '\0';
    if (used >= 2 && !o)
        snprintf(text, sizeof(text),
                 " The timeline shows it: the work of %d lanes ran one after "
                 "another, never two at the same time.",
                 used);
    else if (used == 1)
        snprintf(text, sizeof(text),
                 " The timeline shows it: all of the work ran on one lane.");
    free(s);
    free(l);
    return text;
}

/* The baseline's spans, kept by harness__trace_keep_baseline: drawn above
 * the candidate's, on the same scale, so the two lengths compare. */
static struct {
    struct span *s;
    struct lane *lanes;
    int n, nl;
} baseline;

void harness__trace_keep_baseline(void)
{
    free(baseline.s);
    free(baseline.lanes);
    baseline.n = snapshot(&baseline.s, &baseline.lanes, &baseline.nl);
}

void harness__trace_drop_baseline(void)
{
    free(baseline.s);
    free(baseline.lanes);
    memset(&baseline, 0, sizeof(baseline));
}

static void span_range(const struct span *s, int n, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (int i = 0; i < n; i++) {
        *lo = s[i].t0 < *lo ? s[i].t0 : *lo;
        *hi = s[i].t1 > *hi ? s[i].t1 : *hi;
    }
}

/* A lock lane's mark: the holder's thread number ("thread 3" is 3), m for
 * the main thread, + for anything else. */
static char holder_mark(const char *label)
{
    int n;

    if (strcmp(label, "main thread") == 0)
        return 'm';
    if (sscanf(label, "thread %d", &n) == 1 && n >= 1 && n <= 9)
        return (char)('0' + n);
    return '+';
}

static char span_mark(const struct span *s)
{
    return s->cat == 'c'   ? '#'
           : s->cat == 'w' ? '~'
           : s->cat == 'h' ? holder_mark(s->label)
                           : '=';
}

/* One run's lanes, `w` ns to the full width (from its own first span):
 * a lock's lane (who holds it) first, then the lanes that work. */
static void draw_lanes(const struct span *s, int n, const struct lane *lanes,
                       int nl, uint64_t w)
{
    char row[TRACE_COLS + 1];
    uint64_t lo, hi;
    int shown = 0;

    span_range(s, n, &lo, &hi);
    for (int k = 0; k < 2 * nl; k++) {
        int l = k % nl, any = 0;

        if ((lanes[l].kind == LANE_LOCK) != (k < nl))
            continue;

        memset(row, '.', TRACE_COLS);
        row[TRACE_COLS] = '\0';
        for (int i = 0; i < n; i++) {
            int a = (int)((s[i].t0 - lo) * TRACE_COLS / w);
            int b = (int)((s[i].t1 - lo) * TRACE_COLS / w);
            char mark = span_mark(&s[i]);

            if (s[i].lane != l)
                continue;
            any = 1;
            for (int c = a; c <= b && c < TRACE_COLS; c++)
                row[c] = mark;
        }
        if (!any)
            continue;
        if (shown++ == TRACE_SHOWN) {
            printf("    (and more lanes)\n");
            break;
        }
        printf("    %-14.14s |%s|\n", lanes[l].name, row);
    }
}

void harness_trace_print_timeline(const char *title)
{
    struct span *s;
    struct lane *lanes;
    uint64_t lo, hi, blo = 0, bhi = 0, w;
    int nl, used, n = snapshot(&s, &lanes, &nl);
    int o = shape(s, n, &used), cats[4] = {0, 0, 0, 0};
    const char *names[4] = {"# computing", "~ waiting for I/O",
                            "= a span of the test",
                            "1-9 which thread holds the lock"};
    char legend[160] = "";

    if (n == 0)
        goto out;
    span_range(s, n, &lo, &hi);
    w = hi > lo ? hi - lo : 1;
    if (baseline.n > 0) {
        span_range(baseline.s, baseline.n, &blo, &bhi);
        if (bhi - blo > w)
            w = bhi - blo;
    }
    /* The legend names only the marks drawn. */
    for (int k = 0; k < 2; k++) {
        const struct span *x = k ? baseline.s : s;
        int m = k ? baseline.n : n;

        for (int i = 0; i < m; i++)
            cats[x[i].cat == 'c'   ? 0
                 : x[i].cat == 'w' ? 1
                 : x[i].cat == 'h' ? 3
                                   : 2] = 1;
    }
    for (int k = 0; k < 4; k++)
        if (cats[k])
            snprintf(legend + strlen(legend), sizeof(legend) - strlen(legend),
                     "%s%s", legend[0] ? ", " : "", names[k]);
    printf("timeline of %s (%s; one column is %.1f ms):\n", title, legend,
           (double)w / TRACE_COLS / 1e6);
    if (baseline.n > 0) {
        printf("  the baseline, %.1f ms:\n", (double)(bhi - blo) / 1e6);
        draw_lanes(baseline.s, baseline.n, baseline.lanes, baseline.nl, w);
    }
    printf("  %s, %.1f ms:\n", baseline.n > 0 ? "yours" : "the run",
           (double)(hi - lo) / 1e6);
    draw_lanes(s, n, lanes, nl, w);
    if (used >= 2)
        printf("  %s\n", o ? "some lanes overlap: they ran at the same time"
                           : "no two lanes overlap: they ran one after "
                             "another");
out:
    free(s);
    free(lanes);
}

/* Spaces and newlines would break the line format; labels are short. */
static void put_word(FILE *f, const char *w)
{
    for (; *w; w++)
        fputc(*w == '\n' || *w == '\r' ? ' ' : *w, f);
}

/* One run's lanes and spans, lane numbers shifted by `off`. */
static void write_run(FILE *f, const struct span *s, int n,
                      const struct lane *lanes, int nl, int off)
{
    for (int l = 0; l < nl; l++) {
        fprintf(f, "lane %d %s %d %d ", l + off, kind_names[lanes[l].kind],
                lanes[l].pid, lanes[l].tid);
        put_word(f, lanes[l].name);
        fprintf(f, "\n");
    }
    for (int i = 0; i < n; i++) {
        fprintf(f, "span %d %llu %llu %c ", s[i].lane + off,
                (unsigned long long)s[i].t0, (unsigned long long)s[i].t1,
                s[i].cat);
        put_word(f, s[i].label);
        fprintf(f, "\n");
    }
}

/* With a baseline kept, its run comes first (`run the baseline`), then the
 * candidate's (`run yours`), its lanes numbered after the baseline's. */
int harness_trace_write(const char *path, const char *title)
{
    struct span *s;
    struct lane *lanes;
    int nl, n = snapshot(&s, &lanes, &nl);
    FILE *f = fopen(path, "w");

    if (!f) {
        free(s);
        free(lanes);
        return -1;
    }
    fprintf(f, HARNESS_TRACE_VERSION "\ntitle ");
    put_word(f, title ? title : "");
    fprintf(f, "\nmain %d\n", tr ? tr->main_pid : (int)getpid());
    if (baseline.n > 0) {
        fprintf(f, "run the baseline\n");
        write_run(f, baseline.s, baseline.n, baseline.lanes, baseline.nl, 0);
        fprintf(f, "run yours\n");
    }
    write_run(f, s, n, lanes, nl, baseline.n > 0 ? baseline.nl : 0);
    free(s);
    free(lanes);
    return fclose(f) == 0 ? 0 : -1;
}

void harness_trace_export(const char *title)
{
    const char *on = getenv(HARNESS_ENV_TRACE);
    char path[4096];

    if (!on || strcmp(on, "1") != 0)
        return;
    snprintf(path, sizeof(path), "%s/" HARNESS_TRACE_FILE, harness_tmpdir());
    if (harness_trace_write(path, title) < 0)
        fprintf(stderr, "[harness] cannot write %s\n", path);
}
