/* SPDX-License-Identifier: MIT */
/*
 * Lab 01: small helpers shared by the tests of tasks 2-6 (temporary files,
 * reading them back, describing statuses). Include after harness.h.
 */
#ifndef LAB01_TESTS_H
#define LAB01_TESTS_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "run.h"

#define RUN(...) ((char *const[]){__VA_ARGS__, NULL})

/* An absolute path in the test's scratch directory: dir/lab01-NAME-PID. */
static inline void lab01_path(char *buf, size_t len, const char *name)
{
    char dir[PATH_MAX];

    if (!realpath(harness_tmpdir(), dir))
        snprintf(dir, sizeof(dir), "/tmp");
    if (snprintf(buf, len, "%s/lab01-%s-%d", dir, name, (int)getpid()) >=
        (int)len)
        harness_fail("the scratch directory's path is too long: %s", dir);
}

/* A fresh file holding `text`, opened read-write at offset 0 (O_CLOEXEC),
 * already unlinked: it disappears when closed. */
static inline int lab01_file_with(const char *text)
{
    char path[PATH_MAX];
    int fd;

    lab01_path(path, sizeof(path), "file");
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        harness_fail("cannot create %s in the scratch directory", path);
    unlink(path);
    if (text && write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        harness_fail("cannot write the test's input file");
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* Everything in fd from offset 0, as a string in buf. */
static inline const char *lab01_read_all(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

/* No core files from the crashes the tests provoke on purpose. */
static inline void lab01_no_core_files(void)
{
    struct rlimit rl = {0, 0};

    setrlimit(RLIMIT_CORE, &rl);
}

/* Fail, naming the caller's file:line, unless *got is (how, code). */
#define lab01_expect_status(what, got, how, code)                              \
    lab01__expect_status(__FILE__, __LINE__, what, got, how, code)

static inline void lab01__expect_status(const char *file, int line,
                                        const char *what,
                                        const struct run_status *got,
                                        enum run_how how, int code)
{
    char g[64], w[64];
    struct run_status want = {how, code};

    if (got->how == how && how == RUN_EXITED && code != 0 &&
        got->code == code << 8)
        harness__fail_symptom(file, line, "raw-status",
                              "%s: expected exit code %d, got %d, which is "
                              "%d << 8: the raw wait status, not the exit "
                              "code",
                              what, code, got->code, code);
    if (got->how != how || got->code != code)
        harness__fail(file, line, "%s: expected \"%s\", got \"%s\"", what,
                      run_status_describe(&want, w, sizeof(w)),
                      run_status_describe(got, g, sizeof(g)));
}

#endif /* LAB01_TESTS_H */
