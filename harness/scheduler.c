/* SPDX-License-Identifier: MIT */
/*
 * The controlled scheduler (docs/sched.md): in the sched build, exactly one
 * thread of the test runs at a time, and at each synchronization call a
 * seeded strategy (PCT or a random walk) picks who runs next. Time is
 * virtual; a seed replays a schedule bit for bit.
 */
#include <errno.h>
#include <link.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "scheduler.h"

#ifdef HARNESS_SCHED_BUILD
#define SCHED_BUILD 1
#else
#define SCHED_BUILD 0
#endif

#define MAX_THREADS 1024 /* alive (or not yet joined) at once */
/* PCT assumes every schedule ends; a thread that polls a flag another
 * thread will set never would if it kept the highest priority. After this
 * many steps in a row while others are ready, it drops below all. */
#define FAIR_STEPS 1000
#define OBJ_SLOTS 4096 /* open addressing, a power of two */
#define NO_DEADLINE UINT64_MAX
#define MS 1000000ull
/* Virtual clocks: CLOCK_MONOTONIC starts at 1000 s, CLOCK_REALTIME at a
 * fixed date; an absolute deadline above REALTIME_CUT is a realtime one. */
#define MONO_BASE (1000ull * 1000 * MS)
#define REAL_BASE (1700000000ull * 1000 * MS)
#define REALTIME_CUT (REAL_BASE / 2)

/* The pending operation of a thread at a scheduling point. */
enum op {
    OP_START,
    OP_LOCK,
    OP_TRYLOCK,
    OP_UNLOCK,
    OP_WAIT,
    OP_RELOCK,
    OP_SIGNAL,
    OP_BROADCAST,
    OP_CREATE,
    OP_JOIN,
    OP_EXIT,
    OP_YIELD,
    OP_SLEEP,
    OP_BARRIER,
    OP_BARRIER_WAIT,
    OP_SEM_WAIT,
    OP_SEM_TRYWAIT,
    OP_SEM_POST,
    OP_RDLOCK,
    OP_WRLOCK,
    OP_TRYRDLOCK,
    OP_TRYWRLOCK,
    OP_RWUNLOCK,
    OP_ALOAD, /* C11 atomics (harness/sched-include/stdatomic.h) */
    OP_ASTORE,
    OP_ARMW,
    OP_ACAS,
    /* not pending operations: the scheduler's own choices, in the trace */
    OP_SPURIOUS,
    OP_TIMEOUT,
    OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    [OP_START] = "start",
    [OP_LOCK] = "lock",
    [OP_TRYLOCK] = "trylock",
    [OP_UNLOCK] = "unlock",
    [OP_WAIT] = "wait",
    [OP_RELOCK] = "relock",
    [OP_SIGNAL] = "signal",
    [OP_BROADCAST] = "broadcast",
    [OP_CREATE] = "create",
    [OP_JOIN] = "join",
    [OP_EXIT] = "exit",
    [OP_YIELD] = "yield",
    [OP_SLEEP] = "sleep",
    [OP_BARRIER] = "barrier",
    [OP_BARRIER_WAIT] = "barrier-wait",
    [OP_SEM_WAIT] = "sem-wait",
    [OP_SEM_TRYWAIT] = "sem-trywait",
    [OP_SEM_POST] = "sem-post",
    [OP_RDLOCK] = "rdlock",
    [OP_WRLOCK] = "wrlock",
    [OP_TRYRDLOCK] = "tryrdlock",
    [OP_TRYWRLOCK] = "trywrlock",
    [OP_RWUNLOCK] = "rwunlock",
    [OP_ALOAD] = "atomic-load",
    [OP_ASTORE] = "atomic-store",
    [OP_ARMW] = "atomic-rmw",
    [OP_ACAS] = "atomic-cas",
    [OP_SPURIOUS] = "spurious-wakeup",
    [OP_TIMEOUT] = "timeout",
};

/* A mutex, condition variable, barrier, semaphore, rwlock or atomic
 * object, known by its address. */
struct sobj {
    const void *addr;
    char kind;             /* 'm', 'c', 'b', 's', 'r', 'a' */
    int id;                /* in order of first use: the same in every replay */
    struct sthread *owner; /* a mutex's holder, an rwlock's writer */
    uintptr_t lock_site;   /* where the holder took it */
    unsigned n, count, gen; /* a barrier: size, arrived, round */
    unsigned value;         /* a semaphore's count */
    unsigned readers;       /* an rwlock's readers */
};

struct sthread {
    int id;
    sem_t wake; /* posted when this thread is chosen to run */
    pthread_t handle;
    void *(*fn)(void *);
    void *arg;
    int done;
    int joined;
    int64_t prio; /* PCT: higher runs first */
    /* The pending operation: */
    enum op op;
    struct sobj *obj;
    uintptr_t site;
    struct sthread *target; /* OP_JOIN */
    /* A condition wait: */
    struct sobj *cond; /* set while asleep on it */
    uint64_t deadline; /* virtual ns, or NO_DEADLINE */
    int wake_rc;       /* 0, or ETIMEDOUT */
    unsigned barrier_gen;
};

struct event {
    uint32_t step;
    int16_t tid;
    uint8_t op;
    int32_t obj; /* object id, a thread id for create/join, or -1 */
    uintptr_t site;
};

/*
 * The scheduler's state. Only the thread that holds the token (S.current)
 * touches it, and the token passes by sem_post/sem_wait, which order
 * memory: no lock is needed.
 */
static struct {
    int active;
    int strategy_random;  /* else PCT */
    const char *strategy; /* its name: pct, random, pct-quiet, random-quiet */
    int quiet;            /* no spurious wake-ups */
    uint64_t seed, rng;
    int depth;
    uint64_t change[8]; /* PCT's priority change points (steps) */
    long spurious;      /* a spurious wake-up 1 time in N, 0 never */
    uint64_t max_steps, horizon;
    uint64_t steps, vnow;
    struct sthread *current, *threads[MAX_THREADS];
    int nthreads, next_id;
    struct sthread *last; /* chosen last, and how many steps in a row */
    uint64_t run;
    int64_t demoted; /* fairness demotions so far */
    struct sobj objs[OBJ_SLOTS];
    int nobjs;
    struct event *trace;
    size_t ntrace, cap;
    const char *trace_path, *timeline_path;
    size_t trace_last; /* write only the last N steps; 0: all */
} S;

static _Thread_local struct sthread *self;

/* ---- environment, seed, randomness ---------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t n)
{
    return n ? splitmix64(&S.rng) % n : 0;
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtol(v, NULL, 0) : dflt;
}

static uint64_t seed_override;
static int seed_overridden;

uint64_t harness__sched_seed(void)
{
    const char *v = getenv(HARNESS_ENV_SCHED_SEED);

    if (seed_overridden)
        return seed_override;
    return v && *v ? strtoull(v, NULL, 0) : HARNESS_SCHED_DEFAULT_SEED;
}

void harness__sched_set_seed(uint64_t seed)
{
    seed_override = seed;
    seed_overridden = 1;
}

uint64_t harness__sched_next_seed(uint64_t seed)
{
    return splitmix64(&seed);
}

long harness__sched_runs(void)
{
    return SCHED_BUILD ? env_long(HARNESS_ENV_SCHED_RUNS, 1) : 1;
}

int harness__sched_active(void)
{
    return S.active;
}

/* make explore measures a schedule's length in a child, which may end in
 * _exit anywhere (a deadlock, an assert): the count goes to shared memory
 * as it grows. */
static volatile uint64_t *steps_sink;

void harness__sched_count_steps(volatile uint64_t *sink)
{
    steps_sink = sink;
}

int harness_sched_enabled(void)
{
    return SCHED_BUILD;
}

/* ---- objects and call sites ------------------------------------------ */

/* The object at addr, new if need be; NULL when the table is full and
 * `soft` (an atomic's id only labels the trace), else the test fails. */
static struct sobj *obj_lookup(const void *addr, char kind, int soft)
{
    size_t h = ((uintptr_t)addr >> 3) * 0x9E3779B97F4A7C15ull;

    for (size_t i = 0; i < OBJ_SLOTS; i++) {
        struct sobj *o = &S.objs[(h + i) & (OBJ_SLOTS - 1)];

        if (o->addr == addr)
            return o;
        if (!o->addr) {
            if (S.nobjs >= OBJ_SLOTS / 2)
                break;
            o->addr = addr;
            o->kind = kind;
            o->id = ++S.nobjs;
            return o;
        }
    }
    if (soft)
        return NULL;
    harness__fail_process("sched: more than 2048 synchronization objects "
                          "in one test");
}

static struct sobj *obj_of(const void *addr, char kind)
{
    return obj_lookup(addr, kind, 0);
}

/* A call site as an address in the executable's file (the same in every
 * run, whatever the address-space randomization). */
static uintptr_t load_bias;

static int find_bias(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    load_bias = info->dlpi_addr; /* the first object is the executable */
    return 1;
}

static uintptr_t site_of(const void *pc)
{
    return (uintptr_t)pc - load_bias;
}

/* ---- the trace -------------------------------------------------------- */

static void record(struct sthread *t, enum op op, int obj, uintptr_t site)
{
    if (S.ntrace == S.cap) {
        size_t cap = S.cap ? 2 * S.cap : 4096;
        struct event *e = realloc(S.trace, cap * sizeof(*e));

        if (!e)
            return; /* the schedule still runs; the trace is cut */
        S.trace = e;
        S.cap = cap;
    }
    S.trace[S.ntrace++] = (struct event){(uint32_t)S.steps, (int16_t)t->id,
                                         (uint8_t)op, obj, site};
}

/*
 * Call sites to file:line (function), with addr2line, all at once when a
 * report or a trace is written. A site is a return address: the call is
 * the byte before it.
 */
#define MAX_SYMS 512
static struct {
    uintptr_t site;
    char text[136];
} syms[MAX_SYMS];
static int nsyms;

static void sym_want(uintptr_t site)
{
    if (!site)
        return;
    for (int i = 0; i < nsyms; i++)
        if (syms[i].site == site)
            return;
    if (nsyms < MAX_SYMS) {
        syms[nsyms].site = site;
        snprintf(syms[nsyms].text, sizeof(syms[nsyms].text), "+0x%lx",
                 (unsigned long)site);
        nsyms++;
    }
}

/* "func at /a/b/file.c:12 (discriminator 3)" -> "file.c:12 (func)" */
static void sym_parse(char *line, char *out, size_t cap)
{
    char *at = strstr(line, " at "), *file, *slash, *sp;

    line[strcspn(line, "\n")] = '\0';
    if (!at || strncmp(line, "??", 2) == 0)
        return;
    *at = '\0';
    file = at + 4;
    if ((sp = strchr(file, ' ')))
        *sp = '\0';
    if ((slash = strrchr(file, '/')))
        file = slash + 1;
    /* Cut long names: a site is one column of a trace line. */
    snprintf(out, cap, "%.60s (%.60s)", file, line);
}

static void sym_resolve(void)
{
    static int done; /* entries below it are resolved */
    char exe[4096], cmd[64 + MAX_SYMS * 20], line[4096];
    size_t n;
    ssize_t len;
    FILE *p;

    if (done >= nsyms)
        return;
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return;
    exe[len] = '\0';
    /* The path through the environment: no quoting for the shell. */
    if (setenv("SCHED_A2L_EXE", exe, 1))
        return;
    n = (size_t)snprintf(cmd, sizeof(cmd),
                         "addr2line -f -p -C -e \"$SCHED_A2L_EXE\"");
    for (int i = done; i < nsyms && n < sizeof(cmd) - 24; i++)
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " 0x%lx",
                              (unsigned long)(syms[i].site - 1));
    p = popen(cmd, "r");
    if (!p)
        return;
    for (int i = done; i < nsyms && fgets(line, sizeof(line), p); i++)
        sym_parse(line, syms[i].text, sizeof(syms[i].text));
    pclose(p);
    done = nsyms;
}

static const char *sym(uintptr_t site)
{
    if (!site)
        return "?";
    for (int i = 0; i < nsyms; i++)
        if (syms[i].site == site)
            return syms[i].text;
    return "?";
}

static void want_all_sites(void)
{
    for (size_t i = 0; i < S.ntrace; i++)
        sym_want(S.trace[i].site);
    for (int i = 0; i < S.nthreads; i++)
        sym_want(S.threads[i]->site);
    for (int i = 0; i < OBJ_SLOTS; i++)
        if (S.objs[i].owner)
            sym_want(S.objs[i].lock_site);
    sym_resolve();
}

static const char *obj_prefix(enum op op)
{
    switch (op) {
    case OP_CREATE:
    case OP_JOIN:
        return "thread ";
    case OP_WAIT:
    case OP_SIGNAL:
    case OP_BROADCAST:
    case OP_SPURIOUS:
    case OP_TIMEOUT:
        return "cond ";
    case OP_BARRIER:
    case OP_BARRIER_WAIT:
        return "barrier ";
    case OP_SEM_WAIT:
    case OP_SEM_TRYWAIT:
    case OP_SEM_POST:
        return "sem ";
    case OP_RDLOCK:
    case OP_WRLOCK:
    case OP_TRYRDLOCK:
    case OP_TRYWRLOCK:
    case OP_RWUNLOCK:
        return "rwlock ";
    case OP_ALOAD:
    case OP_ASTORE:
    case OP_ARMW:
    case OP_ACAS:
        return "atomic ";
    default:
        return "mutex ";
    }
}

static void print_event(FILE *f, const struct event *e)
{
    fprintf(f, "%6u  t%-3d %-15s", (unsigned)e->step, e->tid, op_names[e->op]);
    if (e->obj >= 0)
        fprintf(f, " %s%d", obj_prefix(e->op), e->obj);
    fprintf(f, "  %s\n", sym(e->site));
}

static void print_header(FILE *f)
{
    fprintf(f, "%s\nseed 0x%016llx strategy %s", HARNESS_SCHED_TRACE_VERSION,
            (unsigned long long)S.seed, S.strategy);
    if (!S.strategy_random)
        fprintf(f, " depth %d horizon %llu", S.depth,
                (unsigned long long)S.horizon);
    fprintf(f, " spurious %ld\n", S.spurious);
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    fputc('"', f);
}

/* The first event the trace and the timeline files show. */
static size_t first_written(void)
{
    return S.trace_last && S.ntrace > S.trace_last ? S.ntrace - S.trace_last
                                                   : 0;
}

/*
 * The schedule as a timeline (HARNESS_SCHED_TIMELINE): Chrome trace-event
 * JSON, which ui.perfetto.dev and chrome://tracing open. Step N is a slice
 * of 1 us at N us on its thread's track: the order, not real time.
 */
static void write_timeline(void)
{
    int named[MAX_THREADS] = {0};
    FILE *f;

    if (!S.timeline_path || !*S.timeline_path)
        return;
    f = fopen(S.timeline_path, "w");
    if (!f)
        return;
    fprintf(f,
            "{\"displayTimeUnit\": \"ns\", \"otherData\": "
            "{\"seed\": \"0x%016llx\", \"strategy\": \"%s\", "
            "\"steps\": %llu, \"events_left_out\": %zu},\n"
            "\"traceEvents\": [\n",
            (unsigned long long)S.seed, S.strategy, (unsigned long long)S.steps,
            first_written());
    fprintf(f,
            "{\"ph\": \"M\", \"pid\": 1, \"name\": \"process_name\", "
            "\"args\": {\"name\": \"schedule 0x%016llx\"}}",
            (unsigned long long)S.seed);
    for (size_t i = first_written(); i < S.ntrace; i++) {
        const struct event *e = &S.trace[i];
        char name[48];

        if (e->tid >= 0 && e->tid < MAX_THREADS && !named[e->tid]) {
            named[e->tid] = 1;
            fprintf(f,
                    ",\n{\"ph\": \"M\", \"pid\": 1, \"tid\": %d, "
                    "\"name\": \"thread_name\", \"args\": {\"name\": "
                    "\"thread %d%s\"}}",
                    e->tid, e->tid, e->tid ? "" : " (main)");
        }
        if (e->obj >= 0)
            snprintf(name, sizeof(name), "%s %s%d", op_names[e->op],
                     obj_prefix(e->op), e->obj);
        else
            snprintf(name, sizeof(name), "%s", op_names[e->op]);
        fprintf(f,
                ",\n{\"ph\": \"X\", \"pid\": 1, \"tid\": %d, "
                "\"ts\": %u, \"dur\": 1, \"cat\": \"sched\", \"name\": ",
                e->tid, (unsigned)e->step);
        json_string(f, name);
        fprintf(f, ", \"args\": {\"step\": %u, \"site\": ", (unsigned)e->step);
        json_string(f, sym(e->site));
        fprintf(f, "}}");
    }
    fprintf(f, "\n]}\n");
    fclose(f);
}

static void write_trace(void)
{
    FILE *f;

    if ((!S.trace_path || !*S.trace_path) &&
        (!S.timeline_path || !*S.timeline_path))
        return;
    want_all_sites();
    write_timeline();
    if (!S.trace_path || !*S.trace_path)
        return;
    f = strcmp(S.trace_path, "-") == 0 ? stderr : fopen(S.trace_path, "w");
    if (!f)
        return;
    print_header(f);
    if (first_written())
        fprintf(f, "... the first %zu events left out (%s=%zu)\n",
                first_written(), HARNESS_ENV_SCHED_TRACE_LAST, S.trace_last);
    for (size_t i = first_written(); i < S.ntrace; i++)
        print_event(f, &S.trace[i]);
    fprintf(f, "end %llu steps, virtual time %llu ns\n",
            (unsigned long long)S.steps, (unsigned long long)S.vnow);
    if (f != stderr)
        fclose(f);
}

/* The last steps of the schedule, for a failure's report (stdout). */
static void print_tail(size_t n)
{
    size_t from = S.ntrace > n ? S.ntrace - n : 0;

    want_all_sites();
    printf("sched: the last %zu of %llu steps (seed 0x%016llx, %s):\n",
           S.ntrace - from, (unsigned long long)S.steps,
           (unsigned long long)S.seed, S.strategy);
    for (size_t i = from; i < S.ntrace; i++)
        print_event(stdout, &S.trace[i]);
}

/* ---- choosing who runs ------------------------------------------------- */

static int enabled(const struct sthread *t)
{
    if (t->done)
        return 0;
    switch (t->op) {
    case OP_LOCK: /* a timed lock also when its deadline has come */
        return !t->obj->owner || S.vnow >= t->deadline;
    case OP_RELOCK:
        return !t->cond && !t->obj->owner;
    case OP_JOIN:
        return t->target->done;
    case OP_SLEEP:
        return S.vnow >= t->deadline;
    case OP_BARRIER_WAIT:
        return t->obj->gen != t->barrier_gen;
    case OP_SEM_WAIT: /* a timed one also when its deadline has come */
        return t->obj->value > 0 || S.vnow >= t->deadline;
    case OP_RDLOCK:
        return !t->obj->owner || S.vnow >= t->deadline;
    case OP_WRLOCK:
        return (!t->obj->owner && !t->obj->readers) || S.vnow >= t->deadline;
    default:
        return 1;
    }
}

static void wake_waiter(struct sthread *t, int rc, enum op why)
{
    if (why != OP_SIGNAL)
        record(t, why, t->cond->id, t->site);
    t->cond = NULL;
    t->wake_rc = rc;
}

/* The operations that may wait until a deadline (a timed one has one). */
static int waits_until(enum op op)
{
    return op == OP_SLEEP || op == OP_SEM_WAIT || op == OP_LOCK ||
           op == OP_RDLOCK || op == OP_WRLOCK;
}

/* The earliest deadline of a sleeper, a timed condition wait, semaphore
 * wait or lock. */
static uint64_t next_deadline(void)
{
    uint64_t d = NO_DEADLINE;

    for (int i = 0; i < S.nthreads; i++) {
        struct sthread *t = S.threads[i];

        if (t->done)
            continue;
        if ((t->cond || (waits_until(t->op) && t->deadline > S.vnow)) &&
            t->deadline < d)
            d = t->deadline;
    }
    return d;
}

/* Advance virtual time to `to`; timed condition waits due by then expire. */
static void advance(uint64_t to)
{
    if (to > S.vnow)
        S.vnow = to;
    for (int i = 0; i < S.nthreads; i++) {
        struct sthread *t = S.threads[i];

        if (!t->done && t->cond && t->deadline <= S.vnow)
            wake_waiter(t, ETIMEDOUT, OP_TIMEOUT);
    }
}

static void deadlock(void) __attribute__((noreturn));

static void maybe_spurious(void)
{
    struct sthread *w[MAX_THREADS];
    int n = 0;

    if (S.spurious <= 0)
        return;
    for (int i = 0; i < S.nthreads; i++)
        if (!S.threads[i]->done && S.threads[i]->cond)
            w[n++] = S.threads[i];
    if (n && rnd((uint64_t)S.spurious) == 0)
        wake_waiter(w[rnd((uint64_t)n)], 0, OP_SPURIOUS);
}

static struct sthread *pick(struct sthread **c, int n)
{
    struct sthread *best = c[0];

    if (S.strategy_random)
        return c[rnd((uint64_t)n)];
    for (int i = 1; i < n; i++)
        if (c[i]->prio > best->prio)
            best = c[i];
    return best;
}

static struct sthread *fair_pick(struct sthread **c, int n)
{
    struct sthread *t = pick(c, n);

    if (t != S.last) {
        S.last = t;
        S.run = 0;
    } else if (++S.run >= FAIR_STEPS && n > 1 && !S.strategy_random) {
        t->prio = -++S.demoted;
        S.run = 0;
        t = pick(c, n);
    }
    return t;
}

static struct sthread *choose(struct sthread *me)
{
    struct sthread *c[MAX_THREADS];
    int n, yielder;

    if (steps_sink)
        *steps_sink = S.steps + 1;
    if (++S.steps > S.max_steps) {
        char text[200];

        print_tail(30);
        write_trace();
        snprintf(text, sizeof(text),
                 "sched: the test did not finish within %llu scheduling "
                 "steps: a thread that never blocks (a livelock, or a loop "
                 "that spins)?",
                 (unsigned long long)S.max_steps);
        harness__fail_process(text);
    }
    /* PCT: at change point i, the running thread drops to priority i,
     * below every initial priority (those are all >= depth). */
    for (int i = 1; i < S.depth && !S.strategy_random; i++)
        if (S.steps == S.change[i])
            me->prio = i;
    maybe_spurious();
    for (;;) {
        n = 0;
        yielder = -1;
        for (int i = 0; i < S.nthreads; i++)
            if (enabled(S.threads[i])) {
                if (S.threads[i]->op == OP_YIELD && S.threads[i] == me)
                    yielder = n;
                c[n++] = S.threads[i];
            }
        /* A yield lets the others go first; a yield with nobody else
         * ready lets time pass (a polling loop waits for a deadline).
         * Under PCT the yielder also drops below every thread, as a
         * change point would: else, back at the top a step later, it
         * could repeat a back-off (lock, trylock fails, unlock, yield) in
         * lockstep with another thread for ever, a livelock no real
         * scheduler keeps up (the trylock-backoff wheats). */
        if (yielder >= 0 && n > 1) {
            if (!S.strategy_random)
                me->prio = -++S.demoted;
            c[yielder] = c[--n];
        } else if (yielder >= 0) {
            uint64_t d = next_deadline();

            advance(d < S.vnow + MS ? d : S.vnow + MS);
        }
        if (n)
            return fair_pick(c, n);
        if (next_deadline() == NO_DEADLINE)
            deadlock();
        advance(next_deadline());
    }
}

/* Give the token to `next`; come back when this thread is chosen again. */
static void switch_to(struct sthread *me, struct sthread *next)
{
    int leaving = me->done; /* once posted, a joiner may free me */
    int obj = next->obj ? next->obj->id : -1;

    if (next->op == OP_CREATE || next->op == OP_JOIN)
        obj = next->target ? next->target->id : -1;
    record(next, next->op, obj, next->site);
    if (next == me)
        return;
    S.current = next;
    sem_post(&next->wake);
    if (leaving)
        return;
    while (sem_wait(&me->wake) && errno == EINTR)
        ;
}

/* A scheduling point: this thread is about to do `op`. */
static void point(struct sthread *me, enum op op, struct sobj *o,
                  const void *pc)
{
    me->op = op;
    me->obj = o;
    me->site = site_of(pc);
    switch_to(me, choose(me));
}

/* Blocked until enabled again (the pending op is set). */
static void block(struct sthread *me)
{
    switch_to(me, choose(me));
}

/* ---- the deadlock report ---------------------------------------------- */

/* Thread 0 is a lab's test, or a standalone program's main (make explore). */
static const char *main_label = " (the test)";

void harness__sched_label_main(const char *label)
{
    main_label = label;
}

static void describe(FILE *f, struct sthread *t)
{
    fprintf(f, "  thread %d%s: ", t->id, t->id == 0 ? main_label : "");
    switch (t->op) {
    case OP_LOCK:
        fprintf(f, "waits to lock mutex %d, held by thread %d", t->obj->id,
                t->obj->owner ? t->obj->owner->id : -1);
        break;
    case OP_RELOCK:
        if (t->cond)
            fprintf(f, "sleeps on condition %d (mutex %d)%s", t->cond->id,
                    t->obj->id, " and nobody is left to signal it");
        else
            fprintf(f, "woken, waits to retake mutex %d, held by thread %d",
                    t->obj->id, t->obj->owner ? t->obj->owner->id : -1);
        break;
    case OP_JOIN:
        fprintf(f, "waits to join thread %d", t->target->id);
        break;
    case OP_BARRIER_WAIT:
        fprintf(f, "waits at barrier %d (%u of %u arrived)", t->obj->id,
                t->obj->count, t->obj->n);
        break;
    case OP_SEM_WAIT:
        fprintf(f,
                "waits on semaphore %d (value 0) and nobody is left to "
                "post it",
                t->obj->id);
        break;
    case OP_RDLOCK:
    case OP_WRLOCK:
        fprintf(f, "waits to %s rwlock %d, ",
                t->op == OP_RDLOCK ? "read-lock" : "write-lock", t->obj->id);
        if (t->obj->owner)
            fprintf(f, "write-locked by thread %d", t->obj->owner->id);
        else
            fprintf(f, "read-locked by %u thread(s)", t->obj->readers);
        break;
    default:
        fprintf(f, "%s", op_names[t->op]);
    }
    fprintf(f, ", at %s\n", sym(t->site));
    for (int i = 0; i < OBJ_SLOTS; i++)
        if (S.objs[i].owner == t)
            fprintf(f, "      holds %s %d, taken at %s\n",
                    S.objs[i].kind == 'r' ? "rwlock (writing)" : "mutex",
                    S.objs[i].id, sym(S.objs[i].lock_site));
}

/*
 * The wait-for cycle through mutexes, if there is one: from a thread that
 * waits to lock, follow each mutex to its holder and what that one waits
 * for. Printed as a thread line, so the grader keeps it in the picture.
 */
static void print_cycle(FILE *f)
{
    for (int i = 0; i < S.nthreads; i++) {
        struct sthread *t = S.threads[i], *seen[MAX_THREADS];
        int n = 0, at = -1;

        while (t && !t->done &&
               (t->op == OP_LOCK || (t->op == OP_RELOCK && !t->cond))) {
            for (int j = 0; j < n && at < 0; j++)
                if (seen[j] == t)
                    at = j;
            if (at >= 0 || n == MAX_THREADS)
                break;
            seen[n++] = t;
            t = t->obj->owner;
        }
        if (at < 0)
            continue;
        fprintf(f, "  thread %d", seen[at]->id);
        for (int j = at; j < n; j++)
            fprintf(f, " -> mutex %d -> thread %d", seen[j]->obj->id,
                    seen[j]->obj->owner->id);
        fprintf(f, ": the wait-for cycle\n");
        return;
    }
}

static void deadlock(void)
{
    int lost = 0;

    print_tail(30);
    printf("sched: deadlock at step %llu: every thread is blocked\n",
           (unsigned long long)S.steps);
    for (int i = 0; i < S.nthreads; i++)
        if (!S.threads[i]->done) {
            describe(stdout, S.threads[i]);
            lost |= S.threads[i]->cond != NULL;
        }
    print_cycle(stdout);
    fflush(stdout);
    write_trace();
    harness__fail_process(
        lost ? "sched: deadlock: every thread is blocked, some in a "
               "condition wait nobody will signal (a lost wake-up?); the "
               "wait-for picture is above"
             : "sched: deadlock: every thread is blocked on a lock, a "
               "join, a barrier or a semaphore (a lock-order cycle, a lock "
               "never released, a post or a thread that never comes?); the "
               "wait-for picture is above");
}

/* ---- beginning and end of a test -------------------------------------- */

static struct sthread *new_thread(void)
{
    struct sthread *t;

    if (S.nthreads >= MAX_THREADS)
        harness__fail_process("sched: more than 1024 threads alive at once");
    t = calloc(1, sizeof(*t));
    if (!t || sem_init(&t->wake, 0, 0))
        harness__fail_process("sched: out of memory");
    t->id = S.next_id++;
    t->deadline = NO_DEADLINE;
    t->prio = S.depth + (int64_t)(splitmix64(&S.rng) >> 2);
    S.threads[S.nthreads++] = t;
    return t;
}

void harness__sched_begin(void)
{
    const char *strategy = getenv(HARNESS_ENV_SCHED);

    if (!SCHED_BUILD)
        return;
    dl_iterate_phdr(find_bias, NULL);
    S.seed = harness__sched_seed();
    S.rng = S.seed;
    S.strategy_random = strategy && strncmp(strategy, "random", 6) == 0;
    /* "-quiet": no spurious wake-ups in this schedule (docs/sched.md). */
    S.quiet = strategy && strstr(strategy, "-quiet") != NULL;
    S.strategy = S.strategy_random ? (S.quiet ? "random-quiet" : "random")
                                   : (S.quiet ? "pct-quiet" : "pct");
    S.depth = (int)env_long(HARNESS_ENV_SCHED_DEPTH, 3);
    if (S.depth < 1)
        S.depth = 1;
    if (S.depth > 8)
        S.depth = 8;
    S.horizon = (uint64_t)env_long(HARNESS_ENV_SCHED_HORIZON, 2000);
    S.max_steps = (uint64_t)env_long(HARNESS_ENV_SCHED_STEPS, 1000000);
    S.spurious = S.quiet ? 0 : env_long(HARNESS_ENV_SCHED_SPURIOUS, 16);
    S.trace_path = getenv(HARNESS_ENV_SCHED_TRACE);
    S.timeline_path = getenv(HARNESS_ENV_SCHED_TIMELINE);
    S.trace_last = (size_t)env_long(HARNESS_ENV_SCHED_TRACE_LAST, 0);
    for (int i = 1; i < S.depth; i++)
        S.change[i] = 1 + rnd(S.horizon ? S.horizon : 1);
    S.current = self = new_thread();
    self->op = OP_START;
    S.active = 1;
}

void harness__sched_end(int failed)
{
    if (!S.active)
        return;
    if (failed)
        print_tail(30);
    write_trace();
    /* Threads still parked stay parked: the process ends with the test. */
    S.active = 0;
}

void harness__sched_replay_hint(const char *argv0, const char *test,
                                uint64_t seed, char *out, size_t cap)
{
    const char *strategy = getenv(HARNESS_ENV_SCHED);

    static const char *const knobs[] = {
        HARNESS_ENV_SCHED_DEPTH, HARNESS_ENV_SCHED_HORIZON,
        HARNESS_ENV_SCHED_SPURIOUS, HARNESS_ENV_SCHED_STEPS};
    size_t n;

    n = (size_t)snprintf(out, cap, "%s=%s %s=0x%016llx", HARNESS_ENV_SCHED,
                         strategy && *strategy ? strategy : "pct",
                         HARNESS_ENV_SCHED_SEED, (unsigned long long)seed);
    for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]) && n < cap; i++)
        if (getenv(knobs[i]))
            n += (size_t)snprintf(out + n, cap - n, " %s=%s", knobs[i],
                                  getenv(knobs[i]));
    if (n < cap)
        snprintf(out + n, cap - n, " %s=- %s --run %s", HARNESS_ENV_SCHED_TRACE,
                 argv0, test);
}

/* ---- the wrappers ------------------------------------------------------ */

/* The calling thread, when the scheduler is on; a thread it does not know
 * would run beside the one it chose. */
static struct sthread *me_or_null(const char *call)
{
    if (!S.active)
        return NULL;
    if (!self) {
        char text[160];

        snprintf(text, sizeof(text),
                 "sched: %s from a thread the scheduler did not create "
                 "(start threads with pthread_create)",
                 call);
        harness__fail_process(text);
    }
    return self;
}

#define RA __builtin_return_address(0)

static uint64_t deadline_of(const struct timespec *abs)
{
    uint64_t ns;

    if (!abs)
        return NO_DEADLINE;
    ns = (uint64_t)abs->tv_sec * 1000000000ull + (uint64_t)abs->tv_nsec;
    ns -= ns >= REALTIME_CUT ? REAL_BASE : (ns >= MONO_BASE ? MONO_BASE : ns);
    return ns;
}

/* A timed call given no time (the caller's bug): already expired. */
static const struct timespec expired;

/* A lock, a trylock, or a timed lock (abstime) of the mutex or spin lock
 * at addr, by me: a timed one is ready when the lock is free or its
 * deadline has come, and then may find it taken. */
static int lock_at(struct sthread *me, const void *pc, const void *addr,
                   int try, const struct timespec *abstime)
{
    struct sobj *o = obj_of(addr, 'm');

    if (abstime && o->owner &&
        (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000))
        return EINVAL;
    me->deadline = deadline_of(abstime);
    point(me, try ? OP_TRYLOCK : OP_LOCK, o, pc);
    me->deadline = NO_DEADLINE;
    if (o->owner) /* a lock waited until it was free */
        return abstime ? ETIMEDOUT : EBUSY;
    o->owner = me;
    o->lock_site = me->site;
    return 0;
}

/*
 * A wait or an unlock with a mutex the thread does not hold is undefined
 * for a default mutex, and glibc does not refuse it: its unlock releases
 * whoever holds the lock, and its wait unlocks, sleeps, and returns
 * holding a mutex the code then never releases. Returning EPERM, as an
 * error-checking mutex would, hides it (nobody checks the return of a
 * wait), and a wait loop then polls: the schedule passes. So the test
 * fails here, on every schedule that reaches the call, named.
 */
static void not_held(struct sthread *me, const char *call, struct sobj *o)
{
    char text[300];

    print_tail(30);
    write_trace();
    snprintf(text, sizeof(text),
             "sched: %s with mutex %d, which thread %d does not hold%s "
             "(the last step above): a lock or its unlock missing on this "
             "path?",
             call, o->id, me->id, o->owner ? " (another thread does)" : "");
    harness__fail_process(text);
}

static int unlock_at(struct sthread *me, const void *pc, const void *addr)
{
    struct sobj *o = obj_of(addr, 'm');

    point(me, OP_UNLOCK, o, pc);
    if (o->owner != me)
        not_held(me, "pthread_mutex_unlock", o);
    o->owner = NULL;
    return 0;
}

int harness_sched_mutex_lock(pthread_mutex_t *m)
{
    struct sthread *me = me_or_null("pthread_mutex_lock");

    return me ? lock_at(me, RA, m, 0, NULL) : pthread_mutex_lock(m);
}

int harness_sched_mutex_trylock(pthread_mutex_t *m)
{
    struct sthread *me = me_or_null("pthread_mutex_trylock");

    return me ? lock_at(me, RA, m, 1, NULL) : pthread_mutex_trylock(m);
}

int harness_sched_mutex_timedlock(pthread_mutex_t *m,
                                  const struct timespec *abstime)
{
    struct sthread *me = me_or_null("pthread_mutex_timedlock");

    if (!me)
        return pthread_mutex_timedlock(m, abstime);
    return lock_at(me, RA, m, 0, abstime ? abstime : &expired);
}

int harness_sched_mutex_unlock(pthread_mutex_t *m)
{
    struct sthread *me = me_or_null("pthread_mutex_unlock");

    return me ? unlock_at(me, RA, m) : pthread_mutex_unlock(m);
}

/* Spin locks are modelled as mutexes: a thread that would spin is not
 * ready until the lock is free, so it spins no steps, and a spin lock held
 * for ever is a deadlock, named, not a CPU burnt until the timeout. */
int harness_sched_spin_lock(pthread_spinlock_t *l)
{
    struct sthread *me = me_or_null("pthread_spin_lock");

    return me ? lock_at(me, RA, (const void *)l, 0, NULL)
              : pthread_spin_lock(l);
}

int harness_sched_spin_trylock(pthread_spinlock_t *l)
{
    struct sthread *me = me_or_null("pthread_spin_trylock");

    return me ? lock_at(me, RA, (const void *)l, 1, NULL)
              : pthread_spin_trylock(l);
}

int harness_sched_spin_unlock(pthread_spinlock_t *l)
{
    struct sthread *me = me_or_null("pthread_spin_unlock");

    return me ? unlock_at(me, RA, (const void *)l) : pthread_spin_unlock(l);
}

int harness__sched_cond_timedwait_at(const void *pc, pthread_cond_t *c,
                                     pthread_mutex_t *m,
                                     const struct timespec *abstime)
{
    struct sthread *me = me_or_null("pthread_cond_wait");
    struct sobj *co, *mo;

    if (!me)
        return abstime ? pthread_cond_timedwait(c, m, abstime)
                       : pthread_cond_wait(c, m);
    co = obj_of(c, 'c');
    mo = obj_of(m, 'm');
    point(me, OP_WAIT, co, pc);
    if (mo->owner != me)
        not_held(me, "pthread_cond_wait", mo);
    /* Atomically: give the mutex up and sleep on the condition. */
    mo->owner = NULL;
    me->cond = co;
    me->deadline = deadline_of(abstime);
    me->wake_rc = 0;
    me->op = OP_RELOCK;
    me->obj = mo;
    block(me);
    me->deadline = NO_DEADLINE;
    mo->owner = me;
    mo->lock_site = me->site;
    return me->wake_rc;
}

int harness_sched_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return harness__sched_cond_timedwait_at(RA, c, m, NULL);
}

int harness_sched_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                 const struct timespec *abstime)
{
    return harness__sched_cond_timedwait_at(RA, c, m, abstime);
}

/* The same, for lab hooks that stand for pthread_cond_wait (sched.syms). */
int harness_sched_hook_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    return harness__sched_cond_timedwait_at(RA, c, m, NULL);
}

int harness_sched_hook_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                                      const struct timespec *abstime)
{
    return harness__sched_cond_timedwait_at(RA, c, m, abstime);
}

/* Which waiter a signal wakes is the scheduler's choice too. */
static int wake_at(const void *pc, pthread_cond_t *c, int all)
{
    struct sthread *me = me_or_null("pthread_cond_signal"), *w[MAX_THREADS];
    struct sobj *co;
    int n = 0;

    if (!me)
        return all ? pthread_cond_broadcast(c) : pthread_cond_signal(c);
    co = obj_of(c, 'c');
    point(me, all ? OP_BROADCAST : OP_SIGNAL, co, pc);
    for (int i = 0; i < S.nthreads; i++)
        if (!S.threads[i]->done && S.threads[i]->cond == co)
            w[n++] = S.threads[i];
    if (all)
        for (int i = 0; i < n; i++)
            wake_waiter(w[i], 0, OP_SIGNAL);
    else if (n)
        wake_waiter(w[rnd((uint64_t)n)], 0, OP_SIGNAL);
    return 0;
}

int harness_sched_cond_signal(pthread_cond_t *c)
{
    return wake_at(RA, c, 0);
}

int harness_sched_cond_broadcast(pthread_cond_t *c)
{
    return wake_at(RA, c, 1);
}

/* make explore: the program's main has returned, and its process is
 * about to exit. Until exit() ends them, its other threads may still run:
 * a choice like any other, so a schedule may let them go first (a bug
 * that needs them to finish without a join shows), or end here. */
void harness__sched_exit_point(void)
{
    struct sthread *me = me_or_null("exit");

    if (!me)
        return;
    me->op = OP_EXIT;
    me->obj = NULL;
    me->site = 0;
    switch_to(me, choose(me));
}

static void thread_done(struct sthread *me)
{
    me->done = 1;
    me->op = OP_EXIT;
    /* A mutex it still holds stays locked, as a real one would. */
    switch_to(me, choose(me));
}

static void *trampoline(void *arg)
{
    struct sthread *me = arg;
    void *ret;

    self = me;
    while (sem_wait(&me->wake) && errno == EINTR)
        ;
    ret = me->fn(me->arg);
    thread_done(me);
    return ret;
}

int harness__sched_create_at(const void *pc, pthread_t *t,
                             const pthread_attr_t *attr, void *(*fn)(void *),
                             void *arg)
{
    struct sthread *me = me_or_null("pthread_create"), *child;
    int rc;

    if (!me)
        return pthread_create(t, attr, fn, arg);
    child = new_thread();
    child->fn = fn;
    child->arg = arg;
    child->op = OP_START;
    child->done = 1; /* not runnable before it exists */
    me->target = child;
    point(me, OP_CREATE, NULL, pc);
    rc = pthread_create(t, attr, trampoline, child);
    if (rc)
        return rc;
    child->handle = *t;
    child->done = 0;
    return 0;
}

int harness_sched_create(pthread_t *t, const pthread_attr_t *attr,
                         void *(*fn)(void *), void *arg)
{
    return harness__sched_create_at(RA, t, attr, fn, arg);
}

/* A joined thread leaves the scheduler's list (its id is never reused). */
static void forget(struct sthread *t)
{
    int i = 0;

    while (i < S.nthreads && S.threads[i] != t)
        i++;
    if (i == S.nthreads)
        return;
    memmove(&S.threads[i], &S.threads[i + 1],
            (size_t)(S.nthreads - i - 1) * sizeof(S.threads[0]));
    S.nthreads--;
    if (S.last == t)
        S.last = NULL;
    sem_destroy(&t->wake);
    free(t);
}

int harness__sched_join_at(const void *pc, pthread_t t, void **ret)
{
    struct sthread *me = me_or_null("pthread_join"), *target = NULL;
    int rc;

    if (!me)
        return pthread_join(t, ret);
    /* The newest not yet joined: a pthread_t is reused once joined. */
    for (int i = S.nthreads - 1; i > 0 && !target; i--)
        if (S.threads[i]->handle == t && !S.threads[i]->joined)
            target = S.threads[i];
    if (!target)
        return ESRCH;
    target->joined = 1;
    me->target = target;
    point(me, OP_JOIN, NULL, pc);
    me->target = NULL;
    /* It has given up the token for good: this join does not block long. */
    rc = pthread_join(t, ret);
    forget(target);
    return rc;
}

int harness_sched_join(pthread_t t, void **ret)
{
    return harness__sched_join_at(RA, t, ret);
}

void harness_sched_exit(void *ret)
{
    struct sthread *me = me_or_null("pthread_exit");

    if (me && me->id != 0) {
        me->site = site_of(RA);
        thread_done(me);
    }
    pthread_exit(ret);
}

int harness_sched_barrier_init(pthread_barrier_t *b,
                               const pthread_barrierattr_t *attr, unsigned n)
{
    int rc = pthread_barrier_init(b, attr, n);

    if (!rc && S.active) {
        struct sobj *o = obj_of(b, 'b');

        o->n = n;
        o->count = 0;
    }
    return rc;
}

int harness__sched_barrier_wait_at(const void *pc, pthread_barrier_t *b)
{
    struct sthread *me = me_or_null("pthread_barrier_wait");
    struct sobj *o;

    if (!me)
        return pthread_barrier_wait(b);
    o = obj_of(b, 'b');
    point(me, OP_BARRIER, o, pc);
    if (++o->count >= o->n) {
        o->count = 0;
        o->gen++;
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    me->barrier_gen = o->gen;
    me->op = OP_BARRIER_WAIT;
    block(me);
    return 0;
}

int harness_sched_barrier_wait(pthread_barrier_t *b)
{
    return harness__sched_barrier_wait_at(RA, b);
}

void harness__sched_yield_at(const void *pc)
{
    struct sthread *me = me_or_null("sched_yield");

    if (!me) {
        sched_yield();
        return;
    }
    point(me, OP_YIELD, NULL, pc);
}

int harness_sched_yield(void)
{
    harness__sched_yield_at(RA);
    return 0;
}

void harness__sched_sleep_ns_at(const void *pc, uint64_t ns)
{
    struct sthread *me = me_or_null("a sleep");

    if (!me) {
        struct timespec ts = {(time_t)(ns / 1000000000ull),
                              (long)(ns % 1000000000ull)};

        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
        return;
    }
    me->deadline = S.vnow + ns;
    point(me, OP_SLEEP, NULL, pc);
    me->deadline = NO_DEADLINE;
}

int harness_sched_nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!S.active)
        return nanosleep(req, rem);
    harness__sched_sleep_ns_at(RA, (uint64_t)req->tv_sec * 1000000000ull +
                                       (uint64_t)req->tv_nsec);
    if (rem)
        *rem = (struct timespec){0, 0};
    return 0;
}

int harness_sched_usleep(unsigned long us)
{
    if (!S.active)
        return usleep((useconds_t)us);
    harness__sched_sleep_ns_at(RA, (uint64_t)us * 1000);
    return 0;
}

unsigned harness_sched_sleep(unsigned s)
{
    if (!S.active)
        return sleep(s);
    harness__sched_sleep_ns_at(RA, (uint64_t)s * 1000 * MS);
    return 0;
}

uint64_t harness__sched_now_ns(void)
{
    return MONO_BASE + S.vnow;
}

/* Not a scheduling point: reading the clock synchronizes nothing. */
int harness_sched_clock_gettime(clockid_t id, struct timespec *ts)
{
    uint64_t ns;

    if (!S.active || (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME))
        return clock_gettime(id, ts);
    ns = S.vnow + (id == CLOCK_REALTIME ? REAL_BASE : MONO_BASE);
    ts->tv_sec = (time_t)(ns / 1000000000ull);
    ts->tv_nsec = (long)(ns % 1000000000ull);
    return 0;
}

/* Threads in a condition wait (lab hooks count sleepers with it). */
int harness_sched_sleepers(void)
{
    int n = 0;

    for (int i = 0; i < S.nthreads; i++)
        n += !S.threads[i]->done && S.threads[i]->op == OP_RELOCK;
    return n;
}

/* ---- semaphores ----------------------------------------------------------
 * Modelled like the rest: the scheduler keeps the count, the real
 * semaphore is never waited on. One first seen without sem_init under the
 * scheduler starts from the real one's value.
 */
static struct sobj *sem_obj(sem_t *s)
{
    int before = S.nobjs, v = 0;
    struct sobj *o = obj_of(s, 's');

    if (S.nobjs != before && sem_getvalue(s, &v) == 0 && v > 0)
        o->value = (unsigned)v;
    return o;
}

int harness_sched_sem_init(sem_t *s, int pshared, unsigned value)
{
    int rc = sem_init(s, pshared, value);

    if (!rc && S.active)
        sem_obj(s)->value = value;
    return rc;
}

static int sem_wait_at(const void *pc, sem_t *s, enum op op,
                       const struct timespec *abstime)
{
    struct sthread *me = me_or_null("sem_wait");
    struct sobj *o;

    if (!me) {
        if (op == OP_SEM_TRYWAIT)
            return sem_trywait(s);
        return abstime ? sem_timedwait(s, abstime) : sem_wait(s);
    }
    o = sem_obj(s);
    me->deadline = deadline_of(abstime);
    point(me, op, o, pc);
    me->deadline = NO_DEADLINE;
    if (o->value == 0) {
        errno = op == OP_SEM_TRYWAIT ? EAGAIN : ETIMEDOUT;
        return -1;
    }
    o->value--;
    return 0;
}

int harness_sched_sem_wait(sem_t *s)
{
    return sem_wait_at(RA, s, OP_SEM_WAIT, NULL);
}

int harness_sched_sem_trywait(sem_t *s)
{
    return sem_wait_at(RA, s, OP_SEM_TRYWAIT, NULL);
}

int harness_sched_sem_timedwait(sem_t *s, const struct timespec *abstime)
{
    if (abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)) {
        errno = EINVAL;
        return -1;
    }
    return sem_wait_at(RA, s, OP_SEM_WAIT, abstime);
}

int harness_sched_sem_post(sem_t *s)
{
    struct sthread *me = me_or_null("sem_post");
    struct sobj *o;

    if (!me)
        return sem_post(s);
    o = sem_obj(s);
    point(me, OP_SEM_POST, o, RA);
    o->value++;
    return 0;
}

/* Not a scheduling point: it reads, and says nothing another call could
 * not change at once. */
int harness_sched_sem_getvalue(sem_t *s, int *value)
{
    if (!S.active)
        return sem_getvalue(s, value);
    *value = (int)sem_obj(s)->value;
    return 0;
}

/* ---- rwlocks ---------------------------------------------------------------
 * Any ready reader or writer may be chosen: no preference either way, so
 * a design that relies on the implementation's (glibc prefers readers)
 * is wrong under some schedule, as POSIX allows.
 */
int harness_sched_rwlock_init(pthread_rwlock_t *l,
                              const pthread_rwlockattr_t *attr)
{
    int rc = pthread_rwlock_init(l, attr);

    if (!rc && S.active) {
        struct sobj *o = obj_of(l, 'r');

        o->owner = NULL;
        o->readers = 0;
    }
    return rc;
}

/* A read or write lock, blocking, try or timed (abstime: ready when it
 * can take the lock or its deadline has come). */
static int rwlock_at(const void *pc, pthread_rwlock_t *l, enum op op,
                     const struct timespec *abstime)
{
    struct sthread *me = me_or_null("pthread_rwlock_*");
    int write = op == OP_WRLOCK || op == OP_TRYWRLOCK;
    struct sobj *o;

    if (!me) {
        if (op == OP_TRYRDLOCK || op == OP_TRYWRLOCK)
            return write ? pthread_rwlock_trywrlock(l)
                         : pthread_rwlock_tryrdlock(l);
        if (abstime)
            return write ? pthread_rwlock_timedwrlock(l, abstime)
                         : pthread_rwlock_timedrdlock(l, abstime);
        return write ? pthread_rwlock_wrlock(l) : pthread_rwlock_rdlock(l);
    }
    o = obj_of(l, 'r');
    if (abstime && (o->owner || (write && o->readers)) &&
        (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000))
        return EINVAL;
    me->deadline = deadline_of(abstime);
    point(me, op, o, pc);
    me->deadline = NO_DEADLINE;
    /* A blocking call waited until it could (relocking what this thread
     * writes never can: a deadlock, named); a try may find it taken, and
     * a timed one too once its deadline has come. */
    if (o->owner || (write && o->readers))
        return abstime ? ETIMEDOUT : EBUSY;
    if (write) {
        o->owner = me;
        o->lock_site = me->site;
    } else {
        o->readers++;
    }
    return 0;
}

int harness_sched_rwlock_rdlock(pthread_rwlock_t *l)
{
    return rwlock_at(RA, l, OP_RDLOCK, NULL);
}

int harness_sched_rwlock_wrlock(pthread_rwlock_t *l)
{
    return rwlock_at(RA, l, OP_WRLOCK, NULL);
}

int harness_sched_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    return rwlock_at(RA, l, OP_TRYRDLOCK, NULL);
}

int harness_sched_rwlock_trywrlock(pthread_rwlock_t *l)
{
    return rwlock_at(RA, l, OP_TRYWRLOCK, NULL);
}

int harness_sched_rwlock_timedrdlock(pthread_rwlock_t *l,
                                     const struct timespec *abstime)
{
    return rwlock_at(RA, l, OP_RDLOCK, abstime ? abstime : &expired);
}

int harness_sched_rwlock_timedwrlock(pthread_rwlock_t *l,
                                     const struct timespec *abstime)
{
    return rwlock_at(RA, l, OP_WRLOCK, abstime ? abstime : &expired);
}

int harness_sched_rwlock_unlock(pthread_rwlock_t *l)
{
    struct sthread *me = me_or_null("pthread_rwlock_unlock");
    struct sobj *o;

    if (!me)
        return pthread_rwlock_unlock(l);
    o = obj_of(l, 'r');
    point(me, OP_RWUNLOCK, o, RA);
    if (o->owner == me)
        o->owner = NULL;
    else if (!o->owner && o->readers)
        o->readers--; /* readers are not told apart */
    else
        return EPERM;
    return 0;
}

/* ---- C11 atomics -----------------------------------------------------------
 * The sched build's <stdatomic.h> (harness/sched-include) calls this before
 * each atomic operation of the student's and the test's code: a point where
 * another thread may run, so a loop that polls an atomic flag lets the
 * thread that sets it run. The operation itself is done by the caller,
 * after, while this thread still holds the token.
 */
void harness_sched_atomic(const volatile void *addr, int kind)
{
    static const enum op ops[] = {OP_ALOAD, OP_ASTORE, OP_ARMW, OP_ACAS};
    struct sthread *me = me_or_null("an atomic operation");

    if (!me)
        return;
    point(me, ops[(unsigned)kind % 4], obj_lookup((const void *)addr, 'a', 1),
          RA);
}
