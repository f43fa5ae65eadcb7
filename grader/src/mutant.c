/* SPDX-License-Identifier: MIT */
/* Reading a mutant's patch (its declaration with inih, its diff by hand)
 * and applying it to a staged copy of the reference with GNU patch. */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mutant.h"
#include "rubric.h"
#include "util.h"

static int mutant_handler(void *user, const char *section, const char *key,
                          const char *val)
{
    struct mutant *m = user;

    (void)section;
    if (strcmp(key, "check") == 0)
        m->check = check_parse(val);
    else if (strcmp(key, "test") == 0)
        m->test = gr_strdup(val);
    else if (strcmp(key, "verdict") == 0)
        m->verdict = gr_strdup(val);
    else if (strcmp(key, "symptom") == 0 && symptom_word(val))
        m->symptom = gr_strdup(val);
    else if (strcmp(key, "why") == 0)
        m->why = gr_strdup(val);
    else
        return 0;
    return 1;
}

/* "@@ -12,7 +12,6 @@": the lines the hunk takes from the old file and the
 * new; a count left out is 1. 0, or -1 when l is no hunk header. */
static int hunk_counts(const char *l, long *nold, long *nnew)
{
    char *p;

    if (!starts_with(l, "@@ -"))
        return -1;
    strtol(l + 4, &p, 10);
    *nold = *p == ',' ? strtol(p + 1, &p, 10) : 1;
    if (!starts_with(p, " +"))
        return -1;
    strtol(p + 2, &p, 10);
    *nnew = *p == ',' ? strtol(p + 1, &p, 10) : 1;
    return starts_with(p, " @@") && *nold >= 0 && *nnew >= 0 ? 0 : -1;
}

/* The name a "+++ " line gives, its first path component and any
 * timestamp dropped; NULL when it has no second component. */
static char *target_name(const char *l)
{
    const char *name = l + 4, *slash = strchr(name, '/');
    size_t n = strcspn(name, "\t");

    if (!slash || (size_t)(slash - name) + 1 >= n)
        return NULL;
    n -= (size_t)(slash + 1 - name);
    return strndup(slash + 1, n);
}

/*
 * Walk the diff line by line, counting each hunk's lines so that a removed
 * line that happens to start "-- " is not taken for a file's header. Only
 * what `diff -u` writes is accepted: GNU patch also runs ed scripts, and a
 * mutant must not be one.
 */
static int parse_diff(char *diff, int first, const char *path, struct mutant *m,
                      char **err)
{
    long nold = 0, nnew = 0;
    int lineno = first;
    char *l, *next;

    for (l = diff; *l; l = next, lineno++) {
        char *nl = strchr(l, '\n');

        next = nl ? nl + 1 : l + strlen(l);
        if (nl)
            *nl = '\0';
        if (nold > 0 || nnew > 0) {
            /* An empty line is an empty context line an editor trimmed. */
            if (*l == ' ' || *l == '\0')
                nold--, nnew--;
            else if (*l == '-')
                nold--;
            else if (*l == '+')
                nnew--;
            else if (*l != '\\')
                goto bad;
            if (nold < 0 || nnew < 0)
                goto bad;
        } else if (*l == '\\') {
            continue; /* "\\ No newline at end of file" */
        } else if (starts_with(l, "--- ")) {
            if (!starts_with(next, "+++ "))
                goto bad;
        } else if (starts_with(l, "+++ ")) {
            char *name = target_name(l);

            if (!name) {
                *err = gr_printf("%s:%d: %s: want solutions/NN-topic/FILE",
                                 path, lineno, l);
                return -1;
            }
            m->files = realloc(m->files, sizeof(char *) * (m->nfiles + 1));
            if (!m->files)
                gr_die("out of memory");
            m->files[m->nfiles++] = name;
        } else if (hunk_counts(l, &nold, &nnew) < 0 || !m->nfiles) {
            goto bad;
        }
    }
    if (nold > 0 || nnew > 0) {
        *err = gr_printf("%s: the last hunk is cut short", path);
        return -1;
    }
    if (!m->nfiles) {
        *err = gr_printf("%s: no unified diff after the declaration", path);
        return -1;
    }
    return 0;
bad:
    *err = gr_printf("%s:%d: not part of a unified diff (diff -u): %.60s", path,
                     lineno, l);
    return -1;
}

int mutant_load(const char *path, struct mutant *m, char **err)
{
    char *text, *diff;
    int rc, first = 1;

    memset(m, 0, sizeof(*m));
    m->check = -2;
    text = read_file(path, 1 << 20, NULL);
    if (!text) {
        *err = gr_printf("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    /* The declaration ends where the diff begins, at its first "--- "
     * line; patch takes the declaration for leading text and skips it. */
    diff = starts_with(text, "--- ") ? text : strstr(text, "\n--- ");
    if (!diff) {
        *err = gr_printf("%s: no unified diff (no line starts \"--- \")", path);
        goto fail;
    }
    if (diff != text) {
        *diff++ = '\0';
        for (const char *s = text; *s; s++)
            first += *s == '\n';
        first++;
    }
    rc = ini_parse_string(diff == text ? "" : text, mutant_handler, m);
    if (rc != 0) {
        *err = gr_printf("%s:%d: unknown key, or a line longer than inih's "
                         "200 characters",
                         path, rc);
        goto fail;
    }
    if (m->check < 0) {
        *err =
            gr_printf("%s: check = one of %s is required", path, check_list());
        goto fail;
    }
    if (parse_diff(diff, first, path, m, err) < 0)
        goto fail;
    free(text);
    return 0;
fail:
    free(text);
    return -1;
}

/* Run GNU patch on tree; its words (stdout and stderr) in *out. Returns
 * its exit status, or -1 with errno when it could not be run. */
static int run_patch(const char *path, const char *tree, int dry, char **out)
{
    /* Exact context (a hunk may move, never fuzz); no questions, no
     * backups, no .rej files; an already applied patch is a failure. */
    char *argv[] = {"patch",
                    "--batch",
                    "--forward",
                    "--fuzz=0",
                    "--no-backup-if-mismatch",
                    "--reject-file=-",
                    "-p1",
                    "-d",
                    (char *)tree,
                    "-i",
                    (char *)path,
                    NULL,
                    NULL};
    int fds[2], st, null;
    pid_t pid;

    if (dry)
        argv[11] = "--dry-run";
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 ||
            dup2(fds[1], 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        dprintf(2, "cannot run patch: %s (run: make deps)\n", strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    /* Read to the end, or patch could block on a full pipe. */
    *out = read_fd(fds[0], (size_t)1 << 30, NULL);
    close(fds[0]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int mutant_apply(const char *path, const char *tree, char **err)
{
    char *out = NULL;

    for (int dry = 1; dry >= 0; dry--) {
        int rc = run_patch(path, tree, dry, &out);

        if (rc != 0) {
            *err = rc < 0 ? gr_printf("cannot run patch: %s", strerror(errno))
                          : gr_printf("%s", trim(out));
            free(out);
            return -1;
        }
        free(out);
    }
    return 0;
}
