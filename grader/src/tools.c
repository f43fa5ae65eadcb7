/* SPDX-License-Identifier: MIT */
/*
 * Running under ThreadSanitizer, AddressSanitizer+UBSan and Valgrind
 * (Helgrind, DRD, Memcheck), and condensing their reports: a race becomes
 * its two accesses, each at the first frame in the lab's code.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools.h"
#include "util.h"

static char **vec(int n, ...)
{
    char **v = gr_alloc(sizeof(char *) * (size_t)(n + 1));
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = gr_strdup(va_arg(ap, const char *));
    va_end(ap);
    return v;
}

char **tool_argv(enum check_kind k, const char *bin, const char *test,
                 const char *logdir)
{
    char *log = gr_printf("--log-file=%s/vg.%%p", logdir);
    char **v;

    switch (k) {
    case CHK_HELGRIND:
        v = vec(9, "valgrind", "--tool=helgrind", "--error-exitcode=99",
                "--num-callers=16", "--trace-children=no", log, bin, "--run",
                test);
        break;
    case CHK_DRD:
        v = vec(9, "valgrind", "--tool=drd", "--error-exitcode=99",
                "--num-callers=16", "--trace-children=no", log, bin, "--run",
                test);
        break;
    case CHK_MEMCHECK:
        v = vec(12, "valgrind", "--tool=memcheck", "--error-exitcode=99",
                "--leak-check=full", "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite", "--track-fds=yes",
                "--num-callers=16", log, bin, "--run", test);
        break;
    default:
        v = vec(3, bin, "--run", test);
    }
    free(log);
    return v;
}

char **tool_env(enum check_kind k, const char *logdir)
{
    switch (k) {
    case CHK_TSAN: {
        char *o = gr_printf("TSAN_OPTIONS=log_path=%s/tsan exitcode=66 "
                            "halt_on_error=0 second_deadlock_stack=1 "
                            "report_signal_unsafe=0",
                            logdir);
        char **v = vec(1, o);

        free(o);
        return v;
    }
    case CHK_ASAN: {
        char *a = gr_printf("ASAN_OPTIONS=log_path=%s/asan:exitcode=67:"
                            "detect_leaks=1",
                            logdir);
        char *u = gr_printf("UBSAN_OPTIONS=log_path=%s/asan:print_stacktrace="
                            "1:halt_on_error=1",
                            logdir);
        char **v = vec(2, a, u);

        free(a);
        free(u);
        return v;
    }
    default:
        return vec(0);
    }
}

const char *tool_missing(enum check_kind k)
{
    if (k == CHK_HELGRIND || k == CHK_DRD || k == CHK_MEMCHECK) {
        if (system("valgrind --version >/dev/null 2>&1") != 0)
            return "valgrind is not installed: run `make deps`";
    }
    return NULL;
}

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

char *condense_tsan(const char *log, const char *root, int *count,
                    char **summary)
{
    struct sbuf b = {0};
    const char *p = log;
    int in_report = 0, kept_frame = 0, reports = 0, shown = 0;

    *summary = NULL;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char line[2048];

        snprintf(line, sizeof(line), "%.*s", (int)n, p);
        p = e ? e + 1 : NULL;
        if (strstr(line, "WARNING: ThreadSanitizer:")) {
            reports++;
            in_report = reports <= 2;
            if (in_report) {
                add_line(&b, line, strlen(line), root);
                shown++;
            }
            continue;
        }
        if (starts_with(line, "SUMMARY: ThreadSanitizer:")) {
            if (!*summary) {
                const char *s = line + strlen("SUMMARY: ThreadSanitizer: ");
                char *tmp = gr_strdup(s);
                struct sbuf sb = {0};

                add_line(&sb, tmp, strlen(tmp), root);
                free(tmp);
                *summary = sbuf_steal(&sb);
                (*summary)[strcspn(*summary, "\n")] = '\0';
            }
            in_report = 0;
            continue;
        }
        if (!in_report || starts_with(line, "=========="))
            continue;
        if (strstr(line, "    #")) {
            /* Keep the first frame in the lab's code, one per stack. */
            if (!kept_frame && lab_frame(line)) {
                add_line(&b, line, strlen(line), root);
                kept_frame = 1;
            }
            continue;
        }
        if (!*trim(line))
            continue;
        kept_frame = 0;
        if (strstr(line, "created by"))
            continue; /* thread creation stacks: noise here */
        add_line(&b, line, strlen(line), root);
    }
    *count = reports;
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
    int errors = 0, in_error = 0, frames = 0, skip_block = 0;

    *summary = NULL;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char raw[2048], *body;

        snprintf(raw, sizeof(raw), "%.*s", (int)n, p);
        p = e ? e + 1 : NULL;
        body = trim((char *)vg_body(raw));
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
            if (in_error && frames < 2 && strstr(fn, ".c:") &&
                !strstr(fn, "vgpreload") && !strstr(fn, "harness/") &&
                !strstr(fn, "pthread_create.c") && !strstr(fn, "clone")) {
                char *line = gr_printf("  at %s", fn);

                add_line(&b, line, strlen(line), root);
                if (*summary && !strstr(*summary, ", at ")) {
                    char *s = gr_printf("%s, at %s", *summary, fn);

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
            errors++;
            in_error = errors <= 3;
            frames = 0;
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
    return sbuf_steal(&b);
}

int count_fd_leaks(const char *log, char **detail)
{
    struct sbuf b = {0};
    const char *p = log;
    int leaks = 0;
    char pending[512] = "";

    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char raw[2048], *body;

        snprintf(raw, sizeof(raw), "%.*s", (int)n, p);
        p = e ? e + 1 : NULL;
        body = trim((char *)vg_body(raw));
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

/* Every file in dir whose name starts with prefix, concatenated; with
 * only_pid, just prefix.PID. */
static char *read_logs(const char *dir, const char *prefix, pid_t only_pid)
{
    struct sbuf b = {0};
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d)
        return sbuf_steal(&b);
    while ((e = readdir(d))) {
        char want[64], *path, *data;

        if (!starts_with(e->d_name, prefix))
            continue;
        snprintf(want, sizeof(want), "%s.%d", prefix, (int)only_pid);
        if (only_pid > 0 && strcmp(e->d_name, want) != 0)
            continue;
        path = path_join(dir, e->d_name);
        data = read_file(path, 4 << 20, NULL);
        if (data)
            sbuf_puts(&b, data);
        free(data);
        free(path);
    }
    closedir(d);
    return sbuf_steal(&b);
}

int tool_findings(enum check_kind k, const char *logdir, pid_t main_pid,
                  const char *root, struct finding *f)
{
    char *log;
    int n = 0;

    memset(f, 0, sizeof(*f));
    if (k == CHK_TSAN) {
        log = read_logs(logdir, "tsan", 0);
        f->detail = condense_tsan(log, root, &n, &f->summary);
    } else if (k == CHK_ASAN) {
        log = read_logs(logdir, "asan", 0);
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
        log = read_logs(logdir, "vg", 0);
        f->detail = condense_valgrind(log, root, &n, &f->summary);
        if (k == CHK_MEMCHECK) {
            char *mine = read_logs(logdir, "vg", main_pid), *fds;
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
    free(log);
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

    while (p && *p && lines < max_lines) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char line[2048];

        snprintf(line, sizeof(line), "%.*s", (int)n, p);
        p = e ? e + 1 : NULL;
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
           starts_with(line, "(and more lanes)");
}
