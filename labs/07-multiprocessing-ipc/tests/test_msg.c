/* SPDX-License-Identifier: MIT */
/* Lab 07, task 1: frames of any size arrive whole, in order, through partial
 * reads and writes, signals, and ends of stream. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "msg.h"
#include "lab07_util.h"

static const size_t sizes[] = {0,    1,     3,       4,     5,      100,
                               4095, 4096,  4097,    65535, 65536,  65537,
                               0,    99999, 1 << 20, 7,     3 << 20};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define MAXSIZE (3 << 20)

/* Child: send every size in order, then exit 0, or 1 on a send error. */
static void send_all_sizes(int fd)
{
    char *buf = malloc(MAXSIZE);

    if (!buf)
        _exit(2);
    for (size_t i = 0; i < NSIZES; i++) {
        lab07_fill(buf, sizes[i], i);
        if (msg_send(fd, buf, sizes[i]) != 0)
            _exit(1);
    }
    free(buf);
    _exit(0);
}

/* Parent: receive every size in order, then the clean end. */
static void recv_all_sizes(int fd)
{
    char *buf = xmalloc(MAXSIZE);
    size_t len, bad;
    int rc;

    for (size_t i = 0; i < NSIZES; i++) {
        len = (size_t)-1;
        rc = msg_recv(fd, buf, MAXSIZE, &len);
        if (rc == -EPROTO || (rc == 1 && len < sizes[i]))
            harness_fail_symptom("frame-cut",
                                 "frame %zu (%zu bytes), sent whole, came "
                                 "back cut (msg_recv returned %d, %zu bytes): "
                                 "one read() returns one piece of the stream",
                                 i, sizes[i], rc, rc == 1 ? len : 0);
        if (rc != 1)
            harness_fail("frame %zu (%zu bytes): msg_recv returned %d, "
                         "expected 1 (%s)",
                         i, sizes[i], rc,
                         rc == 0 ? "a clean end of stream: frames lost?"
                                 : strerror(-rc));
        if (len != sizes[i])
            harness_fail("frame %zu: got %zu bytes, expected %zu: does a "
                         "short read() end your loop early?",
                         i, len, sizes[i]);
        bad = lab07_check(buf, len, i);
        if (bad != len)
            harness_fail("frame %zu (%zu bytes): byte %zu is wrong: are the "
                         "pieces of a partial read put at the right offset?",
                         i, len, bad);
    }
    rc = msg_recv(fd, buf, MAXSIZE, &len);
    if (rc != 0)
        harness_fail("after the last frame the writer exited: expected 0 "
                     "(clean end), got %d",
                     rc);
    free(buf);
}

static void roundtrip(int rfd, int wfd)
{
    pid_t pid = xfork();

    if (pid == 0) {
        close(rfd);
        send_all_sizes(wfd);
    }
    xclose(wfd);
    recv_all_sizes(rfd);
    xclose(rfd);
    if (lab07_wait_child(pid) != 0)
        harness_fail("the sending child failed: msg_send returned an error");
}

/* Frames from 0 bytes to 3 MiB through a pipe: partial reads for sure. */
static void test_msg_pipe_roundtrip(void **state)
{
    int fds[2];

    (void)state;
    xpipe(fds);
    roundtrip(fds[0], fds[1]);
}

/* The same through a socketpair, where writes of big frames are partial. */
static void test_msg_socket_roundtrip(void **state)
{
    int sv[2];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    roundtrip(sv[0], sv[1]);
}

/* A writer that trickles a frame out one byte at a time, header included. */
static void test_msg_trickled_frame(void **state)
{
    char frame[4 + 10], buf[64];
    uint32_t n = 10;
    size_t len;
    int fds[2], rc;
    pid_t pid;

    (void)state;
    memcpy(frame, &n, 4);
    lab07_fill(frame + 4, 10, 42);
    xpipe(fds);
    pid = xfork();
    if (pid == 0) {
        close(fds[0]);
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < sizeof(frame); i++) {
                if (write(fds[1], &frame[i], 1) != 1)
                    _exit(1);
                harness_io_wait_us(300); /* a slow sender */
            }
        _exit(0);
    }
    xclose(fds[1]);
    for (int k = 0; k < 2; k++) {
        rc = msg_recv(fds[0], buf, sizeof(buf), &len);
        if (rc != 1 || len != 10 || lab07_check(buf, 10, 42) != 10)
            harness_fail("a frame that arrives one byte at a time: expected "
                         "1 and 10 intact bytes, got %d and %zu bytes: a "
                         "read() may return a single byte, even of the "
                         "header",
                         rc, len);
    }
    xclose(fds[0]);
    assert_int_equal(lab07_wait_child(pid), 0);
}

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

/* An interval timer whose handler is installed without SA_RESTART, so
 * blocking reads and writes fail with EINTR or come back short. */
static void start_ticking(void)
{
    struct sigaction sa;
    struct itimerval it = {{0, 200}, {0, 200}};

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_tick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: the point of the test */
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    ticks = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void stop_ticking(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};

    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
}

/*
 * Signals keep arriving while big frames go both ways: an EINTR must be
 * retried, and a write cut short by a signal must continue where it stopped.
 */
static void test_msg_survives_signals(void **state)
{
    int down[2], up[2], rc_send, rc_recv;
    size_t len = 8 << 20, got = 0;
    char *buf = xmalloc(len);
    pid_t pid;

    (void)state;
    xpipe(down);
    xpipe(up);
    pid = xfork();
    if (pid == 0) { /* echo one frame back, slowly enough to be waited for */
        char *b = malloc(len);
        size_t n;

        close(down[1]);
        close(up[0]);
        if (!b || msg_recv(down[0], b, len, &n) != 1 || n != len)
            _exit(1);
        harness_io_wait_ms(20);
        _exit(msg_send(up[1], b, n) == 0 ? 0 : 2);
    }
    xclose(down[0]);
    xclose(up[1]);
    lab07_fill(buf, len, 7);
    start_ticking();
    rc_send = msg_send(down[1], buf, len);
    memset(buf, 0, len);
    rc_recv = msg_recv(up[0], buf, len, &got);
    stop_ticking();
    xclose(down[1]);
    xclose(up[0]);
    if (rc_send == -EINTR || rc_recv == -EINTR)
        harness_fail_symptom("eintr",
                             "%s returned -EINTR under a rain of %d signals: "
                             "a read or write a signal interrupted was passed "
                             "on instead of retried",
                             rc_send == -EINTR ? "msg_send" : "msg_recv",
                             (int)ticks);
    if (rc_send != 0)
        harness_fail("msg_send of 8 MiB under a rain of signals returned %d "
                     "(%s): EINTR means try again, and a short write means "
                     "write the rest",
                     rc_send, strerror(-rc_send));
    if (rc_recv != 1 || got != len)
        harness_fail("msg_recv under a rain of signals returned %d with %zu "
                     "bytes, expected 1 with %zu: EINTR means try again",
                     rc_recv, got, len);
    if (lab07_check(buf, len, 7) != len)
        harness_fail("the frame came back damaged at byte %zu: after a short "
                     "write, does the next write start at the right offset?",
                     lab07_check(buf, len, 7));
    assert_int_equal(lab07_wait_child(pid), 0);
    harness_note("%d signals arrived during the transfer", (int)ticks);
    free(buf);
}

static void write_raw(int fd, const void *p, size_t n)
{
    assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* A frame bigger than the buffer is reported and skipped, not half-read. */
static void test_msg_too_big_is_skipped(void **state)
{
    char small[100], big[10000], out[1000];
    size_t len = 0;
    int fds[2], rc;

    (void)state;
    xpipe(fds);
    lab07_fill(small, sizeof(small), 1);
    lab07_fill(big, sizeof(big), 2);
    assert_int_equal(msg_send(fds[1], small, sizeof(small)), 0);
    assert_int_equal(msg_send(fds[1], big, sizeof(big)), 0);
    assert_int_equal(msg_send(fds[1], small, 5), 0);
    xclose(fds[1]);

    assert_int_equal(msg_recv(fds[0], out, sizeof(out), &len), 1);
    assert_int_equal(len, sizeof(small));
    rc = msg_recv(fds[0], out, sizeof(out), &len);
    if (rc != -EMSGSIZE || len != sizeof(big))
        harness_fail("a 10000-byte frame into a 1000-byte buffer: expected "
                     "-EMSGSIZE and len 10000, got %d and len %zu",
                     rc, len);
    rc = msg_recv(fds[0], out, sizeof(out), &len);
    if (rc != 1 || len != 5 || lab07_check(out, 5, 1) != 5)
        harness_fail("the frame after a too-big one: expected 1 and its 5 "
                     "bytes, got %d and %zu bytes: was the big payload "
                     "read and dropped, so the stream stays in step?",
                     rc, len);
    assert_int_equal(msg_recv(fds[0], out, sizeof(out), &len), 0);
    xclose(fds[0]);
}

/* The end of the stream: clean between frames, an error inside one. */
static void test_msg_end_of_stream(void **state)
{
    uint32_t n = 100;
    char buf[200];
    size_t len;
    int fds[2], rc;

    (void)state;
    memset(buf, 0, sizeof(buf));
    xpipe(fds); /* no frame at all */
    xclose(fds[1]);
    assert_int_equal(msg_recv(fds[0], buf, sizeof(buf), &len), 0);
    xclose(fds[0]);

    xpipe(fds); /* a header promising 100 bytes, then 10 of them */
    write_raw(fds[1], &n, 4);
    write_raw(fds[1], buf, 10);
    xclose(fds[1]);
    rc = msg_recv(fds[0], buf, sizeof(buf), &len);
    if (rc != -EPROTO)
        harness_fail("a frame cut short by the end of the stream: expected "
                     "-EPROTO, got %d",
                     rc);
    xclose(fds[0]);

    xpipe(fds); /* the same, into a buffer too small: skipping it fails */
    write_raw(fds[1], &n, 4);
    write_raw(fds[1], buf, 10);
    xclose(fds[1]);
    rc = msg_recv(fds[0], buf, 8, &len);
    if (rc != -EPROTO)
        harness_fail("a frame too big for the buffer and cut short by the end "
                     "of the stream: expected -EPROTO (the payload cannot be "
                     "skipped whole), got %d",
                     rc);
    xclose(fds[0]);

    xpipe(fds); /* half a header */
    write_raw(fds[1], &n, 2);
    xclose(fds[1]);
    rc = msg_recv(fds[0], buf, sizeof(buf), &len);
    if (rc != -EPROTO)
        harness_fail("half a header, then the end: expected -EPROTO, got %d "
                     "(0 is only for an end between frames)",
                     rc);
    xclose(fds[0]);
}

static void test_msg_errors_reported(void **state)
{
    char buf[8] = {0};
    size_t len;
    int fds[2], rc;

    (void)state;
    lab07_ignore_sigpipe();
    xpipe(fds);
    EXPECT_RC(msg_send(fds[1], NULL, 3), -EINVAL);
    EXPECT_RC(msg_recv(fds[0], buf, sizeof(buf), NULL), -EINVAL);
    EXPECT_RC(msg_recv(fds[0], NULL, 8, &len), -EINVAL);
    xclose(fds[0]);
    rc = msg_send(fds[1], buf, sizeof(buf));
    if (rc != -EPIPE)
        harness_fail("a send with no reader left: expected -EPIPE, got %d", rc);
    xclose(fds[1]);
    EXPECT_RC(msg_send(-1, buf, 1), -EBADF);
    EXPECT_RC(msg_recv(-1, buf, sizeof(buf), &len), -EBADF);
    /* A length the 4-byte header cannot hold, refused before any write
     * (to /dev/null, which would take it all without reading buf). */
    fds[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_true(fds[1] >= 0);
    EXPECT_RC(msg_send(fds[1], buf, MSG_MAX_LEN + 1), -EMSGSIZE);
    xclose(fds[1]);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_msg_pipe_roundtrip),
    cmocka_unit_test(test_msg_socket_roundtrip),
    cmocka_unit_test(test_msg_trickled_frame),
    cmocka_unit_test(test_msg_survives_signals),
    cmocka_unit_test(test_msg_too_big_is_skipped),
    cmocka_unit_test(test_msg_end_of_stream),
    cmocka_unit_test(test_msg_errors_reported),
};

HARNESS_MAIN(tests)
