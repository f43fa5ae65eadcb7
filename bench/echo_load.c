/* SPDX-License-Identifier: MIT */
/*
 * The load generator for the echo servers: it starts the server given on
 * its command line (handing it a listening socket as fd 3), opens CONNS
 * connections, and on each one sends a small message and waits for its
 * echo, again and again, from THREADS epoll threads (default 2), each with
 * its own share of the connections. After a warm-up it counts the round
 * trips for SECONDS and reports requests per second and the 99th-percentile
 * round-trip latency, and the server's CPU time per request; on stderr,
 * the CPU the server and the generator used meanwhile (a server near 100%
 * of one CPU is the bottleneck, not the generator).
 *
 * Usage: echo_load SERVER LABEL CONNS SECONDS [THREADS]
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MSG_LEN 64
#define WARMUP_NS 500000000ull /* 0.5 s before counting starts */

struct conn {
    int fd;
    unsigned seq;       /* which message is in flight */
    size_t got;         /* bytes of its echo read so far */
    uint64_t sent_ns;   /* when it was sent */
    char msg[MSG_LEN];  /* what was sent */
    char echo[MSG_LEN]; /* what has come back */
};

static pid_t server = -1;

/* Whatever happens, do not leave the server running. */
static void kill_server(void)
{
    if (server > 0) {
        kill(server, SIGKILL);
        waitpid(server, NULL, 0);
        server = -1;
    }
}

/* A listening socket on 127.0.0.1, any port, non-blocking (lab 06 wants
 * it so); returns it and its port. */
static int listen_any(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

    if (fd < 0)
        bench_die("socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(fd, 4096) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        bench_die("bind/listen: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return fd;
}

/* Fork the server with the listening socket as its fd 3. */
static void start_server(const char *path, int lfd)
{
    server = fork();
    if (server < 0)
        bench_die("fork: %s", strerror(errno));
    if (server == 0) {
        if (lfd != 3 && (dup2(lfd, 3) != 3 || close(lfd) != 0))
            _exit(127);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(lfd); /* the server's now; connections queue in its backlog */
}

static int connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        bench_die("connect: %s", strerror(errno));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
        bench_die("fcntl: %s", strerror(errno));
    return fd;
}

/* Send c's next message: distinct bytes per connection and round, so an
 * echo that went to the wrong client or came back stale is caught. */
static void send_next(struct conn *c, size_t idx)
{
    c->seq++;
    for (size_t i = 0; i < MSG_LEN; i++)
        c->msg[i] = (char)(idx * 31 + c->seq * 7 + i);
    c->got = 0;
    c->sent_ns = bench_now_ns();
    if (write(c->fd, c->msg, MSG_LEN) != MSG_LEN)
        bench_die("write to the server: %s (a short write of %d bytes?)",
                  strerror(errno), MSG_LEN);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* One generator thread: conns[first, first + n) on an epoll of its own. */
struct worker {
    pthread_t tid;
    struct conn *conns; /* the whole array; this thread touches its share */
    int first, n;
    uint64_t t_start, t_end; /* count round trips that end in between */
    uint64_t *lat, count, cap;
};

static void worker_record(struct worker *w, uint64_t rtt)
{
    if (w->count == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1 << 16;
        w->lat = realloc(w->lat, w->cap * sizeof(*w->lat));
        if (!w->lat)
            bench_die("out of memory");
    }
    w->lat[w->count++] = rtt;
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct epoll_event ev[256];
    int epfd = epoll_create1(0);
    uint64_t now;

    if (epfd < 0)
        bench_die("epoll_create1: %s", strerror(errno));
    for (int i = w->first; i < w->first + w->n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (unsigned)i};

        if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->conns[i].fd, &e) != 0)
            bench_die("epoll_ctl: %s", strerror(errno));
        send_next(&w->conns[i], (size_t)i);
    }
    for (now = bench_now_ns(); now < w->t_end; now = bench_now_ns()) {
        int n = epoll_wait(epfd, ev, 256, 10000);

        if (n < 0 && errno != EINTR)
            bench_die("epoll_wait: %s", strerror(errno));
        if (n == 0)
            bench_die("no echo for 10 s: is the server stuck?");
        for (int k = 0; k < n; k++) {
            size_t i = ev[k].data.u32;
            struct conn *c = &w->conns[i];
            ssize_t r = read(c->fd, c->echo + c->got, MSG_LEN - c->got);

            if (r < 0 && errno == EAGAIN)
                continue;
            if (r <= 0)
                bench_die("the server closed connection %zu (%s)", i,
                          r ? strerror(errno) : "EOF");
            c->got += (size_t)r;
            if (c->got < MSG_LEN)
                continue;
            if (memcmp(c->echo, c->msg, MSG_LEN) != 0)
                bench_die("connection %zu: the echo differs from the message",
                          i);
            now = bench_now_ns();
            if (now >= w->t_start && now < w->t_end)
                worker_record(w, now - c->sent_ns);
            send_next(c, i);
        }
    }
    close(epfd);
    return NULL;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u),
                          .tv_nsec = (long)(t % 1000000000u)};

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
        ;
}

/* CPU time (user + system) of a process, in ns, from /proc. */
static uint64_t proc_cpu_ns(pid_t pid)
{
    unsigned long utime = 0, stime = 0;
    char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    /* fields 14 and 15; the name (field 2) holds no space here */
    if (!f || fscanf(f,
                     "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                     "%*u %lu %lu",
                     &utime, &stime) != 2)
        bench_die("reading %s failed", path);
    fclose(f);
    return (uint64_t)(utime + stime) * (1000000000u / sysconf(_SC_CLK_TCK));
}

/* CPU time of this process (every thread), in ns. */
static uint64_t self_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    struct conn *conns;
    struct worker *workers;
    uint64_t *lat, count = 0, t_start, t_end, srv0, srv1, me0, me1;
    int lfd, port, nconns, nthreads = 2;
    double seconds, wall;
    char variant[96];

    if (argc != 5 && argc != 6)
        bench_die("usage: echo_load SERVER LABEL CONNS SECONDS [THREADS]");
    nconns = atoi(argv[3]);
    seconds = atof(argv[4]);
    if (argc == 6)
        nthreads = atoi(argv[5]);
    if (nconns < 1 || seconds <= 0 || nthreads < 1)
        bench_die("CONNS, SECONDS and THREADS must be positive");
    if (nthreads > nconns)
        nthreads = nconns;
    /* Each end of a connection is in its own process (the server inherits
     * the raised limit across fork and exec), so each needs CONNS fds. */
    if (bench_raise_nofile() < nconns + 64L)
        bench_die("the hard fd limit is too low for %d connections "
                  "(ulimit -Hn; it needs %d)",
                  nconns, nconns + 64);
    signal(SIGPIPE, SIG_IGN);
    atexit(kill_server);
    lfd = listen_any(&port);
    start_server(argv[1], lfd);

    conns = calloc((size_t)nconns, sizeof(*conns));
    workers = calloc((size_t)nthreads, sizeof(*workers));
    if (!conns || !workers)
        bench_die("out of memory");
    for (int i = 0; i < nconns; i++)
        conns[i].fd = connect_to(port);

    t_start = bench_now_ns() + WARMUP_NS;
    t_end = t_start + (uint64_t)(seconds * 1e9);
    for (int t = 0; t < nthreads; t++) {
        struct worker *w = &workers[t];

        w->conns = conns;
        w->first = (int)((long)nconns * t / nthreads);
        w->n = (int)((long)nconns * (t + 1) / nthreads) - w->first;
        w->t_start = t_start;
        w->t_end = t_end;
        if (pthread_create(&w->tid, NULL, worker_run, w) != 0)
            bench_die("pthread_create failed");
    }
    /* The CPU both sides use while round trips are counted. */
    sleep_until(t_start);
    srv0 = proc_cpu_ns(server);
    me0 = self_cpu_ns();
    sleep_until(t_end);
    srv1 = proc_cpu_ns(server);
    me1 = self_cpu_ns();
    for (int t = 0; t < nthreads; t++) {
        if (pthread_join(workers[t].tid, NULL) != 0)
            bench_die("pthread_join failed");
        count += workers[t].count;
    }
    for (int i = 0; i < nconns; i++)
        close(conns[i].fd);
    kill_server();
    if (count == 0)
        bench_die("no round trip completed in %.1f s", seconds);

    /* All threads' round trips together. */
    lat = malloc(count * sizeof(*lat));
    if (!lat)
        bench_die("out of memory");
    count = 0;
    for (int t = 0; t < nthreads; t++) {
        memcpy(lat + count, workers[t].lat, workers[t].count * sizeof(*lat));
        count += workers[t].count;
        free(workers[t].lat);
    }
    qsort(lat, count, sizeof(*lat), cmp_u64);
    snprintf(variant, sizeof(variant), "%s c=%d", argv[2], nconns);
    bench_row("echo req/s", variant, (double)count / seconds, "req/s");
    bench_row("echo p99", variant, (double)lat[count * 99 / 100] / 1e3, "us");
    /* What a request costs the server, however much of a CPU it got: the
     * figure a loaded machine disturbs least. */
    bench_row("echo server cpu", variant,
              (double)(srv1 - srv0) / 1e3 / (double)count, "us/req");
    wall = seconds * 1e9;
    fprintf(stderr,
            "echo_load: %s: server %.0f%% of a CPU (%.2f us a request), "
            "generator %.0f%% (%d threads)\n",
            variant, 100.0 * (double)(srv1 - srv0) / wall,
            (double)(srv1 - srv0) / 1e3 / (double)count,
            100.0 * (double)(me1 - me0) / wall, nthreads);
    free(lat);
    free(workers);
    free(conns);
    return 0;
}
