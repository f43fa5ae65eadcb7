/* SPDX-License-Identifier: MIT */
/*
 * Grading one lab against one source tree. The order matters:
 *   1. build the plain variant (a compile error is a result: 0 points);
 *   2. functional checks, several tests at once;
 *   3. tool checks (TSan, Valgrind, ASan, the controlled scheduler), only
 *      for tests that passed functionally, each variant built the first
 *      time it is needed;
 *   4. speedup checks, one at a time with nothing else running.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "grade.h"
#include "run.h"
#include "sandbox.h"
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

/* ---- finding labs ------------------------------------------------------ */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct lab *)a)->name, ((const struct lab *)b)->name);
}

/* Ask the Makefile what lab.mk says: the one place the file lists live. */
int lab_load_info(const char *root, struct lab *lab, char **err)
{
    char *cmd = gr_printf("env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s "
                          "--no-print-directory -C '%s' lab-info LAB='%s'",
                          root, lab->name);
    FILE *p = popen(cmd, "r");
    char line[4096];

    free(cmd);
    if (!p) {
        *err = gr_printf("cannot run make: %s", strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), p)) {
        if (starts_with(line, "student:"))
            lab->nstudent = split_list(line + 8, " \t\n", &lab->student);
        else if (starts_with(line, "tests:"))
            lab->nbinaries = split_list(line + 6, " \t\n", &lab->binaries);
    }
    if (pclose(p) != 0 || lab->nstudent == 0 || lab->nbinaries == 0) {
        *err = gr_printf("labs/%s/lab.mk: no student files or no tests "
                         "declared (make lab-info failed)",
                         lab->name);
        return -1;
    }
    return 0;
}

int lab_discover(const char *root, struct lab **labs, char **err)
{
    char *dir = path_join(root, "labs");
    DIR *d = opendir(dir);
    struct dirent *e;
    struct lab *v = NULL;
    int n = 0;

    if (!d) {
        *err = gr_printf("%s: %s", dir, strerror(errno));
        free(dir);
        return -1;
    }
    while ((e = readdir(d))) {
        char *ldir, *mk, *rub;
        struct lab *l;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        ldir = path_join(dir, e->d_name);
        mk = path_join(ldir, "lab.mk");
        rub = path_join(ldir, "rubric.ini");
        if (!is_file(mk) || !is_file(rub)) {
            free(ldir);
            free(mk);
            free(rub);
            continue;
        }
        v = realloc(v, sizeof(*v) * (size_t)(n + 1));
        if (!v)
            gr_die("out of memory");
        l = &v[n++];
        memset(l, 0, sizeof(*l));
        l->name = gr_strdup(e->d_name);
        l->dir = ldir;
        /* lab.mk is read later, and only for the labs being graded:
         * asking make costs a fraction of a second per lab. */
        /* A broken rubric spoils its own lab, not the others: an
         * instructor grading a class still gets every other lab. */
        if (rubric_load(rub, &l->rubric, &l->broken) < 0) {
            memset(&l->rubric, 0, sizeof(l->rubric));
            l->rubric.title = gr_strdup(l->name);
        }
        free(mk);
        free(rub);
    }
    closedir(d);
    free(dir);
    qsort(v, (size_t)n, sizeof(*v), by_name);
    *labs = v;
    return n;
}

struct lab *lab_resolve(struct lab *labs, int n, const char *arg)
{
    for (int i = 0; i < n; i++) {
        const char *name = labs[i].name;
        char *end;
        long num = strtol(arg, &end, 10);

        if (strcmp(name, arg) == 0)
            return &labs[i];
        if (*end == '\0' && end != arg && num == atol(name))
            return &labs[i];
    }
    return NULL;
}

/* ---- building ---------------------------------------------------------- */

/* Run make for one variant; its output goes to <out>/<lab>/<variant>.log. */
static int build_variant(const struct grade_opts *o, const struct lab *lab,
                         const char *variant, char **log)
{
    char *logdir = gr_printf("%s/%s", o->out, lab->name);
    char *logpath = gr_printf("%s/build-%s.log", logdir, variant);
    char *cmd;
    int rc;

    mkdir_p(logdir);
    cmd = gr_printf("env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS timeout 600 make "
                    "-s --no-print-directory -j%d -C '%s' lab-build LAB='%s' "
                    "VARIANT=%s TREE='%s/src' OUT='%s' >'%s' 2>&1",
                    o->jobs > 0 ? o->jobs : 2, o->root, lab->name, variant,
                    o->out, o->out, logpath);
    /* The staged copies are built; diagnostics name the student's own. */
    setenv("GRADER_SHOWN_TREE", o->tree, 1);
    rc = system(cmd);
    free(cmd);
    /* Written by make, as the grader: anything else there is not its log. */
    *log = read_run_file(logpath, 1 << 20, NULL, geteuid());
    if (!*log)
        *log = gr_strdup("");
    free(logdir);
    free(logpath);
    return rc == 0 ? 0 : -1;
}

/* The compiler's first errors, with paths made relative. */
static char *first_errors(const char *log, const char *root)
{
    struct sbuf b = {0};
    const char *p = log;
    int lines = 0;
    char line[1024];

    while (lines < 20 && next_line(&p, line, sizeof(line))) {
        if (starts_with(line, "make") || starts_with(line, "cc1:") ||
            starts_with(line, "gcc ") || starts_with(line, "printf"))
            continue;
        {
            char *rel = condense_output(line, root, 1);

            /* Each test binary's link says the same (student-symbols.sh). */
            if (!b.s || !strstr(b.s, rel)) {
                sbuf_puts(&b, rel);
                lines++;
            }
            free(rel);
        }
    }
    return sbuf_steal(&b);
}

/*
 * Pristine input: the declared student files, present, regular (a symbolic
 * link is refused: the grader reads as root and would follow it anywhere),
 * text, not huge. Each is copied to <out>/src/<lab>/, which make builds
 * from: the submission's own path never reaches a shell or a makefile, and
 * a copy is rewritten only when its content changed, so an unchanged file
 * is not rebuilt and a changed one always is, whatever its mtime says.
 */
static char *stage_student_files(const struct grade_opts *o,
                                 const struct lab *lab)
{
    struct sbuf b = {0};
    char *stage = gr_printf("%s/src/%s", o->out, lab->name);

    mkdir_p(stage);
    for (int i = 0; i < lab->nstudent; i++) {
        const char *name = lab->student[i];
        char *path = gr_printf("%s/%s/%s", o->tree, lab->name, name);
        char *to = gr_printf("%s/%s", stage, name), *old, *data = NULL;
        size_t len = 0, oldlen = 0;
        struct stat st;
        int fd = -1;

        if (lstat(path, &st) < 0)
            sbuf_printf(&b, "missing file: %s/%s\n", lab->name, name);
        else if (S_ISLNK(st.st_mode))
            sbuf_printf(&b,
                        "%s/%s is a symbolic link: not graded (submit the "
                        "file itself)\n",
                        lab->name, name);
        else if (!S_ISREG(st.st_mode))
            sbuf_printf(&b, "%s/%s is not a regular file\n", lab->name, name);
        else if (st.st_size > (off_t)1 << 20)
            sbuf_printf(&b, "%s/%s is over 1 MiB: not graded\n", lab->name,
                        name);
        else if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
                 !(data = read_fd(fd, (size_t)1 << 20, &len)))
            sbuf_printf(&b, "%s/%s cannot be read: %s\n", lab->name, name,
                        strerror(errno));
        else if (memchr(data, '\0', len))
            sbuf_printf(&b, "%s/%s is not a text file\n", lab->name, name);
        else if (!(old = read_file(to, (size_t)1 << 20, &oldlen)) ||
                 oldlen != len || memcmp(old, data, len) != 0) {
            char *tmp = gr_printf("%s.tmp", to);

            free(old);
            if (write_file(tmp, data) != 0 || rename(tmp, to) != 0)
                sbuf_printf(&b, "cannot stage %s/%s in %s: %s\n", lab->name,
                            name, stage, strerror(errno));
            free(tmp);
        } else {
            free(old);
        }
        if (fd >= 0)
            close(fd);
        free(data);
        free(path);
        free(to);
    }
    free(stage);
    return b.len ? sbuf_steal(&b) : NULL;
}

static char *binary_path(const struct grade_opts *o, const struct lab *lab,
                         const char *variant, const char *bin)
{
    return gr_printf("%s/%s/%s/bin/%s", o->out, lab->name, variant, bin);
}

/*
 * Test discovery runs `list/<test> --list`, a twin of the test binary linked
 * without the student's objects (see the Makefile), so nothing of the
 * submission runs here, outside the sandbox. It is the repository's own
 * code, but still run without a shell and with a deadline: a broken lab
 * must stop its own grading (exit 2), never hang the grader.
 */
#define LIST_TIMEOUT_S 10
#define LIST_MAX_BYTES (1 << 20)

static char *list_path(const struct grade_opts *o, const struct lab *lab,
                       const char *bin)
{
    return gr_printf("%s/%s/plain/list/%s", o->out, lab->name, bin);
}

static void list_exec(const char *path, int out_w)
{
    int null = open("/dev/null", O_RDONLY);
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0)
        _exit(127);
    execl(path, path, "--list", (char *)NULL);
    dprintf(2, "grader: cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

/* Read the child's stdout until EOF, the cap or the deadline: 0 at EOF. */
static int list_read(int fd, double deadline, struct sbuf *out)
{
    for (;;) {
        double left = deadline - now_seconds();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[4096];
        ssize_t n;

        if (left <= 0)
            return -ETIMEDOUT;
        if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            return -errno;
        if (!pfd.revents)
            continue;
        n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : 0;
        if (out->len + (size_t)n > LIST_MAX_BYTES)
            return -EFBIG;
        sbuf_add(out, buf, (size_t)n);
    }
}

/* Wait for the child until the deadline, then kill it: its wait status, or
 * -ETIMEDOUT when it had to be killed. */
static int list_reap(pid_t pid, double deadline, int kill_now)
{
    int status;

    while (!kill_now) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            break;
        if (now_seconds() >= deadline)
            break;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return -ETIMEDOUT;
}

/* The names one list binary prints, one a line; NULL and *why if it could
 * not say them (cannot run, too slow, too much, a failed exit). */
static char *list_tests(const char *path, char **why)
{
    double deadline = now_seconds() + LIST_TIMEOUT_S;
    struct sbuf out = {0};
    int fds[2], rc, status;
    pid_t pid;

    if (!is_file(path)) {
        *why = gr_printf("%s is missing (make lab-build links it)", path);
        return NULL;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        *why = gr_printf("pipe: %s", strerror(errno));
        return NULL;
    }
    pid = fork();
    if (pid < 0) {
        *why = gr_printf("fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0)
        list_exec(path, fds[1]);
    close(fds[1]);
    rc = list_read(fds[0], deadline, &out);
    close(fds[0]);
    status = list_reap(pid, deadline, rc < 0);
    if (rc == -ETIMEDOUT || (rc == 0 && status == -ETIMEDOUT))
        *why = gr_printf("%s --list did not finish within %d s", path,
                         LIST_TIMEOUT_S);
    else if (rc < 0)
        *why = gr_printf("%s --list: %s", path,
                         rc == -EFBIG ? "more than 1 MiB of output"
                                      : strerror(-rc));
    else if (WIFSIGNALED(status))
        *why = gr_printf("%s --list was killed by %s", path,
                         signal_name(WTERMSIG(status)));
    else if (WEXITSTATUS(status) != 0)
        *why = gr_printf("%s --list exited with status %d", path,
                         WEXITSTATUS(status));
    else
        return sbuf_steal(&out);
    sbuf_free(&out);
    return NULL;
}

/* Map every rubric test to its binary, and every binary's test to the
 * rubric: drift either way is a broken lab, not a student's failure. */
static int map_tests(const struct grade_opts *o, struct lab *lab, char **err)
{
    struct sbuf problems = {0};
    int unlisted = 0;

    for (int b = 0; b < lab->nbinaries; b++) {
        char *path = list_path(o, lab, lab->binaries[b]), *why = NULL;
        char *names = list_tests(path, &why), *save = NULL;

        if (!names) {
            sbuf_printf(&problems, "%s: %s; ", lab->name, why);
            unlisted = 1;
            free(why);
        }
        for (char *line = names ? strtok_r(names, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
            struct rubric_test *t = rubric_find(&lab->rubric, trim(line));

            if (!t)
                sbuf_printf(&problems, "%s: test %s is not in rubric.ini; ",
                            lab->name, line);
            else
                t->binary = lab->binaries[b];
        }
        free(names);
        free(path);
    }
    /* A binary that could not list leaves its tests unmapped: saying so
     * for each of them would bury the one line that matters. */
    for (int i = 0; i < lab->rubric.ntests && !unlisted; i++)
        if (!lab->rubric.tests[i].binary)
            sbuf_printf(&problems,
                        "%s: rubric.ini names %s, which no test "
                        "binary has; ",
                        lab->name, lab->rubric.tests[i].name);
    if (problems.len) {
        *err = sbuf_steal(&problems);
        return -1;
    }
    return 0;
}

/* ---- judging a run ----------------------------------------------------- */

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

static void judge(struct entry *en, const struct run_result *r,
                  const char *root)
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
static void judge_tool(struct entry *en, const struct run_result *r,
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
         * was set aside (tools.c: a trylock's lock order). */
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
        /* Only logs it would not read (tools.c says which, in f.detail):
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
static void judge_sched(struct entry *en, const struct run_result *r,
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
    env = gr_alloc(sizeof(char *) * (size_t)(nt + t->nparams + 4));
    for (int i = 0; i < nt; i++)
        env[n++] = tool[i];
    for (int i = 0; i < t->nparams; i++)
        env[n++] = gr_printf(HARNESS_ENV_PARAM_PREFIX "%s", t->params[i]);
    /* The scheduler makes its own spurious wake-ups; without chaos, the
     * schedule is the one `make sched` replays. */
    if (k == CHK_SCHED)
        sched_env(env, &n, r);
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
    for (int i = 0; i < n; i++) {
        if (ens[i]->kind == CHK_FUNCTIONAL || ens[i]->kind == CHK_SPEEDUP)
            judge(ens[i], &rs[i], o->root);
        else if (ens[i]->kind == CHK_SCHED)
            judge_sched(ens[i], &rs[i], lab, o);
        else
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
    for (int i = 0; i < t->nrequires; i++) {
        f = find_entry(res, t->requires[i], CHK_FUNCTIONAL);
        if (f && f->outcome != OUT_PASS)
        return t->requires[i];
    }
    return NULL;
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
static int test_listed(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");

        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static void make_entries(struct lab *lab, const struct grade_opts *o,
                         struct lab_result *res)
{
    for (int i = 0; i < lab->rubric.ntests; i++) {
        struct rubric_test *t = &lab->rubric.tests[i];

        if (o->only_test && !test_listed(o->only_test, t->name))
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
        int n = 0;
        const char *missing = tool_missing((enum check_kind)k);
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
    if (map_tests(o, lab, &lab->broken) < 0) {
        lab_broken(res, lab->broken);
        goto out;
    }

    batch = gr_alloc(sizeof(*batch) * (size_t)(res->nentries + 1));
    for (int i = 0; i < res->nentries; i++)
        if (res->entries[i].kind == CHK_FUNCTIONAL)
            batch[n++] = &res->entries[i];
    /* The clock starts now: the build was the grader's time, not a task's. */
    budget_init(&budget, lab, res, now_seconds());
    run_phase(batch, n, lab, o, o->jobs, &budget, NULL);
    free(batch);
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
