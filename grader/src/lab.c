/* SPDX-License-Identifier: MIT */
/* Finding labs: every labs/NN-topic with a lab.mk and a rubric.ini, what
 * its lab.mk declares (read through make), and a lab named as make grade
 * accepts it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "util.h"

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
