/* SPDX-License-Identifier: MIT */
/*
 * Reading what ThreadSanitizer, AddressSanitizer+UBSan and Valgrind
 * (Helgrind, DRD, Memcheck) left in a run folder, and condensing it: a race
 * becomes its two accesses, each at the first frame in the lab's code.
 * How those tools are run is tools.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"
#include "tools.h"
#include "util.h"

/* A frame in the lab's own code (not libc, not the harness, not a tool). */
static int lab_frame(const char *line)
{
    return (strstr(line, "/labs/") || strstr(line, "/solutions/") ||
            strstr(line, "/student/") || strstr(line, "/mutant-trees/") ||
            (strstr(line, ".c:") && !strstr(line, "/harness/") &&
             !strstr(line, "/usr/") && !strstr(line, "vgpreload") &&
             !strstr(line, "sanitizer_common") &&
             !strstr(line, "tsan_interceptors") &&
             !strstr(line, "../sysdeps/") && !strstr(line, "./nptl/")));
}

static void add_line(struct sbuf *b, const char *line, size_t n,
                     const char *root)
{
    char *copy = gr_alloc(n + 1), *s;

    memcpy(copy, line, n);
    /* Replace every occurrence of root/ with nothing. */
    if (root && *root) {
        struct sbuf o = {0};
        size_t rl = strlen(root);
        const char *p = copy, *hit;

        while ((hit = strstr(p, root)) && hit[rl] == '/') {
            sbuf_add(&o, p, (size_t)(hit - p));
            p = hit + rl + 1;
        }
        sbuf_puts(&o, p);
        s = sbuf_steal(&o);
        free(copy);
        copy = s;
    }
    sbuf_printf(b, "%s\n", copy);
    free(copy);
}

/* Copy, cut to fit. */
static void scopy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* root stripped from a path, as add_line does, into a fixed buffer. */
static void strip_root(char *dst, size_t cap, const char *src, const char *root)
{
    size_t rl = root ? strlen(root) : 0;

    if (rl && strncmp(src, root, rl) == 0 && src[rl] == '/')
        src += rl + 1;
    scopy(dst, cap, src);
}

/* "    #0 func /path/file.c:12:5 (bin+0x11d7)" -> func, "path/file.c:12" */
static int tsan_frame(const char *line, const char *root, char *func,
                      size_t fcap, char *loc, size_t lcap)
{
    char f[256], l[1024];
    char *colon;

    if (sscanf(line, " #%*d %255s %1023s", f, l) != 2)
        return -1;
    /* Drop a column number: keep file:line. */
    colon = strrchr(l, ':');
    if (colon && colon > strchr(l, ':') && strchr(l, ':') != colon) {
        char *first = strchr(l, ':');

        if (strchr(first + 1, ':') == colon)
            *colon = '\0';
    }
    scopy(func, fcap, f);
    strip_root(loc, lcap, l, root);
    return 0;
}

struct tsan_access {
    char what[48];   /* "read of 4 bytes", "atomic write of 8 bytes" */
    char thread[32]; /* "thread T2", "the main thread" */
    char locks[96];  /* "M7 (write)", "" for none */
    char func[128], loc[512];
    int earlier;
};

struct tsan_race {
    struct tsan_access acc[2];
    int nacc;
    char location[160]; /* "global 'counter' (4 bytes)", ... */
    char alloc[768];    /* where a heap block was allocated */
    char mutex[4][700]; /* "M7: created in f at file:line" */
    int nmutex;
};

static void tsan_access_head(struct tsan_access *a, const char *l)
{
    char op[32] = "", by[64] = "", *m;
    int size = 0;
    const char *p = l;

    a->earlier = starts_with(p, "Previous ");
    if (a->earlier)
        p += strlen("Previous ");
    if (starts_with(p, "atomic ") || starts_with(p, "Atomic ")) {
        sscanf(p, "%*s %31s of size %d", op, &size);
        snprintf(a->what, sizeof(a->what), "atomic %s of %d bytes", op, size);
    } else {
        sscanf(p, "%31s of size %d", op, &size);
        for (char *c = op; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        snprintf(a->what, sizeof(a->what), "%s of %d bytes", op, size);
    }
    if (strstr(p, "by main thread"))
        snprintf(a->thread, sizeof(a->thread), "the main thread");
    else if (sscanf(strstr(p, " by ") ? strstr(p, " by ") : "",
                    " by thread %63[^ :]", by) == 1)
        snprintf(a->thread, sizeof(a->thread), "thread %s", by);
    else
        snprintf(a->thread, sizeof(a->thread), "a thread");
    m = strstr(p, "(mutexes: ");
    if (m) {
        /* "(mutexes: write M7, read M2)" -> "M7 (write), M2 (read)" */
        char list[128], *save = NULL;
        struct sbuf b = {0};

        snprintf(list, sizeof(list), "%s", m + strlen("(mutexes: "));
        list[strcspn(list, ")")] = '\0';
        for (char *t = strtok_r(list, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            char mode[16], id[16];

            if (sscanf(t, " %15s %15s", mode, id) == 2)
                sbuf_printf(&b, "%s%s (%s)", b.len ? ", " : "", id, mode);
        }
        m = sbuf_steal(&b);
        snprintf(a->locks, sizeof(a->locks), "%s", m);
        free(m);
    }
}

/* The likely cause, from which locks each side held. */
static void tsan_cause(struct sbuf *b, const struct tsan_race *r)
{
    const struct tsan_access *a = &r->acc[0], *c = &r->acc[1];

    if (r->nacc < 2)
        return;
    if (!a->locks[0] && !c->locks[0])
        sbuf_printf(b, "  likely cause: neither access holds a lock: guard "
                       "the shared data with one mutex (or make it atomic)\n");
    else if (!a->locks[0] || !c->locks[0])
        sbuf_printf(b,
                    "  likely cause: %s touches it holding no lock, while "
                    "%s holds %s: take the same lock around this access "
                    "too\n",
                    !a->locks[0] ? a->thread : c->thread,
                    !a->locks[0] ? c->thread : a->thread,
                    !a->locks[0] ? c->locks : a->locks);
    else if (strcmp(a->locks, c->locks) != 0)
        sbuf_printf(b,
                    "  likely cause: the two sides hold different locks "
                    "(%s; %s): one piece of data needs one lock\n",
                    a->locks, c->locks);
    else
        sbuf_printf(b,
                    "  likely cause: both hold %s, but not for writing: "
                    "a read lock does not allow a write\n",
                    a->locks);
}

static void tsan_render(struct sbuf *b, const struct tsan_race *r,
                        char **summary)
{
    sbuf_printf(b, "data race on %s%s\n",
                r->location[0] ? r->location : "shared memory", r->alloc);
    for (int i = 0; i < r->nacc; i++) {
        const struct tsan_access *a = &r->acc[i];

        sbuf_printf(b, "  %s%s by %s in %s at %s, holding %s\n", a->what,
                    a->earlier ? " (earlier)" : "", a->thread,
                    a->func[0] ? a->func : "?", a->loc[0] ? a->loc : "?",
                    a->locks[0] ? a->locks : "no lock");
    }
    for (int i = 0; i < r->nmutex; i++)
        sbuf_printf(b, "  %s\n", r->mutex[i]);
    tsan_cause(b, r);
    if (!*summary && r->nacc == 2) {
        char op0[16] = "", op1[16] = "";

        sscanf(r->acc[0].what, "%15s", op0);
        sscanf(r->acc[1].what, "%15s", op1);
        *summary = gr_printf("data race on %s: %s in %s (%s) and %s in %s "
                             "(%s)",
                             r->location[0] ? r->location : "shared memory",
                             op0, r->acc[0].func, r->acc[0].loc, op1,
                             r->acc[1].func, r->acc[1].loc);
    }
}

/*
 * A data race, condensed: what the shared variable is (a global's name, or
 * where a heap block was allocated), the two accesses (read or write, which
 * thread, file:line, the locks each held), the mutexes named, and the
 * likely cause. Other reports (lock-order inversions, ...) keep their own
 * lines, each stack cut to its first frame in the lab's code.
 */
char *condense_tsan(const char *log, const char *root, int *count,
                    char **summary)
{
    struct sbuf b = {0};
    const char *p = log;
    int reports = 0, shown = 0, in_report = 0, race = 0, kept_frame = 0;
    enum { S_NONE, S_ACCESS, S_ALLOC, S_MUTEX, S_SKIP } sect = S_NONE;
    struct tsan_race r;
    char *generic_summary = NULL, *race_summary = NULL, line[2048];

    *summary = NULL;
    memset(&r, 0, sizeof(r));
    while (next_line(&p, line, sizeof(line))) {
        char *l = trim(line);

        if (strstr(l, "WARNING: ThreadSanitizer:")) {
            reports++;
            in_report = reports <= 2;
            race = strstr(l, "data race") != NULL;
            memset(&r, 0, sizeof(r));
            sect = S_NONE;
            if (in_report) {
                shown++;
                if (!race)
                    add_line(&b, l, strlen(l), root);
            }
            continue;
        }
        if (starts_with(l, "SUMMARY: ThreadSanitizer:")) {
            if (in_report && race)
                tsan_render(&b, &r, &race_summary);
            if (!generic_summary) {
                const char *s = l + strlen("SUMMARY: ThreadSanitizer: ");
                struct sbuf sb = {0};

                add_line(&sb, s, strlen(s), root);
                generic_summary = sbuf_steal(&sb);
                generic_summary[strcspn(generic_summary, "\n")] = '\0';
            }
            in_report = 0;
            continue;
        }
        if (!in_report || starts_with(l, "=========="))
            continue;
        if (!race) {
            /* Generic: headers, and each stack's first frame in the lab. */
            if (l[0] == '#') {
                if (!kept_frame && sect != S_SKIP && lab_frame(l)) {
                    char *ind = gr_printf("    %s", l);

                    add_line(&b, ind, strlen(ind), root);
                    free(ind);
                    kept_frame = 1;
                }
                continue;
            }
            if (!*l)
                continue;
            kept_frame = 0;
            sect = strstr(l, "created by") || strstr(l, " created at:")
                       ? S_SKIP
                       : S_NONE;
            if (sect != S_SKIP) {
                char *ind = gr_printf("  %s", l);

                add_line(&b, ind, strlen(ind), root);
                free(ind);
            }
            continue;
        }
        if (l[0] == '#') {
            char func[128], loc[512];

            if (sect == S_SKIP || !lab_frame(l) ||
                tsan_frame(l, root, func, sizeof(func), loc, sizeof(loc)))
                continue;
            if (sect == S_ACCESS && r.nacc && !r.acc[r.nacc - 1].func[0]) {
                scopy(r.acc[r.nacc - 1].func, sizeof(r.acc[0].func), func);
                scopy(r.acc[r.nacc - 1].loc, sizeof(r.acc[0].loc), loc);
            } else if (sect == S_ALLOC && !strstr(r.alloc, " at ")) {
                snprintf(r.alloc, sizeof(r.alloc), ", allocated in %s at %s",
                         func, loc);
            } else if (sect == S_MUTEX && r.nmutex &&
                       !strstr(r.mutex[r.nmutex - 1], " at ")) {
                size_t k = strlen(r.mutex[r.nmutex - 1]);

                snprintf(r.mutex[r.nmutex - 1] + k, sizeof(r.mutex[0]) - k,
                         " in %s at %s", func, loc);
            }
            continue;
        }
        if (!*l)
            continue;
        if ((strstr(l, " of size ") && strstr(l, " at 0x") &&
             strstr(l, " by ")) &&
            !starts_with(l, "Location")) {
            sect = S_ACCESS;
            if (r.nacc < 2)
                tsan_access_head(&r.acc[r.nacc++], l);
            continue;
        }
        if (starts_with(l, "Location is ") && r.location[0]) {
            sect = S_NONE; /* the first says it; a second adds noise */
            continue;
        }
        if (starts_with(l, "Location is global '") &&
            !starts_with(l, "Location is global '<null>'")) {
            char name[128] = "";
            int size = 0;

            if (sscanf(l, "Location is global '%127[^']' of size %d", name,
                       &size) == 2)
                snprintf(r.location, sizeof(r.location),
                         "global '%s' (%d bytes)", name, size);
            else
                snprintf(r.location, sizeof(r.location), "global '%s'", name);
            sect = S_NONE;
            continue;
        }
        if (starts_with(l, "Location is heap block of size ")) {
            int size = 0;

            sscanf(l, "Location is heap block of size %d", &size);
            snprintf(r.location, sizeof(r.location), "a heap block of %d bytes",
                     size);
            sect = S_ALLOC;
            continue;
        }
        if (starts_with(l, "Location is ")) {
            snprintf(r.location, sizeof(r.location), "%s", l + 12);
            r.location[strcspn(r.location, ".")] = '\0';
            sect = S_NONE;
            continue;
        }
        if (starts_with(l, "Mutex M") && r.nmutex < 4) {
            char id[16] = "";

            sscanf(l, "Mutex %15s", id);
            snprintf(r.mutex[r.nmutex++], sizeof(r.mutex[0]),
                     "%s is the mutex created", id);
            sect = S_MUTEX;
            continue;
        }
        sect = S_SKIP; /* thread creation stacks: noise here */
    }
    *count = reports;
    *summary = race_summary ? race_summary : generic_summary;
    if (race_summary)
        free(generic_summary);
    if (reports > shown)
        sbuf_printf(&b, "(and %d more report(s))\n", reports - shown);
    return sbuf_steal(&b);
}

/* Strip the "==PID== " prefix valgrind puts on every line. */
static const char *vg_body(const char *line)
{
    if (line[0] == '=' && line[1] == '=') {
        const char *q = strstr(line + 2, "==");

        if (q)
            return q[2] == ' ' ? q + 3 : q + 2;
    }
    return line;
}

char *condense_valgrind(const char *log, const char *root, int *count,
                        char **summary)
{
    struct sbuf b = {0};
    const char *p = log;
    int errors = 0, in_error = 0, frames = 0, skip_block = 0, leak = 0;
    char alloc_fn[64] = "", leak_site[512] = "", raw[2048];

    *summary = NULL;
    while (next_line(&p, raw, sizeof(raw))) {
        char *body = trim((char *)vg_body(raw));

        if (!*body) {
            skip_block = 0;
            continue;
        }
        if (strstr(body, "---Thread-Announcement") ||
            strstr(body, "was created") ||
            strstr(body, "is the program's main thread")) {
            skip_block = 1; /* which thread is which: noise here */
            continue;
        }
        if (strstr(body, "----------------")) {
            skip_block = 0; /* the separator before the next error */
            continue;
        }
        if (skip_block)
            continue;
        if (starts_with(body, "at 0x") || starts_with(body, "by 0x")) {
            /* "at 0x109159: worker (racy.c:6)" -> "worker (racy.c:6)" */
            const char *fn = strstr(body, ": ");

            fn = fn ? fn + 2 : body;
            if (leak && frames == 0 && !strstr(fn, ".c:"))
                sscanf(fn, "%63[^ (]", alloc_fn); /* malloc, calloc, ... */
            if (in_error && frames < 2 && strstr(fn, ".c:") &&
                !strstr(fn, "vgpreload") && !strstr(fn, "harness/") &&
                !strstr(fn, "pthread_create.c") && !strstr(fn, "clone")) {
                char *line =
                    !leak ? gr_printf("  at %s", fn)
                    : frames == 0
                        ? gr_printf("  allocated by %s in %s",
                                    alloc_fn[0] ? alloc_fn : "malloc", fn)
                        : gr_printf("  called from %s", fn);

                if (leak && frames == 0 && !leak_site[0])
                    scopy(leak_site, sizeof(leak_site), fn);
                add_line(&b, line, strlen(line), root);
                if (*summary && !strstr(*summary, ", at ") &&
                    !strstr(*summary, ", allocated in ")) {
                    char *s = gr_printf("%s, %s %s", *summary,
                                        leak ? "allocated in" : "at", fn);

                    free(*summary);
                    *summary = s;
                }
                free(line);
                frames++;
            }
            continue;
        }
        if (starts_with(body, "Possible data race") ||
            strstr(body, "definitely lost in loss record") ||
            starts_with(body, "Invalid ") ||
            starts_with(body, "Conditional jump") ||
            starts_with(body, "Lock at") || strstr(body, "lock order") ||
            starts_with(body, "Conflicting") ||
            starts_with(body, "Use of uninitialised") ||
            starts_with(body, "Syscall param") ||
            starts_with(body, "Mismatched free") ||
            starts_with(body, "Invalid free") ||
            starts_with(body, "Acquired lock") ||
            starts_with(body, "Probably a race")) {
            char sizes[128] = "";

            errors++;
            in_error = errors <= 3;
            frames = 0;
            leak = strstr(body, "definitely lost in loss record") != NULL;
            alloc_fn[0] = '\0';
            if (leak) {
                /* "432 bytes in 6 blocks are definitely lost in ..." */
                scopy(sizes, sizeof(sizes), body);
                if (strstr(sizes, " are definitely"))
                    *strstr(sizes, " are definitely") = '\0';
                if (!*summary)
                    *summary = gr_printf("memory leak: %s never freed "
                                         "(definitely lost)",
                                         sizes);
                if (in_error)
                    sbuf_printf(&b,
                                "memory leak: %s never freed (definitely "
                                "lost: no pointer to them was left)\n",
                                sizes);
                continue;
            }
            if (!*summary)
                *summary = gr_strdup(body);
            if (in_error)
                add_line(&b, body, strlen(body), root);
            continue;
        }
        if (in_error &&
            (starts_with(body, "This conflicts") ||
             starts_with(body, "Locks held") || starts_with(body, "Address ") ||
             starts_with(body, "Location "))) {
            frames = 0;
            add_line(&b, body, strlen(body), root);
        }
    }
    *count = errors;
    if (errors > 3)
        sbuf_printf(&b, "(and %d more error(s))\n", errors - 3);
    if (leak_site[0]) {
        char *line = gr_printf("likely cause: what %s allocates is not freed "
                               "on some path: the function that tears it "
                               "down (destroy, close, free) must release it, "
                               "on error paths too",
                               leak_site);

        add_line(&b, line, strlen(line), root);
        free(line);
    }
    return sbuf_steal(&b);
}

/*
 * Helgrind and trylock. Helgrind adds an edge "A before B" to its lock-order
 * graph for every acquisition of B while A is held, a successful
 * pthread_mutex_trylock included, and reports "lock order violated" when
 * an edge closes a cycle. But a trylock never waits: an edge it made cannot
 * be a step of a deadlock, so a report one of whose two later acquisitions
 * (the one that closed the cycle, or the one that set the required order)
 * was a trylock is not a verdict (lock + trylock + back-off is a correct
 * design). ThreadSanitizer's deadlock detector already adds no edge for a
 * trylock.
 *
 * Helgrind's intercepts have no symbols in Debian's valgrind (no -dbg
 * package), so its stack cannot say lock from trylock: the first frame in
 * the student's code can, by the call on its line of the staged source
 * (srcdir/FILE, written by the grader). A frame outside srcdir keeps the
 * report. A report without the stacks of its required order (Helgrind
 * sometimes has lost them) cannot be judged: that edge may have been made
 * by a trylock, as lab 03's trylock wheat showed in one run of three, so
 * it is set aside too. What this cannot see: Helgrind shows the stacks of the first
 * acquisitions that made an edge, so an edge made first by a trylock and
 * later again by a blocking lock is set aside with it; the lock-order tests
 * are graded by ThreadSanitizer too, which sees every acquisition.
 */
static int frame_is_trylock(const char *srcdir, const char *frame)
{
    static regex_t re;
    static int compiled;
    char name[256], *path, *data, *line;
    const char *paren = strrchr(frame, '(');
    int lineno, fd, hit = 0;

    if (!srcdir || !paren ||
        sscanf(paren, "(%255[^:]:%d)", name, &lineno) != 2 || lineno < 1 ||
        strchr(name, '/') || name[0] == '.')
        return 0;
    if (!compiled) {
        if (regcomp(&re,
                    "pthread_(mutex|spin)_trylock[[:space:]]*\\(|"
                    "pthread_rwlock_try(rd|wr)lock[[:space:]]*\\(",
                    REG_EXTENDED | REG_NOSUB) != 0)
            return 0;
        compiled = 1;
    }
    path = path_join(srcdir, name);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(path);
    if (fd < 0)
        return 0;
    data = read_fd(fd, (size_t)1 << 20, NULL);
    close(fd);
    if (!data)
        return 0;
    line = data;
    for (int i = 1; i < lineno && line; i++) {
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    if (line) {
        line[strcspn(line, "\n")] = '\0';
        hit = regexec(&re, line, 0, NULL, 0) == 0;
    }
    free(data);
    return hit;
}

char *helgrind_drop_trylock_orders(const char *log, const char *srcdir,
                                   int *dropped)
{
    struct sbuf out = {0}, block = {0};
    const char *p = log, *line;
    int in_order = 0, want_frame = 0, trylock = 0, required = 0;
    char raw[2048];

    *dropped = 0;
    while ((line = p) && next_line(&p, raw, sizeof(raw))) {
        /* The line as it was, newline included, for copying it out. */
        size_t n = p ? (size_t)(p - line) : strlen(line);
        char *body = trim((char *)vg_body(raw));

        if (in_order &&
            (starts_with(body, "---") || starts_with(body, "ERROR SUMMARY") ||
             strstr(body, "lock order"))) {
            if (trylock || (srcdir && !required))
                (*dropped)++;
            else
                sbuf_puts(&out, block.s ? block.s : "");
            block.len = 0;
            if (block.s)
                block.s[0] = '\0';
            in_order = 0;
        }
        if (strstr(body, "lock order") && strstr(body, "violated")) {
            in_order = 1;
            want_frame = trylock = required = 0;
        }
        if (!in_order) {
            sbuf_add(&out, line, n);
            continue;
        }
        sbuf_add(&block, line, n);
        if (starts_with(body, "Required order was established"))
            required = 1;
        if (starts_with(body, "followed by a later acquisition")) {
            want_frame = 1;
        } else if (want_frame &&
                   (starts_with(body, "at 0x") || starts_with(body, "by 0x")) &&
                   strstr(body, ".c:")) {
            want_frame = 0;
            trylock |= frame_is_trylock(srcdir, body);
        }
    }
    if (in_order) {
        if (trylock || (srcdir && !required))
            (*dropped)++;
        else
            sbuf_puts(&out, block.s ? block.s : "");
    }
    sbuf_free(&block);
    return sbuf_steal(&out);
}

int count_fd_leaks(const char *log, char **detail)
{
    struct sbuf b = {0};
    const char *p = log;
    int leaks = 0;
    char pending[512] = "", raw[2048];

    while (next_line(&p, raw, sizeof(raw))) {
        char *body = trim((char *)vg_body(raw));

        if (starts_with(body, "Open ") && !strstr(body, "descriptor 0:") &&
            !strstr(body, "descriptor 1:") && !strstr(body, "descriptor 2:")) {
            snprintf(pending, sizeof(pending), "%s", body);
            continue;
        }
        if (*pending) {
            if (!strstr(body, "<inherited from parent>")) {
                leaks++;
                sbuf_printf(&b, "%s\n  %s\n", pending, body);
            }
            pending[0] = '\0';
        }
    }
    *detail = sbuf_steal(&b);
    return leaks;
}

/*
 * Every file in dir whose name starts with prefix, concatenated; with
 * only_pid, just prefix.PID. dir is the test's run folder, which the test
 * may write: only regular files owned by the test are read (read_run_file),
 * and each one refused gets a line in *ignored (if not NULL).
 */
static char *read_logs(const char *dir, const char *prefix, pid_t only_pid,
                       struct sbuf *ignored)
{
    struct sbuf b = {0};
    struct dirent *e;
    uid_t owner;
    DIR *d;

    if (run_dir_owner(dir, &owner) < 0 || !(d = opendir(dir)))
        return sbuf_steal(&b);
    while ((e = readdir(d))) {
        char want[64], *path, *data = NULL;

        if (!starts_with(e->d_name, prefix))
            continue;
        snprintf(want, sizeof(want), "%s.%d", prefix, (int)only_pid);
        if (only_pid > 0 && strcmp(e->d_name, want) != 0)
            continue;
        path = path_join(dir, e->d_name);
        errno = EINVAL;
        /* d_type saves an open; DT_UNKNOWN (some file systems) and a
         * regular file are settled by read_run_file's fstat. */
        if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN)
            data = read_run_file(path, 4 << 20, NULL, owner);
        if (data)
            sbuf_puts(&b, data);
        else if (ignored && errno != ENOENT)
            sbuf_printf(ignored,
                        "(tool log %.60s ignored: not a regular file owned "
                        "by the test)\n",
                        e->d_name);
        free(data);
        free(path);
    }
    closedir(d);
    return sbuf_steal(&b);
}

char *tool_log_tail(enum check_kind k, const char *logdir, int lines)
{
    char *log = read_logs(logdir, tool_log_prefix(k), 0, NULL), *tail;
    size_t from = strlen(log);

    if (from && log[from - 1] == '\n')
        from--;
    while (from > 0 && lines > 0)
        lines -= log[--from] == '\n';
    tail = gr_strdup(log + from + (log[from] == '\n'));
    free(log);
    return tail;
}

/* The kind of the first report in the tool's own words, as a symptom. */
static const char *finding_symptom(enum check_kind k, const char *log,
                                   const struct finding *f)
{
    const char *first;

    if (k == CHK_TSAN) {
        first = strstr(log, "WARNING: ThreadSanitizer: ");
        if (first && starts_with(first + 26, "lock-order-inversion"))
            return "lock-order";
    } else if (k == CHK_HELGRIND || k == CHK_DRD) {
        const char *race = strstr(log, "data race");
        const char *order = strstr(log, "lock order");

        if (order && (!race || order < race))
            return "lock-order";
    } else if (k == CHK_MEMCHECK && f->summary &&
               !strstr(log, "definitely lost") &&
               !strstr(log, "indirectly lost") && f->detail &&
               strstr(f->detail, "file descriptor(s) left open")) {
        return "fd-leak";
    }
    return NULL;
}

int tool_findings(enum check_kind k, const char *logdir, pid_t main_pid,
                  const char *root, const char *srcdir, struct finding *f)
{
    struct sbuf ign = {0};
    char *log;
    int n = 0;

    memset(f, 0, sizeof(*f));
    if (k == CHK_TSAN) {
        log = read_logs(logdir, tool_log_prefix(k), 0, &ign);
        f->detail = condense_tsan(log, root, &n, &f->summary);
    } else if (k == CHK_ASAN) {
        log = read_logs(logdir, tool_log_prefix(k), 0, &ign);
        n = strstr(log, "ERROR: ") || strstr(log, "runtime error:") ? 1 : 0;
        f->detail = condense_output(log, root, 30);
        if (n) {
            const char *s = strstr(log, "ERROR: ");

            if (!s)
                s = strstr(log, "runtime error:");
            f->summary = gr_strdup(s);
            f->summary[strcspn(f->summary, "\n")] = '\0';
        }
    } else if (k == CHK_HELGRIND || k == CHK_DRD || k == CHK_MEMCHECK) {
        log = read_logs(logdir, tool_log_prefix(k), 0, &ign);
        if (k == CHK_HELGRIND) {
            int dropped;
            char *kept = helgrind_drop_trylock_orders(log, srcdir, &dropped);
            int contexts = 0;

            /* "ERROR SUMMARY: 4 errors from 2 contexts": one per report. */
            for (const char *q = log; (q = strstr(q, "ERROR SUMMARY: "));) {
                const char *from = strstr(q, " from ");
                int c = 0;

                q += 15;
                if (from && sscanf(from, " from %d contexts", &c) == 1)
                    contexts += c;
            }
            f->set_aside = dropped;
            f->all_set_aside = dropped > 0 && dropped == contexts;
            free(log);
            log = kept;
        }
        f->detail = condense_valgrind(log, root, &n, &f->summary);
        if (k == CHK_MEMCHECK) {
            char *mine = read_logs(logdir, tool_log_prefix(k), main_pid, NULL);
            char *fds;
            int leaked = count_fd_leaks(mine, &fds);

            if (leaked) {
                struct sbuf b = {0};

                sbuf_puts(&b, f->detail);
                sbuf_printf(&b, "%d file descriptor(s) left open at exit:\n%s",
                            leaked, fds);
                free(f->detail);
                f->detail = sbuf_steal(&b);
                if (!f->summary)
                    f->summary = gr_printf("%d file descriptor(s) left open "
                                           "at exit",
                                           leaked);
                n += leaked;
            }
            free(fds);
            free(mine);
        }
    } else {
        return 0;
    }
    f->symptom = finding_symptom(k, log, f);
    free(log);
    if (ign.len) {
        /* A log the grader would not read may have held a finding: the
         * check cannot pass on it, and the student is told which. */
        struct sbuf b = {0};

        for (const char *p = ign.s; (p = strchr(p, '\n')); p++)
            f->ignored++;
        n += f->ignored;
        if (!f->summary)
            f->summary = gr_printf("%.*s", (int)strcspn(ign.s, "\n"), ign.s);
        sbuf_puts(&b, ign.s);
        sbuf_puts(&b, f->detail ? f->detail : "");
        free(f->detail);
        f->detail = sbuf_steal(&b);
    }
    sbuf_free(&ign);
    f->problems = n;
    if (n && !f->summary)
        f->summary = gr_strdup("the tool reported a problem");
    return n;
}

/* gdb's chatter, and stack frames outside the lab's code. */
static int gdb_noise(const char *line)
{
    if ((line[0] >= '0' && line[0] <= '9' && strchr(line, '\t')) ||
        strstr(line, ": No such file or directory.") ||
        starts_with(line, "[Thread debugging") ||
        starts_with(line, "Using host libthread_db") ||
        starts_with(line, "[Inferior") || starts_with(line, "[New LWP") ||
        starts_with(line, "0x0000"))
        return 1;
    if (line[0] != '#')
        return 0;
    return strstr(line, "libcmocka") || strstr(line, "libc_start") ||
           strstr(line, " _start ") || strstr(line, "harness/main.c") ||
           strstr(line, "start_thread") || strstr(line, "clone3") ||
           strstr(line, "clone.S");
}

/*
 * The lines of a test's output worth showing under a failure: cmocka's
 * error lines, our harness's, the test's own words; not the banners.
 */
char *condense_output(const char *out, const char *root, int max_lines)
{
    struct sbuf b = {0};
    const char *p = out;
    int lines = 0;
    char line[2048];

    while (lines < max_lines && next_line(&p, line, sizeof(line))) {
        if (gdb_noise(line) || starts_with(line, "[harness] start:") ||
            starts_with(line, "[harness] skipped:") ||
            starts_with(line, "[harness] inconclusive:") ||
            strstr(line, "SKIPPED TEST"))
            continue;
        if (starts_with(line, "[==========]") ||
            starts_with(line, "[ RUN      ]") ||
            starts_with(line, "[       OK ]") ||
            starts_with(line, "[  PASSED  ]") ||
            starts_with(line, "[  FAILED  ]") ||
            starts_with(line, "[  SKIPPED ]") || strstr(line, "FAILED TEST") ||
            !*trim(line))
            continue;
        add_line(&b, line, strlen(line), root);
        lines++;
    }
    if (p && *p)
        sbuf_puts(&b, "...\n");
    return sbuf_steal(&b);
}

int timeline_line(const char *line)
{
    size_t n = strlen(line);

    while (*line == ' ')
        line++, n--;
    return (n > 2 && line[n - 1] == '|' && strchr(line, '|') < line + n - 1) ||
           starts_with(line, "no two lanes overlap") ||
           starts_with(line, "some lanes overlap") ||
           starts_with(line, "(and more lanes)") ||
           /* a run's heading: "the baseline, 12.3 ms:", "yours, 4.5 ms:" */
           (n > 4 && strcmp(line + n - 4, " ms:") == 0);
}
