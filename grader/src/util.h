/* SPDX-License-Identifier: MIT */
/* Small helpers the grader uses everywhere: growable strings, allocation
 * that cannot fail silently, paths and files. */
#ifndef GRADER_UTIL_H
#define GRADER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* A growable, always NUL-terminated string. */
struct sbuf {
    char *s;
    size_t len, cap;
};

void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *sbuf_steal(struct sbuf *b); /* the string (never NULL); b is emptied */
void sbuf_free(struct sbuf *b);

void *gr_alloc(size_t n); /* zeroed; aborts the grader on ENOMEM */
char *gr_strdup(const char *s);
char *gr_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gr_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

char *read_file(const char *path, size_t max, size_t *len); /* NULL: errno */
char *read_fd(int fd, size_t max, size_t *len); /* up to max bytes, fd kept */

/*
 * read_run_file - read a file the test could have written (its run folder:
 * tool logs, trace.spans), or any file the grader reads back after running
 * student code. Only a regular file owned by `owner` is read, at most max
 * bytes of it (a larger file is cut). A symlink, a FIFO, a device or a
 * directory is refused without following or blocking on it. Returns the
 * data, or NULL with errno: ENOENT (no such file), ELOOP (a symlink),
 * EINVAL (not a regular file), EPERM (another owner), or open's error.
 */
char *read_run_file(const char *path, size_t max, size_t *len, uid_t owner);
/*
 * run_dir_owner - the uid a test's run folder belongs to: the test's own
 * uid, which its supervisor gives it (sandbox_own), or the grader's uid
 * when tests run as the grader. The test cannot change it: the folder's
 * parent is the grader's. 0 or -errno (-ENOTDIR: not a directory).
 */
int run_dir_owner(const char *dir, uid_t *owner);
int write_file(const char *path, const char *data); /* 0 or -errno */
int mkdir_p(const char *path);                      /* 0 or -errno */
int rm_rf(const char *path);                        /* 0 or -errno */
int copy_file(const char *from, const char *to);    /* 0 or -errno */
int is_dir(const char *path);
int is_file(const char *path);
char *path_join(const char *a, const char *b);
char *abs_path(const char *path); /* realpath, or NULL */

/*
 * next_line - walk a text line by line: `while ((n = next_line(&p, buf,
 * sizeof(buf))))`. Copies the line *p starts, without its newline and cut
 * to fit, into buf (when buf is not NULL), and moves *p past it: to the
 * next line, or to NULL after a last line without a newline. Returns the
 * line's whole length plus one; 0 when no line is left (*p NULL or at the
 * end of the text), *p then unchanged.
 */
size_t next_line(const char **p, char *buf, size_t size);
/* Is `name` one of the items of `list`, separated by any of `seps`? */
int list_has(const char *list, const char *seps, const char *name);
/* sbuf_xml - add s escaped for XML text or an attribute value; a control
 * character XML 1.0 does not allow becomes '?'. */
void sbuf_xml(struct sbuf *b, const char *s);

/* Split s on any of seps, trimming blanks; returns the count. */
int split_list(const char *s, const char *seps, char ***out);
char *trim(char *s);
int starts_with(const char *s, const char *prefix);
const char *signal_name(int sig); /* "SIGSEGV", or "signal 42" */
double now_seconds(void);         /* CLOCK_MONOTONIC */

/* One process as /proc shows it: the grader's one walker of /proc. */
struct proc_info {
    pid_t pid, ppid;
    uid_t uid;    /* owner of /proc/PID: the effective uid */
    char state;   /* 'R', 'S', 'Z', ... */
    long threads; /* what RLIMIT_NPROC counts */
};
/* One process's /proc/PID/stat: 0, or -1 if it is gone (or unreadable). */
int proc_info_of(pid_t pid, struct proc_info *p);
/* Call fn for every process until it returns non-zero; returns the number
 * of processes seen, -1 if /proc cannot be read. */
int proc_walk(int (*fn)(const struct proc_info *p, void *arg), void *arg);
/* The same, for the processes /proc says `owner` or root owns (others are
 * skipped before their stat file is read; a non-dumpable process's folder
 * is root's, whatever its uid). */
int proc_walk_owned(uid_t owner,
                    int (*fn)(const struct proc_info *p, void *arg), void *arg);

#endif
