/* SPDX-License-Identifier: MIT */
/*
 * The load generator for the echo servers: it starts the server given on
 * its command line (handing it a listening socket as fd 3), opens CONNS
 * connections, and on each one sends a small message and waits for its
 * echo, again and again, from one epoll thread. After a warm-up it counts
 * the round trips for SECONDS and reports requests per second and the
 * 99th-percentile round-trip latency.
 *
 * Usage: echo_load SERVER LABEL CONNS SECONDS
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

int main(int argc, char **argv)
{
    struct epoll_event ev[256];
    struct conn *conns;
    uint64_t *lat, count = 0, cap = 1 << 16, t_start, t_end, now;
    int lfd, port, epfd, nconns;
    double seconds;
    char variant[96];

    if (argc != 5)
        bench_die("usage: echo_load SERVER LABEL CONNS SECONDS");
    nconns = atoi(argv[3]);
    seconds = atof(argv[4]);
    if (nconns < 1 || seconds <= 0)
        bench_die("CONNS and SECONDS must be positive");
    /* Both ends of every connection live on this machine, and the server
     * inherits the limit across fork and exec. */
    if (bench_raise_nofile() < 2L * nconns + 64)
        bench_die("the fd limit is too low for %d connections (ulimit -Hn)",
                  nconns);
    signal(SIGPIPE, SIG_IGN);
    atexit(kill_server);
    lfd = listen_any(&port);
    start_server(argv[1], lfd);

    conns = calloc((size_t)nconns, sizeof(*conns));
    lat = malloc(cap * sizeof(*lat));
    epfd = epoll_create1(0);
    if (!conns || !lat || epfd < 0)
        bench_die("out of memory or epoll_create1 failed");
    for (int i = 0; i < nconns; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (unsigned)i};

        conns[i].fd = connect_to(port);
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, conns[i].fd, &e) != 0)
            bench_die("epoll_ctl: %s", strerror(errno));
    }
    for (int i = 0; i < nconns; i++)
        send_next(&conns[i], (size_t)i);

    t_start = bench_now_ns() + WARMUP_NS;
    t_end = t_start + (uint64_t)(seconds * 1e9);
    for (now = bench_now_ns(); now < t_end; now = bench_now_ns()) {
        int n = epoll_wait(epfd, ev, 256, 1000);

        if (n < 0 && errno != EINTR)
            bench_die("epoll_wait: %s", strerror(errno));
        if (n == 0)
            bench_die("no echo for 1 s: is the server stuck?");
        for (int k = 0; k < n; k++) {
            size_t i = ev[k].data.u32;
            struct conn *c = &conns[i];
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
            if (now >= t_start && now < t_end) {
                if (count == cap) {
                    cap *= 2;
                    lat = realloc(lat, cap * sizeof(*lat));
                    if (!lat)
                        bench_die("out of memory");
                }
                lat[count++] = now - c->sent_ns;
            }
            send_next(c, i);
        }
    }
    for (int i = 0; i < nconns; i++)
        close(conns[i].fd);
    kill_server();
    if (count == 0)
        bench_die("no round trip completed in %.1f s", seconds);

    qsort(lat, count, sizeof(*lat), cmp_u64);
    snprintf(variant, sizeof(variant), "%s c=%d", argv[2], nconns);
    bench_row("echo req/s", variant, (double)count / seconds, "req/s");
    bench_row("echo p99", variant, (double)lat[count * 99 / 100] / 1e3, "us");
    free(lat);
    free(conns);
    return 0;
}
