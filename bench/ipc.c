/* SPDX-License-Identifier: MIT */
/*
 * Lab 07's two ways to move messages to another process: framed messages
 * through a pipe (msg.c) and the shared-memory ring (ring.c). A writer
 * sends the same bytes both ways to a forked reader, for 64 B, 4 KiB and
 * 1 MiB messages; the figure is payload throughput, best of 3.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "msg.h"
#include "ring.h"

#define TRIALS 3

struct size_case {
    const char *name;
    size_t len;  /* bytes per message */
    long count;  /* messages per run */
    size_t ring; /* ring capacity: the lab's 256 KiB, or room for 4 */
};

static char *buf;          /* the message sent, and the reader's buffer */
static char ring_name[64]; /* "/bench-ring-<pid>" */

/* If a run dies half-way, leave nothing behind in /dev/shm. */
static void unlink_ring(void)
{
    shm_unlink(ring_name); /* usually ENOENT: ring_destroy removed it */
}

/* Wait for the reader; it exits 0 only if it got every byte it expected. */
static void reap(pid_t pid, const char *what)
{
    int st;

    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        bench_die("%s: the reader did not receive every message", what);
}

static void through_pipe(const struct size_case *c)
{
    int fds[2];
    pid_t pid;

    if (pipe(fds) != 0)
        bench_die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        long got = 0;
        size_t len;

        close(fds[1]);
        while (msg_recv(fds[0], buf, c->len, &len) == 1 && len == c->len)
            got++;
        _exit(got == c->count ? 0 : 1);
    }
    close(fds[0]);
    for (long i = 0; i < c->count; i++)
        if (msg_send(fds[1], buf, c->len) != 0)
            bench_die("msg_send failed");
    close(fds[1]);
    reap(pid, "pipe");
}

static void through_ring(const struct size_case *c)
{
    struct ring *r;
    pid_t pid;
    int rc;

    rc = ring_create(ring_name, c->ring, &r);
    if (rc != 0)
        bench_die("ring_create(%s): %s", ring_name, strerror(-rc));
    pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        long got = 0;
        size_t len;

        while (ring_recv(r, buf, c->len, &len) == 1 && len == c->len)
            got++;
        ring_detach(r);
        _exit(got == c->count ? 0 : 1);
    }
    for (long i = 0; i < c->count; i++)
        if (ring_send(r, buf, c->len) != 0)
            bench_die("ring_send failed");
    ring_close(r);
    reap(pid, "ring");
    ring_destroy(r);
}

/* Best of TRIALS, in MiB of payload per second. */
static double mib_per_s(void (*fn)(const struct size_case *),
                        const struct size_case *c)
{
    double best = 0;

    fn(c); /* warm-up */
    for (int t = 0; t < TRIALS; t++) {
        uint64_t t0 = bench_now_ns();

        fn(c);
        double s = (double)(bench_now_ns() - t0) / 1e9;
        double rate = (double)c->len * (double)c->count / s / (1 << 20);

        best = rate > best ? rate : best;
    }
    return best;
}

int main(void)
{
    static const struct size_case cases[] = {
        {"64 B", 64, 400000, 256 << 10},
        {"4 KiB", 4096, 100000, 256 << 10},
        {"1 MiB", 1 << 20, 500, 4 << 20},
    };
    char variant[64];

    signal(SIGPIPE, SIG_IGN);
    snprintf(ring_name, sizeof(ring_name), "/bench-ring-%d", (int)getpid());
    atexit(unlink_ring);
    buf = malloc(1 << 20);
    if (!buf)
        bench_die("out of memory");
    memset(buf, 0x5a, 1 << 20);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(variant, sizeof(variant), "pipe %s", cases[i].name);
        bench_row("ipc", variant, mib_per_s(through_pipe, &cases[i]), "MiB/s");
        snprintf(variant, sizeof(variant), "ring %s", cases[i].name);
        bench_row("ipc", variant, mib_per_s(through_ring, &cases[i]), "MiB/s");
    }
    free(buf);
    return 0;
}
