/* SPDX-License-Identifier: MIT */
/* Small helpers the grader uses everywhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../harness/compat.h" /* sigabbrev_np before glibc 2.32 */
#include "util.h"

void gr_die(const char *fmt, ...)
{
    va_list ap;

    fputs("grader: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void *gr_alloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);

    if (!p)
        gr_die("out of memory");
    return p;
}

char *gr_strdup(const char *s)
{
    char *p = strdup(s ? s : "");

    if (!p)
        gr_die("out of memory");
    return p;
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = realloc(b->s, cap);
        if (!b->s)
            gr_die("out of memory");
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        gr_die("out of memory");
    sbuf_add(b, s, (size_t)n);
    free(s);
}

char *sbuf_steal(struct sbuf *b)
{
    char *s = b->s ? b->s : gr_strdup("");

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sbuf_free(struct sbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

char *gr_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        gr_die("out of memory");
    va_end(ap);
    return s;
}

char *read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *data;

    if (fd < 0)
        return NULL;
    data = read_fd(fd, max, len);
    close(fd);
    return data;
}

/*
 * O_NOFOLLOW: a symlink in the last component fails with ELOOP (the
 * folders above a run folder are the grader's, so only the last one is the
 * test's to choose). O_NONBLOCK: opening a FIFO with no writer returns at
 * once rather than waiting forever; fstat then refuses it. A hard link to
 * someone else's file (root's /etc/shadow) is that file, owned by its
 * owner, so the owner check refuses it even where protected_hardlinks is
 * off.
 */
char *read_run_file(const char *path, size_t max, size_t *len, uid_t owner)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    char *data;
    int err = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0)
        err = errno;
    else if (!S_ISREG(st.st_mode))
        err = EINVAL;
    else if (st.st_uid != owner)
        err = EPERM;
    if (err) {
        close(fd);
        errno = err;
        return NULL;
    }
    data = read_fd(fd, max, len);
    close(fd);
    return data;
}

int run_dir_owner(const char *dir, uid_t *owner)
{
    struct stat st;

    if (lstat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    *owner = st.st_uid;
    return 0;
}

char *read_fd(int fd, size_t max, size_t *len)
{
    struct sbuf b = {0};
    char chunk[65536];
    ssize_t n;

    while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
        size_t take = (size_t)n;

        if (b.len + take > max)
            take = max - b.len;
        sbuf_add(&b, chunk, take);
        if (b.len >= max)
            break;
    }
    if (len)
        *len = b.len;
    return sbuf_steal(&b);
}

int write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    int err = 0;

    if (!f)
        return -errno;
    if (fputs(data, f) < 0)
        err = -EIO;
    if (fclose(f) != 0 && !err)
        err = -errno;
    return err;
}

int mkdir_p(const char *path)
{
    char *p = gr_strdup(path);

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            int err = -errno;

            free(p);
            return err;
        }
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST) {
        int err = -errno;

        free(p);
        return err;
    }
    free(p);
    return 0;
}

int rm_rf(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) < 0 ? -errno : 0;
    d = opendir(path);
    if (!d)
        return -errno;
    while ((e = readdir(d))) {
        char *sub;

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        sub = path_join(path, e->d_name);
        rm_rf(sub);
        free(sub);
    }
    closedir(d);
    return rmdir(path) < 0 ? -errno : 0;
}

int copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = read_file(from, (size_t)64 << 20, &len);
    FILE *f;
    int err = 0;

    if (!data)
        return -errno;
    f = fopen(to, "w");
    if (!f) {
        err = -errno;
        free(data);
        return err;
    }
    if (fwrite(data, 1, len, f) != len)
        err = -EIO;
    if (fclose(f) != 0 && !err)
        err = -errno;
    free(data);
    return err;
}

int is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a);

    if (la && a[la - 1] == '/')
        return gr_printf("%s%s", a, b);
    return gr_printf("%s/%s", a, b);
}

char *abs_path(const char *path)
{
    char buf[PATH_MAX];

    if (!realpath(path, buf))
        return NULL;
    return gr_strdup(buf);
}

size_t next_line(const char **p, char *buf, size_t size)
{
    const char *s = *p, *e;
    size_t n;

    if (!s || !*s)
        return 0;
    e = strchr(s, '\n');
    n = e ? (size_t)(e - s) : strlen(s);
    if (buf && size)
        snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s);
    *p = e ? e + 1 : NULL;
    return n + 1;
}

void sbuf_xml(struct sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '<')
            sbuf_puts(b, "&lt;");
        else if (c == '>')
            sbuf_puts(b, "&gt;");
        else if (c == '&')
            sbuf_puts(b, "&amp;");
        else if (c == '"')
            sbuf_puts(b, "&quot;");
        else if (c < 0x20 && c != '\n' && c != '\t')
            sbuf_puts(b, "?"); /* not allowed in XML 1.0 */
        else
            sbuf_add(b, s, 1);
    }
}

char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    e = s + strlen(s);
    while (e > s &&
           (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int split_list(const char *s, const char *seps, char ***out)
{
    char *copy = gr_strdup(s), *save = NULL, *tok;
    char **v = NULL;
    int n = 0;

    for (tok = strtok_r(copy, seps, &save); tok;
         tok = strtok_r(NULL, seps, &save)) {
        char *t = trim(tok);

        if (!*t)
            continue;
        v = realloc(v, sizeof(*v) * (size_t)(n + 1));
        if (!v)
            gr_die("out of memory");
        v[n++] = gr_strdup(t);
    }
    free(copy);
    *out = v;
    return n;
}

int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *signal_name(int sig)
{
    static char buf[32];
    const char *abbrev = sigabbrev_np(sig);

    if (abbrev) {
        snprintf(buf, sizeof(buf), "SIG%s", abbrev);
        return buf;
    }
    snprintf(buf, sizeof(buf), "signal %d", sig);
    return buf;
}

double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int proc_info_of(pid_t pid, struct proc_info *p)
{
    char path[64], buf[1024];
    struct stat st;
    const char *rp;
    int ppid;
    FILE *f;

    memset(p, 0, sizeof(*p));
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (pid <= 0 || !(f = fopen(path, "re")))
        return -1; /* gone meanwhile */
    if (fstat(fileno(f), &st) < 0 || !fgets(buf, sizeof(buf), f) ||
        !(rp = strrchr(buf, ')')) ||
        sscanf(rp + 1,
               " %c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
               "%*d %*d %*d %ld",
               &p->state, &ppid, &p->threads) != 3) {
        fclose(f);
        return -1;
    }
    fclose(f);
    p->pid = pid;
    p->ppid = (pid_t)ppid;
    p->uid = st.st_uid;
    return 0;
}

int proc_walk(int (*fn)(const struct proc_info *p, void *arg), void *arg)
{
    return proc_walk_owned((uid_t)-1, fn, arg);
}

int proc_walk_owned(uid_t owner,
                    int (*fn)(const struct proc_info *p, void *arg), void *arg)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d))) {
        struct proc_info p;
        struct stat st;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        /* The folder's owner is the process's uid: a stat of it is far
         * cheaper than reading and parsing the stat file (the kernel
         * gathers a whole status for that), with a thousand processes.
         * But a process that made itself non-dumpable (prctl
         * PR_SET_DUMPABLE 0, which anyone may) has its folder owned by
         * root: root's are read, or a test could hide from the sweep. */
        if (owner != (uid_t)-1 && (fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
                                   (st.st_uid != owner && st.st_uid != 0)))
            continue;
        if (proc_info_of((pid_t)atoi(e->d_name), &p) < 0)
            continue; /* gone meanwhile */
        n++;
        if (fn(&p, arg))
            break;
    }
    closedir(d);
    return n;
}

int list_has(const char *list, const char *seps, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, seps);

        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] != 0);
    }
    return 0;
}
