/* SPDX-License-Identifier: MIT */
/* Staging and building one lab of one tree: the student's files copied in,
 * make run for a variant, and every rubric test mapped to its binary. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "findings.h"
#include "stage.h"
#include "util.h"

/* Run make for one variant; its output goes to <out>/<lab>/<variant>.log. */
int build_variant(const struct grade_opts *o, const struct lab *lab,
                  const char *variant, char **log)
{
    char *logdir = gr_printf("%s/%s", o->out, lab->name);
    char *logpath = gr_printf("%s/build-%s.log", logdir, variant);
    char *cmd;
    int rc;

    mkdir_p(logdir);
    cmd = gr_printf(
        "env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS timeout 600 make "
        "-s --no-print-directory -j%d -C '%s' lab-build LAB='%s' "
        "VARIANT=%s TREE='%s/src' OUT='%s' ONLY_BINS='%s' >'%s' 2>&1",
        o->jobs > 0 ? o->jobs : 2, o->root, lab->name, variant, o->out, o->out,
        lab->build_bins ? lab->build_bins : "", logpath);
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
char *first_errors(const char *log, const char *root)
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
char *stage_student_files(const struct grade_opts *o, const struct lab *lab)
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

char *binary_path(const struct grade_opts *o, const struct lab *lab,
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
int map_tests(const struct grade_opts *o, struct lab *lab, char **err)
{
    struct sbuf problems = {0};
    int unlisted = 0;

    for (int b = 0; b < lab->nbinaries; b++) {
        char *path, *why = NULL, *names, *save = NULL;

        if (lab->build_bins &&
            !list_has(lab->build_bins, " ", lab->binaries[b]))
            continue; /* not built: it holds none of the tests graded */
        path = list_path(o, lab, lab->binaries[b]);
        names = list_tests(path, &why);

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
        if (!lab->rubric.tests[i].binary &&
            (!lab->build_bins || !o->only_test ||
             list_has(o->only_test, ",", lab->rubric.tests[i].name)))
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
